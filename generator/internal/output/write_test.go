package output

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMain runs a write that kills itself when the environment asks for
// one (see TestWriteKilled); else it runs the tests.
func TestMain(m *testing.M) {
	if at := os.Getenv("GEN_TEST_KILL_AT"); at != "" {
		killedWrite(at, os.Getenv("GEN_TEST_DIR"), os.Getenv("GEN_TEST_FALLBACK") != "")
		return
	}
	os.Exit(m.Run())
}

// killedWrite writes v2 into dir and sends itself SIGKILL when the write
// reaches the step at; with fallback, as on systems without an atomic
// exchange. It exits 3 if the write ends without reaching at.
func killedWrite(at, dir string, fallback bool) {
	step = func(name string) {
		if name == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	if fallback {
		exchange = func(*os.Root, string, string) error { return errors.ErrUnsupported }
	}
	_, err := Write(dir, v2.files())
	fmt.Fprintf(os.Stderr, "write ended without reaching %s: %v\n", at, err)
	os.Exit(3)
}

// TestWriteKilled kills a process writing v2 over v1 between each two
// steps of the write: the environment is then entirely v1 or entirely v2
// (or, only with the fallback swap, set aside whole), and the next Lock
// cleans up, leaving the environment whole and no temporary entry.
func TestWriteKilled(t *testing.T) {
	tests := []struct {
		at       string
		fallback bool
		want     tree // right after the kill; nil: the folder is missing
		after    tree // after the next Lock
	}{
		{at: "file", want: v1, after: v1},
		{at: "built", want: v1, after: v1},
		{at: "swapped", want: v2, after: v2},
		{at: "synced", want: v2, after: v2},
		{at: "built", fallback: true, want: v1, after: v1},
		{at: "aside", fallback: true, want: nil, after: v1},
		{at: "swapped", fallback: true, want: v2, after: v2},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/fallback=%v", tt.at, tt.fallback), func(t *testing.T) {
			rendered := t.TempDir()
			dir := filepath.Join(rendered, "prod")
			v1.create(t, dir)
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "GEN_TEST_KILL_AT="+tt.at, "GEN_TEST_DIR="+dir)
			if tt.fallback {
				cmd.Env = append(cmd.Env, "GEN_TEST_FALLBACK=1")
			}
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("writer: %v, want killed by SIGKILL; output:\n%s", err, out)
			}
			if tt.want == nil {
				if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("after the kill, %s exists (%v), want it set aside", dir, err)
				}
			} else if diff := cmp.Diff(tt.want, readTreeT(t, dir)); diff != "" {
				t.Errorf("after the kill, tree mismatch (-want +got):\n%s", diff)
			}

			unlock, err := Lock(rendered, false, nil)
			if err != nil {
				t.Fatalf("Lock() error: %v", err)
			}
			unlock()
			if diff := cmp.Diff(tt.after, readTreeT(t, dir)); diff != "" {
				t.Errorf("after the next Lock, tree mismatch (-want +got):\n%s", diff)
			}
			if l := leftovers(t, rendered); len(l) > 0 {
				t.Errorf("after the next Lock, temporary entries remain: %q", l)
			}
		})
	}
}

// TestWriteSwapsWhole: while the new tree is built, the folder is the old
// tree exactly; once swapped, the new tree exactly; and the folder is a
// different directory afterwards (swapped in, not updated in place).
func TestWriteSwapsWhole(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	before, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	orig := step
	step = func(name string) {
		seen[name] = true
		want := v1
		if name == "swapped" || name == "synced" {
			want = v2
		}
		if diff := cmp.Diff(want, readTreeT(t, dir)); diff != "" {
			t.Errorf("at %s, tree mismatch (-want +got):\n%s", name, diff)
		}
	}
	t.Cleanup(func() { step = orig })
	if _, err := Write(dir, v2.files()); err != nil {
		t.Fatalf("Write() error: %v", err)
	}
	for _, s := range []string{"file", "built", "swapped", "synced"} {
		if !seen[s] {
			t.Errorf("Write() did not pass step %s", s)
		}
	}
	after, err := os.Lstat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Errorf("Write() updated %s in place, want a new tree swapped in", dir)
	}
}

