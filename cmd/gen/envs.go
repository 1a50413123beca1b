package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func envsCommand() command {
	return command{
		name:     "envs",
		args:     "[ENV...]",
		summary:  "List the environments of the repository, or those the names given stand for.",
		examples: []string{"gen envs", "gen envs chatbot", "gen envs -o json", "gen envs chatbot | xargs -n1 gen plan"},
		long: "Full names, one per line, sorted. An ENV is an environment's full name, a platform's\n" +
			"name (all of its environments) or an environment folder's own name that one platform\n" +
			"only has; one that names nothing, or several platforms' environments, exits 2.\n" +
			"It only looks at folders: no CUE is evaluated, so it is fast and works on a tree that\n" +
			"does not render. -o json gives, for each, its platform, folder and lock file.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			return func(ctx context.Context, e *invocation) int {
				if !validFormat(e, "envs", *format, "text", "json") {
					return exitError
				}
				envs, ok := e.envs(true)
				if !ok {
					return exitError
				}
				if *format == "json" {
					out := make([]envInfoJSON, 0, len(envs))
					for _, env := range envs {
						out = append(out, e.envInfo(env))
					}
					if err := writeJSON(e, out); err != nil {
						return e.fail(err)
					}
					return exitOK
				}
				for _, env := range envs {
					fmt.Fprintln(e.stdout, env)
				}
				return exitOK
			}
		},
	}
}

// envInfoJSON is what gen envs -o json writes for each environment;
// README documents it.
type envInfoJSON struct {
	// Name is the environment's full name, e.g. "chatbot/prod".
	Name string `json:"name"`
	// Platform is the platform's name, "" in a repository of one
	// platform (environments/<env>/).
	Platform string `json:"platform"`
	// Dir is the environment's folder relative to the root.
	Dir string `json:"dir"`
	// Rendered is the folder gen render writes, relative to the root.
	Rendered string `json:"rendered"`
	// Lock is the lock file relative to the root, and Locked whether it
	// exists.
	Lock   string `json:"lock"`
	Locked bool   `json:"locked"`
}

func (e *invocation) envInfo(env string) envInfoJSON {
	platform := path.Dir(env)
	if platform == "." {
		platform = ""
	}
	lock := generator.LockPath(env)
	_, err := os.Stat(filepath.Join(e.root, filepath.FromSlash(lock)))
	return envInfoJSON{
		Name:     env,
		Platform: platform,
		Dir:      path.Dir(lock),
		Rendered: path.Join(generator.RenderedDir, env),
		Lock:     lock,
		Locked:   err == nil,
	}
}
