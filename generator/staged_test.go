package generator_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator"
)

// TestStagedPlatforms renders each platform staged under
// environments/_next/<platform>/, which gen skips, in a repository of its
// own, as its README says to: cue.mod/, schema/ and policies/ beside the
// platform's folder as environments/. Each of its environments must
// render (the capacity and throughput checks among the gates), pass every
// policy and warn of nothing.
func TestStagedPlatforms(t *testing.T) {
	staged := filepath.Join(repoRoot, "environments", "_next")
	entries, err := os.ReadDir(staged)
	if err != nil {
		t.Fatal(err)
	}
	var platforms int
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		platforms++
		t.Run(e.Name(), func(t *testing.T) {
			root := t.TempDir()
			for _, dir := range []string{"cue.mod", "schema", "policies"} {
				if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.CopyFS(filepath.Join(root, "environments"), os.DirFS(filepath.Join(staged, e.Name()))); err != nil {
				t.Fatal(err)
			}
			var want []string
			envs, _ := os.ReadDir(filepath.Join(root, "environments"))
			for _, env := range envs {
				if env.IsDir() {
					want = append(want, env.Name())
				}
			}
			res := render(t, root)
			var got []string
			for _, env := range res.Envs {
				got = append(got, env.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("environments = %v, want %v", got, want)
			}
			if res.PolicyFailed() {
				var b strings.Builder
				generator.WritePolicyText(&b, res.PolicyReports())
				t.Errorf("policies failed:\n%s", b.String())
			}
			if w := res.Warnings(); len(w) > 0 {
				t.Errorf("warnings:\n%s", strings.Join(w, "\n"))
			}
		})
	}
	if platforms == 0 {
		t.Skip("no platform is staged under environments/_next")
	}
}
