package output

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// tree is a directory's files by slash-separated path.
type tree map[string]string

func (tr tree) files() []File {
	var files []File
	for p, data := range tr {
		files = append(files, File{Path: p, Data: []byte(data)})
	}
	return files
}

// create writes tr under dir.
func (tr tree) create(t testing.TB, dir string) {
	t.Helper()
	for p, data := range tr {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTreeT reads every file under dir.
func readTreeT(t *testing.T, dir string) tree {
	t.Helper()
	tr, err := readTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// readTree reads every file under dir with ReadTree.
func readTree(dir string) (tree, error) {
	have, err := ReadTree(dir)
	tr := tree{}
	for p, data := range have {
		tr[p] = string(data)
	}
	return tr, err
}

// stats returns the FileInfo of dir and of everything in it.
func stats(t *testing.T, dir string) map[string]fs.FileInfo {
	t.Helper()
	infos := map[string]fs.FileInfo{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		infos[p], err = os.Lstat(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return infos
}

// leftovers returns the ".gen-" entries in dir and below it.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".gen-") {
			found = append(found, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

var (
	v1 = tree{
		"platform/namespace-shop.yaml": "kind: Namespace\n",
		"apps/web/deployment-web.yaml": "kind: Deployment\nreplicas: 1\n",
		"apps/web/service-web.yaml":    "kind: Service\n",
		"apps/api/deployment-api.yaml": "kind: Deployment\n",
	}
	v2 = tree{
		"platform/namespace-shop.yaml": "kind: Namespace\n",
		"apps/web/deployment-web.yaml": "kind: Deployment\nreplicas: 2\n",
		"apps/web/service-web.yaml":    "kind: Service\n",
		"apps/web/configmap-web.yaml":  "kind: ConfigMap\n",
	}
)

func TestWrite(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "rendered", "prod") // the parent does not exist yet

	// Into nothing.
	c, err := Write(dir, v1.files())
	if err != nil {
		t.Fatalf("Write(v1) error: %v", err)
	}
	want := Changes{Missing: []string{
		"apps/api/deployment-api.yaml",
		"apps/web/deployment-web.yaml",
		"apps/web/service-web.yaml",
		"platform/namespace-shop.yaml",
	}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Write(v1) changes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(v1, readTreeT(t, dir)); diff != "" {
		t.Errorf("Write(v1) tree mismatch (-want +got):\n%s", diff)
	}
	for p, info := range stats(t, dir) {
		want := fs.FileMode(0o644)
		if info.IsDir() {
			want = fs.ModeDir | 0o755
		}
		if info.Mode() != want {
			t.Errorf("Write(v1): %s has mode %v, want %v", p, info.Mode(), want)
		}
	}

	// Again: nothing is touched, not even the directory.
	before := stats(t, dir)
	c, err = Write(dir, v1.files())
	if err != nil {
		t.Fatalf("Write(v1) again error: %v", err)
	}
	if !c.Empty() {
		t.Errorf("Write(v1) again = %+v, want no changes", c)
	}
	after := stats(t, dir)
	if len(after) != len(before) {
		t.Errorf("Write(v1) again: %d entries, want %d", len(after), len(before))
	}
	for p, b := range before {
		a, ok := after[p]
		if !ok || !os.SameFile(a, b) || !a.ModTime().Equal(b.ModTime()) {
			t.Errorf("Write(v1) again touched %s", p)
		}
	}

	// One file changes, one is added, and the api app goes away with its
	// folder.
	c, err = Write(dir, v2.files())
	if err != nil {
		t.Fatalf("Write(v2) error: %v", err)
	}
	want = Changes{
		Stale:   []string{"apps/web/deployment-web.yaml"},
		Missing: []string{"apps/web/configmap-web.yaml"},
		Extra:   []string{"apps/api/deployment-api.yaml"},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Write(v2) changes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(v2, readTreeT(t, dir)); diff != "" {
		t.Errorf("Write(v2) tree mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, "apps", "api")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Write(v2) left apps/api behind: %v", err)
	}
	if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
		t.Errorf("Write left temporary directories: %q", l)
	}

	// Everything goes.
	c, err = Write(dir, nil)
	if err != nil {
		t.Fatalf("Write(nil) error: %v", err)
	}
	if len(c.Extra) != len(v2) {
		t.Errorf("Write(nil) changes = %+v, want every file Extra", c)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("Write(nil) left %v (error %v), want an empty directory", entries, err)
	}
}

// reshaped turns v1's apps/ folder into a file, which Write cannot do in
// place: it swaps a whole new tree in.
var reshaped = tree{"apps": "now a file\n", "platform/namespace-shop.yaml": "kind: Namespace\n"}

func TestWriteFallback(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	exchangeCalled := false
	swapHook(t, func(parent *os.Root, a, b string) error {
		exchangeCalled = true
		return errors.ErrUnsupported
	})
	if _, err := Write(dir, reshaped.files()); err != nil {
		t.Fatalf("Write() error: %v", err)
	}
	if !exchangeCalled {
		t.Errorf("Write() did not try to exchange")
	}
	if diff := cmp.Diff(reshaped, readTreeT(t, dir)); diff != "" {
		t.Errorf("Write() tree mismatch (-want +got):\n%s", diff)
	}
	if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
		t.Errorf("Write() left temporary directories: %q", l)
	}
}

func TestWriteFailureKeepsTree(t *testing.T) {
	tests := []struct {
		name      string
		next      tree // what Write is asked to write
		writeFile func(root *os.Root, name string, data []byte) error
		exchange  func(parent *os.Root, a, b string) error
	}{
		{
			name: "a file write fails",
			next: v2,
			writeFile: func() func(*os.Root, string, []byte) error {
				n := 0
				orig := writeFile
				return func(root *os.Root, name string, data []byte) error {
					if n++; n == 2 {
						return errors.New("disk full")
					}
					return orig(root, name, data)
				}
			}(),
		},
		{
			name: "a file write fails in a new tree",
			next: reshaped,
			writeFile: func() func(*os.Root, string, []byte) error {
				n := 0
				orig := writeFile
				return func(root *os.Root, name string, data []byte) error {
					if n++; n == 1 { // the only file written: the other is linked
						return errors.New("disk full")
					}
					return orig(root, name, data)
				}
			}(),
		},
		{
			name:     "the swap fails",
			next:     reshaped,
			exchange: func(parent *os.Root, a, b string) error { return errors.New("device busy") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "prod")
			v1.create(t, dir)
			before := stats(t, dir)
			if tt.writeFile != nil {
				orig := writeFile
				writeFile = tt.writeFile
				t.Cleanup(func() { writeFile = orig })
			}
			if tt.exchange != nil {
				swapHook(t, tt.exchange)
			}

			if _, err := Write(dir, tt.next.files()); err == nil {
				t.Fatalf("Write() = nil error, want error")
			}
			if diff := cmp.Diff(v1, readTreeT(t, dir)); diff != "" {
				t.Errorf("Write() changed the tree (-want +got):\n%s", diff)
			}
			after := stats(t, dir)
			for p, b := range before {
				// Folders may see a temporary file come and go; files
				// must be the very same, unmodified.
				if a, ok := after[p]; !ok || !b.IsDir() && (!os.SameFile(a, b) || !a.ModTime().Equal(b.ModTime())) {
					t.Errorf("Write() touched %s", p)
				}
			}
			if len(after) != len(before) {
				t.Errorf("Write() left %d entries, want %d", len(after), len(before))
			}
			if l := leftovers(t, parent); len(l) > 0 {
				t.Errorf("Write() left temporary directories: %q", l)
			}
		})
	}
}

// swapHook replaces exchange for the test.
func swapHook(t *testing.T, f func(parent *os.Root, a, b string) error) {
	orig := exchange
	exchange = f
	t.Cleanup(func() { exchange = orig })
}

func TestBadPaths(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
	}{
		{"parent", []string{"../escape.yaml"}},
		{"inner parent", []string{"apps/../../escape.yaml"}},
		{"absolute", []string{"/etc/passwd"}},
		{"backslash", []string{`apps\web.yaml`}},
		{"empty", []string{""}},
		{"dot", []string{"."}},
		{"dot element", []string{"./a.yaml"}},
		{"empty element", []string{"apps//a.yaml"}},
		{"trailing slash", []string{"apps/"}},
		{"nul", []string{"a\x00.yaml"}},
		{"duplicate", []string{"a.yaml", "a.yaml"}},
		{"file and directory", []string{"apps/web", "apps/web/a.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "prod")
			files := []File{{Path: "ok.yaml", Data: []byte("ok\n")}}
			for _, p := range tt.paths {
				files = append(files, File{Path: p, Data: []byte("x\n")})
			}
			if _, err := Write(dir, files); err == nil {
				t.Errorf("Write(%q) = nil error, want error", tt.paths)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("Write(%q) wrote %v", tt.paths, entries)
			}
			if _, err := Compare(dir, files); err == nil {
				t.Errorf("Compare(%q) = nil error, want error", tt.paths)
			}
			if _, err := Diff(dir, files, ""); err == nil {
				t.Errorf("Diff(%q) = nil error, want error", tt.paths)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  Changes
	}{
		{
			name:  "missing directory",
			setup: func(t *testing.T, dir string) {},
			want: Changes{Missing: []string{
				"apps/api/deployment-api.yaml",
				"apps/web/deployment-web.yaml",
				"apps/web/service-web.yaml",
				"platform/namespace-shop.yaml",
			}},
		},
		{
			name:  "up to date",
			setup: func(t *testing.T, dir string) { v1.create(t, dir) },
		},
		{
			name: "empty directories do not count",
			setup: func(t *testing.T, dir string) {
				v1.create(t, dir)
				if err := os.MkdirAll(filepath.Join(dir, "apps", "old"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name:  "stale, missing and extra",
			setup: func(t *testing.T, dir string) { v2.create(t, dir) },
			want: Changes{
				Stale:   []string{"apps/web/deployment-web.yaml"},
				Missing: []string{"apps/api/deployment-api.yaml"},
				Extra:   []string{"apps/web/configmap-web.yaml"},
			},
		},
		{
			name: "a symbolic link is stale even to the right content",
			setup: func(t *testing.T, dir string) {
				v1.create(t, dir)
				p := filepath.Join(dir, "apps", "web", "service-web.yaml")
				if err := os.Rename(p, p+".orig"); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("service-web.yaml.orig", p); err != nil {
					t.Fatal(err)
				}
			},
			want: Changes{
				Stale: []string{"apps/web/service-web.yaml"},
				Extra: []string{"apps/web/service-web.yaml.orig"},
			},
		},
		{
			name: "hidden files are extra",
			setup: func(t *testing.T, dir string) {
				v1.create(t, dir)
				tree{".DS_Store": "x", "apps/.keep": ""}.create(t, dir)
			},
			want: Changes{Extra: []string{".DS_Store", "apps/.keep"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "prod")
			tt.setup(t, dir)
			got, err := Compare(dir, v1.files())
			if err != nil {
				t.Fatalf("Compare() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compare() mismatch (-want +got):\n%s", diff)
			}
			if got.Empty() != (len(tt.want.Stale)+len(tt.want.Missing)+len(tt.want.Extra) == 0) {
				t.Errorf("Compare().Empty() = %v for %+v", got.Empty(), got)
			}
			// Against records, the first comparison reads every file and
			// finds the same.
			got, _, err = CompareRecords(dir, NewRecords(v1.files()), time.Now())
			if err != nil {
				t.Fatalf("CompareRecords() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CompareRecords() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompareNotADirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	if err := os.WriteFile(dir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Compare(dir, v1.files()); err == nil {
		t.Errorf("Compare(a file) = nil error, want error")
	}
	if _, _, err := CompareRecords(dir, NewRecords(v1.files()), time.Now()); err == nil {
		t.Errorf("CompareRecords(a file) = nil error, want error")
	}
	if _, err := Write(dir, v1.files()); err == nil {
		t.Errorf("Write(a file) = nil error, want error")
	}
}

func TestDiff(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	tree{
		"apps/web/deployment-web.yaml": "kind: Deployment\nreplicas: 1\nname: web\n",
		"apps/web/old.yaml":            "kind: Old\n",
	}.create(t, dir)
	files := tree{
		"apps/web/deployment-web.yaml": "kind: Deployment\nreplicas: 2\nname: web\n",
		"platform/new.yaml":            "kind: New\n",
	}.files()

	got, err := Diff(dir, files, "rendered/prod")
	if err != nil {
		t.Fatalf("Diff() error: %v", err)
	}
	want := strings.Join([]string{
		"diff --git a/rendered/prod/apps/web/deployment-web.yaml b/rendered/prod/apps/web/deployment-web.yaml",
		"--- a/rendered/prod/apps/web/deployment-web.yaml",
		"+++ b/rendered/prod/apps/web/deployment-web.yaml",
		"@@ -1,3 +1,3 @@",
		" kind: Deployment",
		"-replicas: 1",
		"+replicas: 2",
		" name: web",
		"diff --git a/rendered/prod/apps/web/old.yaml b/rendered/prod/apps/web/old.yaml",
		"deleted file mode 100644",
		"--- a/rendered/prod/apps/web/old.yaml",
		"+++ /dev/null",
		"@@ -1,1 +0,0 @@",
		"-kind: Old",
		"diff --git a/rendered/prod/platform/new.yaml b/rendered/prod/platform/new.yaml",
		"new file mode 100644",
		"--- /dev/null",
		"+++ b/rendered/prod/platform/new.yaml",
		"@@ -0,0 +1,1 @@",
		"+kind: New",
		"",
	}, "\n")
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Diff() mismatch (-want +got):\n%s", diff)
	}

	if _, err := Write(dir, files); err != nil {
		t.Fatal(err)
	}
	got, err = Diff(dir, files, "rendered/prod")
	if err != nil || len(got) != 0 {
		t.Errorf("Diff() after Write = %q, %v, want nothing", got, err)
	}
}

// TestWriteTouchesOnlyChanges: changing one file of an existing tree
// replaces that file and leaves every other file the very same (inode and
// modification time), so a one-line change costs one file.
func TestWriteTouchesOnlyChanges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	before := stats(t, dir)
	next := tree{}
	var changed string
	for p, data := range v1 {
		next[p] = data
		if changed == "" || p < changed {
			changed = p
		}
	}
	next[changed] += "# changed\n"
	c, err := Write(dir, next.files())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Changes{Stale: []string{changed}}, c); diff != "" {
		t.Errorf("Write() changes mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(next, readTreeT(t, dir)); diff != "" {
		t.Errorf("Write() tree mismatch (-want +got):\n%s", diff)
	}
	after := stats(t, dir)
	for p, b := range before {
		if b.IsDir() || filepath.ToSlash(p) == changed || strings.HasSuffix(filepath.ToSlash(p), "/"+changed) {
			continue
		}
		if a := after[p]; a == nil || !os.SameFile(a, b) || !a.ModTime().Equal(b.ModTime()) {
			t.Errorf("Write() touched unchanged %s", p)
		}
	}
	if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
		t.Errorf("Write() left temporary files: %q", l)
	}
}
