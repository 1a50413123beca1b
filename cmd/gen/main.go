// Command gen renders the platform described in schema/ and environments/
// into plain Kubernetes YAML under rendered/, and checks that rendered/ is
// up to date. Run "gen help" for the commands.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	// Before the packages below it are initialised: see its doc.
	_ "github.com/gitops-gen/gen/cmd/gen/internal/gcpercent"
)

func main() {
	os.Exit(profiled(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// profiled runs f, writing a CPU profile of it to the file named by
// GEN_CPUPROFILE and a heap profile taken when it returns to the file
// named by GEN_MEMPROFILE, when they are set: go tool pprof reads both.
func profiled(f func() int) int {
	if path := os.Getenv("GEN_CPUPROFILE"); path != "" {
		out, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: GEN_CPUPROFILE: %v\n", err)
			return exitError
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			fmt.Fprintf(os.Stderr, "gen: GEN_CPUPROFILE: %v\n", err)
			return exitError
		}
		defer pprof.StopCPUProfile()
	}
	code := f()
	if path := os.Getenv("GEN_MEMPROFILE"); path != "" {
		out, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(out, 0)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: GEN_MEMPROFILE: %v\n", err)
		}
	}
	return code
}
