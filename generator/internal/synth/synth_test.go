package synth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/internal/synth"
	"github.com/gitops-gen/gen/internal/repotest"
)

// TestWriteRenders renders a synthetic platform of 25 apps (a namespace
// full): make bench fails on a platform gen refuses, and the schema's
// checks grow.
func TestWriteRenders(t *testing.T) {
	repo, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := synth.Write(dir, repo, 25); err != nil {
		t.Fatal(err)
	}
	res, err := generator.Render(context.Background(), generator.Options{Root: dir})
	if err != nil {
		var b strings.Builder
		generator.PrintError(&b, err, dir)
		t.Fatalf("Render(synth.Write(25)) failed:\n%s", b.String())
	}
	if len(res.Envs) != len(synth.Envs) {
		t.Errorf("Render(synth.Write(25)) rendered %d environments, want %d", len(res.Envs), len(synth.Envs))
	}
}
