package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

func renderCommand() command {
	return command{
		name:    "render",
		args:    "ENV... | --all",
		summary: "Render environments into rendered/<env>/.",
		long: "Nothing is written unless every named environment renders cleanly.\n" +
			"An environment whose inputs and rendered/ folder are as the last render left them is not rendered again\n" +
			"(the cache of gen check; --no-cache renders it all the same).\n" +
			"With -o -, print them instead as one YAML stream on stdout (as helm template does),\n" +
			"each file a document under a comment naming its path; nothing is written, not even a lock file.",
		examples: []string{
			"gen render prod",
			"gen render --all --offline",
			"gen render -o - staging | kubectl apply --dry-run=server -f -",
		},
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			all := fs.Bool(flagAll, false, "render every environment under environments/")
			allow := fs.Bool(flagAllow, false, "write even when a policy fails (the violations are still reported)")
			offline := fs.Bool(flagOffline, false, "never ask a registry: a tag missing from the lock file is an error")
			mirrors := mirrorsFlag{}
			timeout := fs.Duration(flagTimeout, images.DefaultTimeout, "give up asking registries after this `duration`, retries included")
			fs.Var(mirrors, flagMirror, "ask the mirror instead of host (repeatable); locks and manifests keep host")
			noWait := fs.Bool(flagNoWait, false, "fail (exit 2) instead of waiting when another gen is writing rendered/")
			noCache := fs.Bool(flagNoCache, false, "render every environment named, also those unchanged since the last render")
			output := fs.StringP(flagOutput, "o", "", "write to `dest` instead of rendered/; only - (stdout: one YAML stream) is supported")
			return func(ctx context.Context, e *invocation) int {
				if *output != "" && *output != "-" {
					fmt.Fprintf(e.stderr, "gen render: -o takes - (stdout); without it, gen render writes %s/\n", generator.RenderedDir)
					return exitError
				}
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
				if *all {
					envs = nil // every environment; folders of those gone are removed
				}
				opts := e.optionsWith(envs, images.PinOptions{
					Resolver: e.resolver(*offline),
					Mirrors:  mirrors,
					Progress: e.progress(),
					Timeout:  *timeout,
				})
				opts.Cache, opts.AllowViolations = e.cache(*output == "-"), *allow
				opts.SkipUnchanged = *output != "-" && !*noCache
				opts.NoWait = *noWait
				opts.Waiting = func() {
					fmt.Fprintf(e.stderr, "gen render: waiting for another gen writing %s/ (--%s fails instead)\n", generator.RenderedDir, flagNoWait)
				}
				res, err := generator.Render(ctx, opts)
				if err != nil {
					return e.fail(err)
				}
				e.warn(res.Warnings())
				e.policyReport(res.PolicyReports())
				if *output == "-" {
					return stream(e, opts, res)
				}
				written, err := generator.Write(opts, res)
				if errors.Is(err, generator.ErrPoliciesFailed) {
					fmt.Fprintf(e.stderr, "gen render: policies failed; nothing written (--%s writes anyway)\n", flagAllow)
					return exitChanges
				}
				if errors.Is(err, generator.ErrLocked) {
					fmt.Fprintf(e.stderr, "gen render: another gen is writing %s/ (it holds %s/%s); nothing written\n",
						generator.RenderedDir, generator.RenderedDir, generator.LockFile)
					return exitError
				}
				if err != nil {
					return e.fail(err)
				}
				for i, c := range written.Envs {
					files := res.Envs[i].FileCount()
					if c.LockChanged {
						if n := res.Envs[i].Lock.Resolved; n > 0 {
							fmt.Fprintf(e.stdout, "%s: updated, %s resolved\n", c.Lock, plural(n, "tag"))
						} else {
							fmt.Fprintf(e.stdout, "%s: updated\n", c.Lock)
						}
					}
					if res.Envs[i].Unchanged {
						fmt.Fprintf(e.stdout, "%s: up to date (%s; inputs unchanged since the last render)\n", c.Dir, plural(files, "file"))
						continue
					}
					if c.FileChanges.Empty() {
						fmt.Fprintf(e.stdout, "%s: up to date (%s)\n", c.Dir, plural(files, "file"))
						continue
					}
					fmt.Fprintf(e.stdout, "%s: %s, %d changed, %d added, %d removed\n",
						c.Dir, plural(files, "file"), len(c.Stale), len(c.Missing), len(c.Extra))
				}
				for _, c := range written.Removed {
					fmt.Fprintf(e.stdout, "%s: removed (no environment %s)\n", c.Dir, c.Env)
				}
				return exitOK
			}
		},
	}
}

// stream prints res on stdout as one YAML stream (gen render -o -).
func stream(e *invocation, opts generator.Options, res *generator.Result) int {
	err := generator.Stream(e.stdout, opts, res)
	if errors.Is(err, generator.ErrPoliciesFailed) {
		fmt.Fprintf(e.stderr, "gen render: policies failed; nothing printed (--%s prints anyway)\n", flagAllow)
		return exitChanges
	}
	if err != nil {
		return e.fail(fmt.Errorf("writing the stream: %w", err))
	}
	return exitOK
}
