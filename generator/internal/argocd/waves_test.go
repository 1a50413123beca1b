package argocd

import (
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// envOf returns an environment with apps given as name -> dependsOn; a
// name starting with "-" is a disabled app.
func envOf(t *testing.T, apps map[string][]string) *model.Environment {
	t.Helper()
	env := modeltest.Env(t, "dev", modeltest.Cluster)
	for name, deps := range apps {
		enabled := !strings.HasPrefix(name, "-")
		name = strings.TrimPrefix(name, "-")
		a := newApp(t, name, "chatbot", model.Deployment, deps...)
		a.Enabled = enabled
		env.Apps[name] = a
	}
	return env
}

func TestAppWaves(t *testing.T) {
	tests := []struct {
		name string
		apps map[string][]string
		want map[string]int
	}{
		{"no dependencies", map[string][]string{"a": nil, "b": nil}, map[string]int{"a": 0, "b": 0}},
		{"database before its clients (seed 003)", map[string][]string{
			"mongodb": nil, "backend": {"mongodb"}, "worker": {"mongodb"}, "frontend": nil,
		}, map[string]int{"mongodb": 0, "backend": 1, "worker": 1, "frontend": 0}},
		{"a chain", map[string][]string{"a": {"b"}, "b": {"c"}, "c": nil}, map[string]int{"a": 2, "b": 1, "c": 0}},
		{"the latest dependency wins", map[string][]string{
			"db": nil, "cache": {"db"}, "api": {"db", "cache"},
		}, map[string]int{"db": 0, "cache": 1, "api": 2}},
		{"a diamond", map[string][]string{
			"top": {"left", "right"}, "left": {"bottom"}, "right": {"bottom"}, "bottom": nil,
		}, map[string]int{"top": 2, "left": 1, "right": 1, "bottom": 0}},
		{"a dependency named twice", map[string][]string{"a": {"b", "b"}, "b": nil}, map[string]int{"a": 1, "b": 0}},
		{"a disabled dependency orders nothing", map[string][]string{
			"backend": {"mongodb"}, "-mongodb": nil,
		}, map[string]int{"backend": 0}},
		{"a disabled app's dependencies are not followed", map[string][]string{
			"a": {"-b"}, "-b": {"c"}, "c": nil,
		}, map[string]int{"a": 0, "c": 0}},
		{"a cycle through a disabled app is no cycle here", map[string][]string{
			"a": {"b"}, "-b": {"a"},
		}, map[string]int{"a": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envOf(t, tt.apps)
			for _, a := range env.Apps {
				for i, d := range a.DependsOn {
					a.DependsOn[i] = strings.TrimPrefix(d, "-")
				}
			}
			got, err := Waves(env)
			if err != nil {
				t.Fatalf("Waves = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Waves mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppWavesErrors(t *testing.T) {
	tests := []struct {
		name string
		apps map[string][]string
		want []string // the errors, each with its path
	}{
		{"an unknown app", map[string][]string{"backend": {"mongo"}, "mongodb": nil}, []string{
			`apps.backend.dependsOn.0: app backend depends on "mongo", which is no app of environment dev`,
		}},
		{"an unknown app, from a disabled app", map[string][]string{"-backend": {"db", "mongo"}, "db": nil}, []string{
			`apps.backend.dependsOn.1: app backend depends on "mongo", which is no app of environment dev`,
		}},
		{"itself", map[string][]string{"a": {"a"}}, []string{
			`apps.a.dependsOn.0: app a depends on itself`,
		}},
		{"two apps on each other", map[string][]string{"b": {"a"}, "a": {"c", "b"}, "c": nil}, []string{
			`apps.a.dependsOn.1: apps depend on each other in a cycle: a -> b -> a; Argo CD cannot sync any of them first`,
		}},
		{"three apps in a ring, entered anywhere", map[string][]string{"x": {"z"}, "z": {"y"}, "y": {"x"}, "w": {"y"}}, []string{
			`apps.x.dependsOn.0: apps depend on each other in a cycle: x -> z -> y -> x; Argo CD cannot sync any of them first`,
		}},
		{"every problem at once", map[string][]string{"a": {"a", "nope"}, "b": {"c"}, "c": {"b"}}, []string{
			`apps.a.dependsOn.1: app a depends on "nope", which is no app of environment dev`,
			`apps.a.dependsOn.0: app a depends on itself`,
			`apps.b.dependsOn.0: apps depend on each other in a cycle: b -> c -> b; Argo CD cannot sync any of them first`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envOf(t, tt.apps)
			waves, err := Waves(env)
			if err == nil {
				t.Fatalf("Waves = %v, nil; want errors", waves)
			}
			got := messages(err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Waves errors mismatch (-want +got):\n%s", diff)
			}
			// Build refuses them too, with or without Argo CD.
			if _, err := Build(env, dir, nil); err == nil {
				t.Errorf("Build = nil error, want the dependsOn errors")
			}
		})
	}
}

// TestWaves checks the sync waves Build puts on the AppProject and the
// Applications of the fixture.
func TestWaves(t *testing.T) {
	want := map[string]any{
		"AppProject/argocd/prod":                          "-4",
		"AppProject/argocd/prod-controllers":              "-4",
		"Application/argocd/root":                         nil,
		"Application/argocd/platform":                     "-3",
		"Application/argocd/argo-rollouts":                "-2",
		"Application/argocd/aws-load-balancer-controller": "-2",
		"Application/argocd/external-secrets":             "-2",
		"Application/argocd/fluent-bit":                   "-2",
		"Application/argocd/prometheus-operator":          "-2",
		"Application/argocd/secrets":                      "-1",
		"Application/argocd/ingress":                      "-1",
		"Application/argocd/mongodb":                      "0",
		"Application/argocd/frontend":                     "0",
		"Application/argocd/ml-retrain":                   "0",
		"Application/argocd/koorde-node":                  "0",
		"Application/argocd/backend":                      "1",
		"Application/argocd/worker":                       "1",
	}
	got := map[string]any{}
	for _, o := range build(t, fixture(t), fixtureObjects()) {
		got[o.ID()] = o.Lookup("metadata", "annotations", SyncWave)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sync waves mismatch (-want +got):\n%s", diff)
	}
}

func TestAnnotate(t *testing.T) {
	objs := fixtureObjects()
	// A platform object that already says its wave keeps it.
	objs = append(objs, object.Object{Content: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "early", "namespace": "kube-system",
			"annotations": map[string]any{SyncWave: "-5", "note": "kept"}},
	}})
	before := clone(t, objs)
	got := Annotate(fixture(t), objs)
	if diff := cmp.Diff(before, objs); diff != "" {
		t.Errorf("Annotate modified its input (-before +after):\n%s", diff)
	}
	waves := map[string]any{}
	for _, o := range got {
		if w := o.Lookup("metadata", "annotations", SyncWave); w != nil {
			waves[o.ID()] = w
		}
	}
	want := map[string]any{
		"Namespace/chatbot":                             "-2",
		"Namespace/koorde-cache":                        "-2",
		"ResourceQuota/chatbot/chatbot":                 "-1",
		"ServiceAccount/kube-system/cluster-autoscaler": "-1",
		"StorageClass/gp3":                              "-1",
		"ClusterRole/cluster-autoscaler":                "-1",
		"ClusterRoleBinding/cluster-autoscaler":         "-1",
		"Role/kube-system/cluster-autoscaler":           "-1",
		"RoleBinding/kube-system/cluster-autoscaler":    "-1",
		"SecretStore/chatbot/chatbot":                   "-1",
		"ConfigMap/kube-system/early":                   "-5",
	}
	if diff := cmp.Diff(want, waves); diff != "" {
		t.Errorf("Annotate waves mismatch (-want +got):\n%s", diff)
	}
	// Everything else is unchanged: app objects, the autoscaler's
	// Deployment, the ClusterConfig, other annotations.
	for i, o := range got {
		if _, ok := want[o.ID()]; ok && o.ID() != "ConfigMap/kube-system/early" {
			continue
		}
		if diff := cmp.Diff(before[i], o); diff != "" {
			t.Errorf("Annotate changed %s (-want +got):\n%s", o.ID(), diff)
		}
	}
}

func TestAnnotateWithoutArgoCD(t *testing.T) {
	env := fixture(t)
	env.ArgoCD = nil
	objs := fixtureObjects()
	got := Annotate(env, objs)
	if diff := cmp.Diff(objs, got); diff != "" {
		t.Errorf("Annotate(no argocd) changed objects (-want +got):\n%s", diff)
	}
}

// messages returns the message of each error in err, with its path.
func messages(err error) []string {
	var out []string
	for _, e := range cueerrors.Errors(err) {
		out = append(out, e.Error())
	}
	return out
}
