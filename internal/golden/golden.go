// Package golden holds the switch that makes golden-file tests rewrite
// their expected output instead of comparing with it: the -update test
// flag, or GEN_UPDATE=1 in the environment (which also works for
// "go test ./...", where test binaries that do not import this package
// would reject an unknown -update flag).
package golden

import (
	"flag"
	"os"
)

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Update reports whether tests should rewrite their golden files. Call it
// from a test function, after flags are parsed.
func Update() bool {
	return *update || os.Getenv("GEN_UPDATE") == "1"
}
