package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func planCommand() command {
	return command{
		name:     "plan",
		args:     "ENV",
		summary:  "Show an environment's capacity, placement and monthly cost at min and max size.",
		examples: []string{"gen plan prod", "gen plan prod --fail-over-budget", "gen plan dev -o json"},
		long: "Node groups at min and max size, the apps'\n" +
			"requests at min and max replicas, headroom, where each pod lands at min and at max,\n" +
			"and the monthly cost at min and max.\nOffline. With --fail-over-budget it exits 1 when the cost at min is above the\n" +
			"environment's cluster.budget, e.g. gen plan prod --fail-over-budget in CI.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			overBudget := fs.Bool("fail-over-budget", false, "exit 1 when the monthly cost at min (the cluster at rest) is above cluster.budget")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 1 {
					fmt.Fprintf(e.stderr, "gen plan: name one environment\n")
					return exitError
				}
				if *format != "text" && *format != "json" {
					fmt.Fprintf(e.stderr, "gen plan: unknown output format %q (want text or json)\n", *format)
					return exitError
				}
				env, ok := e.env("plan", e.args[0])
				if !ok {
					return exitError
				}
				envs := []string{env}
				p, warnings, err := generator.PlanEnv(ctx, e.options(), envs[0])
				if err != nil {
					return e.fail(err)
				}
				e.warn(warnings)
				if *overBudget && (p.Cost == nil || p.Cost.Budget == nil) {
					what := "states no budget (cluster: budget: monthly: ...)"
					if p.Cost == nil {
						what = "has no prices for its region, so no cost to compare"
					}
					fmt.Fprintf(e.stderr, "gen plan: --fail-over-budget: environment %s %s\n", envs[0], what)
					return exitError
				}
				if *format == "json" {
					b, err := json.MarshalIndent(p, "", "  ")
					if err != nil {
						return e.fail(err)
					}
					fmt.Fprintf(e.stdout, "%s\n", b)
				} else {
					p.Text(e.stdout)
				}
				if *overBudget && p.Cost.Min.Total > p.Cost.Budget.Monthly {
					fmt.Fprintf(e.stderr, "gen plan: %s costs $%s a month at min, over its budget of $%s", envs[0], p.Cost.Min.Total, p.Cost.Budget.Monthly)
					if src := p.Cost.Budget.Source; src != "" {
						fmt.Fprintf(e.stderr, " (%s)", src)
					}
					fmt.Fprintln(e.stderr)
					return exitChanges
				}
				return exitOK
			}
		},
	}
}
