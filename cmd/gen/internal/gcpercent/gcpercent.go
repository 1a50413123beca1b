// Package gcpercent sets gen's garbage collection target, GOGC, to 200
// unless GOGC is set in the environment, which still wins.
//
// CUE evaluation allocates heavily and briefly; collecting garbage less
// often than the default 100 saves CPU time. Past 200 it saves no more
// (1000 apps × 3 environments: the same CPU time at 200 and 400) but the
// garbage grows with it (peak memory 0.85 GiB against 1.5 GiB).
//
// It is done in an init function rather than in main because the packages
// gen links allocate about 2.7 MB while they are initialised, before main
// runs: at the default target that sets off a collection, which cost a
// warm `gen check` a fifth of its time. Go initialises packages in the
// order of their import paths among those whose imports are initialised
// (the Go 1.21 specification), and this one imports little, so it runs
// after about 1.2 MB of that, below the default's first trigger.
package gcpercent

import (
	"os"
	"runtime/debug"
)

// Percent is the target set when GOGC is not.
const Percent = 200

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
	}
}
