package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func checkCommand() command {
	return command{
		name:     "check",
		args:     "[ENV...]",
		summary:  "Check that rendered/ matches what gen would render (all environments by default).",
		examples: []string{"gen check", "gen check prod -o json"},
		long: "Offline; writes nothing. Exits 1 and lists each stale, missing or extra file when it does not.\n" +
			"An environment whose inputs are unchanged since gen last rendered or checked it is\n" +
			"compared with the cached digests of its files instead of being rendered again.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			noCache := fs.Bool(flagNoCache, false, "render every environment, ignoring the cache of earlier renders (also GEN_CACHE=off)")
			return func(ctx context.Context, e *invocation) int {
				if !validFormat(e, "check", *format, "text", "json") {
					return exitError
				}
				envs, ok := e.envs(true)
				if !ok {
					return exitError
				}
				if len(e.args) == 0 {
					envs = nil // all of them, and any rendered/ folder left by a deleted one
				}
				opts := e.options()
				opts.Envs, opts.Cache = envs, e.cache(*noCache)
				opts.SkipUnlocked = true
				res, err := generator.Check(ctx, opts)
				if err != nil {
					return e.fail(err)
				}
				fix := fixCommand(e.suggestedRoot(), res.Changes)
				switch {
				case res.Unlocked != nil && *format == "json":
					return e.fail(res.Unlocked) // nothing on stdout on exit 2
				case *format == "json":
					if err := writeCheckJSON(e, res, fix); err != nil {
						return e.fail(err)
					}
				default:
					e.warn(res.Warnings)
					e.policyReport(res.Policies)
					n := 0
					for _, c := range res.Changes {
						for _, p := range c.Paths() {
							fmt.Fprintln(e.stdout, p)
							n++
						}
					}
					if n > 0 {
						fmt.Fprintf(e.stderr, "gen check: %s out of date; run: %s\n", plural(n, "file"), fix)
					}
				}
				if res.Unlocked != nil {
					return e.unlocked("checked", res.Unlocked)
				}
				if res.Failed() {
					return exitChanges
				}
				return exitOK
			}
		},
	}
}

// fixCommand is the command that brings rendered/ up to date: gen render
// with the environments that changed, or --all when a folder belongs to
// an environment that is gone (only --all prunes it). "" when nothing
// changed.
func fixCommand(root string, changes []generator.Change) string {
	if len(changes) == 0 {
		return ""
	}
	var names []string
	for _, c := range changes {
		if c.Orphan {
			names = []string{"--all"}
			break
		}
		names = append(names, c.Env)
	}
	return "gen render " + rootFlag(root) + strings.Join(names, " ")
}

// checkJSON is what gen check -o json writes; README documents it.
type checkJSON struct {
	// OK is true when rendered/ is up to date and no policy failed: the
	// exit code is then 0.
	OK bool `json:"ok"`
	// UpToDate is true when no file is stale, missing or extra.
	UpToDate     bool           `json:"upToDate"`
	Environments []checkEnvJSON `json:"environments"`
	// Fix is the command that brings rendered/ up to date, "" when it is.
	Fix      string          `json:"fix"`
	Warnings []string        `json:"warnings"`
	Policies json.RawMessage `json:"policies"`
}

type checkEnvJSON struct {
	Env string `json:"env"`
	// Dir is the rendered folder relative to the root.
	Dir      string `json:"dir"`
	UpToDate bool   `json:"upToDate"`
	// Stale, Missing and Extra are file paths relative to the root.
	Stale   []string `json:"stale"`
	Missing []string `json:"missing"`
	Extra   []string `json:"extra"`
	// Lock is the lock file relative to the root ("" for an orphan), and
	// LockStale whether it differs from what gen render would write.
	Lock      string `json:"lock"`
	LockStale bool   `json:"lockStale"`
	// Orphan marks the folder of an environment that no longer exists.
	Orphan bool `json:"orphan"`
	// Cached is true when the environment's inputs were unchanged since
	// gen last rendered or checked it, so its files were compared with
	// the digests recorded then instead of a new render.
	Cached bool `json:"cached"`
}

func writeCheckJSON(e *invocation, res *generator.CheckResult, fix string) error {
	var pol bytes.Buffer
	if err := generator.WritePolicyJSON(&pol, res.Policies); err != nil {
		return err
	}
	out := checkJSON{
		OK:       !res.Failed(),
		UpToDate: len(res.Changes) == 0,
		Fix:      fix,
		Warnings: nonNil(res.Warnings),
		Policies: json.RawMessage(bytes.TrimSpace(pol.Bytes())),
	}
	changed := map[string]generator.Change{}
	for _, c := range res.Changes {
		changed[c.Env] = c
		if c.Orphan {
			out.Environments = append(out.Environments, envJSON(c))
		}
	}
	for _, name := range res.Envs {
		c, ok := changed[name]
		if !ok {
			c = generator.Change{Env: name, Dir: path.Join(generator.RenderedDir, name), Lock: generator.LockPath(name)}
		}
		env := envJSON(c)
		env.Cached = slices.Contains(res.Cached, name)
		out.Environments = append(out.Environments, env)
	}
	return writeJSON(e, out)
}

func envJSON(c generator.Change) checkEnvJSON {
	under := func(paths []string) []string {
		out := make([]string, 0, len(paths))
		for _, p := range paths {
			out = append(out, path.Join(c.Dir, p))
		}
		return out
	}
	return checkEnvJSON{
		Env: c.Env, Dir: c.Dir, UpToDate: c.Empty(),
		Stale: under(c.Stale), Missing: under(c.Missing), Extra: under(c.Extra),
		Lock: c.Lock, LockStale: c.LockChanged, Orphan: c.Orphan,
	}
}

// writeJSON writes v indented, as every -o json does.
func writeJSON(e *invocation, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// validFormat reports whether format is one of those allowed, and says so
// when it is not.
func validFormat(e *invocation, cmd, format string, allowed ...string) bool {
	for _, a := range allowed {
		if format == a {
			return true
		}
	}
	fmt.Fprintf(e.stderr, "gen %s: unknown output format %q (want %s)\n", cmd, format, strings.Join(allowed, ", "))
	return false
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
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
	return "--" + flagRoot + " " + shellQuote(root) + " "
}

// shellQuote quotes s for a POSIX shell when it needs it, so that a
// suggested command can be pasted as it is.
func shellQuote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n'\"\\$`*?[]#~;&|<>(){}!") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
