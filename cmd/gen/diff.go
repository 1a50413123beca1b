package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

func diffCommand() command {
	return command{
		name:     "diff",
		args:     "[ENV | ENV1 ENV2]",
		summary:  "Show what a render would change, object by object, each change classified.",
		examples: []string{"gen diff", "gen diff staging prod", "gen diff -o patch dev | git apply"},
		long: "Classes: image, scale, config, added, removed.\n" +
			"  gen diff [ENV]       rendered/ against what gen would render (all environments by default)\n" +
			"  gen diff ENV1 ENV2   ENV1's render against ENV2's (e.g. staging prod: what promoting\n" +
			"                       staging's configuration would change), environment names aside\n" +
			"Offline; writes nothing. Exits 1 when something differs, as diff(1).",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text, json, or patch (a unified diff per file that git apply takes; gen diff [ENV] only)")
			color := fs.String(flagColor, "auto", "colour the text output: `when` auto (on a terminal, unless NO_COLOR is set), always or never")
			return func(ctx context.Context, e *invocation) int {
				if !validFormat(e, "diff", *format, "text", "json", "patch") {
					return exitError
				}
				colored, ok := useColor(e, *color)
				if !ok {
					return exitError
				}
				if len(e.args) > 2 {
					fmt.Fprintf(e.stderr, "gen diff: name one environment, or two to compare\n")
					return exitError
				}
				opts := e.options()
				var envs []string
				if len(e.args) < 2 {
					if envs, ok = e.envs(true); !ok {
						return exitError
					}
				}
				if len(e.args) == 2 {
					if *format == "patch" {
						fmt.Fprintf(e.stderr, "gen diff: -o patch compares rendered/ with a render; it takes one environment or none\n")
						return exitError
					}
					a, ok := e.env("diff", e.args[0])
					if !ok {
						return exitError
					}
					b, ok := e.env("diff", e.args[1])
					if !ok {
						return exitError
					}
					if a == b {
						fmt.Fprintf(e.stderr, "gen diff: name two different environments to compare\n")
						return exitError
					}
					r, warnings, err := generator.DiffEnvs(ctx, opts, a, b)
					if err != nil {
						return e.fail(err)
					}
					return e.writeDiff(*format, colored, warnings, []diffEntry{{DiffReport: r, Note: platformsNote(a, b)}})
				}
				if len(e.args) == 1 {
					opts.Envs = envs
				}
				opts.SkipUnlocked = true
				if *format == "patch" {
					d, warnings, err := generator.Patch(ctx, opts)
					e.warn(warnings)
					e.stdout.Write(d)
					if m := (*images.MissingError)(nil); errors.As(err, &m) {
						return e.unlocked("compared", m)
					}
					if err != nil {
						return e.fail(err)
					}
					if len(d) > 0 {
						return exitChanges
					}
					return exitOK
				}
				diffs, err := generator.Diff(ctx, opts)
				if err != nil {
					return e.fail(err)
				}
				if diffs.Unlocked != nil && *format == "json" {
					return e.fail(diffs.Unlocked) // nothing on stdout on exit 2
				}
				entries := make([]diffEntry, 0, len(diffs.Envs))
				for _, d := range diffs.Envs {
					entry := diffEntry{Env: d.Env, DiffReport: d.Report, Orphan: d.Orphan}
					if d.LockStale {
						entry.Lock = d.Lock
					}
					entries = append(entries, entry)
				}
				code := e.writeDiff(*format, colored, diffs.Warnings, entries)
				if diffs.Unlocked != nil {
					return e.unlocked("compared", diffs.Unlocked)
				}
				return code
			}
		},
	}
}

// diffJSON is what gen diff -o json writes; README documents it.
type diffJSON struct {
	// Differs is true when anything differs: the exit code is then 1.
	Differs bool `json:"differs"`
	// Summary adds up the summaries of the diffs.
	Summary generator.DiffSummary `json:"summary"`
	// Diffs has one entry per environment compared with its render (gen
	// diff [ENV]), differing or not, or the one comparison of two
	// environments (gen diff ENV1 ENV2).
	Diffs    []diffEntry `json:"diffs"`
	Warnings []string    `json:"warnings"`
}

type diffEntry struct {
	// Env is the environment compared with its render; absent when two
	// environments are compared.
	Env string `json:"env,omitempty"`
	*generator.DiffReport
	// Lock is set to the lock file's path when gen render would rewrite it.
	Lock string `json:"staleLock,omitempty"`
	// Orphan marks the folder of an environment that no longer exists.
	Orphan bool `json:"orphan,omitempty"`
	// Note says, when two environments of different platforms are
	// compared, that they are.
	Note string `json:"note,omitempty"`
}

// platformsNote says that environments a and b belong to different
// platforms, whose shared files differ as much as their own; "" when they
// do not.
func platformsNote(a, b string) string {
	pa, pb := path.Dir(a), path.Dir(b)
	if pa == pb {
		return ""
	}
	name := func(p string) string {
		if p == "." {
			return "no platform"
		}
		return "platform " + p
	}
	return fmt.Sprintf("%s and %s are environments of different platforms (%s, %s): their platforms' shared files differ too, not only their own", a, b, name(pa), name(pb))
}

func (d diffEntry) differs() bool { return len(d.Objects) > 0 || d.Lock != "" }

func (e *invocation) writeDiff(format string, colored bool, warnings []string, entries []diffEntry) int {
	differs := false
	var total generator.DiffSummary
	for _, d := range entries {
		differs = differs || d.differs()
		total.Add(d.Summary)
	}
	if format == "json" {
		if err := writeJSON(e, diffJSON{Differs: differs, Summary: total, Diffs: entries, Warnings: nonNil(warnings)}); err != nil {
			return e.fail(err)
		}
	} else {
		e.warn(warnings)
		first := true
		for _, d := range entries {
			if d.Note != "" {
				fmt.Fprintf(e.stdout, "note: %s\n", d.Note)
			}
			if !d.differs() {
				continue
			}
			if !first {
				fmt.Fprintln(e.stdout)
			}
			first = false
			if err := d.WriteText(e.stdout, colored); err != nil {
				return e.fail(err)
			}
			if d.Lock != "" {
				fmt.Fprintf(e.stdout, "%s: gen render %s rewrites it\n", d.Lock, d.Env)
			}
		}
	}
	if differs {
		return exitChanges
	}
	return exitOK
}

// useColor decides whether text output is coloured: with "auto", when
// stdout is a terminal and NO_COLOR (https://no-color.org) is not set
// and TERM is not "dumb".
func useColor(e *invocation, when string) (bool, bool) {
	switch when {
	case "always":
		return true, true
	case "never":
		return false, true
	case "auto":
		if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
			return false, true
		}
		return isTerminal(e.stdout), true
	}
	fmt.Fprintf(e.stderr, "gen diff: --%s must be auto, always or never, not %q\n", flagColor, when)
	return false, false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
