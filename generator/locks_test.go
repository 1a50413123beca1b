package generator_test

import (
	"context"
	"errors"
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
	// Every registry the platforms pull from is mirrored to its own folder
	// of the local registry, as make locks does with its ECR list.
	mirrors := map[string]string{}
	for _, env := range listed {
		for _, im := range env.Images {
			if im.Origin == images.FromCUE || pushed[im.Repository+":"+im.Tag] {
				continue
			}
			registry, _, _ := strings.Cut(im.Repository, "/")
			mirrors[registry] = host + "/" + registry
			pushed[im.Repository+":"+im.Tag] = true
			if _, err := fakeimages.PushUnder(host, im.Repository, im.Tag); err != nil {
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
		Mirrors:    mirrors,
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

// TestSkipUnlocked takes a tag out of dev's lock file: offline, Render
// fails with an images.MissingError, while Check and Diff with
// SkipUnlocked compare the other environments and report dev as
// Unlocked, and Write refuses such a partial render.
func TestSkipUnlocked(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"cue.mod", "schema", "policies", "environments", "rendered"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
			t.Fatal(err)
		}
	}
	lock := filepath.Join(root, "environments", "chatbot", "dev", images.LockFile)
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	// Drop the first entry: its repository line, up to the next entry's.
	start := strings.Index(string(data), "    {\n")
	end := strings.Index(string(data)[start+1:], "    {\n") + start + 1
	if start < 0 || end <= start {
		t.Fatalf("unexpected lock file layout:\n%s", data)
	}
	if err := os.WriteFile(lock, append(data[:start:start], data[end:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	var missing *images.MissingError
	if _, err := generator.Render(ctx, generator.Options{Root: root}); !errors.As(err, &missing) {
		t.Fatalf("Render = %v, want an *images.MissingError", err)
	}
	if got := missing.Envs(); len(got) != 1 || got[0] != "chatbot/dev" {
		t.Errorf("MissingError.Envs() = %v, want [dev]", got)
	}

	// The chatbot platform's environments: the others' locks are whole.
	opts := generator.Options{Root: root, SkipUnlocked: true, Envs: []string{"chatbot/dev", "chatbot/prod", "chatbot/staging"}}
	res, err := generator.Render(ctx, opts)
	if err != nil {
		t.Fatalf("Render with SkipUnlocked: %v", err)
	}
	if res.Unlocked == nil || len(res.Envs) != 2 || res.Envs[0].Name != "chatbot/prod" || res.Envs[1].Name != "chatbot/staging" {
		t.Errorf("Render with SkipUnlocked rendered %v, unlocked %v; want prod and staging, dev unlocked", envNames(res.Envs), res.Unlocked)
	}
	if _, err := generator.Write(opts, res); !errors.As(err, &missing) {
		t.Errorf("Write(partial render) = %v, want the *images.MissingError", err)
	}

	checked, err := generator.Check(ctx, opts)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if checked.Unlocked == nil || !checked.Failed() || len(checked.Changes) != 0 || strings.Join(checked.Envs, ",") != "chatbot/prod,chatbot/staging" {
		t.Errorf("Check = envs %v, changes %v, unlocked %v; want prod and staging up to date, dev unlocked", checked.Envs, checked.Changes, checked.Unlocked)
	}

	diffs, err := generator.Diff(ctx, opts)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	var compared []string
	for _, d := range diffs.Envs {
		compared = append(compared, d.Env)
		if !d.Empty() || d.Orphan {
			t.Errorf("Diff: %s differs (orphan %v); rendered/ is up to date", d.Env, d.Orphan)
		}
	}
	if diffs.Unlocked == nil || strings.Join(compared, ",") != "chatbot/prod,chatbot/staging" {
		t.Errorf("Diff compared %v, unlocked %v; want prod and staging, dev unlocked", compared, diffs.Unlocked)
	}
}

func envNames(envs []generator.Env) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.Name)
	}
	return out
}
