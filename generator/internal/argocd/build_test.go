package argocd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/golden"
)

// TestBuild compares what Build returns for the fixture, as the files
// output.Files writes, with testdata/build.txtar. Run with -update (or
// GEN_UPDATE=1) to rewrite it.
func TestBuild(t *testing.T) {
	const path = "testdata/build.txtar"
	objs := build(t, fixture(t), fixtureObjects())
	files, err := output.Files(objs)
	if err != nil {
		t.Fatalf("output.Files = %v", err)
	}
	got := &txtar.Archive{Comment: []byte("Build(fixture(), \"rendered/prod\", fixtureObjects()), as output.Files writes it.\n")}
	for _, f := range files {
		got.Files = append(got.Files, txtar.File{Name: f.Path, Data: f.Data})
	}
	if golden.Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, txtar.Format(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(txtar.Format(want)), string(txtar.Format(got))); diff != "" {
		t.Errorf("Build(fixture) mismatch (-want +got):\n%s", diff)
	}
}

// TestBuildObjects checks which objects Build returns, in which order.
func TestBuildObjects(t *testing.T) {
	var got []string
	for _, o := range build(t, fixture(t), fixtureObjects()) {
		if o.App != "" || o.APIVersion() != APIVersion {
			t.Errorf("%s: App %q, apiVersion %s; want App \"\" and %s", o.ID(), o.App, o.APIVersion(), APIVersion)
		}
		got = append(got, o.ID())
	}
	want := []string{
		"AppProject/argocd/prod",
		"AppProject/argocd/prod-controllers",
		"Application/argocd/root",
		"Application/argocd/platform",
		"Application/argocd/argo-rollouts",
		"Application/argocd/aws-load-balancer-controller",
		"Application/argocd/external-secrets",
		"Application/argocd/fluent-bit",
		"Application/argocd/prometheus-operator",
		"Application/argocd/secrets",
		"Application/argocd/ingress",
		"Application/argocd/backend",
		"Application/argocd/frontend",
		"Application/argocd/koorde-node",
		"Application/argocd/ml-retrain",
		"Application/argocd/mongodb",
		"Application/argocd/worker",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build(fixture) objects mismatch (-want +got):\n%s", diff)
	}
}

// TestBuildWithoutArgoCD: no argocd section, no objects.
func TestBuildWithoutArgoCD(t *testing.T) {
	env := fixture(t)
	env.ArgoCD = nil
	got, err := Build(env, dir, fixtureObjects())
	if err != nil || got != nil {
		t.Errorf("Build(no argocd) = %v, %v; want nil, nil", got, err)
	}
}

