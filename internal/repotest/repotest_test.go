package repotest

import (
	"os"
	"path/filepath"
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
