package kube

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestBuildOrder(t *testing.T) {
	var got []string
	for _, o := range build(t, fixture(t)) {
		got = append(got, o.App+" "+o.Kind()+" "+o.Namespace()+"/"+o.Name())
	}
	want := []string{
		" Namespace /argo-rollouts",
		" Namespace /chatbot",
		" Namespace /data",
		" Namespace /external-secrets",
		" Namespace /logging",
		" Namespace /monitoring",
		" ResourceQuota argo-rollouts/argo-rollouts",
		" ResourceQuota chatbot/chatbot",
		" ResourceQuota data/data",
		" ResourceQuota external-secrets/external-secrets",
		" ResourceQuota logging/logging",
		" ResourceQuota monitoring/monitoring",
		" LimitRange argo-rollouts/argo-rollouts",
		" LimitRange chatbot/chatbot",
		" LimitRange data/data",
		" LimitRange external-secrets/external-secrets",
		" LimitRange logging/logging",
		" LimitRange monitoring/monitoring",
		" ServiceAccount kube-system/cluster-autoscaler",
		" StorageClass /gp3",
		" StorageClass /gp3-fast",
		" IngressClassParams /alb-web",
		" IngressClass /alb-web",
		" ClusterRole /cluster-autoscaler",
		" ClusterRoleBinding /cluster-autoscaler",
		" Role kube-system/cluster-autoscaler",
		" RoleBinding kube-system/cluster-autoscaler",
		" NetworkPolicy argo-rollouts/allow-argo-rollouts",
		" NetworkPolicy argo-rollouts/allow-dns-argo-rollouts",
		" NetworkPolicy argo-rollouts/default-deny-argo-rollouts",
		" NetworkPolicy chatbot/allow-dns-chatbot",
		" NetworkPolicy chatbot/default-deny-chatbot",
		" NetworkPolicy data/allow-dns-data",
		" NetworkPolicy data/default-deny-data",
		" NetworkPolicy external-secrets/allow-dns-external-secrets",
		" NetworkPolicy external-secrets/allow-external-secrets",
		" NetworkPolicy external-secrets/default-deny-external-secrets",
		" NetworkPolicy logging/allow-dns-logging",
		" NetworkPolicy logging/allow-fluent-bit",
		" NetworkPolicy logging/default-deny-logging",
		" NetworkPolicy monitoring/allow-alertmanager",
		" NetworkPolicy monitoring/allow-dns-monitoring",
		" NetworkPolicy monitoring/allow-monitoring",
		" NetworkPolicy monitoring/allow-prometheus",
		" NetworkPolicy monitoring/allow-prometheus-operator",
		" NetworkPolicy monitoring/default-deny-monitoring",
		" Deployment kube-system/cluster-autoscaler",
		"backend ServiceAccount chatbot/backend",
		"backend ConfigMap chatbot/backend-env",
		"backend ConfigMap chatbot/backend-files",
		"backend NetworkPolicy chatbot/backend",
		"backend Deployment chatbot/backend",
		"backend Service chatbot/backend",
		"backend Ingress chatbot/backend",
		"backend HorizontalPodAutoscaler chatbot/backend",
		"backend PodDisruptionBudget chatbot/backend",
		"backend PodMonitor chatbot/backend",
		"backend PrometheusRule chatbot/backend",
		"backend AlertmanagerConfig chatbot/backend",
		"cache ServiceAccount chatbot/cache",
		"cache NetworkPolicy chatbot/cache",
		"cache Deployment chatbot/cache",
		"cache Service chatbot/cache-public",
		"cache ServiceMonitor chatbot/cache",
		"cache PrometheusRule chatbot/cache",
		"cache AlertmanagerConfig chatbot/cache",
		"loadtest Job chatbot/loadtest",
		"mongodb NetworkPolicy data/mongodb",
		"mongodb StatefulSet data/mongodb",
		"mongodb Service data/mongodb",
		"mongodb Service data/mongodb-headless",
		"mongodb PodDisruptionBudget data/mongodb",
		"retrain ServiceAccount chatbot/retrain",
		"retrain CronJob chatbot/retrain",
		"worker ServiceAccount chatbot/worker",
		"worker Deployment chatbot/worker",
		"worker ScaledObject chatbot/worker",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build() objects mismatch (-want +got):\n%s", diff)
	}
}

