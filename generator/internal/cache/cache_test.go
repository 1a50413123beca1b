package cache

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"cuelang.org/go/cue/load"
)

func TestKey(t *testing.T) {
	if Key("ab", "c") == Key("a", "bc") {
		t.Error(`Key("ab", "c") == Key("a", "bc"): parts must not run together`)
	}
	if a, b := Key("a"), Key("a"); a != b {
		t.Errorf("Key is not deterministic: %s then %s", a, b)
	}
	if k := Key("a"); len(k) != 64 {
		t.Errorf("Key = %q, want 64 hex digits", k)
	}
}

func TestGetPut(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "cache"))
	type entry struct{ A string }
	var got entry
	if c.Get(Key("x"), &got) {
		t.Fatal("Get on an empty cache hit")
	}
	if err := c.Put(Key("x"), entry{"one"}); err != nil {
		t.Fatal(err)
	}
	if !c.Get(Key("x"), &got) || got.A != "one" {
		t.Fatalf("Get after Put = %+v", got)
	}
	if err := c.Put(Key("x"), entry{"two"}); err != nil {
		t.Fatal(err)
	}
	if !c.Get(Key("x"), &got) || got.A != "two" {
		t.Fatalf("Get after a second Put = %+v", got)
	}
	// No temporary file is left behind.
	matches, _ := filepath.Glob(filepath.Join(c.Dir(), "*", ".tmp-*"))
	if len(matches) > 0 {
		t.Errorf("leftovers: %v", matches)
	}

	// A corrupt entry is a miss.
	if err := os.WriteFile(c.path(Key("x")), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c.Get(Key("x"), &got) {
		t.Error("Get of a corrupt entry hit")
	}
}

