package generator_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/tools/txtar"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/internal/golden"
)

// TestRenderCases runs testdata/render/*.txtar: each archive holds input
// files (environments/...; cue.mod/ and schema/ come from the repository)
// and the expected output, as "rendered/<env>/<path>" sections and
// "lock/environments/<env>/images.lock.json" for the lock files, or one
// "error" section. Tags missing from a lock resolve to a digest derived
// from the reference (seeded). With -update (or GEN_UPDATE=1) the expected sections are
// rewritten from what Render returns.
func TestRenderCases(t *testing.T) {
	paths, err := filepath.Glob("testdata/render/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in testdata/render (%v)", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			for _, dir := range []string{"cue.mod", "schema"} {
				if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
					t.Fatal(err)
				}
			}
			var inputs []txtar.File
			want := map[string]string{}
			for _, f := range ar.Files {
				if f.Name == "error" || strings.HasPrefix(f.Name, "rendered/") || strings.HasPrefix(f.Name, "lock/") {
					want[f.Name] = string(f.Data)
					continue
				}
				inputs = append(inputs, f)
				dst := filepath.Join(root, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dst, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}

			got := map[string]string{}
			res, err := generator.Render(context.Background(), generator.Options{Root: root,
				Images: images.PinOptions{Resolver: seeded{}}})
			if err != nil {
				var b strings.Builder
				generator.PrintError(&b, err, root)
				got["error"] = b.String()
			} else {
				for _, e := range res.Envs {
					for _, f := range e.Files {
						got[e.Dir+"/"+f.Path] = string(f.Data)
					}
					if e.Lock.Data != nil {
						got["lock/"+e.Lock.Path] = string(e.Lock.Data)
					}
				}
			}

			if golden.Update() {
				ar.Files = inputs
				for _, name := range sortedKeys(got) {
					ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
				}
				if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Render(%s) mismatch (-want +got):\n%s", p, diff)
			}
		})
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// "error" sorts before "rendered/..." and paths sort as files do.
	slices.Sort(keys)
	return keys
}

// seeded resolves any tag to a digest derived from the reference, so that
// cases need no registry.
type seeded struct{}

func (seeded) Resolve(_ context.Context, ref name.Tag) (images.Descriptor, error) {
	if strings.HasPrefix(ref.TagStr(), "missing") {
		return images.Descriptor{}, fmt.Errorf("%s: %w", ref, images.ErrNotFound)
	}
	sum := sha256.Sum256([]byte(ref.String()))
	return images.Descriptor{Digest: "sha256:" + hex.EncodeToString(sum[:]), MediaType: "application/vnd.oci.image.manifest.v1+json"}, nil
}
