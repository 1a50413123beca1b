package generator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/policy"
	"github.com/gitops-gen/gen/generator/model"
)

// fixturesDir holds, per policy of the repository's policies/, the
// fixtures that show it passing and failing: see loadFixtures.
var fixturesDir = filepath.Join(repoRoot, policy.Dir, "testdata")

// TestBaselinePolicies evaluates the repository's policies, with gen's
// policy engine, over their fixtures: every policy has at least one pass
// and one fail fixture; a pass fixture yields no violation of the policy,
// a fail fixture one at the object and field its want.txt names.
// (policies/testdata/vet.sh checks the same policies with the cue CLI,
// over the #Input of each fixture's first object.)
func TestBaselinePolicies(t *testing.T) {
	set, err := policy.Load(repoRoot)
	if err != nil {
		t.Fatalf("policy.Load: %v", err)
	}
	pols := set.Policies()
	if len(pols) == 0 {
		t.Fatal("policy.Load found no policies")
	}
	names := map[string]bool{}
	for _, p := range pols {
		names[p.Name] = true
	}
	// Fixtures of a policy that no longer exists would pass in silence.
	dirs, err := os.ReadDir(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !names[d.Name()] {
			t.Errorf("%s: fixtures of no policy", filepath.Join(fixturesDir, d.Name()))
		}
	}
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range pols {
		t.Run(p.Name, func(t *testing.T) {
			dir := filepath.Join(fixturesDir, p.Name)
			env, fixtures, wants := loadFixtures(t, dir)
			var passes, fails int
			for _, name := range fixtures {
				objs := readObjects(t, filepath.Join(dir, name))
				rep := set.Evaluate(fixtureEnv(t, env, objs), objs, today)
				var got []policy.Violation
				for _, v := range append(rep.Violations, rep.Waived...) {
					if v.Policy == p.Name {
						got = append(got, v)
					}
				}
				switch {
				case strings.HasPrefix(name, "pass"):
					passes++
					for _, v := range got {
						t.Errorf("%s: want no violation, got %s %s: %s (value %s)", name, v.Object(), v.Field, v.Message, v.Value)
					}
				case strings.HasPrefix(name, "fail"):
					fails++
					want := wants[name]
					if len(want) == 0 {
						t.Errorf("%s: no line in want.txt", name)
						continue
					}
					if !slices.ContainsFunc(got, func(v policy.Violation) bool {
						return slices.Contains(want, wantViolation{v.Object(), v.Field})
					}) {
						t.Errorf("%s: want a violation at one of %v, got %d:", name, want, len(got))
						for _, v := range got {
							t.Errorf("\t%s %s: %s (value %s)", v.Object(), v.Field, v.Message, v.Value)
						}
					}
					delete(wants, name)
				}
			}
			if passes == 0 || fails == 0 {
				t.Errorf("%s: %d pass and %d fail fixtures, want at least one of each", dir, passes, fails)
			}
			for name := range wants {
				t.Errorf("want.txt names %s, which is no fail fixture", name)
			}
		})
	}
}

// fixtureSpec is a fixture folder's env.json: the environment the fixtures
// are evaluated in.
type fixtureSpec struct {
	Name              string   `json:"name"`
	AllowedRegistries []string `json:"allowedRegistries"`
}

// wantViolation is a violation a fail fixture must produce: its object
// (Kind/namespace/name) and the Field of the report.
type wantViolation struct{ object, field string }

// loadFixtures reads a policy's fixture folder: env.json, the names of
// its pass*.yaml and fail*.yaml (lists of rendered objects) and want.txt,
// whose lines are "fixture object input-path field".
func loadFixtures(t *testing.T, dir string) (fixtureSpec, []string, map[string][]wantViolation) {
	t.Helper()
	var env fixtureSpec
	b, err := os.ReadFile(filepath.Join(dir, "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s/env.json: %v", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".yaml") && (strings.HasPrefix(n, "pass") || strings.HasPrefix(n, "fail")) {
			fixtures = append(fixtures, n)
		}
	}
	wants := map[string][]wantViolation{}
	f, err := os.Open(filepath.Join(dir, "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 4 {
			t.Fatalf("%s/want.txt: %q: want 4 fields: fixture, object, #Input path, field", dir, line)
		}
		wants[fs[0]] = append(wants[fs[0]], wantViolation{fs[1], fs[3]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return env, fixtures, wants
}

// readObjects reads a YAML list of objects. An object belongs to the app
// its app.kubernetes.io/name label names, as gen labels what it renders,
// except platform objects (part-of: platform, or no name label).
func readObjects(t *testing.T, file string) []object.Object {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(j, &raws); err != nil {
		t.Fatalf("%s: want a list of objects: %v", file, err)
	}
	objs := make([]object.Object, len(raws))
	for i, raw := range raws {
		m, err := object.Decode(bytes.TrimSpace(raw))
		if err != nil {
			t.Fatalf("%s: object %d: %v", file, i, err)
		}
		objs[i] = object.Object{App: appOf(m), Content: m}
	}
	return objs
}

func appOf(m map[string]any) string {
	meta, _ := m["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	if labels["app.kubernetes.io/part-of"] == "platform" {
		return ""
	}
	name, _ := labels["app.kubernetes.io/name"].(string)
	return name
}

// fixtureEnv is the environment of env.json with the apps of objs, none
// with a waiver, as gen loads it: the schema's defaults but for the
// allowed registries and each app's namespace.
func fixtureEnv(t *testing.T, spec fixtureSpec, objs []object.Object) *model.Environment {
	t.Helper()
	registries, err := json.Marshal(spec.AllowedRegistries)
	if err != nil {
		t.Fatal(err)
	}
	src := modeltest.Cluster + "policy: allowedRegistries: " + string(registries) + "\n" + `
namespaces: default: {}
defaults: namespace: "default"
apps: [Name=_]: image: {repository: "` + registry + `/\(Name)", tag: "1.0.0"}
`
	seen := map[string]bool{}
	for _, o := range objs {
		if o.App == "" || seen[o.App] {
			continue
		}
		seen[o.App] = true
		src += fmt.Sprintf("apps: %s: {}\n", model.Label(o.App))
		if ns := o.Namespace(); ns != "" {
			src += fmt.Sprintf("apps: %s: namespace: %q\n", model.Label(o.App), ns)
		}
	}
	return modeltest.Env(t, spec.Name, src)
}

// registry is where the fixtures' apps' images come from in the model;
// the policies look at the objects' images, not at these.
const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
