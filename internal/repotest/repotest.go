package repotest

import (
	"errors"
	"fmt"
	"io"
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
// is $GEN_SHARED, else the folder shared beside the repository's root.
// When the file does not exist the test is skipped, except in CI ($CI
// set, as CI=true), where it fails. The first skip of a test process
// (one package's tests) also writes one line to stderr, which says which
// validations are skipped and how to run them: go test shows it with -v,
// when run in the package's folder without arguments, and when the
// package fails.
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
		if os.Getenv("CI") != "" {
			t.Fatalf("%v; %s", err, sharedHint)
			return path
		}
		warnOnce.Do(func() { fmt.Fprintln(warnings, missingShared(shared, err)) })
		t.Skipf("SKIPPED: %v; %s", err, sharedHint)
	}
	return path
}

const sharedHint = "set GEN_SHARED=/path/to/shared (the folder that holds schemas/) or put shared/ beside the clone"

// warnings is where the first skip of a process says what is skipped;
// tests replace it.
var (
	warnings io.Writer = os.Stderr
	warnOnce sync.Once
)

// missingShared is the line the first skip writes: what is missing, what
// is not validated for want of it, and how to enable it.
func missingShared(shared string, err error) string {
	return fmt.Sprintf("WARNING: %s: validations against the shared schemas are SKIPPED in this package "+
		"(eksctl's ClusterConfig JSON schema; the CRDs of Argo CD, External Secrets, Argo Rollouts, KEDA, "+
		"prometheus-operator and the AWS Load Balancer Controller; the apiserver dry-run's CRDs): %v; "+
		"%s; under CI=true they fail instead", shared, err, sharedHint)
}
