package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func checkCommand() command {
	return command{
		name:    "check",
		args:    "[ENV...]",
		summary: "Check that rendered/ matches what gen would render (all environments by default).\nOffline; writes nothing. Exits 1 and lists each stale, missing or extra file when it does not.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			return func(ctx context.Context, e *invocation) int {
				envs, ok := e.envs(true)
				if !ok {
					return exitError
				}
				if len(e.args) == 0 {
					envs = nil // all of them, and any rendered/ folder left by a deleted one
				}
				res, err := generator.Check(ctx, generator.Options{Root: e.root, Envs: envs})
				if err != nil {
					return e.fail(err)
				}
				e.warn(res.Warnings)
				policyFailed := e.policyReport(res.Policies)
				changes := res.Changes
				if len(changes) == 0 {
					if policyFailed {
						return exitChanges
					}
					return exitOK
				}
				var names []string
				n, orphan := 0, false
				for _, c := range changes {
					for _, p := range c.Paths() {
						fmt.Fprintln(e.stdout, p)
						n++
					}
					names = append(names, c.Env)
					orphan = orphan || c.Orphan
				}
				if orphan {
					// An environment is gone: only --all prunes its folder.
					names = []string{"--all"}
				}
				fmt.Fprintf(e.stderr, "gen check: %s out of date; run: gen render %s%s\n", plural(n, "file"), rootFlag(e.root), strings.Join(names, " "))
				return exitChanges
			}
		},
	}
}

// plural returns "1 file" or "n files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// rootFlag returns the --root flag that repeats root in a suggested
// command, or "" for the current directory.
func rootFlag(root string) string {
	if filepath.Clean(root) == "." {
		return ""
	}
	if strings.ContainsAny(root, " \t\n'\"\\$`*?[]#~;&|<>(){}") {
		root = "'" + strings.ReplaceAll(root, "'", `'\''`) + "'"
	}
	return "--" + flagRoot + " " + root + " "
}
