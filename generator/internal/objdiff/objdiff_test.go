package objdiff

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// img is the backend image without its digest.
const img = "235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:1.4.2@sha256:"

// deployment is a staging Deployment, shaped like rendered/staging's.
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/instance: backend-staging
    app.kubernetes.io/name: backend
    environment: staging
  name: backend
  namespace: chatbot
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/instance: backend-staging
  template:
    metadata:
      annotations:
        checksum/config: aaa
      labels:
        app.kubernetes.io/instance: backend-staging
        environment: staging
    spec:
      containers:
      - args:
        - --port=8000
        - --verbose
        env:
        - name: A
          value: "1"
        - name: C
          value: "3"
        - name: LOG_LEVEL
          value: info
        image: 235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:1.4.2@sha256:aaa
        name: backend
        resources:
          limits:
            cpu: 500m
            memory: 1Gi
          requests:
            cpu: 250m
            memory: 512Mi
      initContainers:
      - image: busybox:1.36
        name: migrate
`

const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: backend
  namespace: chatbot
spec:
  maxReplicas: 4
  minReplicas: 2
`

const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: retrain
  namespace: chatbot
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - image: ml:0.9.3
            name: retrain
            resources:
              requests:
                cpu: "1"
`

const cluster = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
managedNodeGroups:
- desiredCapacity: 2
  maxSize: 5
  minSize: 2
  name: general
  tags:
    k8s.io/cluster-autoscaler/chatbot-staging: owned
- maxSize: 3
  minSize: 1
  name: ml-staging
metadata:
  name: chatbot-staging
  region: ap-south-1
nodeGroups:
- desiredCapacity: 1
  instanceType: m5.large
  name: ng-1
`

const service = `apiVersion: v1
kind: Service
metadata:
  name: old
  namespace: chatbot
`

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: new-env
  namespace: chatbot
data:
  LOG_LEVEL: info
`

// edit applies old, new replacement pairs to s; each old must occur
// exactly once.
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times, want 1", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func prod(s string) string { return strings.ReplaceAll(s, "staging", "prod") }

func files(kv ...string) map[string][]byte {
	m := make(map[string][]byte, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = []byte(kv[i+1])
	}
	return m
}

// v returns a pointer to x, for Field.From and Field.To.
func v(x any) *any { return &x }

func n(s string) json.Number { return json.Number(s) }

const depPath = "apps/backend/deployment-backend.yaml"

// backend is the modified backend Deployment with the given fields.
func backend(c Class, fields ...Field) Object {
	return Object{Path: depPath, APIVersion: "apps/v1", Kind: "Deployment", Namespace: "chatbot", Name: "backend", Class: c, Fields: fields}
}

const ctr = "spec.template.spec.containers[backend]"

type compareTest struct {
	name     string
	from, to map[string][]byte
	opts     Options
	want     []Object
	envOnly  int
}

func runCompareTests(t *testing.T, tests []compareTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(tt.from, tt.to, tt.opts)
			if err != nil {
				t.Fatalf("Compare() error: %v", err)
			}
			want := tt.want
			if want == nil {
				want = []Object{}
			}
			if diff := cmp.Diff(want, r.Objects, cmpopts.IgnoreUnexported(Object{})); diff != "" {
				t.Errorf("Compare() objects mismatch (-want +got):\n%s", diff)
			}
			if r.EnvOnly != tt.envOnly {
				t.Errorf("Compare() EnvOnly = %d, want %d", r.EnvOnly, tt.envOnly)
			}
			var s Summary
			for _, o := range want {
				s.count(o.Class)
			}
			if r.Summary != s {
				t.Errorf("Compare() Summary = %+v, want %+v", r.Summary, s)
			}
		})
	}
}

func TestCompareClasses(t *testing.T) {
	base := files(depPath, deployment)
	mod := func(pairs ...string) map[string][]byte { return files(depPath, edit(t, deployment, pairs...)) }
	runCompareTests(t, []compareTest{
		{
			name: "identical",
			from: base, to: files(depPath, deployment),
		},
		{
			name: "image digest",
			from: base, to: mod("sha256:aaa", "sha256:bbb"),
			want: []Object{backend(Image,
				Field{ctr + ".image", Image, v(img + "aaa"), v(img + "bbb")})},
		},
		{
			name: "image tag and digest",
			from: base, to: mod("1.4.2@sha256:aaa", "1.5.0@sha256:ccc"),
			want: []Object{backend(Image,
				Field{ctr + ".image", Image, v(img + "aaa"), v(strings.Replace(img, "1.4.2", "1.5.0", 1) + "ccc")})},
		},
		{
			name: "init container image",
			from: base, to: mod("busybox:1.36", "busybox:1.37"),
			want: []Object{backend(Image,
				Field{"spec.template.spec.initContainers[migrate].image", Image, v("busybox:1.36"), v("busybox:1.37")})},
		},
		{
			name: "replicas",
			from: base, to: mod("replicas: 2", "replicas: 3"),
			want: []Object{backend(Scale, Field{"spec.replicas", Scale, v(n("2")), v(n("3"))})},
		},
		{
			name: "replicas becomes a string",
			from: base, to: mod("replicas: 2", `replicas: "2"`),
			want: []Object{backend(Scale, Field{"spec.replicas", Scale, v(n("2")), v("2")})},
		},
		{
			name: "resources",
			from: base, to: mod("cpu: 500m", "cpu: 750m", "memory: 512Mi", "memory: 768Mi"),
			want: []Object{backend(Scale,
				Field{ctr + ".resources.limits.cpu", Scale, v("500m"), v("750m")},
				Field{ctr + ".resources.requests.memory", Scale, v("512Mi"), v("768Mi")})},
		},
		{
			name: "resources removed",
			from: base, to: mod(`        resources:
          limits:
            cpu: 500m
            memory: 1Gi
          requests:
            cpu: 250m
            memory: 512Mi