func TestKindOrderCoversKinds(t *testing.T) {
	// Every kind Build produces has a place in kindOrder and a Go type:
	// k8s.io/api's, or, for the External Secrets Operator's and Argo
	// Rollouts' kinds, a local one that TestSecretTypesMatchCRDs and
	// TestRolloutTypesMatchCRDs validate.
	crdKinds := []string{KindClusterSecretStore, KindSecretStore, KindExternalSecret, KindRollout, KindAnalysisTemplate}
	for _, tm := range slices.Collect(maps.Keys(typed)) {
		if !slices.Contains(kindOrder, tm.Kind) {
			t.Errorf("kind %s is missing from kindOrder", tm.Kind)
		}
	}
	for _, k := range crdKinds {
		if !slices.Contains(kindOrder, k) {
			t.Errorf("kind %s is missing from kindOrder", k)
		}
	}
	if len(typed)+len(crdKinds) != len(kindOrder) {
		t.Errorf("kindOrder has %d kinds, NewTyped knows %d and the CRDs' local types %d", len(kindOrder), len(typed), len(crdKinds))
	}
}

func TestBuildDeterministic(t *testing.T) {
	first := build(t, fixture(t))
	second := build(t, fixture(t))
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("Build() twice mismatch (-first +second):\n%s", diff)
	}
	reordered := build(t, reinsert(fixture(t)))
	if diff := cmp.Diff(first, reordered); diff != "" {
		t.Errorf("Build() with maps filled in another order mismatch (-want +got):\n%s", diff)
	}
	if a, b := marshal(t, first), marshal(t, reordered); a != b {
		t.Errorf("Build() JSON differs when maps are filled in another order")
	}
}

// reinsert returns a copy of env whose maps, at every level, are filled in
// reverse key order (the fixture fills them in literal order).
func reinsert(env *model.Environment) *model.Environment {
	e := *env
	e.Namespaces = rev(env.Namespaces, func(ns model.Namespace) model.Namespace {
		ns.Labels = rev(ns.Labels, same)
		ns.Annotations = rev(ns.Annotations, same)
		ns.Quota = rev(ns.Quota, same)
		return ns
	})
	e.Cluster.NodeGroups = rev(env.Cluster.NodeGroups, func(ng model.NodeGroup) model.NodeGroup {
		ng.Labels = rev(ng.Labels, same)
		return ng
	})
	e.Cluster.StorageClasses = rev(env.Cluster.StorageClasses, same)
	e.Apps = rev(env.Apps, func(a *model.App) *model.App {
		c := *a
		c.Ports = rev(a.Ports, same)
		c.Env = rev(a.Env, same)
		c.Config.Env = rev(a.Config.Env, same)
		c.Config.Files = rev(a.Config.Files, same)
		c.Services = rev(a.Services, func(s model.Service) model.Service {
			s.ServicePorts = rev(s.ServicePorts, same)
			s.Annotations = rev(s.Annotations, same)
			return s
		})
		c.Storage = rev(a.Storage, same)
		c.Labels = rev(a.Labels, same)
		c.Annotations = rev(a.Annotations, same)
		return &c
	})
	return &e
}

func rev[V any](m map[string]V, f func(V) V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	keys := slices.Sorted(maps.Keys(m))
	slices.Reverse(keys)
	for _, k := range keys {
		out[k] = f(m[k])
	}
	return out
}

func same[V any](v V) V { return v }

