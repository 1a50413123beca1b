package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func diffCommand() command {
	return command{
		name:    "diff",
		args:    "[ENV]",
		summary: "Show, as a unified diff per file, what rendering would change in rendered/ (all environments by default).",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			exitCode := fs.Bool(flagExitCode, false, "exit 1 when there are differences, as git diff --exit-code")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) > 1 {
					fmt.Fprintf(e.stderr, "gen diff: name at most one environment\n")
					return exitError
				}
				envs, ok := e.envs(true)
				if !ok {
					return exitError
				}
				d, warnings, err := generator.Diff(ctx, generator.Options{Root: e.root, Envs: envs})
				e.warn(warnings)
				if err != nil {
					return e.fail(err)
				}
				e.stdout.Write(d)
				if *exitCode && len(d) > 0 {
					return exitChanges
				}
				return exitOK
			}
		},
	}
}
