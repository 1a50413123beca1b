package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRecordsBinary(t *testing.T) {
	r := Records{
		"apps/web/deployment-web.yaml": {Digest: Digest([]byte("a")), Stat: Stat{Size: 1, Mtime: -5, Ctime: 1 << 62, Ino: 1<<64 - 1, Mode: 0o100644}},
		"platform/namespace-shop.yaml": {Digest: Digest([]byte("b"))},
		"a b/ü.yaml":                   {Digest: "x"},
		"a\tb\nc.yaml":                 {Digest: "\n"},
		"./":                           {Stat: Stat{Mode: 0o40755}},
	}
	data := r.AppendBinary(nil)
	got, err := ParseRecords(data)
	if err != nil {
		t.Fatalf("ParseRecords(AppendBinary()) error: %v\n%q", err, data)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("ParseRecords(AppendBinary()) mismatch (-want +got):\n%s", diff)
	}
	if got, err := ParseRecordList(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseRecordList(nil) = %v, %v; want none", got, err)
	}
	one := Records{"a": {Digest: "d", Stat: Stat{Size: 1, Mtime: 2, Ctime: 3, Ino: 4, Mode: 5}}}.AppendBinary(nil)
	for i := range len(one) {
		if _, err := ParseRecordList(one[:i]); i > 0 && err == nil {
			t.Errorf("ParseRecordList(%q), cut short, = nil error", one[:i])
		}
	}
	record := func(path, digest string, mode uint64) []byte {
		b := binary.AppendUvarint(nil, uint64(len(path)))
		b = append(b, path...)
		b = binary.AppendUvarint(b, uint64(len(digest)))
		b = append(b, digest...)
		b = append(b, 2, 4, 6) // size, mtime, ctime: 1, 2, 3
		b = binary.AppendUvarint(b, 4)
		return binary.AppendUvarint(b, mode)
	}
	if _, err := ParseRecordList(record("a", "d", 5)); err != nil {
		t.Fatalf("ParseRecordList() of a good record: %v", err)
	}
	for name, bad := range map[string][]byte{
		"no path":             record("", "d", 5),
		"mode out of range":   record("a", "d", 1<<32),
		"unsorted":            append(record("b", "d", 5), record("a", "d", 5)...),
		"twice":               append(record("a", "d", 5), record("a", "d", 5)...),
		"length past the end": {0x7f, 'a'},
		"overlong varint":     append(bytes.Repeat([]byte{0xff}, 10), 0x7f),
	} {
		if _, err := ParseRecordList(bad); err == nil {
			t.Errorf("ParseRecordList() of %s (%q) = nil error", name, bad)
		}
	}
}

// TestCompareRecordsStat follows one tree through the changes a check
// must see although a file's size, or its modification time, stays the
// same, and through those it need not read a file for.
func TestCompareRecordsStat(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are compared by metadata on Linux only")
	}
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	want := NewRecords(v1.files())
	web := filepath.Join(dir, "apps", "web", "deployment-web.yaml")
	// compare compares dir with want, as a run that starts now, and
	// records what settled.
	compare := func(t *testing.T, wantChanges Changes, wantSettled ...string) {
		t.Helper()
		// Files changed before this run started are settled; the clock
		// moves on a tick or more before it starts.
		time.Sleep(20 * time.Millisecond)
		got, settled, err := CompareRecords(dir, want, time.Now())
		if err != nil {
			t.Fatalf("CompareRecords() error: %v", err)
		}
		if diff := cmp.Diff(wantChanges, got); diff != "" {
			t.Errorf("CompareRecords() mismatch (-want +got):\n%s", diff)
		}
		var paths []string
		for p, r := range settled {
			want[p] = r
			if !isDir(p) { // folders: TestCompareRecordsFolders
				paths = append(paths, p)
			}
		}
		if diff := cmp.Diff(wantSettled, paths, cmpSorted); diff != "" {
			t.Errorf("CompareRecords() settled (-want +got):\n%s", diff)
		}
	}
	all := []string{"apps/api/deployment-api.yaml", "apps/web/deployment-web.yaml", "apps/web/service-web.yaml", "platform/namespace-shop.yaml"}

	// The first comparison reads every file and records them all.
	compare(t, Changes{}, all...)
	// The next reads none: a wrong digest beside the recorded metadata
	// goes unnoticed, since the file is not read.
	saved := want["apps/web/service-web.yaml"]
	want["apps/web/service-web.yaml"] = Record{Digest: "not read", Stat: saved.Stat}
	compare(t, Changes{})
	want["apps/web/service-web.yaml"] = saved

	// A change of the same size with the modification time set back:
	// the change time tells.
	fi, err := os.Stat(web)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(web)
	if err != nil {
		t.Fatal(err)
	}
	data[0] ^= 1
	if err := os.WriteFile(web, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(web, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if now, err := os.Stat(web); err != nil || statOf(now) == want["apps/web/deployment-web.yaml"].Stat {
		t.Skipf("the file system kept the change time of a changed file (coarse timestamps?): %v", err)
	}
	compare(t, Changes{Stale: []string{"apps/web/deployment-web.yaml"}})

	// Put back, it is read, matches and is recorded again.
	data[0] ^= 1
	if err := os.WriteFile(web, data, 0o644); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{}, "apps/web/deployment-web.yaml")

	// Touched: read, unchanged, recorded again.
	earlier := time.Now().Add(-time.Hour)
	if err := os.Chtimes(web, earlier, earlier); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{}, "apps/web/deployment-web.yaml")

	// Replaced by another file of the same size and times: another inode.
	other := web + ".new"
	data[0] ^= 1
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(other, earlier, earlier); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, web); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{Stale: []string{"apps/web/deployment-web.yaml"}})

	// Deleted, and a new file beside: missing and extra.
	if err := os.Remove(web); err != nil {
		t.Fatal(err)
	}
	tree{"apps/web/configmap-web.yaml": "new"}.create(t, dir)
	compare(t, Changes{Missing: []string{"apps/web/deployment-web.yaml"}, Extra: []string{"apps/web/configmap-web.yaml"}})

	// A file a symbolic link replaced, even to the right content, is stale.
	svc := filepath.Join(dir, "apps", "web", "service-web.yaml")
	if err := os.Rename(svc, svc+".orig"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("service-web.yaml.orig", svc); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{
		Stale:   []string{"apps/web/service-web.yaml"},
		Missing: []string{"apps/web/deployment-web.yaml"},
		Extra:   []string{"apps/web/configmap-web.yaml", "apps/web/service-web.yaml.orig"},
	})
}

