package output

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLinker: files are linked whatever the order of their folders, and
// no symbolic link on the way is followed.
func TestLinker(t *testing.T) {
	base := t.TempDir()
	for _, d := range []string{"old/x", "old/y", "new/x", "new/y", "new/z", "elsewhere"} {
		mkdir(t, filepath.Join(base, d))
	}
	for _, f := range []string{"old/x/1", "old/x/2", "old/y/3", "old/4", "elsewhere/5"} {
		writeT(t, filepath.Join(base, f), f)
	}
	symlink(t, filepath.Join(base, "elsewhere"), filepath.Join(base, "old", "z"))
	parent, err := os.OpenRoot(base)
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	l := newLinker(parent, "old", "new")
	defer l.close()
	for _, p := range []string{"x/1", "y/3", "x/2", "4"} {
		if err := l.link(p); err != nil {
			t.Fatalf("link(%s) = %v", p, err)
		}
		a, err := os.Lstat(filepath.Join(base, "old", p))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.Lstat(filepath.Join(base, "new", p))
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(a, b) {
			t.Errorf("new/%s is not a link to old/%s", p, p)
		}
	}
	if err := l.link("z/5"); err == nil {
		t.Error("link(z/5) followed the symbolic link old/z")
	}
	if _, err := os.Lstat(filepath.Join(base, "new", "z", "5")); err == nil {
		t.Error("new/z/5 exists")
	}
	if err := l.link("missing/6"); err == nil {
		t.Error("link(missing/6) = nil, want an error")
	}
}
