package generator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/cache"
)

// The memo's entries round-trip, per environment, and a missing,
// truncated or foreign entry is a miss, never an error.
func TestAppMemo(t *testing.T) {
	dir := t.TempDir()
	c := cache.New(dir)
	m := Options{Root: t.TempDir(), Cache: c}.memo()
	if m == nil {
		t.Fatal("memo() = nil with a cache")
	}
	if got := m.Apps("prod"); got != nil {
		t.Fatalf("Apps(prod) of an empty cache = %v, want nil", got)
	}
	want := map[string][]byte{"k1": []byte(`{"name":"web"}`), "k2": []byte(`{"name":"api","env":{}}`), "k3": {}}
	m.Remember("prod", want)
	if diff := cmp.Diff(want, m.Apps("prod")); diff != "" {
		t.Fatalf("Apps(prod) after Remember (-want +got):\n%s", diff)
	}
	if got := m.Apps("dev"); got != nil {
		t.Errorf("Apps(dev) = %v, want nil: entries are per environment", got)
	}
	// Truncate the entry on disk: a miss.
	am := m.(appMemo)
	data, ok := c.GetBytes(am.key("prod"))
	if !ok {
		t.Fatal("no entry on disk")
	}
	for _, bad := range [][]byte{data[:len(data)-3], []byte("not an entry"), append([]byte(appsMagic), 0xff)} {
		if err := c.PutBytes(am.key("prod"), bad); err != nil {
			t.Fatal(err)
		}
		if got := m.Apps("prod"); got != nil {
			t.Errorf("Apps(prod) of a damaged entry %q = %v, want nil", bad, got)
		}
	}
	// Another root has entries of its own.
	other := Options{Root: t.TempDir(), Cache: c}.memo()
	m.Remember("prod", want)
	if got := other.Apps("prod"); got != nil {
		t.Errorf("another root's Apps(prod) = %v, want nil", got)
	}
	// Without a cache there is no memo.
	if m := (Options{}).memo(); m != nil {
		t.Errorf("memo() without a cache = %v, want nil", m)
	}
}