`, ""),
			want: []Object{backend(Scale, Field{ctr + ".resources", Scale, v(map[string]any{
				"limits":   map[string]any{"cpu": "500m", "memory": "1Gi"},
				"requests": map[string]any{"cpu": "250m", "memory": "512Mi"},
			}), nil})},
		},
		{
			name: "image and replicas is scale",
			from: base, to: mod("replicas: 2", "replicas: 3", "sha256:aaa", "sha256:bbb"),
			want: []Object{backend(Scale,
				Field{"spec.replicas", Scale, v(n("2")), v(n("3"))},
				Field{ctr + ".image", Image, v(img + "aaa"), v(img + "bbb")})},
		},
		{
			name: "image and config is config",
			from: base, to: mod("value: info", "value: debug", "sha256:aaa", "sha256:bbb"),
			want: []Object{backend(Config,
				Field{ctr + ".env[LOG_LEVEL].value", Config, v("info"), v("debug")},
				Field{ctr + ".image", Image, v(img + "aaa"), v(img + "bbb")})},
		},
		{
			name: "checksum annotation is config",
			from: base, to: mod("checksum/config: aaa", "checksum/config: bbb"),
			want: []Object{backend(Config,
				Field{`spec.template.metadata.annotations["checksum/config"]`, Config, v("aaa"), v("bbb")})},
		},
		{
			name: "field added",
			from: base, to: mod("  replicas: 2\n", "  replicas: 2\n  revisionHistoryLimit: 5\n"),
			want: []Object{backend(Config, Field{"spec.revisionHistoryLimit", Config, nil, v(n("5"))})},
		},
		{
			name: "null is not absent",
			from: files(depPath, edit(t, deployment, "  replicas: 2\n", "  paused: null\n  replicas: 2\n")),
			to:   mod("  replicas: 2\n", "  paused: true\n  replicas: 2\n"),
			want: []Object{backend(Config, Field{"spec.paused", Config, v(nil), v(true)})},
		},
		{
			name: "label key is quoted",
			from: base, to: mod("    environment: staging\n  name:", "    environment: staging\n    tier: web\n  name:"),
			want: []Object{backend(Config, Field{"metadata.labels.tier", Config, nil, v("web")})},
		},
		{
			name: "dotted label key is quoted",
			from: base, to: mod("app.kubernetes.io/name: backend", "app.kubernetes.io/name: api"),
			want: []Object{backend(Config, Field{`metadata.labels["app.kubernetes.io/name"]`, Config, v("backend"), v("api")})},
		},
		{
			name: "map becomes a scalar",
			from: base, to: mod(`      annotations:
        checksum/config: aaa
