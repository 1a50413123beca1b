package images

import (
	"bytes"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"
)

// FuzzParseLock reads arbitrary bytes as a lock file. ParseLock must not
// panic; every error it returns must be positioned in the file (a user
// needs the line to fix); a lock it accepts holds only valid entries,
// sorted and without repeats, and reads back to itself once encoded.
//
// The seed corpus (testdata/fuzz/FuzzParseLock) runs in every "go test";
// to search further:
//
//	go test -run='^$' -fuzz='^FuzzParseLock$' -fuzztime=30s ./generator/images
func FuzzParseLock(f *testing.F) {
	f.Add([]byte(lockOf(lockEntry(ecr+"/web", "1.0", sha, manifest))))
	f.Add((&Lock{Images: []Entry{entry(ecr+"/web", "2.0", 'b'), entry(ecr+"/api", "1.0", 'a')}}).Encode())
	f.Add([]byte(lockOf(lockEntry("r/web", "1", sha, manifest), lockEntry("r/web", "1", digest('0'), manifest))))
	f.Add([]byte(`{"version": 1, "images": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLock("lock.json", data)
		if err != nil {
			for _, e := range cueerrors.Errors(err) {
				if ps := cueerrors.Positions(e); len(ps) == 0 || ps[0].Filename() != "lock.json" || ps[0].Line() < 1 {
					t.Fatalf("ParseLock(%q) error %q has no position in the file: %v", data, e, ps)
				}
			}
			return
		}
		for i, e := range l.Images {
			if e.Repository == "" || e.Tag == "" || checkEntry(e) != "" {
				t.Fatalf("ParseLock(%q) accepted entry %+v", data, e)
			}
			if i > 0 && compareEntries(l.Images[i-1], e) >= 0 {
				t.Fatalf("ParseLock(%q) entries out of order or repeated: %+v, %+v", data, l.Images[i-1], e)
			}
		}
		enc := l.Encode()
		again, err := ParseLock("lock.json", enc)
		if err != nil {
			t.Fatalf("ParseLock(Encode(ParseLock(%q))) = %v", data, err)
		}
		if diff := cmp.Diff(l.Images, again.Images); diff != "" {
			t.Fatalf("lock of %q changed on encoding (-first +again):\n%s", data, diff)
		}
		if !bytes.Equal(enc, again.Encode()) || !strings.HasSuffix(string(enc), "}\n") {
			t.Fatalf("Encode is not stable for %q:\n%s", data, enc)
		}
	})
}