// TestSyncPolicy: the environment's autoSync, overridden per app, decides
// whether an Application is automated; retries and sync options are the
// same everywhere.
func TestSyncPolicy(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name     string
		env      bool
		override map[string]*bool
		want     map[string]bool // Application -> automated
	}{
		{"prod: manual", false, nil, map[string]bool{
			"root": false, "platform": false, "backend": false, "mongodb": false, "worker": false,
		}},
		{"dev: automated", true, nil, map[string]bool{
			"root": true, "platform": true, "backend": true, "mongodb": true, "worker": true,
		}},
		{"manual but for two apps", false, map[string]*bool{"backend": &yes, "worker": &yes}, map[string]bool{
			"root": false, "platform": false, "backend": true, "mongodb": false, "worker": true,
		}},
		{"automated but for the database", true, map[string]*bool{"mongodb": &no}, map[string]bool{
			"root": true, "platform": true, "backend": true, "mongodb": false, "worker": true,
		}},
		{"an override that agrees", true, map[string]*bool{"backend": &yes}, map[string]bool{
			"root": true, "platform": true, "backend": true, "mongodb": true, "worker": true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := fixture(t)
			env.ArgoCD.AutoSync = tt.env
			for app, v := range tt.override {
				env.Apps[app].ArgoCD.AutoSync = v
			}
			objs := build(t, env, fixtureObjects())
			got := map[string]bool{}
			for name := range tt.want {
				o := find(t, objs, KindApplication, name)
				got[name] = o.Lookup("spec", "syncPolicy", "automated") != nil
				if a := o.Lookup("spec", "syncPolicy", "automated"); a != nil {
					if diff := cmp.Diff(map[string]any{"prune": true, "selfHeal": true}, a); diff != "" {
						t.Errorf("%s automated mismatch (-want +got):\n%s", name, diff)
					}
				}
				wantRetry := map[string]any{
					"limit":   jsonNumber(5),
					"backoff": map[string]any{"duration": "5s", "factor": jsonNumber(2), "maxDuration": "3m"},
				}
				if diff := cmp.Diff(wantRetry, o.Lookup("spec", "syncPolicy", "retry")); diff != "" {
					t.Errorf("%s retry mismatch (-want +got):\n%s", name, diff)
				}
				wantOptions := []any{"CreateNamespace=false", "PruneLast=true", "ServerSideApply=true"}
				if diff := cmp.Diff(wantOptions, o.Lookup("spec", "syncPolicy", "syncOptions")); diff != "" {
					t.Errorf("%s syncOptions mismatch (-want +got):\n%s", name, diff)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("automated Applications mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNoRetries: a retry limit of 0 writes no retry block.
func TestNoRetries(t *testing.T) {
	env := fixture(t)
	env.ArgoCD.Retry.Limit = 0
	for _, o := range build(t, env, fixtureObjects()) {
		if r := o.Lookup("spec", "syncPolicy", "retry"); r != nil {
			t.Errorf("%s: retry = %v, want none", o.ID(), r)
		}
	}
}

// TestIgnoreDifferences: only an app with an HPA whose workload still
// carries spec.replicas ignores them, and then respects that in syncs.
func TestIgnoreDifferences(t *testing.T) {
	tests := []struct {
		name    string
		app     string
		hpa     bool
		objs    []object.Object
		want    any
		respect bool
	}{
		{"HPA, no replicas (what gen renders)", "backend", true, []object.Object{
			obj("backend", "apps/v1", "Deployment", "chatbot", "backend", map[string]any{}),
		}, nil, false},
		{"HPA, replicas put back by a patch", "backend", true, []object.Object{
			obj("backend", "apps/v1", "Deployment", "chatbot", "backend", replicas(3)),
		}, []any{map[string]any{
			"group": "apps", "kind": "Deployment", "name": "backend", "jsonPointers": []any{"/spec/replicas"},
		}}, true},
		{"HPA on a StatefulSet with replicas", "backend", true, []object.Object{
			obj("backend", "apps/v1", "StatefulSet", "chatbot", "backend", replicas(5)),
		}, []any{map[string]any{
			"group": "apps", "kind": "StatefulSet", "name": "backend", "jsonPointers": []any{"/spec/replicas"},
		}}, true},
		{"no HPA, replicas", "backend", false, []object.Object{
			obj("backend", "apps/v1", "Deployment", "chatbot", "backend", replicas(3)),
		}, nil, false},
		{"HPA disabled, replicas", "backend", false, []object.Object{
			obj("backend", "apps/v1", "Deployment", "chatbot", "backend", replicas(3)),
		}, nil, false},
		{"HPA, replicas on something else", "backend", true, []object.Object{
			obj("backend", "apps/v1", "Deployment", "chatbot", "backend", map[string]any{}),
			obj("backend", "example.com/v1", "Deployment", "chatbot", "other", replicas(3)),
		}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := fixture(t)
			app := env.Apps[tt.app]
			if !tt.hpa {
				if strings.HasPrefix(tt.name, "HPA disabled") {
					app.Autoscaling.Enabled = false
				} else {
					app.Autoscaling = nil
				}
			}
			var objs []object.Object
			for _, o := range fixtureObjects() {
				if o.App != tt.app {
					objs = append(objs, o)
				}
			}
			objs = append(objs, tt.objs...)
			a := find(t, build(t, env, objs), KindApplication, tt.app)
			if diff := cmp.Diff(tt.want, a.Lookup("spec", "ignoreDifferences")); diff != "" {
				t.Errorf("ignoreDifferences mismatch (-want +got):\n%s", diff)
			}
			opts, _ := a.Lookup("spec", "syncPolicy", "syncOptions").([]any)
			if got := slices.Contains(opts, any(respectIgnoreDifferences)); got != tt.respect {
				t.Errorf("syncOptions %v: %s is there = %v, want %v", opts, respectIgnoreDifferences, got, tt.respect)
			}
		})
	}
}

// TestProject checks the AppProject's sources, destinations and kinds.
func TestProject(t *testing.T) {
	p := find(t, build(t, fixture(t), fixtureObjects()), KindAppProject, "prod")
	spec := p.Lookup("spec").(map[string]any)
	dest := func(name, ns string) any { return map[string]any{"name": name, "namespace": ns} }
	gk := func(group, kind string) any { return map[string]any{"group": group, "kind": kind} }
	want := map[string]any{
		"description": "Environment prod, rendered by gen into rendered/prod/",
		"sourceRepos": []any{"https://github.com/gitops-gen/platform.git"},
		"destinations": []any{
			dest("in-cluster", "argo-rollouts"),
			dest("in-cluster", "argocd"),
			dest("in-cluster", "chatbot"),
			dest("in-cluster", "external-secrets"),
			dest("in-cluster", "koorde-cache"),
			dest("in-cluster", "kube-system"),
			dest("in-cluster", "logging"),
			dest("in-cluster", "monitoring"),
		},
		"clusterResourceWhitelist": []any{
			gk("", "Namespace"),
			gk("elbv2.k8s.aws", "IngressClassParams"),
			gk("networking.k8s.io", "IngressClass"),
			gk("rbac.authorization.k8s.io", "ClusterRole"),
			gk("rbac.authorization.k8s.io", "ClusterRoleBinding"),
			gk("scheduling.k8s.io", "PriorityClass"),
			gk("storage.k8s.io", "StorageClass"),
			gk("external-secrets.io", "ClusterSecretStore"),
		},
		"namespaceResourceWhitelist": []any{
			gk("", "ConfigMap"),
			gk("", "ResourceQuota"),
			gk("", "Service"),
			gk("", "ServiceAccount"),
			gk("apps", "Deployment"),
			gk("apps", "StatefulSet"),
			gk("argoproj.io", "AppProject"),
			gk("argoproj.io", "Application"),
			gk("autoscaling", "HorizontalPodAutoscaler"),
			gk("batch", "CronJob"),
			gk("external-secrets.io", "ExternalSecret"),
			gk("external-secrets.io", "SecretStore"),
			gk("policy", "PodDisruptionBudget"),
			gk("rbac.authorization.k8s.io", "Role"),
			gk("rbac.authorization.k8s.io", "RoleBinding"),
		},
	}
	if diff := cmp.Diff(want, spec); diff != "" {
		t.Errorf("AppProject spec mismatch (-want +got):\n%s", diff)
	}
	wantMeta := map[string]any{
		"name":        "prod",
		"namespace":   "argocd",
		"labels":      map[string]any{"app.kubernetes.io/managed-by": "gen", "environment": "prod"},
		"annotations": map[string]any{SyncWave: "-4"},
		"finalizers":  []any{"resources-finalizer.argocd.argoproj.io"},
	}
	if diff := cmp.Diff(wantMeta, p.Lookup("metadata")); diff != "" {
		t.Errorf("AppProject metadata mismatch (-want +got):\n%s", diff)
	}
}

// TestDestinations: apps and the platform go to the environment's
// cluster; the root always creates its Applications where Argo CD runs.
func TestDestinations(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		want    map[string]any // Application -> destination
		project []any
	}{
		{"in-cluster (seed 003)", "in-cluster", map[string]any{
			"root":        map[string]any{"name": "in-cluster", "namespace": "argocd"},
			"platform":    map[string]any{"name": "in-cluster", "namespace": "kube-system"},
			"backend":     map[string]any{"name": "in-cluster", "namespace": "chatbot"},
			"koorde-node": map[string]any{"name": "in-cluster", "namespace": "koorde-cache"},
		}, []any{
			map[string]any{"name": "in-cluster", "namespace": "argo-rollouts"},
			map[string]any{"name": "in-cluster", "namespace": "argocd"},
			map[string]any{"name": "in-cluster", "namespace": "chatbot"},
			map[string]any{"name": "in-cluster", "namespace": "external-secrets"},
			map[string]any{"name": "in-cluster", "namespace": "koorde-cache"},
			map[string]any{"name": "in-cluster", "namespace": "kube-system"},
			map[string]any{"name": "in-cluster", "namespace": "logging"},
			map[string]any{"name": "in-cluster", "namespace": "monitoring"},
		}},
		{"a named cluster", "chatbot-prod", map[string]any{
			"root":        map[string]any{"name": "in-cluster", "namespace": "argocd"},
			"platform":    map[string]any{"name": "chatbot-prod", "namespace": "kube-system"},
			"backend":     map[string]any{"name": "chatbot-prod", "namespace": "chatbot"},
			"koorde-node": map[string]any{"name": "chatbot-prod", "namespace": "koorde-cache"},
		}, []any{
			map[string]any{"name": "chatbot-prod", "namespace": "argo-rollouts"},
			map[string]any{"name": "in-cluster", "namespace": "argocd"},
			map[string]any{"name": "chatbot-prod", "namespace": "chatbot"},
			map[string]any{"name": "chatbot-prod", "namespace": "external-secrets"},
			map[string]any{"name": "chatbot-prod", "namespace": "koorde-cache"},
			map[string]any{"name": "chatbot-prod", "namespace": "kube-system"},
			map[string]any{"name": "chatbot-prod", "namespace": "logging"},
			map[string]any{"name": "chatbot-prod", "namespace": "monitoring"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := fixture(t)
			env.ArgoCD.Destination = tt.cluster
			objs := build(t, env, fixtureObjects())
			got := map[string]any{}
			for name := range tt.want {
				got[name] = find(t, objs, KindApplication, name).Lookup("spec", "destination")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("destinations mismatch (-want +got):\n%s", diff)
			}
			p := find(t, objs, KindAppProject, "prod")
			if diff := cmp.Diff(tt.project, p.Lookup("spec", "destinations")); diff != "" {
				t.Errorf("AppProject destinations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLabelsAndFinalizers: every object says who made it for which
// environment; app Applications say which system they are part of; all
// but the root delete what they synced when deleted.
func TestLabelsAndFinalizers(t *testing.T) {
	type meta struct {
		Labels     any
		Finalizers any
	}
	base := map[string]any{"app.kubernetes.io/managed-by": "gen", "environment": "prod"}
	with := func(partOf string) any {
		l := map[string]any{"app.kubernetes.io/part-of": partOf}
		for k, v := range base {
			l[k] = v
		}
		return l
	}
	fin := []any{finalizer}
	want := map[string]meta{
		"root":        {base, nil},
		"platform":    {with("platform"), fin},
		"backend":     {with("chatbot"), fin},
		"mongodb":     {with("chatbot"), fin},
		"koorde-node": {with("koorde"), fin},
	}
	objs := build(t, fixture(t), fixtureObjects())
	got := map[string]meta{}
	for name := range want {
		o := find(t, objs, KindApplication, name)
		got[name] = meta{o.Lookup("metadata", "labels"), o.Lookup("metadata", "finalizers")}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("labels and finalizers mismatch (-want +got):\n%s", diff)
	}
}

// TestSources: every Application syncs a folder of this repository at the
// environment's revision, recursively, as plain manifests.
func TestSources(t *testing.T) {
	env := fixture(t)
	env.ArgoCD.TargetRevision = "release-2026.09"
	want := map[string]string{
		"root":       "rendered/prod/argocd",
		"platform":   "rendered/prod/platform",
		"backend":    "rendered/prod/apps/backend",
		"ml-retrain": "rendered/prod/apps/ml-retrain",
	}
	objs := build(t, env, fixtureObjects())
	for name, path := range want {
		o := find(t, objs, KindApplication, name)
		wantSource := map[string]any{
			"repoURL":        "https://github.com/gitops-gen/platform.git",
			"targetRevision": "release-2026.09",
			"path":           path,
			"directory":      map[string]any{"recurse": true},
		}
		if diff := cmp.Diff(wantSource, o.Lookup("spec", "source")); diff != "" {
			t.Errorf("%s source mismatch (-want +got):\n%s", name, diff)
		}
		if got := o.Lookup("spec", "project"); got != "prod" {
			t.Errorf("%s project = %v, want prod", name, got)
		}
	}
}

// TestNoPlatform: without environment-wide objects there is no platform/
// folder, and so no platform Application.
func TestNoPlatform(t *testing.T) {
	var objs []object.Object
	for _, o := range fixtureObjects() {
		if o.App != "" {
			objs = append(objs, o)
		}
	}
	for _, o := range build(t, fixture(t), objs) {
		if o.Name() == PlatformName {
			t.Errorf("Build(no platform objects) returns %s", o.ID())
		}
	}
}

// TestBuildErrors: input that cannot give a consistent project or tree.
func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		dir    string
		change func(env *model.Environment, objs []object.Object) []object.Object
		want   string
	}{
		{"an app named platform", dir, func(env *model.Environment, objs []object.Object) []object.Object {
			env.Apps["platform"] = newApp(t, "platform", "chatbot", model.Deployment)
			return append(objs, obj("platform", "apps/v1", "Deployment", "chatbot", "platform", nil))
		}, "apps.platform: app platform has the name of gen's platform Application (argocd/application-platform.yaml); rename the app"},
		{"an app named root", dir, func(env *model.Environment, objs []object.Object) []object.Object {
			env.Apps["root"] = newApp(t, "root", "chatbot", model.Deployment)
			return append(objs, obj("root", "apps/v1", "Deployment", "chatbot", "root", nil))
		}, "apps.root: app root has the name of gen's root Application"},
		{"a cluster-scoped kind the project does not allow", dir, func(env *model.Environment, objs []object.Object) []object.Object {
			return append(objs, obj("", "v1", "PersistentVolume", "", "data", nil))
		}, "argocd: PersistentVolume/data has no namespace, and PersistentVolume is not a cluster-scoped kind the AppProject allows (Namespace, IngressClassParams.elbv2.k8s.aws, IngressClass.networking.k8s.io, ClusterRole.rbac.authorization.k8s.io, ClusterRoleBinding.rbac.authorization.k8s.io, PriorityClass.scheduling.k8s.io, StorageClass.storage.k8s.io, ClusterSecretStore.external-secrets.io)"},
		{"an object of a disabled app", dir, func(env *model.Environment, objs []object.Object) []object.Object {
			return append(objs, obj("koorde-loadtest", "batch/v1", "Job", "koorde-cache", "koorde-loadtest", nil))
		}, `argocd: Job/koorde-cache/koorde-loadtest belongs to app "koorde-loadtest", which is not enabled in environment prod`},
		{"an enabled app without objects", dir, func(env *model.Environment, objs []object.Object) []object.Object {
			env.Apps["shuttle"] = newApp(t, "shuttle", "chatbot", model.Deployment)
			return objs
		}, "argocd: app shuttle is enabled in environment prod but has no rendered objects"},
		{"an absolute dir", "/rendered/prod", nil, `argocd: rendered folder "/rendered/prod" is not a clean path relative to the repository root`},
		{"a dir that leaves the repository", "../rendered/prod", nil, `is not a clean path`},
		{"an unclean dir", "rendered//prod/", nil, `is not a clean path`},
		{"no dir", "", nil, `is not a clean path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, objs := fixture(t), fixtureObjects()
			if tt.change != nil {
				objs = tt.change(env, objs)
			}
			got, err := Build(env, tt.dir, objs)
			if err == nil {
				t.Fatalf("Build = %d objects, nil; want an error", len(got))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDeterministic: the order of objs and of the model's maps does not
// reach the output, and Build modifies neither.
func TestDeterministic(t *testing.T) {
	encode := func(objs []object.Object) []byte {
		files, err := output.Files(objs)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, f := range files {
			b.WriteString("-- " + f.Path + " --\n")
			b.Write(f.Data)
		}
		return b.Bytes()
	}
	objs := fixtureObjects()
	before := clone(t, objs)
	first := encode(build(t, fixture(t), objs))
	if diff := cmp.Diff(before, objs); diff != "" {
		t.Errorf("Build modified its input (-before +after):\n%s", diff)
	}
	// Each run has fresh model maps, so map iteration order varies too.
	for i := range 20 {
		in := slices.Clone(objs)
		if i%2 == 1 {
			slices.Reverse(in)
		}
		if got := encode(build(t, fixture(t), in)); !bytes.Equal(first, got) {
			t.Fatalf("Build run %d differs from the first:\n%s", i, cmp.Diff(string(first), string(got)))
		}
	}
}

func jsonNumber(n int) any { return replicas(n)["replicas"] }

// prometheus-adapter's Application carries, beside the schema's values,
// the rules that serve the HPAs' custom metrics.
func TestPrometheusAdapterRules(t *testing.T) {
	env := modeltest.Env(t, "prod", prod+`
platform: controllers: "prometheus-adapter": enabled: true
apps: backend: autoscaling: metrics: http_requests_per_second: averageValue: "50"
`)
	a := find(t, build(t, env, fixtureObjects()), KindApplication, "prometheus-adapter")
	want := map[string]any{
		"default": false,
		"custom": []any{map[string]any{
			"seriesQuery": `http_requests_total{namespace!="",pod!=""}`,
			"resources": map[string]any{"overrides": map[string]any{
				"namespace": map[string]any{"resource": "namespace"},
				"pod":       map[string]any{"resource": "pod"},
			}},
			"name":         map[string]any{"matches": "^http_requests_total$", "as": "http_requests_per_second"},
			"metricsQuery": "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
		}},
	}
	if diff := cmp.Diff(want, a.Lookup("spec", "source", "helm", "valuesObject", "rules")); diff != "" {
		t.Errorf("valuesObject.rules mismatch (-want +got):\n%s", diff)
	}
	prom := map[string]any{"url": "http://prometheus-operated.monitoring.svc", "port": json.Number("9090")}
	if diff := cmp.Diff(prom, a.Lookup("spec", "source", "helm", "valuesObject", "prometheus")); diff != "" {
		t.Errorf("valuesObject.prometheus mismatch (-want +got):\n%s", diff)
	}
	if rules := env.Platform.Controllers["prometheus-adapter"].Values["rules"]; !cmp.Equal(rules, map[string]any{"default": false}) {
		t.Errorf("Build changed the model's values: rules = %v", rules)
	}
}
