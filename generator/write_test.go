package generator_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

// writeRoot is exampleRoot for a test: removed when the test ends.
func writeRoot(t *testing.T) string {
	t.Helper()
	root := exampleRoot()
	t.Cleanup(func() { os.RemoveAll(root) })
	return root
}

// snapshot returns every file under root with its content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func renderOpts(t *testing.T, opts generator.Options) *generator.Result {
	t.Helper()
	res, err := generator.Render(context.Background(), opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return res
}

// A render whose policies fail is not written, unless AllowViolations.
func TestWritePolicyGate(t *testing.T) {
	root := writeRoot(t)
	failing := "package policies\n\npolicies: \"two-replicas\": {\n\tdescription: \"Deployments run two pods.\"\n\tkinds: [\"Deployment\"]\n\tcheck: object: spec: replicas: >=2\n}\n"
	if err := os.MkdirAll(filepath.Join(root, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "policies", "replicas.cue"), []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := generator.Options{Root: root, Images: images.PinOptions{Resolver: exampleRegistry}}
	res := renderOpts(t, opts)
	if !res.PolicyFailed() {
		t.Fatal("PolicyFailed() = false, want true: the app runs one replica")
	}
	before := snapshot(t, root)
	w, err := generator.Write(opts, res)
	if !errors.Is(err, generator.ErrPoliciesFailed) || w != nil {
		t.Fatalf("Write = %v, %v; want nil, ErrPoliciesFailed", w, err)
	}
	if after := snapshot(t, root); len(after) != len(before) {
		t.Fatalf("Write refused but changed the root: %d files before, %d after", len(before), len(after))
	}

	opts.AllowViolations = true
	w, err = generator.Write(opts, res)
	if err != nil {
		t.Fatalf("Write with AllowViolations: %v", err)
	}
	if len(w.Envs) != 1 || len(w.Envs[0].Missing) == 0 || !w.Envs[0].LockChanged {
		t.Fatalf("Write with AllowViolations = %+v, want dev's files and lock written", w.Envs)
	}
}

// Write removes the folders of environments that are gone only when the
// render covered every environment.
func TestWritePrunes(t *testing.T) {
	root := writeRoot(t)
	gone := filepath.Join(root, "rendered", "old", "apps", "web", "service-web.yaml")
	if err := os.MkdirAll(filepath.Dir(gone), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gone, []byte("kind: Service\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	images := images.PinOptions{Resolver: exampleRegistry}

	named := generator.Options{Root: root, Envs: []string{"dev"}, Images: images}
	w, err := generator.Write(named, renderOpts(t, named))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Removed) != 0 {
		t.Errorf("Write(dev) removed %v; only a render of every environment prunes", w.Removed)
	}
	if _, err := os.Stat(gone); err != nil {
		t.Fatalf("Write(dev) removed rendered/old: %v", err)
	}

	all := generator.Options{Root: root, Images: images}
	w, err = generator.Write(all, renderOpts(t, all))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Removed) != 1 || w.Removed[0].Env != "old" || !w.Removed[0].Orphan || !slices.Equal(w.Removed[0].Extra, []string{"apps/web/service-web.yaml"}) {
		t.Errorf("Write(all).Removed = %+v, want rendered/old with its one file", w.Removed)
	}
	if _, err := os.Stat(filepath.Dir(filepath.Dir(filepath.Dir(gone)))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("rendered/old still exists after Write(all): %v", err)
	}
}

// Write records the render in the cache, so that the next Check answers
// without rendering; a change to an input makes Check render again.
func TestWriteRemembers(t *testing.T) {
	root := writeRoot(t)
	cache := generator.NewCache(t.TempDir())
	ctx := context.Background()
	// A render is recorded only when its inputs were not modified just
	// before it began (they could have changed while it read them).
	age(t, root, time.Hour)
	opts := generator.Options{Root: root, Cache: cache, Images: images.PinOptions{Resolver: exampleRegistry}}
	res := renderOpts(t, opts)
	if _, err := generator.Write(opts, res); err != nil {
		t.Fatal(err)
	}
	check, err := generator.Check(ctx, generator.Options{Root: root, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(check.Cached, []string{"dev"}) || check.Failed() {
		t.Fatalf("Check after Write: cached %v, failed %t; want [dev] answered from the cache, up to date", check.Cached, check.Failed())
	}

	edit := []byte("package environments\n\ncluster: name: \"dev\"\napps: web: replicas: 2\n")
	if err := os.WriteFile(filepath.Join(root, "environments", "dev", "dev.cue"), edit, 0o644); err != nil {
		t.Fatal(err)
	}
	check, err = generator.Check(ctx, generator.Options{Root: root, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	// The namespace's quota, derived from the replicas, changes with them.
	if len(check.Cached) != 0 || len(check.Changes) != 1 || !slices.Equal(check.Changes[0].Stale, []string{"apps/web/deployment-web.yaml", "platform/resourcequota-web.yaml"}) {
		t.Fatalf("Check after an edit: cached %v, changes %+v; want a render that finds the Deployment and the quota stale", check.Cached, check.Changes)
	}
}

// age sets the modification time of every file under root to d ago.
func age(t *testing.T, root string, d time.Duration) {
	t.Helper()
	then := time.Now().Add(-d)
	for name := range snapshot(t, root) {
		if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(name)), then, then); err != nil {
			t.Fatal(err)
		}
	}
}

// skipRoot is writeRoot with a second environment, qa (its file is qa),
// dated an hour ago, and the options of a render with SkipUnchanged and a
// cache of its own.
func skipRoot(t *testing.T) (root, qa string, opts generator.Options) {
	t.Helper()
	root = writeRoot(t)
	qa = filepath.Join(root, "environments", "qa", "qa.cue")
	if err := os.MkdirAll(filepath.Dir(qa), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qa, []byte("package environments\n\ncluster: name: \"qa\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, root, time.Hour)
	return root, qa, generator.Options{Root: root, Cache: generator.NewCache(t.TempDir()), SkipUnchanged: true,
		Images: images.PinOptions{Resolver: exampleRegistry}}
}

// With SkipUnchanged, Render leaves out the environments whose inputs and
// rendered folder are as a recorded render left them, and Write leaves
// them alone; an edit, or a rendered file changed by hand, renders the
// environment again.
func TestRenderSkipsUnchanged(t *testing.T) {
	root, qa, opts := skipRoot(t)
	counts := map[string]int{} // each environment's files when last rendered
	unchanged := func() []string {
		t.Helper()
		res := renderOpts(t, opts)
		var out []string
		for _, e := range res.Envs {
			if !e.Unchanged {
				counts[e.Name] = len(e.Files)
				continue
			}
			out = append(out, e.Name)
			if e.Files != nil || e.FileCount() != counts[e.Name] {
				t.Errorf("%s is Unchanged with %d files and a file count of %d, want no files and the %d files of its last render", e.Name, len(e.Files), e.FileCount(), counts[e.Name])
			}
		}
		if _, err := generator.Write(opts, res); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := unchanged(); got != nil {
		t.Fatalf("first render: unchanged %v, want none (nothing recorded)", got)
	}
	before := snapshot(t, root)
	if got := unchanged(); !slices.Equal(got, []string{"dev", "qa"}) {
		t.Fatalf("second render: unchanged %v, want [dev qa]", got)
	}
	if diff := cmp.Diff(before, snapshot(t, root)); diff != "" {
		t.Fatalf("a render of unchanged environments changed the tree (-before +after):\n%s", diff)
	}

	if err := os.WriteFile(qa, []byte("package environments\n\ncluster: name: \"qa\"\napps: web: replicas: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, root, time.Hour)
	if got := unchanged(); !slices.Equal(got, []string{"dev"}) {
		t.Fatalf("after an edit of qa: unchanged %v, want [dev]", got)
	}
	if after := snapshot(t, root); after["rendered/qa/apps/web/deployment-web.yaml"] == before["rendered/qa/apps/web/deployment-web.yaml"] {
		t.Errorf("qa's Deployment was not rewritten after its replicas changed")
	}

	dep := filepath.Join(root, "rendered", "dev", "apps", "web", "deployment-web.yaml")
	want, err := os.ReadFile(dep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dep, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := unchanged(); !slices.Equal(got, []string{"qa"}) {
		t.Fatalf("after a rendered file of dev was edited: unchanged %v, want [qa]", got)
	}
	if got, _ := os.ReadFile(dep); string(got) != string(want) {
		t.Errorf("the edited file was not rendered again: %q", got)
	}
}

// A render of a changed environment writes it whole from its recorded
// files, but a file edited by hand since they were recorded, which the
// render does not change, is still written again.
func TestWriteSeesFileEditedSinceRecorded(t *testing.T) {
	root, qa, opts := skipRoot(t)
	write := func() {
		t.Helper()
		if _, err := generator.Write(opts, renderOpts(t, opts)); err != nil {
			t.Fatal(err)
		}
	}
	write()
	dir := filepath.Join(root, "rendered", "qa", "apps", "web")
	svc := filepath.Join(dir, "service-web.yaml")
	want, err := os.ReadFile(svc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(svc, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qa, []byte("package environments\n\ncluster: name: \"qa\"\napps: web: replicas: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, root, time.Hour)
	write()
	if got, _ := os.ReadFile(svc); string(got) != string(want) {
		t.Errorf("the Service edited by hand was not written again: %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "deployment-web.yaml")); !strings.Contains(string(got), "replicas: 2") {
		t.Errorf("the Deployment was not written with the new replicas:\n%s", got)
	}
}

// An environment left out of a render or a check because it is unchanged
// still has its cluster: another environment renamed to it is refused.
func TestSkippedClusterStillClashes(t *testing.T) {
	root, qa, opts := skipRoot(t)
	if _, err := generator.Write(opts, renderOpts(t, opts)); err != nil {
		t.Fatal(err)
	}
	// qa takes dev's cluster; dev is unchanged, so neither the render nor
	// the check loads it.
	if err := os.WriteFile(qa, []byte("package environments\n\ncluster: name: \"dev\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	age(t, root, time.Hour)
	const want = "cluster dev (account 123456789012, eu-west-1) is also environment dev's"
	_, err := generator.Render(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Render with dev unchanged = %v, want %q", err, want)
	}
	_, err = generator.Check(context.Background(), generator.Options{Root: root, Cache: opts.Cache})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check with dev cached = %v, want %q", err, want)
	}
}
