package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is shown.
var version = ""

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print gen's version, the VCS revision it was built from, and the Go and CUE versions.",
		long: "The revision comes with its time, and (modified) when the tree had uncommitted changes;\n" +
			"then the platform.",
		examples: []string{"gen version"},
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) > 0 {
					fmt.Fprintf(e.stderr, "gen version: takes no arguments\n")
					return exitError
				}
				bi, _ := debug.ReadBuildInfo()
				printVersion(e.stdout, bi)
				return exitOK
			}
		},
	}
}

// printVersion writes what bi (nil when the binary has no build
// information) says of the build: the module version (or -X main.version),
// the VCS revision, its time and whether the tree was modified, the Go
// version, the CUE version gen evaluates with, and the platform.
func printVersion(w io.Writer, bi *debug.BuildInfo) {
	v, goVersion, cue := version, runtime.Version(), "unknown"
	settings := map[string]string{}
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, d := range bi.Deps {
			if d.Path == "cuelang.org/go" {
				cue = d.Version
				if d.Replace != nil {
					cue += " => " + d.Replace.Path + " " + d.Replace.Version
				}
			}
		}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
	}
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(w, "gen %s\n", v)
	if rev := settings["vcs.revision"]; rev != "" {
		line := rev
		if t := settings["vcs.time"]; t != "" {
			line += " " + t
		}
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
		fmt.Fprintf(w, "  revision  %s\n", line)
	}
	fmt.Fprintf(w, "  go        %s\n", goVersion)
	fmt.Fprintf(w, "  cue       %s\n", cue)
	fmt.Fprintf(w, "  platform  %s/%s\n", runtime.GOOS, runtime.GOARCH)
}
