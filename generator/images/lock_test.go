package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/model"
)

// lockOf returns a lock file holding entries, one per line from line 2.
func lockOf(entries ...string) string {
	return "{\"version\": 1, \"images\": [\n" + strings.Join(entries, ",\n") + "\n]}\n"
}

func lockEntry(repo, tag, digest, mediaType string) string {
	return `  {"repository": "` + repo + `", "tag": "` + tag + `", "digest": "` + digest + `", "mediaType": "` + mediaType + `"}`
}

const (
	manifest = "application/vnd.oci.image.manifest.v1+json"
	sha      = "sha256:5c76a1f8fa5e9ce013624029e7b2f634ce7f78207bcf7344f14681405ee3579a"
)

// TestParseLockErrors checks each problem's message and every position
// it prints (file:line:column).
func TestParseLockErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string // message, then positions, per error
	}{
		{"uppercase digest", lockOf(lockEntry("r/web", "1", strings.ToUpper(sha), manifest)),
			[]string{`r/web:1: digest "SHA256:5C76A1F8FA5E9CE013624029E7B2F634CE7F78207BCF7344F14681405EE3579A": algorithm "SHA256" is not sha256 or sha512`, "lock.json:2:3"}},
		{"short digest", lockOf(lockEntry("r/a", "1", sha, manifest), lockEntry("r/web", "1", "sha256:abc", manifest)),
			[]string{`r/web:1: digest "sha256:abc": a sha256 digest is 64 lowercase hex digits`, "lock.json:3:3"}},
		{"no algorithm", lockOf(lockEntry("r/web", "1", strings.Repeat("a", 64), manifest)),
			[]string{`r/web:1: digest "` + strings.Repeat("a", 64) + `" is not ALGORITHM:HEX (sha256: and 64 lowercase hex digits)`, "lock.json:2:3"}},
		{"unknown algorithm", lockOf(lockEntry("r/web", "1", "md5:"+strings.Repeat("a", 32), manifest)),
			[]string{`r/web:1: digest "md5:` + strings.Repeat("a", 32) + `": algorithm "md5" is not sha256 or sha512`, "lock.json:2:3"}},
		{"layer media type", lockOf(lockEntry("r/web", "1", sha, "application/vnd.oci.image.layer.v1.tar")),
			[]string{`r/web:1: media type "application/vnd.oci.image.layer.v1.tar" is not an image manifest or index (` + strings.Join(mediaTypes, ", ") + ")", "lock.json:2:3"}},
		{"no media type", lockOf(lockEntry("r/web", "1", sha, "")),
			[]string{`r/web:1: media type "" is not an image manifest or index (` + strings.Join(mediaTypes, ", ") + ")", "lock.json:2:3"}},
		{"conflicting duplicates", lockOf(lockEntry("r/web", "1", sha, manifest), lockEntry("r/a", "1", sha, manifest), lockEntry("r/web", "1", "sha256:"+strings.Repeat("0", 64), manifest)),
			[]string{"r/web:1 is locked twice, to " + sha + " and to sha256:" + strings.Repeat("0", 64) + "; keep one entry", "lock.json:2:3", "lock.json:4:3"}},
		{"no digest", lockOf(`  {"repository": "r", "tag": "t"}`), []string{"image 0 needs repository, tag and digest", "lock.json:2:3"}},
		{"two problems", lockOf(lockEntry("r/a", "1", "sha256:x", manifest), lockEntry("r/b", "1", sha, "text/plain")),
			[]string{`r/a:1: digest "sha256:x": a sha256 digest is 64 lowercase hex digits`, "lock.json:2:3",
				`r/b:1: media type "text/plain" is not an image manifest or index (` + strings.Join(mediaTypes, ", ") + ")", "lock.json:3:3"}},
		{"unknown field", "{\"version\": 1,\n \"images\": [], \"extra\": 1}", []string{`unknown field "extra" (want version, comment, images)`, "lock.json:2:16"}},
		{"unknown entry field", lockOf(`  {"repository": "r", "tag": "t", "digest": "` + sha + `", "size": 3}`), []string{`unknown field "size"`, "lock.json:2:3"}},
		{"newer version", "{\"images\": [],\n \"version\": 2}", []string{"version 2 is not 1; was it written by another gen?", "lock.json:2:13"}},
		{"no version", `{"images": []}`, []string{"no version", "lock.json:1:1"}},
		{"version a string", "{\n\"version\": \"1\"}", []string{"found a JSON string where a number belongs", "lock.json:2:12"}},
		{"tag a number", lockOf(`  {"repository": "r", "tag": 1}`), []string{"tag: found a JSON number where a string belongs", "lock.json:2:3"}},
		{"not json", "\n  images:", []string{"invalid character 'i' looking for beginning of value", "lock.json:2:3"}},
		{"array", "[]", []string{"a lock file must be a JSON object", "lock.json:1:1"}},
		{"images an object", `{"version": 1, "images": {}}`, []string{"images must be a JSON array", "lock.json:1:26"}},
		{"truncated", "{\"version\": 1, \"images\": [\n", []string{"unexpected end of JSON input", "lock.json:1:28"}},
		{"trailing data", "{\"version\": 1}\n{}", []string{"data after the lock file's object", "lock.json:2:1"}},
		{"field twice", `{"version": 1, "version": 1}`, []string{`field "version" appears twice`, "lock.json:1:16"}},
		{"empty", " \n", []string{"the lock file is empty: delete it (gen images --refresh-missing writes it again)", "lock.json:1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseLock("lock.json", []byte(tt.data))
			if err == nil {
				t.Fatalf("ParseLock = %v, want an error", l)
			}
			var got []string
			for _, e := range cueerrors.Errors(err) {
				format, args := e.Msg()
				got = append(got, fmt.Sprintf(format, args...))
				for _, p := range cueerrors.Positions(e) {
					got = append(got, p.String())
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLock errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseLockDuplicates: an entry repeated with the same descriptor is
// kept once; the file's order does not matter.
func TestParseLockDuplicates(t *testing.T) {
	data := lockOf(lockEntry("r/web", "1", sha, manifest), lockEntry("r/a", "1", sha, manifest), lockEntry("r/web", "1", sha, manifest))
	l, err := ParseLock("lock.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Repository: "r/a", Tag: "1", Descriptor: Descriptor{Digest: sha, MediaType: manifest}},
		{Repository: "r/web", Tag: "1", Descriptor: Descriptor{Digest: sha, MediaType: manifest}},
	}
	if diff := cmp.Diff(want, l.Images); diff != "" {
		t.Errorf("ParseLock images (-want +got):\n%s", diff)
	}
	sha512 := "sha512:" + strings.Repeat("ab", 64)
	if _, err := ParseLock("lock.json", []byte(lockOf(lockEntry("r/web", "1", sha512, "application/vnd.docker.distribution.manifest.list.v2+json")))); err != nil {
		t.Errorf("ParseLock with a sha512 digest and a Docker list = %v", err)
	}
}

// TestPinOfflineKeepsLock: offline, Pin returns the lock file's bytes as
// they are, even when a render would write them differently, so that
// nothing offline rewrites a lock.
func TestPinOfflineKeepsLock(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "environments", "dev", LockFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	hand := lockOf(lockEntry("r/unused", "1", sha, manifest), lockEntry(ecr+"/web", "1.0", digest('a'), manifest))
	if err := os.WriteFile(p, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		resolver Resolver
		want     string
	}{
		{"offline", nil, hand},
		{"online", Fixed{}, string((&Lock{Images: []Entry{{Repository: ecr + "/web", Tag: "1.0", Descriptor: Descriptor{Digest: digest('a'), MediaType: manifest}}}}).Encode())},
	} {
		e := env(t, "dev", app(t, "web", ecr+"/web", "1.0")) // Pin sets its digest
		pinned, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{Resolver: tt.resolver})
		if err != nil {
			t.Fatalf("%s: Pin = %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, string(pinned[0].Data)); diff != "" {
			t.Errorf("%s: Pin lock data (-want +got):\n%s", tt.name, diff)
		}
	}
}