func marshal(t *testing.T, objs []object.Object) string {
	t.Helper()
	var b strings.Builder
	for _, o := range objs {
		j, err := json.Marshal(o.Content)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestBuildDecodesStrictly checks that every object decodes strictly into
// its k8s.io/api type and survives the round trip unchanged, and that none
// carries a status, a null or an empty object (but where it means
// something: see keepEmpty).
func TestBuildDecodesStrictly(t *testing.T) {
	objs := build(t, fixture(t))
	for tm := range typed {
		if !slices.ContainsFunc(objs, func(o object.Object) bool { return o.Kind() == tm.Kind }) {
			t.Errorf("the fixture has no %s: this test does not cover it", tm.Kind)
		}
	}
	for _, o := range objs {
		t.Run(o.ID(), func(t *testing.T) {
			v, ok := NewTyped(o.APIVersion(), o.Kind())
			if !ok {
				t.Fatalf("NewTyped(%q, %q) unknown", o.APIVersion(), o.Kind())
			}
			b, err := json.Marshal(o.Content)
			if err != nil {
				t.Fatal(err)
			}
			if err := strictUnmarshal(b, v); err != nil {
				t.Fatalf("strict decoding into %T: %v", v, err)
			}
			objs, err := appendObjects(nil, o.App, []any{v})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o, objs[0]); diff != "" {
				t.Errorf("round trip through %T mismatch (-want +got):\n%s", v, diff)
			}
			if _, ok := o.Content["status"]; ok {
				t.Errorf("object has a status")
			}
			walk(o.Content, "", func(path string, v any) {
				if m, ok := v.(map[string]any); ok && len(m) == 0 && !keepEmpty[path[strings.LastIndex(path, ".")+1:]] {
					t.Errorf("%s is an empty object", path)
				}
				if v == nil {
					t.Errorf("%s is null", path)
				}
			})
		})
	}
}

// walk calls f on every value in v, with its path.
func walk(v any, path string, f func(path string, v any)) {
	f(path, v)
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			walk(c, path+"."+k, f)
		}
	case []any:
		for i, c := range v {
			walk(c, path+"["+strconv.Itoa(i)+"]", f)
		}
	}
}

func TestBuildLabels(t *testing.T) {
	env := fixture(t)
	for _, o := range build(t, env) {
		meta, _ := o.Content["metadata"].(map[string]any)
		labels, _ := meta["labels"].(map[string]any)
		want := map[string]any{
			"app.kubernetes.io/managed-by": "gen",
			"environment":                  "prod",
		}
		switch {
		case o.App != "":
			app := env.Apps[o.App]
			want["app.kubernetes.io/name"] = app.Name
			want["app.kubernetes.io/instance"] = app.Name + "-prod"
			want["app.kubernetes.io/part-of"] = app.PartOf
		case o.Name() == "cluster-autoscaler":
			want["app.kubernetes.io/name"] = "cluster-autoscaler"
			want["app.kubernetes.io/part-of"] = "platform"
		case o.Kind() == "StorageClass":
			want["app.kubernetes.io/part-of"] = "platform"
		case o.Kind() == "IngressClass", o.Kind() == "IngressClassParams":
			want["app.kubernetes.io/name"] = "alb-web"
			want["app.kubernetes.io/part-of"] = "platform"
		}
		for k, v := range want {
			if labels[k] != v {
				t.Errorf("%s: label %s = %v, want %v", o.ID(), k, labels[k], v)
			}
		}
		if clusterScoped[o.Kind()] != (o.Namespace() == "") {
			t.Errorf("%s: namespace %q, yet %s is cluster-scoped: %v", o.ID(), o.Namespace(), o.Kind(), clusterScoped[o.Kind()])
		}
		if o.App != "" && o.Namespace() != env.Apps[o.App].Namespace {
			t.Errorf("%s: namespace = %q, want %q", o.ID(), o.Namespace(), env.Apps[o.App].Namespace)
		}
	}
}

// clusterScoped are the kinds Build produces that have no namespace.
var clusterScoped = map[string]bool{
	"Namespace":          true,
	"StorageClass":       true,
	"ClusterRole":        true,
	"ClusterRoleBinding": true,
	"IngressClass":       true,
	"IngressClassParams": true,
}

