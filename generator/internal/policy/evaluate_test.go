package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// today is the date the tests evaluate waivers on.
var today = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// newEnv returns environment name as gen loads it from under root, where
// environments/<name>/<name>.cue holds src and environments/<name>/test.cue
// a cluster and _image, an image for apps to use. Its Source points into
// src's file.
func newEnv(t testing.TB, root, name, src string) *model.Environment {
	t.Helper()
	dir := filepath.Join(root, load.Dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		name + ".cue": "package environments\n\n" + src,
		"test.cue": "package environments\n\n" + modeltest.Cluster +
			`_image: {repository: "` + registry + `/app", tag: "1.0.0"}` + "\n",
	}
	for file, content := range files {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	envs, err := load.Load(root, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	return envs[0]
}

// line returns a violation as one line: severity, policy, object and
// field=value.
func line(v Violation) string {
	return fmt.Sprintf("%s %s %s %s", v.Severity, v.Policy, v.Object(), fieldValue(v))
}

func lines(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, line(v))
	}
	return out
}

func withoutCPU(d *appsv1.Deployment) {
	delete(d.Spec.Template.Spec.Containers[0].Resources.Requests, corev1.ResourceCPU)
}

func withImage(image string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = image }
}

func TestEvaluate(t *testing.T) {
	cronJob := func(t testing.TB) object.Object {
		return mustObject(t, "report", &batchv1.CronJob{
			TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
			ObjectMeta: metav1.ObjectMeta{Name: "report", Namespace: "shop"},
			Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "report", Image: "busybox",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
				}}},
			}}}},
		})
	}
	webSelector := map[string]string{"app.kubernetes.io/name": "web"}
	tests := []struct {
		name     string
		policies string // the body of policies/p.cue
		env      string
		objs     []object.Object
		want     []string // lines
		failed   bool
	}{
		{
			name: "a field constraint, in prod",
			policies: `"min-replicas": {
				description: "Deployments in prod run at least 3 pods."
				environments: ["prod"]
				kinds: ["Deployment"]
				check: replicas: >=3
			}`,
			env:    "prod",
			objs:   []object.Object{deployment(t, "web", "shop", 1), deployment(t, "api", "shop", 3), service(t, "web", "shop", webSelector)},
			want:   []string{"error min-replicas Deployment/shop/web replicas=1"},
			failed: true,
		},
		{
			name: "a field constraint, not in dev",
			policies: `"min-replicas": {
				description: "Deployments in prod run at least 3 pods."
				environments: ["prod"]
				kinds: ["Deployment"]
				check: replicas: >=3
			}`,
			env:  "dev",
			objs: []object.Object{deployment(t, "web", "shop", 1)},
		},
		{
			name: "a required field missing, at the kind's pod spec",
			policies: `"cpu-requests": {
				description: "Every container requests CPU."
				kinds: ["Deployment", "CronJob"]
				check: pod: containers: [...{resources: requests: cpu!: _}]
			}`,
			env:  "prod",
			objs: []object.Object{deployment(t, "web", "shop", 3, withoutCPU), deployment(t, "api", "shop", 3), cronJob(t)},
			want: []string{
				"error cpu-requests Deployment/shop/web spec.template.spec.containers[0].resources.requests.cpu=(missing)",
				"error cpu-requests CronJob/shop/report spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu=(missing)",
			},
			failed: true,
		},
		{
			name: "kinds: only the kinds listed",
			policies: `team: {
				description: "Services name their team."
				kinds: ["Service"]
				check: object: metadata: labels: team!: string
			}`,
			env:    "prod",
			objs:   []object.Object{namespace(t, "shop"), deployment(t, "web", "shop", 3), service(t, "web", "shop", webSelector)},
			want:   []string{"error team Service/shop/web metadata.labels.team=(missing)"},
			failed: true,
		},
		{
			name: "kinds: all by default; a warning does not fail",
			policies: `team: {
				description: "Objects name their team."
				severity: "warning"
				check: object: metadata: labels: team!: string
			}`,
			env:  "prod",
			objs: []object.Object{namespace(t, "shop"), deployment(t, "web", "shop", 3), service(t, "web", "shop", webSelector)},
			want: []string{
				"warning team Namespace/shop metadata.labels.team=(missing)",
				"warning team Deployment/shop/web metadata.labels.team=(missing)",
				"warning team Service/shop/web metadata.labels.team=(missing)",
			},
		},
		{
			name: "environments: only those listed",
			policies: `a: {
				description: "A."
				environments: ["staging", "prod"]
				check: replicas: >=3
			}
			b: {
				description: "B."
				environments: ["dev"]
				check: replicas: >=3
			}`,
			env:    "staging",
			objs:   []object.Object{deployment(t, "web", "shop", 1)},
			want:   []string{"error a Deployment/shop/web replicas=1"},
			failed: true,
		},
		{
			name: "a fact the kind lacks is no failure; pod?: makes a required field conditional",
			policies: `"non-root": {
				description: "Pods run as non-root."
				check: pod?: securityContext: runAsNonRoot!: true
			}
			"min-replicas": {
				description: "Three pods."
				check: replicas: >=3
			}`,
			env: "prod",
			objs: []object.Object{
				deployment(t, "web", "shop", 3, func(d *appsv1.Deployment) { d.Spec.Template.Spec.SecurityContext = nil }),
				service(t, "web", "shop", webSelector),
			},
			want:   []string{"error non-root Deployment/shop/web spec.template.spec.securityContext.runAsNonRoot=(missing)"},
			failed: true,
		},
		{
			name: "pod: without ? requires a pod of every kind",
			policies: `"non-root": {
				description: "Pods run as non-root."
				check: pod: securityContext: runAsNonRoot!: true
			}`,
			env:    "prod",
			objs:   []object.Object{deployment(t, "web", "shop", 3), service(t, "web", "shop", webSelector)},
			want:   []string{"error non-root Service/shop/web pod.securityContext.runAsNonRoot=(missing)"},
			failed: true,
		},
		{
			name: "replicas: the HPA's minReplicas",
			policies: `"min-replicas": {
				description: "Three pods."
				kinds: ["Deployment"]
				check: replicas: >=3
			}`,
			env:    "prod",
			objs:   []object.Object{deployment(t, "web", "shop", 5), hpa(t, "web", "shop", new(int32(2)), 10)},
			want:   []string{"error min-replicas Deployment/shop/web replicas=2"},
			failed: true,
		},
		{
			name: "pdbMinAvailable: a percentage of replicas, on the PDB",
			policies: `"pdb-allows-disruption": {
				description: "A PDB lets a pod go."
				kinds: ["PodDisruptionBudget"]
				check: {
					replicas: _
					pdbMinAvailable: <replicas
				}
			}`,
			env: "prod",
			objs: []object.Object{
				deployment(t, "web", "shop", 3), pdb(t, "web", "shop", intstr.FromString("100%")),
				deployment(t, "api", "shop", 3), pdb(t, "api", "shop", intstr.FromString("50%")),
			},
			want:   []string{"error pdb-allows-disruption PodDisruptionBudget/shop/web pdbMinAvailable=3"},
			failed: true,
		},
		{
			name: "pdb and hpa: comprehensions over facts",
			policies: `"pdb-for-replicated": {
				description: "Workloads with more than one pod have a PDB."
				kinds: ["Deployment"]
				check: {
					replicas: _
					if replicas > 1 {pdb!: _}
				}
			}`,
			env: "prod",
			objs: []object.Object{
				deployment(t, "web", "shop", 3),
				deployment(t, "api", "shop", 3), pdb(t, "api", "shop", intstr.FromInt32(1)),
				deployment(t, "one", "shop", 1),
			},
			want:   []string{"error pdb-for-replicated Deployment/shop/web pdb=(missing)"},
			failed: true,
		},
		{
			name: "selects",
			policies: `"service-selects": {
				description: "Every Service selects a workload."
				kinds: ["Service"]
				check: selects: >=1
			}`,
			env: "prod",
			objs: []object.Object{
				deployment(t, "web", "shop", 3),
				service(t, "web", "shop", webSelector),
				service(t, "typo", "shop", map[string]string{"app.kubernetes.io/name": "wbe"}),
				service(t, "external", "shop", nil),
			},
			want:   []string{"error service-selects Service/shop/typo selects=0"},
			failed: true,
		},
		{
			name: "networkPolicies",
			policies: `"namespace-network-policy": {
				description: "Every namespace has a NetworkPolicy."
				kinds: ["Namespace"]
				check: networkPolicies: [_, ...]
			}`,
			env: "prod",
			objs: []object.Object{
				namespace(t, "shop"), namespace(t, "data"),
				networkPolicy(t, "deny-all", "data"),
			},
			want:   []string{"error namespace-network-policy Namespace/shop networkPolicies=[]"},
			failed: true,
		},
		{
			name: "images: pinned and registry, mapped to the container's image",
			policies: `"images-pinned": {
				description: "Images are pinned."
				check: images: [...{pinned: true}]
			}
			"allowed-registries": {
				description: "Images come from allowed registries."
				check: {
					env: _
					images: [...{registry: or(env.allowedRegistries)}]
				}
			}`,
			env: "prod",
			objs: []object.Object{
				deployment(t, "web", "shop", 3, withImage("nginx:latest"), func(d *appsv1.Deployment) {
					d.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "init", Image: registry + "/init@sha256:" + digest}}
				}),
				deployment(t, "api", "shop", 3),
			},
			want: []string{
				`error allowed-registries Deployment/shop/web spec.template.spec.containers[0].image="nginx:latest"`,
				`error images-pinned Deployment/shop/web spec.template.spec.containers[0].image="nginx:latest"`,
			},
			failed: true,
		},
		{
			name: "one violation per failing field; disjunctions on one line",
			policies: `shape: {
				description: "Shape."
				check: {
					kind: "Deployment" | "StatefulSet"
					object: metadata: {
						name: =~"^svc-"
						namespace: "prod"
					}
				}
			}`,
			env:  "prod",
			objs: []object.Object{service(t, "web", "shop", webSelector)},
			want: []string{
				`error shape Service/shop/web kind="Service"`,
				`error shape Service/shop/web metadata.name="web"`,
				`error shape Service/shop/web metadata.namespace="shop"`,
			},
			failed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadPolicies(t, map[string]string{"p.cue": "package policies\n\npolicies: {\n" + tt.policies + "\n}\n"})
			env := &model.Environment{
				Name:   tt.env,
				Policy: model.PolicySettings{AllowedRegistries: []string{registry}},
			}
			rep := s.Evaluate(env, tt.objs, today)
			if diff := cmp.Diff(tt.want, lines(rep.Violations)); diff != "" {
				t.Errorf("Evaluate violations mismatch (-want +got):\n%s", diff)
			}
			if got := rep.Failed(); got != tt.failed {
				t.Errorf("Evaluate(...).Failed() = %v, want %v", got, tt.failed)
			}
		})
	}
}

