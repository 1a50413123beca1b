package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestPrintVersion: the build information's VCS settings and CUE
// dependency reach gen version's output; without build information it
// still says what it knows.
func TestPrintVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/gitops-gen/gen", Version: "v0.1.0"},
		Deps:      []*debug.Module{{Path: "cuelang.org/go", Version: "v0.17.1"}},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-12-04T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b strings.Builder
	printVersion(&b, bi)
	for _, want := range []string{
		"gen v0.1.0\n",
		"  revision  0123456789abcdef 2026-12-04T12:00:00Z (modified)\n",
		"  go        go1.26.8\n",
		"  cue       v0.17.1\n",
		"  platform  ",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("printVersion() = %q, want it to contain %q", b.String(), want)
		}
	}
	b.Reset()
	printVersion(&b, nil)
	if got := b.String(); !strings.HasPrefix(got, "gen (devel)\n") || !strings.Contains(got, "  cue       unknown\n") || strings.Contains(got, "revision") {
		t.Errorf("printVersion(nil) = %q, want (devel), cue unknown and no revision", got)
	}
}

// TestFindRoot: the nearest folder holding schema/ and environments/,
// relative to the folder gen runs in; "." outside any.
func TestFindRoot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"schema", "environments/dev", "rendered/dev/apps"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for dir, want := range map[string]string{
		root: ".",
		filepath.Join(root, "environments", "dev"): filepath.Join("..", ".."),
		filepath.Join(root, "rendered/dev/apps"):   filepath.Join("..", "..", ".."),
		filepath.Join(root, "schema"):              "..",
		t.TempDir():                                ".",
	} {
		if got := findRoot(dir); got != want {
			t.Errorf("findRoot(%s) = %q, want %q", dir, got, want)
		}
	}
}
