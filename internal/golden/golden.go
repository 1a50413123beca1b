// Package golden holds the switch that makes golden-file tests rewrite
// their expected output instead of comparing with it: the -update test
// flag, or GEN_UPDATE=1 in the environment (which also works for
// "go test ./...", where test binaries that do not import this package
// would reject an unknown -update flag).
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Update reports whether tests should rewrite their golden files. Call it
// from a test function, after flags are parsed.
func Update() bool {
	return *update || os.Getenv("GEN_UPDATE") == "1"
}

// Check compares got with the golden file at path, or, when Update, writes
// got there (creating its folder). fix says how to rewrite the file; it is
// shown when the file is missing or differs.
func Check(t testing.TB, path string, got []byte, fix string) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (%s)", err, fix)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is out of date (%s) (-want +got):\n%s", path, fix, diff)
	}
}
