package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func renderCommand() command {
	return command{
		name:    "render",
		args:    "ENV... | --all",
		summary: "Render environments into rendered/<env>/.\nNothing is written unless every named environment renders cleanly.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			all := fs.Bool(flagAll, false, "render every environment under environments/")
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) == 0 && !*all {
					fmt.Fprintf(e.stderr, "gen render: name an environment, or use --all\n")
					return exitError
				}
				if len(e.args) > 0 && *all {
					fmt.Fprintf(e.stderr, "gen render: --all renders every environment; do not name any\n")
					return exitError
				}
				envs, ok := e.envs(*all)
				if !ok {
					return exitError
				}
				res, err := generator.Render(ctx, generator.Options{Root: e.root, Envs: envs})
				if err != nil {
					return e.fail(err)
				}
				changes, err := generator.Write(e.root, res)
				if err != nil {
					return e.fail(err)
				}
				for i, c := range changes {
					files := len(res.Envs[i].Files)
					if c.Empty() {
						fmt.Fprintf(e.stdout, "%s: up to date (%s)\n", c.Dir, plural(files, "file"))
						continue
					}
					fmt.Fprintf(e.stdout, "%s: %s, %d changed, %d added, %d removed\n",
						c.Dir, plural(files, "file"), len(c.Stale), len(c.Missing), len(c.Extra))
				}
				if *all {
					gone, err := generator.Prune(e.root, res)
					if err != nil {
						return e.fail(err)
					}
					for _, c := range gone {
						fmt.Fprintf(e.stdout, "%s: removed (no environment %s)\n", c.Dir, c.Env)
					}
				}
				return exitOK
			}
		},
	}
}