// TestCompareRecordsRacilyClean: a file changed at or after the start of
// the run (less the slack the caller takes off) is read every time and
// never recorded: a change in the same tick of the file system's clock
// would keep its times.
func TestCompareRecordsRacilyClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	want := NewRecords(v1.files())
	for range 2 {
		got, settled, err := CompareRecords(dir, want, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Empty() || len(settled) != 0 {
			t.Errorf("CompareRecords() of files just written = %+v, settled %v; want no change, none settled", got, settled)
		}
	}
}

// TestCompareRecordsFolders follows a tree through the changes a
// comparison must see when it no longer lists the folders whose metadata
// it recorded: an entry added, removed or renamed changes its folder's
// times, even when they are set back.
func TestCompareRecordsFolders(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are compared by metadata on Linux only")
	}
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, "apps", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := NewRecords(v1.files())
	folders := []string{"./", "apps/", "apps/api/", "apps/empty/", "apps/web/", "platform/"}
	// compare compares dir with want, as a run that starts now, records
	// what settled, and reports whether the folders' metadata answered.
	compare := func(t *testing.T, wantChanges Changes) (fast bool) {
		t.Helper()
		time.Sleep(20 * time.Millisecond)
		since := time.Now()
		_, _, fast = statRecords(dir, want.List(), since)
		got, settled, err := CompareRecords(dir, want, since)
		if err != nil {
			t.Fatalf("CompareRecords() error: %v", err)
		}
		if diff := cmp.Diff(wantChanges, got); diff != "" {
			t.Errorf("CompareRecords() mismatch (-want +got):\n%s", diff)
		}
		for p, r := range settled {
			if r == (Record{}) {
				delete(want, p)
			} else {
				want[p] = r
			}
		}
		return fast
	}
	recorded := func() []string {
		var dirs []string
		for p := range want {
			if isDir(p) {
				dirs = append(dirs, p)
			}
		}
		slices.Sort(dirs)
		return dirs
	}

	if compare(t, Changes{}) {
		t.Error("the first comparison answered without a walk")
	}
	if diff := cmp.Diff(folders, recorded()); diff != "" {
		t.Fatalf("folders recorded (-want +got):\n%s", diff)
	}
	if !compare(t, Changes{}) {
		t.Error("the second comparison walked the tree; want its folders' metadata to answer")
	}

	// A file changed in place, its times set back: its folder is the
	// same, the file's change time tells.
	web := filepath.Join(dir, "apps", "web", "deployment-web.yaml")
	fi, err := os.Stat(web)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(web)
	if err != nil {
		t.Fatal(err)
	}
	data[0] ^= 1
	if err := os.WriteFile(web, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(web, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if !compare(t, Changes{Stale: []string{"apps/web/deployment-web.yaml"}}) {
		t.Error("a file changed in place made the comparison walk the tree")
	}
	data[0] ^= 1
	if err := os.WriteFile(web, data, 0o644); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{})

	// A file added to a recorded folder, whose times are then set back:
	// the folder's change time tells.
	webDir := filepath.Join(dir, "apps", "web")
	di, err := os.Stat(webDir)
	if err != nil {
		t.Fatal(err)
	}
	tree{"apps/web/configmap-web.yaml": "new"}.create(t, dir)
	if err := os.Chtimes(webDir, di.ModTime(), di.ModTime()); err != nil {
		t.Fatal(err)
	}
	if compare(t, Changes{Extra: []string{"apps/web/configmap-web.yaml"}}) {
		t.Error("a file added to a folder went unseen by its folder's metadata")
	}
	// An extra file: the folders are not recorded again.
	if compare(t, Changes{Extra: []string{"apps/web/configmap-web.yaml"}}) {
		t.Error("the folders of a tree with an extra file were recorded")
	}
	if err := os.Remove(filepath.Join(webDir, "configmap-web.yaml")); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{})
	if !compare(t, Changes{}) {
		t.Error("the folders were not recorded again once the tree matched")
	}

	// A file added to an empty folder, and the folder removed: the
	// folder gone is dropped from the records.
	tree{"apps/empty/x.yaml": "x"}.create(t, dir)
	compare(t, Changes{Extra: []string{"apps/empty/x.yaml"}})
	if err := os.RemoveAll(filepath.Join(dir, "apps", "empty")); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{})
	if diff := cmp.Diff(slices.DeleteFunc(slices.Clone(folders), func(p string) bool { return p == "apps/empty/" }), recorded()); diff != "" {
		t.Errorf("folders recorded after one was removed (-want +got):\n%s", diff)
	}
	if !compare(t, Changes{}) {
		t.Error("the comparison after a folder was removed walked the tree")
	}

	// A file removed: missing.
	if err := os.Remove(web); err != nil {
		t.Fatal(err)
	}
	if compare(t, Changes{Missing: []string{"apps/web/deployment-web.yaml"}}) {
		t.Error("a file removed went unseen by its folder's metadata")
	}
	if err := os.WriteFile(web, data, 0o644); err != nil {
		t.Fatal(err)
	}
	compare(t, Changes{})
	compare(t, Changes{})

	// A recorded folder replaced by a symbolic link to a copy of it: its
	// files are missing and the link extra, as a walk finds them.
	api := filepath.Join(dir, "apps", "api")
	if err := os.Rename(api, filepath.Join(dir, "api.orig")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../api.orig", api); err != nil {
		t.Fatal(err)
	}
	if compare(t, Changes{Missing: []string{"apps/api/deployment-api.yaml"}, Extra: []string{"api.orig/deployment-api.yaml", "apps/api"}}) {
		t.Error("a folder replaced by a symbolic link went unseen by its metadata")
	}
}

