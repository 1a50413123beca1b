package load_test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/synth"
	"github.com/gitops-gen/gen/internal/repotest"
)

// bothWays evaluates the environment name under root app by app and as a
// whole, and returns both exports decoded as plain JSON values; ok is
// false when the evaluation app by app gave up.
func bothWays(t *testing.T, root, name string) (byApp, all any, ok bool) {
	t.Helper()
	ab, ok, wb, err := load.BothWays(root, name, nil)
	if err != nil {
		t.Fatalf("evaluating %s whole = %v", name, err)
	}
	if err := json.Unmarshal(wb, &all); err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, all, false
	}
	if err := json.Unmarshal(ab, &byApp); err != nil {
		t.Fatalf("%s app by app exported invalid JSON: %v", name, err)
	}
	return byApp, all, true
}

// TestByAppsAsWhole: evaluating each app on its own gives, for every
// committed environment and a synthetic platform, exactly what evaluating
// the environment with #Environment gives.
func TestByAppsAsWhole(t *testing.T) {
	repo, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	synthRoot := t.TempDir()
	if err := synth.Write(synthRoot, repo, 30); err != nil {
		t.Fatal(err)
	}
	type env struct{ root, name string }
	var envs []env
	names, err := load.Environments(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		envs = append(envs, env{repo, n})
	}
	for _, n := range synth.Envs {
		envs = append(envs, env{synthRoot, n})
	}
	for _, e := range envs {
		t.Run(e.root[strings.LastIndexByte(e.root, '/')+1:]+"/"+e.name, func(t *testing.T) {
			byApp, all, ok := bothWays(t, e.root, e.name)
			if !ok {
				t.Fatalf("byApps(%s) gave up on a valid environment", e.name)
			}
			if diff := cmp.Diff(all, byApp); diff != "" {
				t.Errorf("%s: app by app differs from the whole (-whole +by app):\n%s", e.name, diff)
			}
		})
	}
}

