package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gitops-gen/gen/internal/golden"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"gen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script. Each script runs
// in a fresh directory that already holds the repository's cue.mod/ and
// schema/, so a script brings only environments/ (and rendered/ if it
// needs one).
//
// Rewrite the expected output with -update or GEN_UPDATE=1, then read it.
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       golden.Update(), // -update or GEN_UPDATE=1
		Setup: func(env *testscript.Env) error {
			for _, dir := range []string{"cue.mod", "schema"} {
				if err := os.CopyFS(filepath.Join(env.WorkDir, dir), os.DirFS(filepath.Join(repo, dir))); err != nil {
					return fmt.Errorf("copying %s: %w", dir, err)
				}
			}
			env.Values[snapshotsKey{}] = map[string]snapshot{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"snapshot":  cmdSnapshot,
			"unchanged": cmdUnchanged,
		},
	})
}

type snapshotsKey struct{}

// snapshot is a directory tree as it was: every entry by slash-separated
// path relative to the tree's root.
type snapshot map[string]entry

type entry struct {
	info fs.FileInfo
	data []byte // regular files only
	link string // symbolic links only
}

// cmdSnapshot records the tree DIR under NAME, for unchanged.
//
//	snapshot DIR NAME
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: snapshot DIR NAME")
	}
	snap, err := readSnapshot(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Value(snapshotsKey{}).(map[string]snapshot)[args[1]] = snap
}

// cmdUnchanged asserts that the tree DIR is as snapshot NAME recorded it:
// the same files, directories and links, each with the same content and
// mode, and no file rewritten, even with identical bytes (same file and
// modification time). It also fails if DIR holds a ".gen-*" leftover of an
// interrupted write. With !, it asserts that something changed.
//
//	unchanged DIR NAME
func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: unchanged DIR NAME")
	}
	was, ok := ts.Value(snapshotsKey{}).(map[string]snapshot)[args[1]]
	if !ok {
		ts.Fatalf("no snapshot %q", args[1])
	}
	now, err := readSnapshot(ts.MkAbs(args[0]))
	ts.Check(err)
	diffs := compareSnapshots(was, now)
	switch {
	case neg && len(diffs) == 0:
		ts.Fatalf("%s is unchanged since snapshot %s", args[0], args[1])
	case !neg && len(diffs) > 0:
		ts.Fatalf("%s changed since snapshot %s:\n\t%s", args[0], args[1], strings.Join(diffs, "\n\t"))
	}
}

func readSnapshot(root string) (snapshot, error) {
	snap := snapshot{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{info: info}
		switch {
		case info.Mode().IsRegular():
			if e.data, err = os.ReadFile(p); err != nil {
				return err
			}
		case info.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		snap[filepath.ToSlash(rel)] = e
		return nil
	})
	return snap, err
}

// compareSnapshots describes how now differs from was, one line per path.
func compareSnapshots(was, now snapshot) []string {
	var diffs []string
	for p, n := range now {
		if strings.HasPrefix(filepath.Base(p), ".gen-") {
			diffs = append(diffs, "leftover temporary entry "+p)
			continue
		}
		w, ok := was[p]
		switch {
		case !ok:
			diffs = append(diffs, "new "+p)
		case w.info.Mode() != n.info.Mode():
			diffs = append(diffs, fmt.Sprintf("%s: mode %v, was %v", p, n.info.Mode(), w.info.Mode()))
		case !bytes.Equal(w.data, n.data):
			diffs = append(diffs, "content of "+p+" changed")
		case w.link != n.link:
			diffs = append(diffs, fmt.Sprintf("%s: link to %s, was to %s", p, n.link, w.link))
		case !n.info.IsDir() && (!os.SameFile(w.info, n.info) || !w.info.ModTime().Equal(n.info.ModTime())):
			diffs = append(diffs, p+" was rewritten with the same content")
		}
	}
	for p := range was {
		if _, ok := now[p]; !ok {
			diffs = append(diffs, "removed "+p)
		}
	}
	slices.Sort(diffs)
	return diffs
}