// A folder changed at or after the start of the run is not recorded, and
// nor is any other: the folders are recorded all at once.
func TestCompareRecordsFoldersRacilyClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "prod")
	v1.create(t, dir)
	want := NewRecords(v1.files())
	since := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "apps"), since, since); err != nil {
		t.Fatal(err)
	}
	_, settled, err := CompareRecords(dir, want, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for p := range settled {
		if isDir(p) {
			t.Errorf("folder %s recorded, although apps/ changed after the run began", p)
		}
	}
}

var cmpSorted = cmp.Options{cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()}

// bigTree writes a tree of folders*files files under dir, old enough to
// be settled, and returns the records of a comparison that read them all
// and of a second that recorded the folders.
func bigTree(t testing.TB, dir string, folders, files int) RecordList {
	t.Helper()
	tr := tree{}
	for i := range folders {
		for j := range files {
			tr[fmt.Sprintf("apps/app-%04d/file-%02d.yaml", i, j)] = fmt.Sprintf("app %d file %d\n", i, j)
		}
	}
	tr.create(t, dir)
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := NewRecords(tr.files())
	for range 2 {
		c, settled, err := CompareRecords(dir, want, time.Now())
		if err != nil || !c.Empty() {
			t.Fatalf("CompareRecords() = %+v, %v; want no change", c, err)
		}
		maps.Copy(want, settled)
	}
	return want.List()
}