// waiverEnv is an environment file whose apps waive policies; the line
// numbers matter to TestWaivers.
const waiverEnv = `policy: allowedRegistries: ["` + registry + `"]

apps: {
	web: {
		namespace: "shop", image: _image
		waivers: {
			"min-replicas": {reason: "launch traffic is low", expires: "2026-12-31"}
			"cpu-requests": {reason: "legacy image", expires: "2026-05-31"}
		}
	}
	api: {
		namespace: "shop", image: _image
		waivers: {
			"min-replicas": {reason: "not needed", expires: "2026-12-31"}
			gone: {reason: "policy removed", expires: "2027-01-01"}
			"cpu-requests": {reason: "old", expires: "2025-01-01"}
		}
	}
	batch: {
		namespace: "shop", image: _image
		waivers: "prod-only": {reason: "batch", expires: "2026-06-01"}
	}
	old: {
		enabled: false
		namespace: "shop", image: _image
		waivers: "min-replicas": {reason: "off", expires: "2020-01-01"}
	}
}
`

const waiverPolicies = `package policies

policies: {
	"min-replicas": {
		description: "Deployments run at least 3 pods."
		kinds: ["Deployment"]
		check: replicas: >=3
	}
	"cpu-requests": {
		description: "Every container requests CPU."
		kinds: ["Deployment"]
		check: pod: containers: [...{resources: requests: cpu!: _}]
	}
	"prod-only": {
		description: "Only in prod."
		environments: ["prod"]
		check: {}
	}
	"namespace-network-policy": {
		description: "Every namespace has a NetworkPolicy."
		severity: "warning"
		kinds: ["Namespace"]
		check: networkPolicies: [_, ...]
	}
}
`