`, "      annotations: none\n"),
			want: []Object{backend(Config, Field{"spec.template.metadata.annotations", Config, v(map[string]any{"checksum/config": "aaa"}), v("none")})},
		},
	})
}

func TestCompareLists(t *testing.T) {
	base := files(depPath, deployment)
	mod := func(pairs ...string) map[string][]byte { return files(depPath, edit(t, deployment, pairs...)) }
	runCompareTests(t, []compareTest{
		{
			name: "env var inserted in the middle",
			from: base, to: mod("        - name: C\n", "        - name: B\n          value: \"2\"\n        - name: C\n"),
			want: []Object{backend(Config, Field{ctr + ".env[B]", Config, nil, v(map[string]any{"name": "B", "value": "2"})})},
		},
		{
			name: "env var removed",
			from: base, to: mod("        - name: C\n          value: \"3\"\n", ""),
			want: []Object{backend(Config, Field{ctr + ".env[C]", Config, v(map[string]any{"name": "C", "value": "3"}), nil})},
		},
		{
			name: "env var replaced at the same place",
			from: base, to: mod("name: C\n          value: \"3\"", "name: D\n          value: \"4\""),
			want: []Object{backend(Config,
				Field{ctr + ".env[C]", Config, v(map[string]any{"name": "C", "value": "3"}), nil},
				Field{ctr + ".env[D]", Config, nil, v(map[string]any{"name": "D", "value": "4"})})},
		},
		{
			name: "env vars reordered is one change of the list",
			from: base, to: mod("name: A\n          value: \"1\"", "name: C\n          value: \"3\"", "name: C\n          value: \"3\"\n        - name: LOG", "name: A\n          value: \"1\"\n        - name: LOG"),
			want: []Object{backend(Config, Field{ctr + ".env", Config,
				v([]any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "C", "value": "3"}, map[string]any{"name": "LOG_LEVEL", "value": "info"}}),
				v([]any{map[string]any{"name": "C", "value": "3"}, map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "LOG_LEVEL", "value": "info"}})})},
		},
		{
			name: "container added",
			from: base, to: mod("      initContainers:\n", "      - image: envoy:1\n        name: proxy\n      initContainers:\n"),
			want: []Object{backend(Config, Field{"spec.template.spec.containers[proxy]", Config, nil, v(map[string]any{"image": "envoy:1", "name": "proxy"})})},
		},
		{
			name: "arg appended",
			from: base, to: mod("        - --verbose\n", "        - --verbose\n        - --debug\n"),
			want: []Object{backend(Config, Field{ctr + ".args[2]", Config, nil, v("--debug")})},
		},
		{
			name: "arg inserted first",
			from: base, to: mod("        - --port=8000\n", "        - --debug\n        - --port=8000\n"),
			want: []Object{backend(Config, Field{ctr + ".args[0]", Config, nil, v("--debug")})},
		},
		{
			name: "arg removed from the middle of three",
			from: mod("        - --verbose\n", "        - --verbose\n        - --debug\n"),
			to:   base,
			want: []Object{backend(Config, Field{ctr + ".args[2]", Config, v("--debug"), nil})},
		},
		{
			name: "args changed and shortened compare by index",
			from: base, to: mod("        - --port=8000\n        - --verbose\n", "        - --port=9000\n"),
			want: []Object{backend(Config,
				Field{ctr + ".args[0]", Config, v("--port=8000"), v("--port=9000")},
				Field{ctr + ".args[1]", Config, v("--verbose"), nil})},
		},
		{
			name: "args changed in place",
			from: base, to: mod("--verbose", "--quiet"),
			want: []Object{backend(Config, Field{ctr + ".args[1]", Config, v("--verbose"), v("--quiet")})},
		},
	})
}

func TestCompareKinds(t *testing.T) {
	const hpaPath = "apps/backend/horizontalpodautoscaler-backend.yaml"
	const cjPath = "apps/retrain/cronjob-retrain.yaml"
	const clusterPath = "cluster/eksctl.yaml"
	eks := func(c Class, fields ...Field) Object {
		return Object{Path: clusterPath, APIVersion: "eksctl.io/v1alpha5", Kind: "ClusterConfig", Name: "chatbot-staging", Class: c, Fields: fields}
	}
	runCompareTests(t, []compareTest{
		{
			name: "HPA min and max replicas",
			from: files(hpaPath, hpa), to: files(hpaPath, edit(t, hpa, "maxReplicas: 4", "maxReplicas: 10", "minReplicas: 2", "minReplicas: 3")),
			want: []Object{{Path: hpaPath, APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler", Namespace: "chatbot", Name: "backend", Class: Scale, Fields: []Field{
				{"spec.maxReplicas", Scale, v(n("4")), v(n("10"))},
				{"spec.minReplicas", Scale, v(n("2")), v(n("3"))},
			}}},
		},
		{
			name: "minReplicas of another kind is config",
			from: files("x.yaml", edit(t, hpa, "HorizontalPodAutoscaler", "Thing")),
			to:   files("x.yaml", edit(t, hpa, "HorizontalPodAutoscaler", "Thing", "minReplicas: 2", "minReplicas: 3")),
			want: []Object{{Path: "x.yaml", APIVersion: "autoscaling/v2", Kind: "Thing", Namespace: "chatbot", Name: "backend", Class: Config, Fields: []Field{
				{"spec.minReplicas", Config, v(n("2")), v(n("3"))},
			}}},
		},
		{
			name: "CronJob image and resources",
			from: files(cjPath, cronJob), to: files(cjPath, edit(t, cronJob, "ml:0.9.3", "ml:0.9.4", `cpu: "1"`, `cpu: "2"`)),
			want: []Object{{Path: cjPath, APIVersion: "batch/v1", Kind: "CronJob", Namespace: "chatbot", Name: "retrain", Class: Scale, Fields: []Field{
				{"spec.jobTemplate.spec.template.spec.containers[retrain].image", Image, v("ml:0.9.3"), v("ml:0.9.4")},
				{"spec.jobTemplate.spec.template.spec.containers[retrain].resources.requests.cpu", Scale, v("1"), v("2")},
			}}},
		},
		{
			name: "eksctl node group sizes",
			from: files(clusterPath, cluster),
			to:   files(clusterPath, edit(t, cluster, "desiredCapacity: 2", "desiredCapacity: 3", "minSize: 2", "minSize: 3", "maxSize: 3", "maxSize: 4", "desiredCapacity: 1", "desiredCapacity: 2")),
			want: []Object{eks(Scale,
				Field{"managedNodeGroups[general].desiredCapacity", Scale, v(n("2")), v(n("3"))},
				Field{"managedNodeGroups[general].minSize", Scale, v(n("2")), v(n("3"))},
				Field{"managedNodeGroups[ml-staging].maxSize", Scale, v(n("3")), v(n("4"))},
				Field{"nodeGroups[ng-1].desiredCapacity", Scale, v(n("1")), v(n("2"))})},
		},
		{
			name: "eksctl instance type and new node group are config",
			from: files(clusterPath, cluster),
			to:   files(clusterPath, edit(t, cluster, "instanceType: m5.large\n  name: ng-1\n", "instanceType: m5.xlarge\n  name: ng-1\n- name: ng-2\n")),
			want: []Object{eks(Config,
				Field{"nodeGroups[ng-1].instanceType", Config, v("m5.large"), v("m5.xlarge")},
				Field{"nodeGroups[ng-2]", Config, nil, v(map[string]any{"name": "ng-2"})})},
		},
		{
			name: "node group sizes of another kind are config",
			from: files(clusterPath, edit(t, cluster, "kind: ClusterConfig", "kind: Other")),
			to:   files(clusterPath, edit(t, cluster, "kind: ClusterConfig", "kind: Other", "minSize: 1", "minSize: 2")),
			want: []Object{{Path: clusterPath, APIVersion: "eksctl.io/v1alpha5", Kind: "Other", Name: "chatbot-staging", Class: Config, Fields: []Field{
				{"managedNodeGroups[ml-staging].minSize", Config, v(n("1")), v(n("2"))},
			}}},
		},
	})
}

func TestCompareFiles(t *testing.T) {
	const svcPath = "apps/old/service-old.yaml"
	const cmPath = "apps/backend/configmap-new-env.yaml"
	text := func(path string, from, to any) Object {
		f := Field{Class: Config}
		if from != nil {
			f.From = v(from)
		}
		if to != nil {
			f.To = v(to)
		}
		return Object{Path: path, Class: Config, Fields: []Field{f}}
	}
	broken := "apiVersion: v1\nkind: ConfigMap\ndata: [\n"
	runCompareTests(t, []compareTest{
		{
			name: "empty inputs",
			from: map[string][]byte{}, to: nil,
		},
		{
			name: "added and removed",
			from: files(depPath, deployment, svcPath, service),
			to:   files(depPath, deployment, cmPath, configMap),
			want: []Object{
				{Path: cmPath, APIVersion: "v1", Kind: "ConfigMap", Namespace: "chatbot", Name: "new-env", Class: Added},
				{Path: svcPath, APIVersion: "v1", Kind: "Service", Namespace: "chatbot", Name: "old", Class: Removed},
			},
		},
		{
			name: "invalid YAML is compared as text",
			from: files(cmPath, configMap), to: files(cmPath, broken),
			want: []Object{text(cmPath, configMap, broken)},
		},
		{
			name: "empty file is compared as text",
			from: files(cmPath, ""), to: files(cmPath, configMap),
			want: []Object{text(cmPath, "", configMap)},
		},
		{
			name: "two documents are compared as text",
			from: files(cmPath, configMap), to: files(cmPath, configMap+"---\n"+service),
			want: []Object{text(cmPath, configMap, configMap+"---\n"+service)},
		},
		{
			name: "a list is compared as text",
			from: files(cmPath, "- a\n"), to: files(cmPath, "- b\n"),
			want: []Object{text(cmPath, "- a\n", "- b\n")},
		},
		{
			name: "invalid YAML added and removed",
			from: files("a.yaml", broken), to: files("b.yaml", broken),
			want: []Object{{Path: "a.yaml", Class: Removed}, {Path: "b.yaml", Class: Added}},
		},
		{
			name: "document marker and comments are one document",
			from: files(cmPath, configMap), to: files(cmPath, "# rendered by gen\n---\n"+edit(t, configMap, "info", "debug")),
			want: []Object{{Path: cmPath, APIVersion: "v1", Kind: "ConfigMap", Namespace: "chatbot", Name: "new-env", Class: Config, Fields: []Field{
				{"data.LOG_LEVEL", Config, v("info"), v("debug")},
			}}},
		},
	})
}

func TestCompareEnvironments(t *testing.T) {
	const stagingProject = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  labels:
    environment: staging
  name: staging
  namespace: argocd
spec:
  description: Environment staging, rendered by gen into rendered/staging/
  destinations:
  - name: in-cluster
    namespace: chatbot
`
	const saPath = "apps/backend/serviceaccount-backend.yaml"
	const sa = `apiVersion: v1
kind: ServiceAccount
metadata:
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::235494787667:role/chatbot-staging-backend
  labels:
    environment: staging
  name: backend
  namespace: chatbot
`
	envs := Options{FromEnv: "staging", ToEnv: "prod"}
	runCompareTests(t, []compareTest{
		{
			name: "values that differ only by the env name are not reported",
			from: files(depPath, deployment), to: files(depPath, prod(deployment)),
			opts:    envs,
			envOnly: 5, // instance and environment labels, selector, template labels
		},
		{
			name: "without env names every such value is reported",
			from: files(saPath, sa), to: files(saPath, prod(sa)),
			want: []Object{{Path: saPath, APIVersion: "v1", Kind: "ServiceAccount", Namespace: "chatbot", Name: "backend", Class: Config, Fields: []Field{
				{`metadata.annotations["eks.amazonaws.com/role-arn"]`, Config, v("arn:aws:iam::235494787667:role/chatbot-staging-backend"), v("arn:aws:iam::235494787667:role/chatbot-prod-backend")},
				{"metadata.labels.environment", Config, v("staging"), v("prod")},
			}}},
		},
		{
			name: "same env on both sides changes nothing",
			from: files(saPath, sa), to: files(saPath, edit(t, sa, "environment: staging", "environment: staging2")),
			opts: Options{FromEnv: "staging", ToEnv: "staging"},
			want: []Object{{Path: saPath, APIVersion: "v1", Kind: "ServiceAccount", Namespace: "chatbot", Name: "backend", Class: Config, Fields: []Field{
				{"metadata.labels.environment", Config, v("staging"), v("staging2")},
			}}},
		},
		{
			name: "paths with the env name are matched",
			from: files("argocd/appproject-staging.yaml", stagingProject),
			to:   files("argocd/appproject-prod.yaml", prod(stagingProject)+"  - name: in-cluster\n    namespace: shuttle\n"),
			opts: envs,
			want: []Object{{Path: "argocd/appproject-prod.yaml", APIVersion: "argoproj.io/v1alpha1", Kind: "AppProject", Namespace: "argocd", Name: "prod", Class: Config, Fields: []Field{
				{"spec.destinations[1]", Config, nil, v(map[string]any{"name": "in-cluster", "namespace": "shuttle"})},
			}}},
			envOnly: 3, // label, name, description
		},
		{
			name: "what still differs is reported with original values",
			from: files(saPath, sa), to: files(saPath, edit(t, prod(sa), "chatbot-prod-backend", "chatbot-prod-api")),
			opts: envs,
			want: []Object{{Path: saPath, APIVersion: "v1", Kind: "ServiceAccount", Namespace: "chatbot", Name: "backend", Class: Config, Fields: []Field{
				{`metadata.annotations["eks.amazonaws.com/role-arn"]`, Config, v("arn:aws:iam::235494787667:role/chatbot-staging-backend"), v("arn:aws:iam::235494787667:role/chatbot-prod-api")},
			}}},
			envOnly: 1,
		},
		{
			name: "map keys and item names with the env name are matched",
			from: files("cluster/eksctl.yaml", cluster),
			to:   files("cluster/eksctl.yaml", edit(t, prod(cluster), "maxSize: 3", "maxSize: 6")),
			opts: envs,
			want: []Object{{Path: "cluster/eksctl.yaml", APIVersion: "eksctl.io/v1alpha5", Kind: "ClusterConfig", Name: "chatbot-prod", Class: Scale, Fields: []Field{
				{"managedNodeGroups[ml-prod].maxSize", Scale, v(n("3")), v(n("6"))},
			}}},
			envOnly: 3, // tag key, node group name, metadata.name
		},
		{
			name: "only whole tokens are replaced",
			from: files(saPath, edit(t, sa, "  name: backend", "  name: product")),
			to:   files(saPath, edit(t, sa, "  name: backend", "  name: devuct")),
			opts: Options{FromEnv: "prod", ToEnv: "dev"},
			want: []Object{{Path: saPath, APIVersion: "v1", Kind: "ServiceAccount", Namespace: "chatbot", Name: "devuct", Class: Config, Fields: []Field{
				{"metadata.name", Config, v("product"), v("devuct")},
			}}},
		},
		{
			name: "unnamed list items are aligned after normalising",
			from: files(saPath, sa+"secrets:\n- {ref: a-staging}\n- {ref: b-staging}\n"),
			to:   files(saPath, prod(sa)+"secrets:\n- {ref: b-prod}\n"),
			opts: envs,
			want: []Object{{Path: saPath, APIVersion: "v1", Kind: "ServiceAccount", Namespace: "chatbot", Name: "backend", Class: Config, Fields: []Field{
				{"secrets[0]", Config, v(map[string]any{"ref": "a-staging"}), nil},
			}}},
			envOnly: 3, // role ARN, label, secrets[1].ref
		},
		{
			name: "text files that differ only by the env name",
			from: files("x.yaml", "broken: [staging\n"), to: files("x.yaml", "broken: [prod\n"),
			opts:    envs,
			envOnly: 1,
		},
		{
			name: "removed before added at the same path",
			from: files("x-prod.yaml", "kind: A\n"),
			to:   files("x-prod.yaml", "kind: B\n"),
			opts: envs,
			want: []Object{
				{Path: "x-prod.yaml", Kind: "A", Class: Removed},
				{Path: "x-prod.yaml", Kind: "B", Class: Added},
			},
		},
		{
			name: "added and removed files keep their paths",
			from: files("argocd/application-loadtest.yaml", "kind: Application\n"),
			to:   files("apps/ml/pdb-ml.yaml", "kind: PodDisruptionBudget\n"),
			opts: envs,
			want: []Object{
				{Path: "apps/ml/pdb-ml.yaml", Kind: "PodDisruptionBudget", Class: Added},
				{Path: "argocd/application-loadtest.yaml", Kind: "Application", Class: Removed},
			},
		},
	})
}

func TestCompareErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"only FromEnv", Options{FromEnv: "staging"}, `FromEnv is "staging" and ToEnv is ""`},
		{"only ToEnv", Options{ToEnv: "prod"}, `FromEnv is "" and ToEnv is "prod"`},
		{"leading dash", Options{FromEnv: "-staging", ToEnv: "prod"}, `environment name "-staging"`},
		{"space", Options{FromEnv: "staging", ToEnv: "pr od"}, `environment name "pr od"`},
	}
	t.Run("paths that collide", func(t *testing.T) {
		from := files("a-staging.yaml", "", "a-"+envToken+".yaml", "")
		_, err := Compare(from, nil, Options{FromEnv: "staging", ToEnv: "prod"})
		if want := "have the same path once the environment name is replaced"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compare() error = %v, want one containing %q", err, want)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(nil, nil, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compare(%+v) error = %v, want one containing %q", tt.opts, err, tt.want)
			}
		})
	}
}

func TestReplaceToken(t *testing.T) {
	tests := []struct {
		in, env, want string
	}{
		{"prod", "prod", "@"},
		{"backend-prod", "prod", "backend-@"},
		{"rendered/prod/apps/x", "prod", "rendered/@/apps/x"},
		{"chatbot_prod_db", "prod", "chatbot_@_db"},
		{"Environment prod, rendered by gen into rendered/prod/", "prod", "Environment @, rendered by gen into rendered/@/"},
		{"product", "prod", "product"},
		{"preprod", "prod", "preprod"},
		{"prod2", "prod", "prod2"},
		{"prodprod prod", "prod", "prodprod @"},
		{"éprod prodé prod", "prod", "éprod prodé @"},
		{"Prod", "prod", "Prod"},
		{"eu-prod-eu", "prod-eu", "eu-@"},
		{"", "prod", ""},
	}
	for _, tt := range tests {
		got := strings.ReplaceAll(replaceToken(tt.in, tt.env), envToken, "@")
		if got != tt.want {
			t.Errorf("replaceToken(%q, %q) = %q, want %q", tt.in, tt.env, got, tt.want)
		}
	}
}

