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
		examples: []string{"gen plan prod", "gen plan prod --fail-over-budget", "gen plan dev -o json", "gen plan chatbot"},
		long: "Node groups at min and max size, the apps'\n" +
			"requests at min and max replicas, headroom, where each pod lands at min and at max,\n" +
			"and the monthly cost at min and max.\nOffline. With --fail-over-budget it exits 1 when the cost at min is above the\n" +
			"environment's cluster.budget, e.g. gen plan prod --fail-over-budget in CI.\n" +
			"ENV may be a platform: each of its environments in turn, under a line \"==> ENV <==\"\n" +
			"(-o json: an array of their plans); --fail-over-budget exits 1 when any is over.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			overBudget := fs.Bool("fail-over-budget", false, "exit 1 when the monthly cost at min (the cluster at rest) is above cluster.budget")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 1 {
					fmt.Fprintf(e.stderr, "gen plan: name one environment, or a platform\n")
					return exitError
				}
				if *format != "text" && *format != "json" {
					fmt.Fprintf(e.stderr, "gen plan: unknown output format %q (want text or json)\n", *format)
					return exitError
				}
				envs, perEnv, ok := e.envsOf(e.args[0])
				if !ok {
					return exitError
				}
				// Every plan is made before any is printed: bad input in
				// one environment prints nothing.
				plans := make([]*generator.Plan, 0, len(envs))
				for _, env := range envs {
					p, warnings, err := generator.PlanEnv(ctx, e.options(), env)
					if err != nil {
						return e.fail(err)
					}
					e.warn(warnings)
					plans = append(plans, p)
				}
				if *overBudget {
					failed := false
					for _, p := range plans {
						if p.Cost != nil && p.Cost.Budget != nil {
							continue
						}
						what := "states no budget (cluster: budget: monthly: ...)"
						if p.Cost == nil {
							what = "has no prices for its region, so no cost to compare"
						}
						fmt.Fprintf(e.stderr, "gen plan: --fail-over-budget: environment %s %s\n", p.Env, what)
						failed = true
					}
					if failed {
						return exitError
					}
				}
				if *format == "json" {
					var v any = plans
					if !perEnv {
						v = plans[0]
					}
					b, err := json.MarshalIndent(v, "", "  ")
					if err != nil {
						return e.fail(err)
					}
					fmt.Fprintf(e.stdout, "%s\n", b)
				} else {
					for i, p := range plans {
						if perEnv {
							e.section(i, p.Env)
						}
						p.Text(e.stdout)
					}
				}
				code := exitOK
				for _, p := range plans {
					if *overBudget && p.Cost.Min.Total > p.Cost.Budget.Monthly {
						fmt.Fprintf(e.stderr, "gen plan: %s costs $%s a month at min, over its budget of $%s", p.Env, p.Cost.Min.Total, p.Cost.Budget.Monthly)
						if src := p.Cost.Budget.Source; src != "" {
							fmt.Fprintf(e.stderr, " (%s)", src)
						}
						fmt.Fprintln(e.stderr)
						code = exitChanges
					}
				}
				return code
			}
		},
	}
}