// waiverFixture returns the policies, the environment and the objects of
// TestWaivers and the report goldens.
func waiverFixture(t testing.TB) (*Set, *model.Environment, []object.Object) {
	root := modeltest.Root(t, map[string]string{"policies/p.cue": waiverPolicies})
	s, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, root, "dev", waiverEnv)
	objs := []object.Object{
		namespace(t, "shop"),
		deployment(t, "api", "shop", 3),
		deployment(t, "batch", "shop", 3),
		deployment(t, "web", "shop", 1, withoutCPU),
	}
	return s, env, objs
}

func TestWaivers(t *testing.T) {
	s, env, objs := waiverFixture(t)
	got := s.Evaluate(env, objs, today)
	const (
		webSource = "environments/dev/dev.cue:6"
		file      = "rendered/dev/apps/web/deployment-web.yaml"
	)
	minReplicas := Violation{
		Policy: "min-replicas", Severity: "error", Description: "Deployments run at least 3 pods.",
		Env: "dev", App: "web", Kind: "Deployment", Namespace: "shop", Name: "web", File: file,
		Field: "replicas", Value: "1", Message: "invalid value 1 (out of bound >=3)", Source: webSource,
		Waived: &WaiverUse{Env: "dev", App: "web", Policy: "min-replicas", Reason: "launch traffic is low",
			Expires: "2026-12-31", Source: "environments/dev/dev.cue:9"},
	}
	want := Report{
		Env: "dev",
		Violations: []Violation{
			{
				Policy: "namespace-network-policy", Severity: "warning", Description: "Every namespace has a NetworkPolicy.",
				Env: "dev", Kind: "Namespace", Name: "shop", File: "rendered/dev/platform/namespace-shop.yaml",
				Field: "networkPolicies", Value: "[]", Message: "incompatible list lengths (0 and 1)",
			},
			{
				Policy: "cpu-requests", Severity: "error", Description: "Every container requests CPU.",
				Env: "dev", App: "web", Kind: "Deployment", Namespace: "shop", Name: "web", File: file,
				Field: "spec.template.spec.containers[0].resources.requests.cpu", Value: "(missing)",
				Message: "field is required but not present", Source: webSource,
			},
		},
		Waived: []Violation{minReplicas},
		Expired: []WaiverUse{
			{Env: "dev", App: "api", Policy: "cpu-requests", Reason: "old", Expires: "2025-01-01", Source: "environments/dev/dev.cue:18",
				Message: "waiver for cpu-requests expired on 2025-01-01: old"},
			{Env: "dev", App: "web", Policy: "cpu-requests", Reason: "legacy image", Expires: "2026-05-31", Source: "environments/dev/dev.cue:10",
				Message: "waiver for cpu-requests expired on 2026-05-31: legacy image"},
		},
		Unused: []WaiverUse{
			{Env: "dev", App: "api", Policy: "gone", Reason: "policy removed", Expires: "2027-01-01", Source: "environments/dev/dev.cue:17",
				Message: "waiver for gone: there is no policy gone in policies/"},
			{Env: "dev", App: "api", Policy: "min-replicas", Reason: "not needed", Expires: "2026-12-31", Source: "environments/dev/dev.cue:16",
				Message: "waiver for min-replicas: api passes the policy; remove the waiver"},
			{Env: "dev", App: "batch", Policy: "prod-only", Reason: "batch", Expires: "2026-06-01", Source: "environments/dev/dev.cue:23",
				Message: "waiver for prod-only: the policy does not apply to dev"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Evaluate with waivers mismatch (-want +got):\n%s", diff)
	}
	if !got.Failed() {
		t.Errorf("Evaluate(...).Failed() = false, want true")
	}

	// Once web's CPU request is back and api's stale waiver is gone, only
	// the waived violation remains: the environment passes.
	delete(env.Apps["web"].Waivers, "cpu-requests")
	delete(env.Apps["api"].Waivers, "cpu-requests")
	objs[len(objs)-1] = deployment(t, "web", "shop", 1)
	if got := s.Evaluate(env, objs, today); got.Failed() || len(got.Waived) != 1 {
		t.Errorf("Evaluate(fixed) = %d violations (failed %v), %d waived; want only the waived one",
			len(got.Violations), got.Failed(), len(got.Waived))
	}
}

// TestEvaluateConcurrent evaluates several environments at once, as the
// generator does; run it with -race.
func TestEvaluateConcurrent(t *testing.T) {
	s := loadPolicies(t, map[string]string{"baseline.cue": baseline})
	env, objs := benchObjects(t, 200)
	want := s.Evaluate(env, objs, today)
	var wg sync.WaitGroup
	got := make([]Report, 4)
	for i := range got {
		wg.Go(func() { got[i] = s.Evaluate(env, objs, today) })
	}
	wg.Wait()
	for i := range got {
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("concurrent Evaluate %d mismatch (-want +got):\n%s", i, diff)
		}
	}
	if len(want.Violations) == 0 {
		t.Errorf("Evaluate(benchObjects) found no violations; the fixture should break rules")
	}
}

func TestExpired(t *testing.T) {
	tests := []struct {
		expires string
		want    bool
	}{
		{"2026-05-31", true},
		{"2026-06-01", false}, // a waiver holds through its date
		{"2026-06-02", false},
		{"2026-02-30", true}, // not a date: the schema's pattern lets it through
	}
	for _, tt := range tests {
		if got := expired(model.Waiver{Expires: tt.expires}, today.Format(time.DateOnly)); got != tt.want {
			t.Errorf("expired(%s) on %s = %v, want %v", tt.expires, today.Format(time.DateOnly), got, tt.want)
		}
	}
}

// TestEvaluateNoPolicies: a nil or empty Set finds nothing, but still
// reports the waivers, which then name no policy.
func TestEvaluateNoPolicies(t *testing.T) {
	root := modeltest.Root(t, nil)
	env := newEnv(t, root, "dev", `apps: web: {namespace: "shop", image: _image, waivers: x: {reason: "r", expires: "2030-01-01"}}`)
	objs := []object.Object{deployment(t, "web", "shop", 1)}
	empty, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Set{nil, empty} {
		rep := s.Evaluate(env, objs, today)
		if len(rep.Violations) != 0 || len(rep.Unused) != 1 || rep.Failed() {
			t.Errorf("Evaluate with no policies = %+v, want only one unused waiver", rep)
		}
	}
}
