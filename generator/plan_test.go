package generator_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/internal/golden"
)

// planDate fixes "today" for the plan goldens: the support status of the
// Kubernetes version is the only part of a plan that depends on the date.
var planDate = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// TestPlanGolden is the golden test of "gen plan ENV" (text and -o json)
// for the default environments: testdata/plan/<env>.txt and .json,
// through generator.PlanEnv as the CLI calls it.
func TestPlanGolden(t *testing.T) {
	envs, err := generator.Environments(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range envs {
		p, _, err := generator.PlanEnv(context.Background(), generator.Options{Root: repoRoot, Today: planDate}, env)
		if err != nil {
			t.Fatalf("PlanEnv(%s): %v", env, err)
		}
		var text, js bytes.Buffer
		if err := p.Text(&text); err != nil {
			t.Fatal(err)
		}
		if err := p.JSON(&js); err != nil {
			t.Fatal(err)
		}
		for _, out := range []struct {
			file string
			got  []byte
		}{{env + ".txt", text.Bytes()}, {env + ".json", js.Bytes()}} {
			path := filepath.Join("testdata", "plan", out.file)
			if golden.Update() {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out.got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./generator -update)", err)
			}
			if diff := cmp.Diff(string(want), string(out.got)); diff != "" {
				t.Errorf("plan of %s (%s) mismatch (-want +got):\n%s", env, path, diff)
			}
		}
	}
}