// TestByAppsGivesUp: an environment whose apps read what only the whole
// evaluation gives (another app's default) is left to it, which gets it
// right; so is one with a mistake in an app, which it reports.
func TestByAppsGivesUp(t *testing.T) {
	// web states no namespace: the defaults give it.
	platform := strings.Replace(platformCUE, "\tnamespace: \"shop\"\n", "", 1) + "defaults: namespace: \"shop\"\n"
	for _, tc := range []struct {
		name, prod string
		ok         bool // byApps succeeds
	}{
		{"plain", `apps: web: replicas: 3`, true},
		// api's namespace is web's, which the defaults give: the
		// environment without the apps' schema has none.
		{"another app's default", `apps: api: {
	namespace: apps.web.namespace
	image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api", tag: "1.0.0"}
}`, false},
		{"a mistake", `apps: web: replicas: "3"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := modeltest.Root(t, map[string]string{
				"environments/platform.cue":  platform,
				"environments/prod/prod.cue": "package environments\n\n" + tc.prod + "\n",
			})
			if _, ok, _, _ := load.BothWays(root, "prod", nil); ok != tc.ok {
				t.Fatalf("app by app: ok = %v, want %v", ok, tc.ok)
			}
			envs, err := load.Load(root, []string{"prod"})
			switch tc.name {
			case "a mistake":
				if err == nil || !strings.Contains(err.Error(), "apps.web.replicas") {
					t.Fatalf("Load = %v, want the error at apps.web.replicas", err)
				}
				return
			case "another app's default":
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
				if got := envs[0].Apps["api"].Namespace; got != "shop" {
					t.Errorf("apps.api.namespace = %q, want shop (web's, from the defaults)", got)
				}
			default:
				if err != nil {
					t.Fatalf("Load = %v", err)
				}
			}
		})
	}
}

// platformCUE is load_test.go's platform with the cluster named prod.
var platformCUE = strings.Replace(platform, "cluster: {\n", "cluster: {\n\tname: \"prod\"\n", 1)

func writeOne(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapMemo is a Memo in memory that counts what it is asked.
type mapMemo struct {
	mu         sync.Mutex
	envs       map[string]map[string][]byte
	remembered int
}

func (m *mapMemo) Apps(env string) map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.envs[env])
}

func (m *mapMemo) Remember(env string, apps map[string][]byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.envs == nil {
		m.envs = map[string]map[string][]byte{}
	}
	m.envs[env] = apps
	m.remembered++
}

// doctor replaces, in every entry of env, the replicas of the app named
// by its JSON's "name" with n, so that a test can tell an entry used from
// an app evaluated again.
func (m *mapMemo) doctor(t *testing.T, env string, n int) {
	t.Helper()
	for k, v := range m.envs[env] {
		var app map[string]any
		if err := json.Unmarshal(v, &app); err != nil {
			t.Fatal(err)
		}
		app["replicas"] = n
		b, err := json.Marshal(app)
		if err != nil {
			t.Fatal(err)
		}
		m.envs[env][k] = b
	}
}

// TestMemo: an app whose inputs are unchanged comes from the memo, also
// when its data is written otherwise; a change to the app (to any of its
// declarations, or to data made a default), to what it reads of the
// cluster, to the environment's defaults or to the schema evaluates it
// again.
func TestMemo(t *testing.T) {
	root := modeltest.Root(t, map[string]string{
		"environments/platform.cue":  platformCUE,
		"environments/prod/prod.cue": "package environments\n\napps: api: {namespace: \"shop\", image: {repository: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api\", tag: \"1.0.0\"}}\n",
	})
	memo := &mapMemo{}
	replicas := func() map[string]int32 {
		t.Helper()
		envs, err := load.LoadMemo(root, []string{"prod"}, memo)
		if err != nil {
			t.Fatalf("LoadMemo = %v", err)
		}
		out := map[string]int32{}
		for name, a := range envs[0].Apps {
			out[name] = a.Replicas
		}
		return out
	}
	if diff := cmp.Diff(map[string]int32{"api": 1, "web": 1}, replicas()); diff != "" {
		t.Fatalf("first load (-want +got):\n%s", diff)
	}
	if memo.remembered != 1 || len(memo.envs["prod"]) != 2 {
		t.Fatalf("after the first load the memo holds %d entries (%d Remember calls), want 2 (1)", len(memo.envs["prod"]), memo.remembered)
	}
	// Unchanged inputs: the (doctored) entries are used, and nothing is
	// remembered again.
	memo.doctor(t, "prod", 7)
	if diff := cmp.Diff(map[string]int32{"api": 7, "web": 7}, replicas()); diff != "" {
		t.Fatalf("unchanged inputs: the memo's entries were not used (-want +got):\n%s", diff)
	}
	if memo.remembered != 1 {
		t.Errorf("unchanged inputs: %d Remember calls, want still 1", memo.remembered)
	}
	// One app changed: it alone is evaluated again.
	writeOne(t, root, "environments/prod/prod.cue", "package environments\n\napps: api: {namespace: \"shop\", image: {repository: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api\", tag: \"1.0.1\"}}\n")
	if diff := cmp.Diff(map[string]int32{"api": 1, "web": 7}, replicas()); diff != "" {
		t.Fatalf("one app changed (-want +got):\n%s", diff)
	}
	if got := slices.Collect(maps.Keys(memo.envs["prod"])); len(got) != 2 {
		t.Errorf("the memo holds %d entries, want 2 (the old entry of api dropped)", len(got))
	}
	// A second declaration of one app, in another file: it alone again.
	memo.doctor(t, "prod", 7)
	writeOne(t, root, "environments/prod/web.cue", "package environments\n\napps: web: labels: tier: \"front\"\n")
	if diff := cmp.Diff(map[string]int32{"api": 7, "web": 1}, replicas()); diff != "" {
		t.Fatalf("web declared again (-want +got):\n%s", diff)
	}
	memo.doctor(t, "prod", 7)
	writeOne(t, root, "environments/prod/web.cue", "package environments\n\napps: web: labels: tier: \"back\"\n")
	if diff := cmp.Diff(map[string]int32{"api": 7, "web": 1}, replicas()); diff != "" {
		t.Fatalf("web's second declaration changed (-want +got):\n%s", diff)
	}
	// The same data, written otherwise: from the memo.
	memo.doctor(t, "prod", 7)
	writeOne(t, root, "environments/prod/web.cue", "package environments\n\napps: {\n\t// the web app\n\t\"web\": {labels: {\"tier\": \"back\"}}\n}\n")
	if diff := cmp.Diff(map[string]int32{"api": 7, "web": 7}, replicas()); diff != "" {
		t.Fatalf("web's data written otherwise (-want +got):\n%s", diff)
	}
	// The same data, but a default: web again.
	writeOne(t, root, "environments/prod/web.cue", "package environments\n\napps: web: labels: tier: *\"back\" | string\n")
	if diff := cmp.Diff(map[string]int32{"api": 7, "web": 1}, replicas()); diff != "" {
		t.Fatalf("web's label a default (-want +got):\n%s", diff)
	}
	// What the apps read of the cluster changed: all again.
	memo.doctor(t, "prod", 7)
	writeOne(t, root, "environments/prod/logging.cue", "package environments\n\ncluster: logging: retentionInDays: 60\n")
	if diff := cmp.Diff(map[string]int32{"api": 1, "web": 1}, replicas()); diff != "" {
		t.Fatalf("the cluster's log retention changed (-want +got):\n%s", diff)
	}
	// What every app reads of the environment changed: all again.
	memo.doctor(t, "prod", 7)
	writeOne(t, root, "environments/prod/defaults.cue", "package environments\n\ndefaults: terminationGracePeriodSeconds: 45\n")
	if diff := cmp.Diff(map[string]int32{"api": 1, "web": 1}, replicas()); diff != "" {
		t.Fatalf("defaults changed (-want +got):\n%s", diff)
	}
	// The schema changed: all again.
	memo.doctor(t, "prod", 7)
	f := filepath.Join(root, load.SchemaDir, "app.cue")
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, append(data, "\n// a comment\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int32{"api": 1, "web": 1}, replicas()); diff != "" {
		t.Fatalf("schema changed (-want +got):\n%s", diff)
	}
}

// TestMemoKeySeesMoreThanData: a value of an app with the same concrete
// data as another but a different meaning against #EnvApp (a default the
// schema's conflicts with, a field the schema does not allow, a reference
// or a comprehension that reads what the schema adds...) has a different
// key, so the memo never answers one with the other; the same data
// written otherwise has the same key.
func TestMemoKeySeesMoreThanData(t *testing.T) {
	key := func(src string, wantPlain bool) string {
		t.Helper()
		keys, isPlain, err := load.AppKeys("package environments\n\n" + src + "\n")
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if keys["web"] == "" {
			t.Fatalf("%s: no key for web (%v)", src, keys)
		}
		if isPlain["web"] != wantPlain {
			t.Errorf("%s: keyed as plain data = %v, want %v", src, isPlain["web"], wantPlain)
		}
		return keys["web"]
	}
	data := `apps: web: {replicas: 2, labels: {a: "1"}, ports: [443], note: "x"}`
	plain := key(data, true)
	for _, other := range []struct{ what, src string }{
		{"a default", `apps: web: {replicas: *2 | int, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a disjunction", `apps: web: {replicas: 2 | 3, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a constraint", `apps: web: {replicas: >=1 & 2, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"an optional field", `apps: web: {replicas: 2, extra?: 1, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a required field", `apps: web: {replicas: 2, extra!: 1, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a hidden field", `apps: web: {replicas: 2, _extra: 1, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a definition", `apps: web: {replicas: 2, #extra: 1, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a pattern", `apps: web: {replicas: 2, labels: {a: "1", [string]: "1"}, ports: [443], note: "x"}`},
		{"a comprehension", `apps: web: {replicas: 2, labels: {for k, v in {a: "1"} {(k): v}}, ports: [443], note: "x"}`},
		{"a reference", `apps: web: {replicas: 2, labels: {a: note}, ports: [443], note: "1"}, apps: web: note: "x"`},
		{"a reference to a sibling", "apps: web: {replicas: 2, labels: {a: \"1\"}, ports: [443], note: \"x\"}\nl: {a: \"1\"}\napps: web: labels: l"},
		{"an embedding", `apps: web: {replicas: 2, {labels: {a: "1"}}, ports: [443], note: "x"}`},
		{"an open list", `apps: web: {replicas: 2, labels: {a: "1"}, ports: [443, ...], note: "x"}`},
		{"bytes", `apps: web: {replicas: 2, labels: {a: "1"}, ports: [443], note: 'x'}`},
		{"an interpolation", `apps: web: {replicas: 2, labels: {a: "\(1)"}, ports: [443], note: "x"}`},
		{"a closed struct", `apps: web: close({replicas: 2, labels: {a: "1"}, ports: [443], note: "x"})`},
		{"an attribute", `apps: web: {replicas: 2 @x(1), labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a let", `apps: web: {let n = 2, replicas: n, labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a pattern over apps", `apps: [string]: replicas: 2` + "\n" + `apps: web: {labels: {a: "1"}, ports: [443], note: "x"}`},
		{"a top-level comprehension", `if true {` + data + `}`},
		{"a top-level embedding", `{` + data + `}`},
		{"a dynamic field", `("apps"): web: {replicas: 2}` + "\n" + `apps: web: {labels: {a: "1"}, ports: [443], note: "x"}`},
		{"apps as a reference", `x: web: {replicas: 2, labels: {a: "1"}, ports: [443], note: "x"}` + "\napps: x"},
		{"an optional app", `apps: web?: {replicas: 2, labels: {a: "1"}, ports: [443], note: "x"}` + "\napps: web: {}"},
	} {
		if got := key(other.src, false); got == plain {
			t.Errorf("%s: the key of %s is that of the plain data %s", other.what, other.src, data)
		}
	}
	for _, same := range []string{
		`apps: "web": {"replicas": 2, labels: a: "1", ports: [443], note: #"x"#}`,
		"apps: {\n\t// the web app\n\tweb: {replicas: 2, labels: {a: \"1\"}, ports: [443], note: \"\"\"\n\t\tx\n\t\t\"\"\"}\n}",
		`apps: web: {replicas: 2, labels: {a: "1"}, ports: [443], note: "x"}` + "\nother: 1\n_hidden: apps.web.note",
	} {
		if got := key(same, true); got != plain {
			t.Errorf("the key of %s differs from that of %s, the same data", same, data)
		}
	}
	if key(`apps: web: {replicas: 3, labels: {a: "1"}, ports: [443], note: "x"}`, true) == plain {
		t.Errorf("replicas 3 and 2 have the same key")
	}
	if key(data+"\napps: web: labels: b: \"2\"", true) == plain {
		t.Errorf("a second declaration of web is not in its key")
	}
}