func TestWriteRefusesSymlinks(t *testing.T) {
	// Each case builds rendered/ under base, pointing a symbolic link at
	// outside, and returns the environment folder to write.
	tests := []struct {
		name  string
		setup func(t *testing.T, base, outside string) (dir, link string)
	}{
		{"rendered is a symlink", func(t *testing.T, base, outside string) (string, string) {
			link := filepath.Join(base, "rendered")
			symlink(t, outside, link)
			return filepath.Join(link, "prod"), link
		}},
		{"the environment is a symlink", func(t *testing.T, base, outside string) (string, string) {
			link := filepath.Join(base, "rendered", "prod")
			mkdir(t, filepath.Dir(link))
			symlink(t, outside, link)
			return link, link
		}},
		{"a folder inside is a symlink", func(t *testing.T, base, outside string) (string, string) {
			dir := filepath.Join(base, "rendered", "prod")
			v1.create(t, dir)
			link := filepath.Join(dir, "apps", "web")
			if err := os.RemoveAll(link); err != nil {
				t.Fatal(err)
			}
			symlink(t, outside, link)
			return dir, link
		}},
		{"a file inside is a symlink", func(t *testing.T, base, outside string) (string, string) {
			dir := filepath.Join(base, "rendered", "prod")
			v1.create(t, dir)
			link := filepath.Join(dir, "apps", "web", "service-web.yaml")
			if err := os.Remove(link); err != nil {
				t.Fatal(err)
			}
			symlink(t, filepath.Join(outside, "keep.yaml"), link)
			return dir, link
		}},
		{"the environment is a file", func(t *testing.T, base, outside string) (string, string) {
			dir := filepath.Join(base, "rendered", "prod")
			mkdir(t, filepath.Dir(dir))
			if err := os.WriteFile(dir, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			return dir, dir
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, outside := t.TempDir(), t.TempDir()
			kept := tree{"keep.yaml": "kind: Keep\n", "apps/web/service-web.yaml": "outside\n"}
			kept.create(t, outside)
			dir, link := tt.setup(t, base, outside)
			before := stats(t, base)

			_, err := Write(dir, v2.files())
			var unsafe *UnsafePathError
			if !errors.As(err, &unsafe) || unsafe.Path != link {
				t.Fatalf("Write() error = %v, want an UnsafePathError for %s", err, link)
			}
			if err := Writable(dir); !errors.As(err, &unsafe) {
				t.Errorf("Writable() = %v, want an UnsafePathError", err)
			}
			if _, err := ReadTree(dir); tt.name != "a folder inside is a symlink" && tt.name != "a file inside is a symlink" && !errors.As(err, &unsafe) {
				t.Errorf("ReadTree() error = %v, want an UnsafePathError", err)
			}
			if diff := cmp.Diff(kept, readTreeT(t, outside)); diff != "" {
				t.Errorf("Write() changed the symlink's target (-want +got):\n%s", diff)
			}
			after := stats(t, base)
			if diff := cmp.Diff(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))); diff != "" {
				t.Errorf("Write() changed the tree (-before +after):\n%s", diff)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestLockCleans: the lock holder finds no temporary tree of a killed run:
// new trees are removed, and a tree the fallback set aside is put back
// when its folder is missing (else removed).
func TestLockCleans(t *testing.T) {
	rendered := t.TempDir()
	v1.create(t, filepath.Join(rendered, "prod"))
	tree{"a.yaml": "new\n"}.create(t, filepath.Join(rendered, ".gen-prod-123.tmp"))
	tree{"a.yaml": "older\n"}.create(t, filepath.Join(rendered, ".gen-old-prod-456"))
	tree{"a.yaml": "staging\n"}.create(t, filepath.Join(rendered, ".gen-old-my-staging-789"))
	tree{"a.yaml": "new\n"}.create(t, filepath.Join(rendered, ".gen-old-dev-1.tmp")) // the new tree of env "old-dev"

	unlock, err := Lock(rendered, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	entries, err := os.ReadDir(rendered)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{LockFile, "my-staging", "prod"}, names); diff != "" {
		t.Errorf("entries after Lock mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(v1, readTreeT(t, filepath.Join(rendered, "prod"))); diff != "" {
		t.Errorf("prod mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(tree{"a.yaml": "staging\n"}, readTreeT(t, filepath.Join(rendered, "my-staging"))); diff != "" {
		t.Errorf("my-staging not restored (-want +got):\n%s", diff)
	}
}

// TestLockExcludes: a second Lock, even in the same process, fails with
// ErrLocked without waiting, and with waiting says so once and gets the
// lock only when the first is released.
func TestLockExcludes(t *testing.T) {
	rendered := filepath.Join(t.TempDir(), "rendered")
	unlock, err := Lock(rendered, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(rendered, false, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock(no wait) error = %v, want ErrLocked", err)
	}
	waiting, acquired := make(chan struct{}), make(chan func())
	go func() {
		u, err := Lock(rendered, true, func() { close(waiting) })
		if err != nil {
			t.Error(err)
		}
		acquired <- u
	}()
	<-waiting
	select {
	case <-acquired:
		t.Fatal("second Lock(wait) got the lock while it was held")
	default:
	}
	unlock()
	if u := <-acquired; u != nil {
		u()
	}
	if info, err := os.Lstat(filepath.Join(rendered, LockFile)); err != nil || !info.Mode().IsRegular() {
		t.Errorf("lock file: %v, %v; want a regular file", info, err)
	}
}

// TestLockRefusesSymlink: the lock is never taken through a symbolic link,
// neither rendered/ nor the lock file.
func TestLockRefusesSymlink(t *testing.T) {
	base, outside := t.TempDir(), t.TempDir()
	symlink(t, outside, filepath.Join(base, "rendered"))
	var unsafe *UnsafePathError
	if _, err := Lock(filepath.Join(base, "rendered"), false, nil); !errors.As(err, &unsafe) {
		t.Errorf("Lock(symlinked rendered) error = %v, want an UnsafePathError", err)
	}
	rendered := filepath.Join(base, "real")
	mkdir(t, rendered)
	symlink(t, filepath.Join(outside, "target"), filepath.Join(rendered, LockFile))
	if _, err := Lock(rendered, false, nil); err == nil {
		t.Errorf("Lock(symlinked lock file) = nil error, want one")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("Lock created %v through a symbolic link", entries)
	}
}

// TestConcurrentWrites: writers in parallel, each holding the lock as gen
// render does, each find the environment whole (v1 or v2) when they get
// the lock and leave it whole with what they wrote.
func TestConcurrentWrites(t *testing.T) {
	rendered := t.TempDir()
	dir := filepath.Join(rendered, "prod")
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range 10 {
				next := []tree{v1, v2}[(w+i)%2]
				unlock, err := Lock(rendered, true, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if have := readTreeE(t, dir); len(have) > 0 && !cmp.Equal(have, v1) && !cmp.Equal(have, v2) {
					t.Errorf("writer %d found a torn tree: %v", w, have)
				}
				if _, err := Write(dir, next.files()); err != nil {
					t.Error(err)
				}
				if diff := cmp.Diff(next, readTreeE(t, dir)); diff != "" {
					t.Errorf("writer %d: tree mismatch (-want +got):\n%s", w, diff)
				}
				unlock()
			}
		})
	}
	wg.Wait()
	if l := leftovers(t, rendered); len(l) > 0 {
		t.Errorf("temporary entries remain: %q", l)
	}
}

// readTreeE is readTreeT for other goroutines than the test's: it reports
// an error without stopping the test.
func readTreeE(t *testing.T, dir string) tree {
	tr, err := readTree(dir)
	if err != nil {
		t.Error(err)
	}
	return tr
}

// TestWriteRecorded: told what the folder held by its records,
// CompareRecorded reports the changes Compare reports, and WriteRecorded
// those Write reports and leaves the tree Write leaves, linking the unchanged files, also when the folder no
// longer holds what the records say (a file edited, added or removed
// by hand), whose records it must then not trust.
func TestWriteRecorded(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
	}{
		{"as recorded", func(*testing.T, string) {}},
		{"recorded by a render, not settled", nil},
		{"a kept file edited", func(t *testing.T, dir string) {
			writeT(t, filepath.Join(dir, "apps", "web", "service-web.yaml"), "kind: Service\nedited: true\n")
		}},
		{"a changed file edited to the new content", func(t *testing.T, dir string) {
			writeT(t, filepath.Join(dir, "apps", "web", "deployment-web.yaml"), v2["apps/web/deployment-web.yaml"])
		}},
		{"a file added", func(t *testing.T, dir string) {
			writeT(t, filepath.Join(dir, "apps", "web", "extra.yaml"), "kind: Extra\n")
		}},
		{"a kept file removed", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "platform", "namespace-shop.yaml")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "prod")
			v1.create(t, dir)
			rec := NewRecords(v1.files())
			if tc.edit != nil {
				rec = settledRecords(t, dir, v1)
				tc.edit(t, dir)
			}
			want, err := Compare(dir, v2.files())
			if err != nil {
				t.Fatal(err)
			}
			compared, err := CompareRecorded(dir, v2.files(), rec, time.Now())
			if err != nil {
				t.Fatalf("CompareRecorded() error: %v", err)
			}
			if diff := cmp.Diff(want, compared); diff != "" {
				t.Errorf("CompareRecorded() differs from Compare (-want +got):\n%s", diff)
			}
			before := stats(t, dir)
			got, err := WriteRecorded(dir, v2.files(), rec, time.Now())
			if err != nil {
				t.Fatalf("WriteRecorded() error: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("WriteRecorded() changes differ from Write's (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(v2, readTreeT(t, dir)); diff != "" {
				t.Errorf("tree after WriteRecorded() (-want +got):\n%s", diff)
			}
			after := stats(t, dir)
			stale := map[string]bool{}
			for _, p := range append(want.Stale, want.Missing...) {
				stale[p] = true
			}
			for p := range v2 {
				name := filepath.Join(dir, filepath.FromSlash(p))
				b, a := before[name], after[name]
				if linked := b != nil && os.SameFile(b, a); linked == stale[p] {
					t.Errorf("%s: linked from the old tree = %v, want %v", p, linked, !stale[p])
				}
			}
		})
	}
}

// settledRecords returns the records of tr, written in dir, with the
// metadata a check would record once they have settled.
func settledRecords(t *testing.T, dir string, tr tree) Records {
	t.Helper()
	rec := NewRecords(tr.files())
	for range 2 { // the files, then the folders
		time.Sleep(20 * time.Millisecond)
		_, settled, err := CompareRecords(dir, rec, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(rec, settled)
	}
	if _, _, fast := statRecords(dir, rec.List(), time.Now()); runtime.GOOS == "linux" && !fast {
		t.Fatal("the records do not answer from the files' metadata")
	}
	return rec
}

func writeT(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