func TestStandardLabelsWin(t *testing.T) {
	app := newApp(t, "web", model.Deployment, `
partOf: "shop"
labels: {
	"app.kubernetes.io/name":       "evil"
	"app.kubernetes.io/instance":   "evil"
	"app.kubernetes.io/part-of":    "evil"
	"app.kubernetes.io/managed-by": "helm"
	environment:                    "dev"
	team:                           "web"
}
ports: http: port: 8080
services: web: {}
disruption: maxUnavailable: 1`)
	env := envWith(t, `namespaces: chatbot: labels: {environment: "dev", "app.kubernetes.io/managed-by": "helm", team: "web"}`, app)
	objs := build(t, env)

	wantApp := map[string]string{
		"app.kubernetes.io/name":       "web",
		"app.kubernetes.io/instance":   "web-prod",
		"app.kubernetes.io/part-of":    "shop",
		"app.kubernetes.io/managed-by": "gen",
		"environment":                  "prod",
		"team":                         "web",
	}
	wantSelector := map[string]string{
		"app.kubernetes.io/name":     "web",
		"app.kubernetes.io/instance": "web-prod",
	}
	d := decode[appsv1.Deployment](t, find(t, objs, "Deployment", "web"))
	for _, tc := range []struct {
		name string
		got  map[string]string
		want map[string]string
	}{
		{"deployment labels", d.Labels, wantApp},
		{"pod template labels", d.Spec.Template.Labels, wantApp},
		{"deployment selector", d.Spec.Selector.MatchLabels, wantSelector},
		{"service labels", decode[corev1.Service](t, find(t, objs, "Service", "web")).Labels, wantApp},
		{"service selector", decode[corev1.Service](t, find(t, objs, "Service", "web")).Spec.Selector, wantSelector},
		{"serviceaccount labels", decode[corev1.ServiceAccount](t, find(t, objs, "ServiceAccount", "web")).Labels, wantApp},
		{"namespace labels", decode[corev1.Namespace](t, find(t, objs, "Namespace", "chatbot")).Labels, map[string]string{
			"app.kubernetes.io/managed-by": "gen",
			"environment":                  "prod",
			"team":                         "web",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("labels mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDisabledAppRendersNothing(t *testing.T) {
	objs := build(t, fixture(t))
	for _, o := range objs {
		if o.App == "ml" {
			t.Errorf("disabled app ml rendered %s", o.ID())
		}
	}
	env := fixture(t)
	for _, app := range env.Apps {
		app.Enabled = false
	}
	objs = build(t, env)
	for _, o := range objs {
		if o.App != "" {
			t.Errorf("all apps disabled, yet %s rendered", o.ID())
		}
	}
}

func TestBuildWorkloadKinds(t *testing.T) {
	objs := build(t, fixture(t))
	// Each workload decodes into its type; jobs render no Services, HPA or PDB.
	decode[appsv1.Deployment](t, find(t, objs, "Deployment", "backend"))
	decode[appsv1.StatefulSet](t, find(t, objs, "StatefulSet", "mongodb"))
	decode[batchv1.CronJob](t, find(t, objs, "CronJob", "retrain"))
	decode[batchv1.Job](t, find(t, objs, "Job", "loadtest"))
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(env *model.Environment)
		want   string
	}{
		{
			name:   "bad cpu request",
			modify: func(env *model.Environment) { env.Apps["backend"].Resources.Requests.CPU = "half" },
			want:   `app backend: requests: cpu: quantity "half": quantities must match the regular expression`,
		},
		{
			name:   "bad memory limit",
			modify: func(env *model.Environment) { env.Apps["backend"].Resources.Limits.Memory = "1GB" },
			want:   `app backend: limits: memory: quantity "1GB"`,
		},
		{
			name: "bad storage size",
			modify: func(env *model.Environment) {
				env.Apps["mongodb"].Storage["data"] = model.Volume{Size: "lots", MountPath: "/data"}
			},
			want: `app mongodb: storage data: size: quantity "lots"`,
		},
		{
			name: "bad quota",
			modify: func(env *model.Environment) {
				env.Namespaces["data"] = model.Namespace{Quota: map[string]string{"pods": "many"}}
			},
			want: `namespace data: quota pods: quantity "many"`,
		},
		{
			name:   "missing node group",
			modify: func(env *model.Environment) { env.Apps["retrain"].NodeGroup = "gpu" },
			want:   `app retrain: node group "gpu" is not in cluster chatbot-prod`,
		},
		{
			name:   "missing probe port",
			modify: func(env *model.Environment) { env.Apps["backend"].Probes.Liveness.Port = "admin" },
			want:   `app backend: liveness probe: no port "admin"`,
		},
		{
			name: "missing service port",
			modify: func(env *model.Environment) {
				env.Apps["backend"].Services["backend"] = model.Service{Ports: []string{"admin"}}
			},
			want: `app backend: service backend: no port "admin"`,
		},
		{
			name:   "unknown kind",
			modify: func(env *model.Environment) { env.Apps["backend"].Kind = "DaemonSet" },
			want:   `app backend: unknown kind "DaemonSet"`,
		},
		{
			name:   "unknown spread",
			modify: func(env *model.Environment) { env.Apps["backend"].Spread.Zones = "always" },
			want:   `app backend: spread.zones: unknown value "always"`,
		},
		{
			name:   "unknown anti-affinity",
			modify: func(env *model.Environment) { env.Apps["backend"].AntiAffinity = "yes" },
			want:   `app backend: antiAffinity: unknown value "yes"`,
		},
		{
			name: "unknown service type",
			modify: func(env *model.Environment) {
				env.Apps["backend"].Services["backend"] = model.Service{Type: "NodePort"}
			},
			want: `app backend: service backend: unknown type "NodePort"`,
		},
		{
			name:   "autoscaling without maxReplicas",
			modify: func(env *model.Environment) { env.Apps["backend"].Autoscaling.MaxReplicas = nil },
			want:   `app backend: autoscaling: no maxReplicas`,
		},
		{
			name: "disruption with both bounds",
			modify: func(env *model.Environment) {
				env.Apps["backend"].Disruption.MaxUnavailable = &model.IntOrString{Int: 1}
			},
			want: `app backend: disruption: both minAvailable and maxUnavailable are set`,
		},
		{
			name:   "disruption with no bound",
			modify: func(env *model.Environment) { env.Apps["backend"].Disruption = &model.Disruption{} },
			want:   `app backend: disruption: neither minAvailable nor maxUnavailable is set`,
		},
		{
			name:   "config files without mountPath",
			modify: func(env *model.Environment) { env.Apps["backend"].Config.MountPath = "" },
			want:   `app backend: config has files but no mountPath`,
		},
		{
			name:   "autoscaler without expander",
			modify: func(env *model.Environment) { env.Cluster.Autoscaler.Expander = "" },
			want:   `cluster chatbot-prod: autoscaler: no expander`,
		},
		{
			name:   "autoscaler without scale-down delay",
			modify: func(env *model.Environment) { env.Cluster.Autoscaler.ScaleDownDelayAfterAdd = "" },
			want:   `cluster chatbot-prod: autoscaler: no scaleDownDelayAfterAdd`,
		},
		{
			name:   "autoscaler without image",
			modify: func(env *model.Environment) { env.Cluster.Autoscaler.Image = model.Image{} },
			want:   `cluster chatbot-prod: autoscaler: no image`,
		},
		{
			name:   "nil app",
			modify: func(env *model.Environment) { env.Apps["web"] = nil },
			want:   `app web: no definition`,
		},
		{
			name:   "app name differs from its key",
			modify: func(env *model.Environment) { env.Apps["web"] = newApp(t, "www", model.Deployment) },
			want:   `app web: name is "www"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := fixture(t)
			tc.modify(env)
			objs, err := Build(env)
			if err == nil {
				t.Fatalf("Build() = %d objects, want error %q", len(objs), tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Build() error = %q, want prefix %q", err, tc.want)
			}
		})
	}
	t.Run("quantity error wraps its cause", func(t *testing.T) {
		env := fixture(t)
		env.Apps["backend"].Resources.Requests.CPU = "half"
		if _, err := Build(env); !errors.Is(err, resource.ErrFormatWrong) {
			t.Errorf("Build() error = %v, want it to wrap resource.ErrFormatWrong", err)
		}
	})
	t.Run("nil environment", func(t *testing.T) {
		if _, err := Build(nil); err == nil {
			t.Error("Build(nil) = nil error")
		}
	})
}