func TestNilAndBrokenCache(t *testing.T) {
	var c *Cache
	var v string
	if c.Get(Key("x"), &v) {
		t.Error("nil cache hit")
	}
	if err := c.Put(Key("x"), "v"); err != nil {
		t.Errorf("Put on a nil cache = %v", err)
	}
	// A cache folder that cannot be created: Put fails, nothing panics.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	broken := New(filepath.Join(file, "cache"))
	if err := broken.Put(Key("x"), "v"); err == nil {
		t.Error("Put under a file succeeded")
	}
	if broken.Get(Key("x"), &v) {
		t.Error("broken cache hit")
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	t.Setenv(EnvOff, "")
	if c := Open(); c.Dir() != dir {
		t.Errorf("Open with %s=%s: dir %q", EnvDir, dir, c.Dir())
	}
	for _, off := range []string{"off", "0", "false", "OFF"} {
		t.Setenv(EnvOff, off)
		if c := Open(); c != nil {
			t.Errorf("Open with %s=%s = %q, want nil", EnvOff, off, c.Dir())
		}
	}
	t.Setenv(EnvOff, "")
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", dir)
	if c := Open(); c.Dir() != filepath.Join(dir, "gen") {
		t.Errorf("Open with XDG_CACHE_HOME=%s: dir %q", dir, c.Dir())
	}
}

func TestExecutable(t *testing.T) {
	c := New(t.TempDir())
	a, err := c.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Executable() // from the cache this time
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(a) != 64 {
		t.Errorf("Executable = %q then %q", a, b)
	}
	if a, err := New(t.TempDir()).Executable(); err != nil || a != b {
		t.Errorf("Executable without cache = %q, %v; want %q", a, err, b)
	}
}

func write(t *testing.T, root, rel, data string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHash(t *testing.T) {
	root := t.TempDir()
	write(t, root, "environments/prod/prod.cue", "package environments\n")
	write(t, root, "environments/prod/images.lock.json", "{}\n")
	write(t, root, "environments/shared.cue", "package environments\n")
	dirs := []string{"environments", "environments/prod", "policies"}
	hash := func() Inputs {
		t.Helper()
		in, err := Hash(root, dirs)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	base := hash()
	if again := hash(); again.Digest != base.Digest {
		t.Fatal("Hash is not deterministic")
	}
	if !slices.Equal(keys(base.Modified), []string{"environments/prod/images.lock.json", "environments/prod/prod.cue", "environments/shared.cue"}) {
		t.Errorf("Modified has %v", keys(base.Modified))
	}

	// Files that are not inputs change nothing: other extensions, dot
	// files, subfolders of a folder not listed.
	write(t, root, "environments/prod/README.md", "notes")
	write(t, root, "environments/prod/.prod.cue.swp", "x")
	write(t, root, "environments/staging/staging.cue", "package environments\n")
	if hash().Digest != base.Digest {
		t.Error("a file that is not an input changed the digest")
	}

	for _, tc := range []struct {
		name string
		edit func()
		undo func()
	}{
		{"edit", func() { write(t, root, "environments/prod/prod.cue", "package environments\nx: 1\n") },
			func() { write(t, root, "environments/prod/prod.cue", "package environments\n") }},
		{"lock", func() { write(t, root, "environments/prod/images.lock.json", "{ }\n") },
			func() { write(t, root, "environments/prod/images.lock.json", "{}\n") }},
		{"new file", func() { write(t, root, "environments/prod/extra.cue", "package environments\n") },
			func() { os.Remove(filepath.Join(root, "environments/prod/extra.cue")) }},
		{"rename", func() {
			os.Rename(filepath.Join(root, "environments/shared.cue"), filepath.Join(root, "environments/common.cue"))
		}, func() {
			os.Rename(filepath.Join(root, "environments/common.cue"), filepath.Join(root, "environments/shared.cue"))
		}},
		{"new folder", func() { os.Mkdir(filepath.Join(root, "policies"), 0o755) },
			func() { os.Remove(filepath.Join(root, "policies")) }},
	} {
		tc.edit()
		if hash().Digest == base.Digest {
			t.Errorf("%s: digest unchanged", tc.name)
		}
		tc.undo()
		if hash().Digest != base.Digest {
			t.Errorf("%s undone: digest differs", tc.name)
		}
	}

	// Extra files are digested by name, present or not.
	withLock, err := Hash(root, nil, "environments/prod/images.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	without, err := Hash(root, nil, "environments/qa/images.lock.json")
	if err != nil {
		t.Fatal(err)
	}
	if withLock.Digest == without.Digest {
		t.Error("extra files do not count")
	}
}

func TestModifiedSince(t *testing.T) {
	now := time.Now()
	in := Inputs{Modified: map[string]time.Time{"a.cue": now.Add(-time.Hour), "lock.json": now}}
	if !in.ModifiedSince(now.Add(-time.Minute)) {
		t.Error("lock.json was modified a minute ago")
	}
	if in.ModifiedSince(now.Add(-time.Minute), "lock.json") {
		t.Error("skipped lock.json still counts")
	}
	if in.ModifiedSince(now.Add(time.Second)) {
		t.Error("nothing was modified after now")
	}
}

func TestInputDirs(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	// An environment of a platform: its platform's folder is an input too.
	insts := load.Instances([]string{"./environments/chatbot/prod", "./schema"}, &load.Config{Dir: root})
	for _, inst := range insts {
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
	}
	got := InputDirs(root, insts)
	want := []string{".", "cue.mod", "environments", "environments/chatbot", "environments/chatbot/prod", "schema"}
	if !slices.Equal(got, want) {
		t.Errorf("InputDirs = %v, want %v", got, want)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestRemoveOld(t *testing.T) {
	c := New(t.TempDir())
	for _, k := range []string{Key("old"), Key("new")} {
		if err := c.Put(k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-MaxAge - time.Hour)
	if err := os.Chtimes(c.path(Key("old")), old, old); err != nil {
		t.Fatal(err)
	}
	// A new process: its first Put removes what is past MaxAge.
	c = New(c.Dir())
	if err := c.Put(Key("other"), "v"); err != nil {
		t.Fatal(err)
	}
	var v string
	if c.Get(Key("old"), &v) {
		t.Error("an entry past MaxAge survived")
	}
	if _, err := os.Stat(filepath.Dir(c.path(Key("old")))); Key("old")[:2] != Key("new")[:2] && Key("old")[:2] != Key("other")[:2] && !os.IsNotExist(err) {
		t.Errorf("the emptied folder of the old entry is left: %v", err)
	}
	if !c.Get(Key("new"), &v) || !c.Get(Key("other"), &v) {
		t.Error("a recent entry was removed")
	}
}

// TestHasher: a Hasher reads each file once, whichever folders name it,
// and gives the digests Hash gives; a new Hasher sees a change.
func TestHasher(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"environments/apps.cue", "environments/dev/dev.cue", "environments/prod/prod.cue"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dev := []string{"environments", "environments/dev"}
	prod := []string{"environments", "environments/prod"}
	var hs Hasher
	for _, dirs := range [][]string{dev, prod} {
		got, err := hs.Hash(root, dirs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Hash(root, dirs)
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest != want.Digest || len(got.Modified) != 2 {
			t.Errorf("Hasher.Hash(%v) = %v, want Hash's %v", dirs, got, want)
		}
	}
	before, _ := hs.Hash(root, prod)
	if err := os.WriteFile(filepath.Join(root, "environments", "apps.cue"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _ := hs.Hash(root, prod); again.Digest != before.Digest {
		t.Error("a Hasher read a file again")
	}
	if fresh, _ := Hash(root, prod); fresh.Digest == before.Digest {
		t.Error("Hash missed a change")
	}
	// Each folder is listed once too: a file added since is not seen by
	// the Hasher that listed it, and is by the next.
	before, _ = hs.Hash(root, dev)
	if err := os.WriteFile(filepath.Join(root, "environments", "dev", "more.cue"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _ := hs.Hash(root, dev); again.Digest != before.Digest || len(again.Modified) != 2 {
		t.Errorf("a Hasher listed a folder again: %v", again.Modified)
	}
	if fresh, _ := Hash(root, dev); fresh.Digest == before.Digest || len(fresh.Modified) != 3 {
		t.Errorf("Hash missed a new file: %v", fresh.Modified)
	}
}

// TestHasherTrust: given the records of an earlier run, a Hasher takes
// the digest of a file whose metadata is unchanged without reading it,
// and reads one whose metadata changed, even when its size and
// modification time are those recorded; a file changed at or after the
// start of the run (less the slack) is never recorded.
func TestHasherTrust(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("input files are trusted by their metadata on Linux only")
	}
	root := t.TempDir()
	write(t, root, "environments/apps.cue", "package environments\n")
	write(t, root, "environments/prod/prod.cue", "package environments\n")
	dirs := []string{"environments", "environments/prod"}
	// run hashes dirs as a run that starts now, given records, and
	// returns the digest and the records to keep.
	run := func(t *testing.T, records []byte, since time.Time) (string, []byte) {
		t.Helper()
		var hs Hasher
		hs.Trust(root, records, since)
		in, err := hs.Hash(root, dirs)
		if err != nil {
			t.Fatal(err)
		}
		if want, err := Hash(root, dirs); err != nil || in.Digest != want.Digest {
			t.Errorf("Hasher.Hash with records = %s, Hash = %s (%v)", in.Digest, want.Digest, err)
		}
		out, ok := hs.Settled(root)
		if !ok {
			out = records
		}
		return in.Digest, out
	}

	// Files changed after the start of the run: not recorded.
	_, records := run(t, nil, time.Now().Add(-time.Hour))
	if records != nil {
		t.Fatalf("files just written were recorded: %s", records)
	}
	time.Sleep(20 * time.Millisecond)
	base, records := run(t, nil, time.Now())
	if records == nil {
		t.Fatal("settled files were not recorded")
	}

	// A record whose metadata matches is trusted: a wrong digest beside
	// it goes unnoticed, since the file is not read.
	var rec map[string]fileRecord
	if err := json.Unmarshal(records, &rec); err != nil || len(rec) != 2 {
		t.Fatalf("records = %s, %v; want two files", records, err)
	}
	apps := rec["environments/apps.cue"]
	forged := maps.Clone(rec)
	forged["environments/apps.cue"] = fileRecord{Sum: sha256.Sum256([]byte("not read")), Stat: apps.Stat}
	bad, _ := json.Marshal(forged)
	var hs Hasher
	hs.Trust(root, bad, time.Now())
	if in, err := hs.Hash(root, dirs); err != nil || in.Digest == base {
		t.Errorf("a Hasher read a file whose metadata was unchanged: %v", err)
	}

	// Changed, of the same size, its modification time set back: the
	// change time tells.
	p := filepath.Join(root, "environments", "apps.cue")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("package environment_\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	changed, records2 := run(t, records, time.Now().Add(-time.Hour))
	if changed == base {
		t.Error("a change of the same size and modification time went unseen")
	}
	// Not settled: the record of the old content is dropped, none added.
	rec = nil
	if err := json.Unmarshal(records2, &rec); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec["environments/apps.cue"]; ok || len(rec) != 1 {
		t.Errorf("records after a change in the run's window = %s, want prod.cue's only", records2)
	}
	// A file removed, and one added: both change the digest.
	if err := os.Remove(filepath.Join(root, "environments", "prod", "prod.cue")); err != nil {
		t.Fatal(err)
	}
	if gone, _ := run(t, records2, time.Now()); gone == changed {
		t.Error("a file removed went unseen")
	}
	write(t, root, "environments/prod/new.cue", "package environments\n")
	if added, _ := run(t, records2, time.Now()); added == changed {
		t.Error("a file added went unseen")
	}
	// Records that cannot be parsed: every file is read.
	if got, _ := run(t, []byte("{not json"), time.Now()); got == base {
		t.Error("broken records hid a change")
	}
}
