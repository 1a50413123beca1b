package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
)

// TestNextPlatforms renders each platform of environments/_next/ (see
// its README.md) as the repository it will be part of: schema/,
// policies/ and cue.mod/ beside the platform folder as environments/.
// Every environment must render offline from its lock file, pass every
// policy and capacity check without a warning, and have a plan.
func TestNextPlatforms(t *testing.T) {
	next := filepath.Join(repoRoot, "environments", "_next")
	entries, err := os.ReadDir(next)
	if err != nil {
		t.Fatal(err)
	}
	platforms := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		platforms++
		t.Run(e.Name(), func(t *testing.T) {
			root := t.TempDir()
			for _, dir := range []string{"schema", "policies", "cue.mod"} {
				if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.CopyFS(filepath.Join(root, "environments"), os.DirFS(filepath.Join(next, e.Name()))); err != nil {
				t.Fatal(err)
			}
			opts := generator.Options{Root: root, Today: planDate}
			res, err := generator.Render(context.Background(), opts)
			if err != nil {
				var b strings.Builder
				generator.PrintError(&b, err, root)
				t.Fatalf("Render:\n%s", b.String())
			}
			if len(res.Envs) < 2 {
				t.Errorf("platform %s has %d environments, want dev and prod at least", e.Name(), len(res.Envs))
			}
			if w := res.Warnings(); len(w) > 0 {
				t.Errorf("Render warns:\n%s", strings.Join(w, "\n"))
			}
			for _, r := range res.PolicyReports() {
				if r.Failed() {
					t.Errorf("%s: policies failed: %+v", r.Env, r.Violations)
				}
			}
			for _, env := range res.Envs {
				p, _, err := generator.PlanEnv(context.Background(), opts, env.Name)
				if err != nil {
					t.Fatalf("PlanEnv(%s): %v", env.Name, err)
				}
				if p.Cost == nil || p.Cost.Min.Total <= 0 {
					t.Errorf("PlanEnv(%s) has no monthly cost", env.Name)
				}
			}
		})
	}
	if platforms == 0 {
		t.Fatalf("no platform under %s", next)
	}
}
