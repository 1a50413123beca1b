package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func graphCommand() command {
	return command{
		name:     "graph",
		args:     "ENV | --all -o DIR",
		summary:  "Draw an environment's dependency graph, from the traffic its NetworkPolicies allow.",
		examples: []string{"gen graph prod | dot -Tsvg > prod.svg", "gen graph prod --format mermaid", "gen graph --all -o docs/graph"},
		long: "Its apps by namespace, the traffic between\n" +
			"them that the rendered NetworkPolicies allow, with ports, the load balancers and their\n" +
			"routes, and the addresses outside the cluster the apps reach; as Graphviz DOT or Mermaid.\n" +
			"Offline. A dependsOn that no NetworkPolicy allows is drawn in red and reported on stderr.\n" +
			"With --all, -o names a folder that gets one file per environment (docs/graph/prod.dot).",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.String("format", "dot", "output `format`: "+strings.Join(generator.GraphFormats, " or "))
			out := fs.StringP(flagOutput, "o", "-", "write to `file` (with --all: a folder) instead of stdout")
			all := fs.Bool(flagAll, false, "draw every environment, each into a file of the folder -o names")
			return func(ctx context.Context, e *invocation) int {
				if !slices.Contains(generator.GraphFormats, *format) {
					fmt.Fprintf(e.stderr, "gen graph: unknown format %q (want %s)\n", *format, strings.Join(generator.GraphFormats, " or "))
					return exitError
				}
				switch {
				case *all && len(e.args) > 0:
					fmt.Fprintf(e.stderr, "gen graph: --all takes no environment\n")
					return exitError
				case *all && *out == "-":
					fmt.Fprintf(e.stderr, "gen graph: --all writes a file per environment: name their folder with -o DIR\n")
					return exitError
				case !*all && len(e.args) != 1:
					fmt.Fprintf(e.stderr, "gen graph: name one environment, or --all\n")
					return exitError
				}
				envs, ok := e.envs(*all)
				if !ok {
					return exitError
				}
				// Every graph is drawn before any file is written: bad
				// input writes nothing.
				outputs := make([][]byte, len(envs))
				for i, env := range envs {
					g, warnings, err := generator.Graph(ctx, e.options(), env)
					if err != nil {
						return e.fail(err)
					}
					e.warn(warnings)
					e.warn(g.Problems())
					var b bytes.Buffer
					if err := g.Write(&b, *format); err != nil {
						return e.fail(err)
					}
					outputs[i] = b.Bytes()
				}
				for i, env := range envs {
					path := *out
					if *all {
						path = filepath.Join(*out, filepath.FromSlash(generator.GraphFile(env, *format)))
					}
					if path == "-" {
						e.stdout.Write(outputs[i])
						continue
					}
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						return e.fail(err)
					}
					if err := os.WriteFile(path, outputs[i], 0o644); err != nil {
						return e.fail(err)
					}
				}
				return exitOK
			}
		},
	}
}