func TestPathString(t *testing.T) {
	var root path
	tests := []struct {
		p    path
		want string
	}{
		{root, ""},
		{root.key("spec").key("replicas"), "spec.replicas"},
		{root.key("metadata").key("labels").key("app.kubernetes.io/name"), `metadata.labels["app.kubernetes.io/name"]`},
		{root.key("data").key("config.yaml"), `data["config.yaml"]`},
		{root.key("metadata").key("annotations").key("checksum/config"), `metadata.annotations["checksum/config"]`},
		{root.key("tags").key("cost-center"), "tags.cost-center"},
		{root.key("data").key("LOG_LEVEL"), "data.LOG_LEVEL"},
		{root.key("a").key(""), `a[""]`},
		{root.key("a").key("1x"), `a["1x"]`},
		{root.key("a").key(`say "hi"`), `a["say \"hi\""]`},
		{root.key("weird key").key("b"), `["weird key"].b`},
		{root.key("containers").name("web").key("env").name("LOG_LEVEL"), "containers[web].env[LOG_LEVEL]"},
		{root.key("ports").name("http"), "ports[http]"},
		{root.key("x").name("app.kubernetes.io/part-of:v1"), "x[app.kubernetes.io/part-of:v1]"},
		{root.key("x").name("8080"), `x["8080"]`},
		{root.key("x").name("a b"), `x["a b"]`},
		{root.key("x").name("a]b"), `x["a]b"]`},
		{root.key("x").name(""), `x[""]`},
		{root.key("args").index(0), "args[0]"},
		{root.key("a").index(1).index(2).key("b"), "a[1][2].b"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("path.String() = %s, want %s", got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	var root path
	pod := root.key("spec").key("template").key("spec")
	c := pod.key("containers").name("web")
	tests := []struct {
		name, apiVersion, kind string
		p                      path
		want                   Class
	}{
		{"replicas", "apps/v1", "Deployment", root.key("spec").key("replicas"), Scale},
		{"nested replicas", "x/v1", "Thing", root.key("spec").key("x").key("replicas"), Config},
		{"HPA minReplicas", "autoscaling/v2", "HorizontalPodAutoscaler", root.key("spec").key("minReplicas"), Scale},
		{"HPA maxReplicas", "autoscaling/v2", "HorizontalPodAutoscaler", root.key("spec").key("maxReplicas"), Scale},
		{"HPA metrics", "autoscaling/v2", "HorizontalPodAutoscaler", root.key("spec").key("metrics"), Config},
		{"ScaledObject maxReplicaCount", "keda.sh/v1alpha1", "ScaledObject", root.key("spec").key("maxReplicaCount"), Scale},
		{"ScaledObject triggers", "keda.sh/v1alpha1", "ScaledObject", root.key("spec").key("triggers"), Config},
		{"image", "apps/v1", "Deployment", c.key("image"), Image},
		{"image by index", "apps/v1", "Deployment", pod.key("containers").index(0).key("image"), Image},
		{"init container image", "apps/v1", "Deployment", pod.key("initContainers").name("m").key("image"), Image},
		{"ephemeral container image", "v1", "Pod", root.key("spec").key("ephemeralContainers").name("d").key("image"), Image},
		{"imagePullPolicy", "apps/v1", "Deployment", c.key("imagePullPolicy"), Config},
		{"image key elsewhere", "x/v1", "Thing", root.key("spec").key("image"), Config},
		{"under image", "x/v1", "Thing", c.key("image").key("tag"), Config},
		{"whole container", "apps/v1", "Deployment", c, Config},
		{"containers list", "apps/v1", "Deployment", pod.key("containers"), Config},
		{"resources", "apps/v1", "Deployment", c.key("resources"), Scale},
		{"resource limit", "apps/v1", "Deployment", c.key("resources").key("limits").key("cpu"), Scale},
		{"PVC storage request", "apps/v1", "StatefulSet", root.key("spec").key("volumeClaimTemplates").name("data").key("spec").key("resources").key("requests").key("storage"), Scale},
		{"checksum annotation", "apps/v1", "Deployment", root.key("spec").key("template").key("metadata").key("annotations").key("checksum/config"), Config},
		{"node group minSize", "eksctl.io/v1alpha5", "ClusterConfig", root.key("nodeGroups").name("ng").key("minSize"), Scale},
		{"managed node group maxSize", "eksctl.io/v1alpha5", "ClusterConfig", root.key("managedNodeGroups").index(0).key("maxSize"), Scale},
		{"managed node group desiredCapacity", "eksctl.io/v1alpha5", "ClusterConfig", root.key("managedNodeGroups").name("g").key("desiredCapacity"), Scale},
		{"node group volumeSize", "eksctl.io/v1alpha5", "ClusterConfig", root.key("managedNodeGroups").name("g").key("volumeSize"), Config},
		{"whole node group", "eksctl.io/v1alpha5", "ClusterConfig", root.key("managedNodeGroups").name("g"), Config},
		{"node group of another kind", "x/v1", "ClusterConfig", root.key("nodeGroups").name("ng").key("minSize"), Config},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.apiVersion, tt.kind, tt.p); got != tt.want {
				t.Errorf("classify(%s, %s, %s) = %s, want %s", tt.apiVersion, tt.kind, tt.p, got, tt.want)
			}
		})
	}
}

