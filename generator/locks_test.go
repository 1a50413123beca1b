package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/internal/fakeimages"
	"github.com/gitops-gen/gen/internal/testregistry"
)

// defaultRegistry is the registry of the default environments' images.
const defaultRegistry = "235494787667.dkr.ecr.ap-south-1.amazonaws.com"

// TestCommittedLocksReproducible does what "make locks" does: it pushes the
// deterministic image of every tag the default environments use to a local
// registry, re-resolves every tag through a mirror mapping, and requires
// the committed lock files byte for byte.
func TestCommittedLocksReproducible(t *testing.T) {
	// Which tags to push comes from a lenient, offline pass.
	listed, err := generator.Images(context.Background(), generator.Options{Root: repoRoot,
		Images: images.PinOptions{Lenient: true}})
	if err != nil {
		t.Fatal(err)
	}
	host := testregistry.Start(t)
	pushed := map[string]bool{}
	for _, env := range listed {
		for _, im := range env.Images {
			if im.Origin == images.FromCUE || pushed[im.Repository+":"+im.Tag] {
				continue
			}
			pushed[im.Repository+":"+im.Tag] = true
			if _, err := fakeimages.Push(host, im.Repository, im.Tag); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(pushed) == 0 {
		t.Fatal("the default environments use no image tag")
	}

	remote := images.NewRemote(images.WithKeychain(authn.NewMultiKeychain()))
	pinned, err := generator.Images(context.Background(), generator.Options{Root: repoRoot, Images: images.PinOptions{
		Resolver:   remote,
		RefreshAll: true,
		Mirrors:    map[string]string{defaultRegistry: host},
	}})
	if err != nil {
		var b strings.Builder
		generator.PrintError(&b, err, repoRoot)
		t.Fatalf("refreshing through the mirror:\n%s", b.String())
	}
	for _, p := range pinned {
		committed, err := os.ReadFile(filepath.Join(repoRoot, p.Path))
		if err != nil {
			t.Fatalf("%s: %v (run make locks)", p.Path, err)
		}
		if string(committed) != string(p.Data) {
			t.Errorf("%s is not what make locks writes; run make locks and commit it", p.Path)
		}
		if p.Resolved == 0 {
			t.Errorf("%s: nothing was resolved through the mirror", p.Path)
		}
	}
}