// TestStatRecordsRuns: the records asked about in parallel runs give the
// answer they give in one, and an edit anywhere in any run is seen.
func TestStatRecordsRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are compared by metadata on Linux only")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	dir := filepath.Join(t.TempDir(), "prod")
	want := bigTree(t, dir, 100, 20)
	if runs := statRuns(len(want)); len(runs) != 4 {
		t.Fatalf("statRuns(%d) = %v; want 4 runs", len(want), runs)
	}
	// compare compares dir with want, in runs and in one, and reports
	// whether the records' metadata answered.
	compare := func(t *testing.T, since time.Time, wantChanges Changes) (fast bool) {
		t.Helper()
		var results [2]Changes
		for i, procs := range []int{4, 1} {
			runtime.GOMAXPROCS(procs)
			_, _, fast = statRecords(dir, want, since)
			got, _, err := CompareRecordList(dir, want, since)
			if err != nil {
				t.Fatalf("CompareRecordList() error: %v", err)
			}
			results[i] = got
		}
		runtime.GOMAXPROCS(4)
		for _, got := range results {
			if diff := cmp.Diff(wantChanges, got); diff != "" {
				t.Errorf("CompareRecordList() mismatch (-want +got):\n%s", diff)
			}
		}
		return fast
	}
	since := time.Now()
	if !compare(t, since, Changes{}) {
		t.Fatal("a tree whose folders are recorded and unchanged was walked")
	}

	// An edit of the same size in the last run, its times set back: the
	// change time tells, and the metadata still answer for the folders.
	last := filepath.Join(dir, "apps", "app-0099", "file-19.yaml")
	fi, err := os.Stat(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(last, []byte("app 99 file 1X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(last, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if !compare(t, since, Changes{Stale: []string{"apps/app-0099/file-19.yaml"}}) {
		t.Error("an edited file's folder was walked")
	}

	// An edit of the same size in the first run, within the racy window
	// (changed after the start of the run, so never recorded): read and
	// found stale; put back, it is read, matches and is not recorded.
	first := filepath.Join(dir, "apps", "app-0000", "file-00.yaml")
	if err := os.WriteFile(first, []byte("app 0 file X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	racy := time.Now().Add(-time.Hour)
	if !compare(t, racy, Changes{Stale: []string{"apps/app-0000/file-00.yaml", "apps/app-0099/file-19.yaml"}}) {
		t.Error("an edited file's folder was walked")
	}
	if err := os.WriteFile(first, []byte("app 0 file 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, settled, _ := statRecords(dir, want, racy); len(settled) != 0 {
		t.Errorf("statRecords() within the racy window settled %v; want none", settled)
	}

	// A file added to a folder in the middle: the folder's times change,
	// every run's answer is dropped and the tree is walked.
	if err := os.WriteFile(filepath.Join(dir, "apps", "app-0050", "new.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if compare(t, since, Changes{Stale: []string{"apps/app-0099/file-19.yaml"}, Extra: []string{"apps/app-0050/new.yaml"}}) {
		t.Error("a folder with a new file was not walked")
	}
}

func TestStatRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for _, n := range []int{0, 1, statRunSize, 2*statRunSize - 1, 2 * statRunSize, 10 * statRunSize, 10*statRunSize + 7} {
		runs := statRuns(n)
		wantRuns := min(3, max(1, n/statRunSize))
		if len(runs) != wantRuns {
			t.Errorf("statRuns(%d) = %d runs; want %d", n, len(runs), wantRuns)
		}
		next := 0
		for _, r := range runs {
			if r[0] != next || r[1] < r[0] || (n >= statRunSize && r[1]-r[0] < statRunSize) {
				t.Errorf("statRuns(%d) = %v: not contiguous runs of %d or more", n, runs, statRunSize)
				break
			}
			next = r[1]
		}
		if next != n {
			t.Errorf("statRuns(%d) = %v: covers [0, %d)", n, runs, next)
		}
	}
}

// BenchmarkCompareRecordList measures a warm check of one environment's
// folder: every record answered by its metadata.
func BenchmarkCompareRecordList(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("files are compared by metadata on Linux only")
	}
	dir := filepath.Join(b.TempDir(), "prod")
	want := bigTree(b, dir, 300, 20)
	since := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := CompareRecordList(dir, want, since)
		if err != nil || !c.Empty() {
			b.Fatalf("CompareRecordList() = %+v, %v", c, err)
		}
	}
}

// BenchmarkParseRecordList measures reading the records of an
// environment of 1000 apps, as a check reads them from the cache.
func BenchmarkParseRecordList(b *testing.B) {
	r := Records{}
	for i := range 7000 {
		p := fmt.Sprintf("apps/app-%04d/deployment-app-%04d.yaml", i/7, i)
		r[p] = Record{Digest: Digest([]byte(p)), Stat: Stat{Size: 1234, Mtime: 1796428759155450563, Ctime: 1796428759155450563, Ino: 11682666, Mode: 0o100644}}
	}
	data := r.AppendBinary(nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRecordList(data); err != nil {
			b.Fatal(err)
		}
	}
}
