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
		name: "plan",
		args: "ENV",
		summary: "Show an environment's capacity and cost: node groups at min and max size, the apps'\n" +
			"requests at min and max replicas, headroom, where each pod lands at min and at max,\n" +
			"and the monthly cost at min and max.\nOffline.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 1 {
					fmt.Fprintf(e.stderr, "gen plan: name one environment\n")
					return exitError
				}
				if *format != "text" && *format != "json" {
					fmt.Fprintf(e.stderr, "gen plan: unknown output format %q (want text or json)\n", *format)
					return exitError
				}
				envs, ok := e.envs(false)
				if !ok {
					return exitError
				}
				p, warnings, err := generator.PlanEnv(ctx, e.options(), envs[0])
				if err != nil {
					return e.fail(err)
				}
				e.warn(warnings)
				if *format == "json" {
					b, err := json.MarshalIndent(p, "", "  ")
					if err != nil {
						return e.fail(err)
					}
					fmt.Fprintf(e.stdout, "%s\n", b)
					return exitOK
				}
				p.Text(e.stdout)
				return exitOK
			}
		},
	}
}
