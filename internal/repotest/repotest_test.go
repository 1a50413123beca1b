package repotest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRoot(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Errorf("Root() = %s, which holds no go.mod: %v", root, err)
	}
	if want, _ := filepath.Abs(filepath.Join("..", "..")); root != want {
		t.Errorf("Root() = %s, want %s", root, want)
	}
}

func TestSharedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "schemas", "x.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GEN_SHARED", dir)
	if got, want := SharedFile(t, "schemas", "x.json"), filepath.Join(dir, "schemas", "x.json"); got != want {
		t.Errorf("SharedFile(schemas, x.json) = %s, want %s", got, want)
	}
}

// recorder is a testing.TB that records how SharedFile ends a test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatal(args ...any)              { r.failed = fmt.Sprint(args...) }
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }

// TestSharedFileMissing: outside CI a missing shared folder skips each
// test, and the first skip of the process says so once on stderr; under
// CI=true it fails the test.
func TestSharedFileMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "shared")
	t.Setenv("GEN_SHARED", missing)

	var buf bytes.Buffer
	warnings, warnOnce = &buf, sync.Once{}
	t.Cleanup(func() { warnings, warnOnce = os.Stderr, sync.Once{} })

	t.Setenv("CI", "")
	for range 2 {
		r := &recorder{TB: t}
		SharedFile(r, "schemas", "eksctl", "schema.json")
		if r.failed != "" || !strings.Contains(r.skipped, "GEN_SHARED=") {
			t.Errorf("SharedFile outside CI: skipped %q, failed %q; want a skip naming GEN_SHARED", r.skipped, r.failed)
		}
	}
	if got := buf.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "SKIPPED") ||
		!strings.Contains(got, "GEN_SHARED=/path/to/shared") || !strings.Contains(got, missing) {
		t.Errorf("stderr after two skips = %q, want one line naming %s, SKIPPED and GEN_SHARED=/path/to/shared", got, missing)
	}

	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	SharedFile(r, "schemas", "eksctl", "schema.json")
	if r.skipped != "" || !strings.Contains(r.failed, "schema.json") {
		t.Errorf("SharedFile with CI=true: skipped %q, failed %q; want a failure naming schema.json", r.skipped, r.failed)
	}
}
