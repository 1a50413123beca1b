package repotest

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Root returns the repository's root: the nearest folder above the
// working directory that holds go.mod. Under go test the working
// directory is the package's folder, so every test of the module finds
// the same root. The answer is computed once per process.
func Root() (string, error) { return root() }

var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
})

// SharedFile returns the path of a file of the shared folder: elem is its
// path there, e.g. "schemas", "eksctl", "schema.json". The shared folder
// is $GEN_SHARED, else the folder shared beside the repository's root
// (DEVELOPERS.md). When the file does not exist the test is skipped,
// except in CI ($CI set), where it fails.
func SharedFile(t testing.TB, elem ...string) string {
	t.Helper()
	shared := os.Getenv("GEN_SHARED")
	if shared == "" {
		r, err := Root()
		if err != nil {
			t.Fatal(err)
		}
		shared = filepath.Join(r, "..", "shared")
	}
	path := filepath.Join(append([]string{shared}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		const hint = "set GEN_SHARED to the shared folder that holds schemas/"
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; %s", err, hint)
		}
		t.Skipf("%v; %s", err, hint)
	}
	return path
}
