package check_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

// dependsOnEnv returns environment dev of [base] with apps given as name
// -> dependsOn; a name starting with "-" is a disabled app. With argocd,
// Argo CD syncs the environment (its project is dev).
func dependsOnEnv(t testing.TB, apps map[string][]string, argocd bool) *model.Environment {
	t.Helper()
	var src strings.Builder
	if argocd {
		src.WriteString("argocd: repoURL: \"https://github.com/example/gitops.git\"\n")
	}
	for _, name := range slices.Sorted(maps.Keys(apps)) {
		deps, err := json.Marshal(append([]string{}, apps[name]...)) // a JSON list is CUE
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&src, "apps: %s: {enabled: %t, dependsOn: %s}\n",
			model.Label(strings.TrimPrefix(name, "-")), !strings.HasPrefix(name, "-"), deps)
	}
	return modeltest.Env(t, "dev", base+src.String())
}

// messages returns the message of each error in err, with its path.
func messages(err error) []string {
	var out []string
	for _, e := range cueerrors.Errors(err) {
		out = append(out, e.Error())
	}
	return out
}

func TestDependsOn(t *testing.T) {
	tests := []struct {
		name   string
		apps   map[string][]string
		argocd bool
		want   []string // the errors, each with its path
	}{
		{name: "database before its clients", apps: map[string][]string{
			"mongodb": nil, "backend": {"mongodb"}, "worker": {"mongodb"}, "frontend": nil,
		}, argocd: true},
		{name: "a cycle through a disabled app is no cycle here", apps: map[string][]string{"a": {"b"}, "-b": {"a"}}},
		{name: "an unknown app", apps: map[string][]string{"backend": {"mongo"}, "mongodb": nil}, want: []string{
			`apps.backend.dependsOn.0: app backend depends on "mongo", which is no app of environment dev`,
		}},
		{name: "an unknown app, from a disabled app", apps: map[string][]string{"-backend": {"db", "mongo"}, "db": nil}, want: []string{
			`apps.backend.dependsOn.1: app backend depends on "mongo", which is no app of environment dev`,
		}},
		{name: "itself", apps: map[string][]string{"a": {"a"}}, want: []string{
			`apps.a.dependsOn.0: app a depends on itself`,
		}},
		{name: "two apps on each other", apps: map[string][]string{"b": {"a"}, "a": {"c", "b"}, "c": nil}, want: []string{
			`apps.a.dependsOn.1: apps depend on each other in a cycle: a -> b -> a; Argo CD cannot sync any of them first`,
		}},
		{name: "three apps in a ring, entered anywhere", apps: map[string][]string{"x": {"z"}, "z": {"y"}, "y": {"x"}, "w": {"y"}}, want: []string{
			`apps.x.dependsOn.0: apps depend on each other in a cycle: x -> z -> y -> x; Argo CD cannot sync any of them first`,
		}},
		{name: "every problem at once", apps: map[string][]string{"a": {"a", "nope"}, "b": {"c"}, "c": {"b"}}, argocd: true, want: []string{
			`apps.a.dependsOn.1: app a depends on "nope", which is no app of environment dev`,
			`apps.a.dependsOn.0: app a depends on itself`,
			`apps.b.dependsOn.0: apps depend on each other in a cycle: b -> c -> b; Argo CD cannot sync any of them first`,
		}},
		{name: "an app named root", apps: map[string][]string{"root": nil, "web": nil}, argocd: true, want: []string{
			"apps.root: app root has the name of gen's root Application (argocd/application-root.yaml); rename the app",
		}},
		{name: "an app named platform", apps: map[string][]string{"platform": nil}, argocd: true, want: []string{
			"apps.platform: app platform has the name of gen's platform Application (argocd/application-platform.yaml); rename the app",
		}},
		{name: "apps named secrets and ingress", apps: map[string][]string{"secrets": nil, "ingress": nil}, argocd: true, want: []string{
			"apps.secrets: app secrets has the name of gen's secrets Application (argocd/application-secrets.yaml); rename the app",
			"apps.ingress: app ingress has the name of gen's ingress Application (argocd/application-ingress.yaml); rename the app",
		}},
		{name: "a disabled app named root", apps: map[string][]string{"-root": nil}, argocd: true},
		// Without Argo CD the names are free.
		{name: "an app named root, no argocd", apps: map[string][]string{"root": nil, "platform": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := dependsOnEnv(t, tt.apps, tt.argocd)
			got := messages(check.DependsOn(env))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DependsOn() errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
