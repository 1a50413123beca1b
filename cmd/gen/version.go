package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version from the build info is shown.
var version = ""

func versionCommand() command {
	return command{
		name:    "version",
		summary: "Print gen's version.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) > 0 {
					fmt.Fprintf(e.stderr, "gen version: takes no arguments\n")
					return exitError
				}
				v := version
				goVersion := "unknown"
				if bi, ok := debug.ReadBuildInfo(); ok {
					if v == "" {
						v = bi.Main.Version
					}
					goVersion = bi.GoVersion
				}
				if v == "" {
					v = "(devel)"
				}
				fmt.Fprintf(e.stdout, "gen %s (%s)\n", v, goVersion)
				return exitOK
			}
		},
	}
}