func TestDocuments(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"# only a comment\n", 0},
		{"a: 1\n", 1},
		{"---\na: 1\n", 1},
		{"# c\n---\na: 1\n...\n", 1},
		{"a: 1\n---\nb: 2\n", 2},
		{"a: 1\n---\n", 1},
		{"--- |\n  text\n", 1},
		{"a: 1\n--- {b: 2}\n", 2},
		{"a: |\n  ---\n  x\n", 1},
		{"a: ---x\n", 1},
		{"---x: 1\n", 1},
	}
	for _, tt := range tests {
		if got := documents([]byte(tt.in)); got != tt.want {
			t.Errorf("documents(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestValueLines(t *testing.T) {
	tests := []struct {
		in   any
		want []string
	}{
		{"plain", []string{"plain"}},
		{"", []string{`""`}},
		{"3", []string{`"3"`}},
		{"true", []string{`"true"`}},
		{"null", []string{`"null"`}},
		{" padded", []string{`" padded"`}},
		{"a\x1b[31mb", []string{`"a\u001b[31mb"`}},
		{"a <b> & c", []string{"a <b> & c"}},
		{"line 1\nline 2\n", []string{"line 1", "line 2"}},
		{"line 1\n\nline 3", []string{"line 1", "", "line 3"}},
		{"line 1\n\x1b[2Jline 2", []string{"line 1", `"\u001b[2Jline 2"`}},
		{n("3"), []string{"3"}},
		{true, []string{"true"}},
		{nil, []string{"null"}},
		{map[string]any{"b": n("1"), "a": "<x>"}, []string{`{"a":"<x>","b":1}`}},
		{[]any{"a", n("2")}, []string{`["a",2]`}},
	}
	for _, tt := range tests {
		if got := valueLines(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("valueLines(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// textReport is a small staging-to-prod comparison with one object of
// each class, for the WriteText tests.
func textReport(t *testing.T) *Report {
	t.Helper()
	const cm = `apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    environment: staging
  name: backend-env
  namespace: chatbot
data:
  app.yaml: |
    log: info
    workers: 2
  PORT: "8000"
`
	from := files(
		depPath, deployment,
		"apps/backend/configmap-backend-env.yaml", cm,
		"apps/backend/service-old.yaml", service,
	)
	to := files(
		depPath, edit(t, prod(deployment), "replicas: 2", "replicas: 3", "sha256:aaa", "sha256:bbb"),
		"apps/backend/configmap-backend-env.yaml", edit(t, prod(cm), "workers: 2", "workers: 4", `PORT: "8000"`, `PORT: "8080"`),
		"apps/backend/configmap-new-env.yaml", configMap,
	)
	r, err := Compare(from, to, Options{From: "staging", To: "prod", FromEnv: "staging", ToEnv: "prod"})
	if err != nil {
		t.Fatalf("Compare() error: %v", err)
	}
	return r
}

func TestWriteText(t *testing.T) {
	const want = `--- staging
+++ prod
~ v1 ConfigMap chatbot/backend-env  [config]   apps/backend/configmap-backend-env.yaml
    data.PORT
      - "8000"
      + "8080"
    data["app.yaml"]
      - log: info
      - workers: 2
      + log: info
      + workers: 4
+ v1 ConfigMap chatbot/new-env  [added]   apps/backend/configmap-new-env.yaml
    + apiVersion: v1
    + kind: ConfigMap
    + metadata:
    +   name: new-env
    +   namespace: chatbot
    + data:
    +   LOG_LEVEL: info
~ apps/v1 Deployment chatbot/backend  [scale]   apps/backend/deployment-backend.yaml
    spec.replicas
      - 2
      + 3
    spec.template.spec.containers[backend].image
      - 235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:1.4.2@sha256:aaa
      + 235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:1.4.2@sha256:bbb
- v1 Service chatbot/old  [removed]   apps/backend/service-old.yaml

4 objects differ: 0 image, 1 scale, 1 config, 1 added, 1 removed
(6 fields differ only by the environment's name and are not shown)
`
	var b bytes.Buffer
	if err := textReport(t).WriteText(&b, false); err != nil {
		t.Fatalf("WriteText() error: %v", err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText(plain) mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteTextColor(t *testing.T) {
	const (
		r = "\x1b[31m"
		g = "\x1b[32m"
		y = "\x1b[33m"
		c = "\x1b[36m"
		B = "\x1b[1m"
		F = "\x1b[2m"
		z = "\x1b[0m"
	)
	want := B + "--- staging" + z + "\n" +
		B + "+++ prod" + z + "\n" +
		y + "~ v1 ConfigMap chatbot/backend-env  [config]" + z + "   apps/backend/configmap-backend-env.yaml\n" +
		"    " + c + "data.PORT" + z + "\n" +
		"      " + r + `- "8000"` + z + "\n" +
		"      " + g + `+ "8080"` + z + "\n" +
		"    " + c + `data["app.yaml"]` + z + "\n" +
		"      " + r + "- log: info" + z + "\n" +
		"      " + r + "- workers: 2" + z + "\n" +
		"      " + g + "+ log: info" + z + "\n" +
		"      " + g + "+ workers: 4" + z + "\n" +
		g + "+ v1 ConfigMap chatbot/new-env  [added]" + z + "   apps/backend/configmap-new-env.yaml\n" +
		"    " + g + "+ apiVersion: v1" + z + "\n" +
		"    " + g + "+ kind: ConfigMap" + z + "\n" +
		"    " + g + "+ metadata:" + z + "\n" +
		"    " + g + "+   name: new-env" + z + "\n" +
		"    " + g + "+   namespace: chatbot" + z + "\n" +
		"    " + g + "+ data:" + z + "\n" +
		"    " + g + "+   LOG_LEVEL: info" + z + "\n" +
		y + "~ apps/v1 Deployment chatbot/backend  [scale]" + z + "   apps/backend/deployment-backend.yaml\n" +
		"    " + c + "spec.replicas" + z + "\n" +
		"      " + r + "- 2" + z + "\n" +
		"      " + g + "+ 3" + z + "\n" +
		"    " + c + "spec.template.spec.containers[backend].image" + z + "\n" +
		"      " + r + "- " + img + "aaa" + z + "\n" +
		"      " + g + "+ " + img + "bbb" + z + "\n" +
		r + "- v1 Service chatbot/old  [removed]" + z + "   apps/backend/service-old.yaml\n" +
		"\n" +
		"4 objects differ: 0 image, 1 scale, 1 config, 1 added, 1 removed\n" +
		F + "(6 fields differ only by the environment's name and are not shown)" + z + "\n"
	var b bytes.Buffer
	if err := textReport(t).WriteText(&b, true); err != nil {
		t.Fatalf("WriteText() error: %v", err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText(color) mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteTextSmall(t *testing.T) {
	tests := []struct {
		name string
		r    Report
		want string
	}{
		{
			name: "nothing differs",
			r:    Report{From: "a", To: "b", Objects: []Object{}, EnvOnly: 7},
			want: "",
		},
		{
			name: "one object, one env-only field, text file, added field and removed field",
			r: Report{From: "rendered/prod", To: "render of environments/prod", EnvOnly: 1, Summary: Summary{Config: 1}, Objects: []Object{
				{Path: "x.yaml", Class: Config, Fields: []Field{
					{Path: "", Class: Config, From: v("a: [\n"), To: v("a: []\n")},
					{Path: "b", Class: Config, To: v(map[string]any{"c": n("1")})},
					{Path: "d", Class: Config, From: v([]any{})},
					{Path: "e", Class: Config, From: v(nil), To: v("")},
				}},
			}},
			want: `--- rendered/prod
+++ render of environments/prod
~ (not a Kubernetes object)  [config]   x.yaml
    (whole file)
      - a: [
      + a: []
    b
      + {"c":1}
    d
      - []
    e
      - null
      + ""

1 object differs: 0 image, 0 scale, 1 config, 0 added, 0 removed
(1 field differs only by the environment's name and is not shown)
`,
		},
		{
			name: "cluster-scoped object and blank lines in a multi-line string",
			r: Report{From: "a", To: "b", Summary: Summary{Image: 1}, Objects: []Object{
				{Path: "platform/namespace-chatbot.yaml", APIVersion: "v1", Kind: "Namespace", Name: "chatbot", Class: Image, Fields: []Field{
					{Path: "x", Class: Image, From: v("one\n\nthree\n")},
				}},
			}},
			want: `--- a
+++ b
~ v1 Namespace chatbot  [image]   platform/namespace-chatbot.yaml
    x
      - one
      -
      - three

1 object differs: 1 image, 0 scale, 0 config, 0 added, 0 removed
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.r.WriteText(&b, false); err != nil {
				t.Fatalf("WriteText() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("WriteText() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\ndata:\n  a: x\n  b: null\n"
	r, err := Compare(files("c.yaml", cm), files("c.yaml", edit(t, cm, "  a: x\n", "", "b: null", "b: z\n  c: null"), "ns.yaml", "kind: Namespace\nmetadata:\n  name: ns\n"), Options{From: "old", To: "new"})
	if err != nil {
		t.Fatalf("Compare() error: %v", err)
	}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal(Report) error: %v", err)
	}
	const want = `{"from":"old","to":"new","objects":[` +
		`{"path":"c.yaml","apiVersion":"v1","kind":"ConfigMap","namespace":"ns","name":"c","class":"config","fields":[` +
		`{"path":"data.a","class":"config","from":"x"},` +
		`{"path":"data.b","class":"config","from":null,"to":"z"},` +
		`{"path":"data.c","class":"config","to":null}]},` +
		`{"path":"ns.yaml","apiVersion":"","kind":"Namespace","name":"ns","class":"added"}],` +
		`"summary":{"image":0,"scale":0,"config":1,"added":1,"removed":0},"envOnlyFields":0}`
	if string(got) != want {
		t.Errorf("json.Marshal(Report) =\n%s\nwant\n%s", got, want)
	}

	var back Report
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("json.Unmarshal(Report) error: %v", err)
	}
	if diff := cmp.Diff(r, &back, cmpopts.IgnoreUnexported(Object{})); diff != "" {
		t.Errorf("Report JSON round trip mismatch (-want +got):\n%s", diff)
	}
	f := back.Objects[0].Fields
	if f[0].To != nil || f[1].From == nil || *f[1].From != nil || f[2].From != nil || f[2].To == nil {
		t.Errorf("round trip lost absent or null: %+v", f)
	}

	empty, err := Compare(nil, nil, Options{})
	if err != nil {
		t.Fatalf("Compare() error: %v", err)
	}
	got, _ = json.Marshal(empty)
	if want := `{"from":"","to":"","objects":[],"summary":{"image":0,"scale":0,"config":0,"added":0,"removed":0},"envOnlyFields":0}`; string(got) != want {
		t.Errorf("json.Marshal(empty Report) = %s, want %s", got, want)
	}
}

func TestSummary(t *testing.T) {
	s := Summary{Image: 1, Scale: 2, Config: 3, Added: 4, Removed: 5}
	s.Add(Summary{Image: 10, Removed: 1})
	if want := (Summary{Image: 11, Scale: 2, Config: 3, Added: 4, Removed: 6}); s != want {
		t.Errorf("Add() = %+v, want %+v", s, want)
	}
	if got := s.Total(); got != 26 {
		t.Errorf("Total() = %d, want 26", got)
	}
}

// readTree reads every file under dir, keyed by slash-separated path
// relative to dir.
func readTree(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	m := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		tb.Fatalf("reading %s: %v", dir, err)
	}
	return m
}

// TestCompareRendered compares the committed rendered/chatbot/staging and
// rendered/chatbot/prod trees (environment names aside, as gen diff does). The expectations come from reading those files;
// update them when the environments change on purpose.
func TestCompareRendered(t *testing.T) {
	staging, prod := readTree(t, "../../../rendered/chatbot/staging"), readTree(t, "../../../rendered/chatbot/prod")
	r, err := Compare(staging, prod, Options{From: "staging", To: "prod", FromEnv: "staging", ToEnv: "prod"})
	if err != nil {
		t.Fatalf("Compare() error: %v", err)
	}
	byPath := make(map[string]Object)
	for _, o := range r.Objects {
		byPath[o.Path] = o
		for _, f := range o.Fields {
			// Labels and names that differ only by the env name never show.
			if strings.HasSuffix(f.Path, "labels.environment") || strings.Contains(f.Path, `["app.kubernetes.io/instance"]`) ||
				strings.Contains(f.Path, "roleName") || strings.Contains(f.Path, "chatbot-staging") || strings.Contains(f.Path, "chatbot-prod") {
				t.Errorf("%s: field %s differs only by the env name but is reported", o.Path, f.Path)
			}
		}
	}
	if r.EnvOnly < 100 {
		t.Errorf("EnvOnly = %d, want the many labels and names that differ by env only (over 100)", r.EnvOnly)
	}

	// Prod spreads pods across zones and hosts; staging does not. That is
	// the only change to the backend Deployment: the same image (digest
	// included) and resources, replicas set by the HPA.
	want := backend(Config, Field{Path: "spec.template.spec.topologySpreadConstraints", Class: Config})
	got := byPath[depPath]
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Object{}), cmpopts.IgnoreFields(Field{}, "To")); diff != "" {
		t.Errorf("backend Deployment mismatch (-want +got):\n%s", diff)
	}
	if len(got.Fields) == 1 && got.Fields[0].To == nil {
		t.Errorf("backend topologySpreadConstraints To = nil, want the prod constraints")
	}

	// The HPAs differ only in their bounds.
	for _, p := range []string{
		"apps/ml/horizontalpodautoscaler-ml.yaml",
	} {
		if o := byPath[p]; o.Class != Scale {
			t.Errorf("%s: class %q, want scale (fields %+v)", p, o.Class, o.Fields)
		}
	}

	// Each side's AppProject is named after its env: matched, not added
	// and removed. Prod's has the Rollout and AnalysisTemplate of the
	// backend's canary and the PodDisruptionBudgets prod requires (staging
	// has none): three items of the list, matched by kind and group, each
	// reported alone, not the items that moved.
	if _, ok := byPath["argocd/appproject-staging.yaml"]; ok {
		t.Errorf("argocd/appproject-staging.yaml reported on its own; want it matched with appproject-prod.yaml")
	}
	project := byPath["argocd/appproject-prod.yaml"]
	wantProject := Object{Path: "argocd/appproject-prod.yaml", APIVersion: "argoproj.io/v1alpha1", Kind: "AppProject", Namespace: "argocd", Name: "prod", Class: Config, Fields: []Field{
		{Path: "spec.namespaceResourceWhitelist[AnalysisTemplate.argoproj.io]", Class: Config, To: v(map[string]any{"group": "argoproj.io", "kind": "AnalysisTemplate"})},
		{Path: "spec.namespaceResourceWhitelist[Rollout.argoproj.io]", Class: Config, To: v(map[string]any{"group": "argoproj.io", "kind": "Rollout"})},
		{Path: "spec.namespaceResourceWhitelist[PodDisruptionBudget.policy]", Class: Config, To: v(map[string]any{"group": "policy", "kind": "PodDisruptionBudget"})},
	}}
	if diff := cmp.Diff(wantProject, project, cmpopts.IgnoreUnexported(Object{})); diff != "" {
		t.Errorf("AppProject mismatch (-want +got):\n%s", diff)
	}

	// The cluster: the general node group grows (scale) and prod adds a
	// spot node group (config).
	eks := byPath["cluster/eksctl.yaml"]
	classes := make(map[string]Class)
	for _, f := range eks.Fields {
		classes[f.Path] = f.Class
	}
	wantClasses := map[string]Class{
		"managedNodeGroups[general].desiredCapacity": Scale,
		"managedNodeGroups[general].maxSize":         Scale,
		"managedNodeGroups[general].minSize":         Scale,
		"managedNodeGroups[spot]":                    Config,
	}
	if diff := cmp.Diff(wantClasses, classes); diff != "" || eks.Class != Config {
		t.Errorf("cluster/eksctl.yaml class %s, fields mismatch (-want +got):\n%s", eks.Class, diff)
	}

	// The same comparison always writes the same text.
	var first bytes.Buffer
	if err := r.WriteText(&first, true); err != nil {
		t.Fatalf("WriteText() error: %v", err)
	}
	for range 3 {
		again, err := Compare(staging, prod, Options{From: "staging", To: "prod", FromEnv: "staging", ToEnv: "prod"})
		if err != nil {
			t.Fatalf("Compare() error: %v", err)
		}
		var b bytes.Buffer
		if err := again.WriteText(&b, true); err != nil {
			t.Fatalf("WriteText() error: %v", err)
		}
		if !bytes.Equal(first.Bytes(), b.Bytes()) {
			t.Fatalf("WriteText() differs between two runs of Compare")
		}
	}
}

// TestCompareRenderedSelf checks that a tree equals itself, and that every
// committed file decodes as one object (none falls back to text).
func TestCompareRenderedSelf(t *testing.T) {
	for _, env := range []string{"staging", "prod"} {
		tree := readTree(t, "../../../rendered/chatbot/"+env)
		r, err := Compare(tree, readTree(t, "../../../rendered/chatbot/"+env), Options{})
		if err != nil {
			t.Fatalf("Compare() error: %v", err)
		}
		if len(r.Objects) != 0 || r.EnvOnly != 0 {
			t.Errorf("Compare(%s, %s) = %d objects, %d env-only, want none", env, env, len(r.Objects), r.EnvOnly)
		}
		for p, b := range tree {
			if decode(b) == nil {
				t.Errorf("%s/%s does not decode as one object", env, p)
			}
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	from := readTree(b, "../../../rendered/prod")
	to := make(map[string][]byte, len(from))
	for p, data := range from {
		to[p] = bytes.Clone(data)
	}
	const p = "apps/backend/deployment-backend.yaml"
	i := bytes.Index(to[p], []byte("@sha256:"))
	if i < 0 {
		b.Fatalf("%s has no digest", p)
	}
	to[p][i+len("@sha256:")] ^= 1 // one image digest changes
	b.ReportAllocs()
	for b.Loop() {
		r, err := Compare(from, to, Options{From: "rendered/prod", To: "render of environments/prod"})
		if err != nil {
			b.Fatal(err)
		}
		if r.Summary != (Summary{Image: 1}) {
			b.Fatalf("Summary = %+v, want one image change", r.Summary)
		}
	}
}

// BenchmarkCompareEnvironments compares staging with prod, where almost
// every file differs.
func BenchmarkCompareEnvironments(b *testing.B) {
	staging, prod := readTree(b, "../../../rendered/staging"), readTree(b, "../../../rendered/prod")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(staging, prod, Options{FromEnv: "staging", ToEnv: "prod"}); err != nil {
			b.Fatal(err)
		}
	}
}
