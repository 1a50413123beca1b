package policy

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// TestInputFacts checks the facts of #Input that gen computes from several
// objects: each case names an object (by index) and the facts it must
// have, as JSON; a fact missing from want must be missing from the input.
func TestInputFacts(t *testing.T) {
	selector := map[string]string{"app.kubernetes.io/name": "web"}
	cronJob := mustObject(t, "report", &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: metav1.ObjectMeta{Name: "report", Namespace: "shop"},
		Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "report", Image: "busybox"}}},
		}}}},
	})
	tests := []struct {
		name string
		objs []object.Object
		at   int
		// want are the facts to compare (other than object, kind, env
		// and app, which are checked for every case).
		want string
	}{
		{
			name: "deployment without HPA: spec.replicas",
			objs: []object.Object{deployment(t, "web", "shop", 4)},
			want: `{"longRunning": true, "replicas": 4, "pod": true, "images": [{"container": "web", "initContainer": false,
				"reference": "` + registry + `/web:1.0.0@sha256:` + digest + `", "registry": "` + registry + `", "repository": "web",
				"tag": "1.0.0", "digest": "sha256:` + digest + `", "pinned": true, "valid": true}]}`,
		},
		{
			name: "deployment without replicas: 1",
			objs: []object.Object{deployment(t, "web", "shop", 0, func(d *appsv1.Deployment) { d.Spec.Replicas = nil })},
			want: `{"longRunning": true, "replicas": 1, "pod": true, "images": true}`,
		},
		{
			name: "deployment with HPA: its minReplicas; with PDB: percentage rounded up",
			objs: []object.Object{
				deployment(t, "web", "shop", 5),
				hpa(t, "web", "shop", new(int32(3)), 10),
				pdb(t, "web", "shop", intstr.FromString("50%")),
			},
			want: `{"longRunning": true, "replicas": 3, "pod": true, "images": true, "hpa": true, "pdb": true, "pdbMinAvailable": 2}`,
		},
		{
			name: "HPA without minReplicas: 1",
			objs: []object.Object{deployment(t, "web", "shop", 5), hpa(t, "web", "shop", nil, 10)},
			want: `{"longRunning": true, "replicas": 1, "pod": true, "images": true, "hpa": true}`,
		},
		{
			name: "HPA of another namespace does not count",
			objs: []object.Object{deployment(t, "web", "shop", 5), hpa(t, "web", "other", new(int32(2)), 10)},
			want: `{"longRunning": true, "replicas": 5, "pod": true, "images": true}`,
		},
		{
			name: "the HPA itself: the workload's replicas and PDB",
			objs: []object.Object{
				deployment(t, "web", "shop", 5),
				hpa(t, "web", "shop", new(int32(4)), 10),
				pdb(t, "web", "shop", intstr.FromInt32(2)),
			},
			at:   1,
			want: `{"longRunning": false, "replicas": 4, "pdb": true, "pdbMinAvailable": 2}`,
		},
		{
			name: "the PDB itself: the workload's replicas and HPA",
			objs: []object.Object{
				deployment(t, "web", "shop", 5),
				hpa(t, "web", "shop", new(int32(4)), 10),
				pdb(t, "web", "shop", intstr.FromString("100%")),
			},
			at:   2,
			want: `{"longRunning": false, "replicas": 4, "hpa": true, "pdbMinAvailable": 4}`,
		},
		{
			name: "a PDB selecting nothing: only a count resolves",
			objs: []object.Object{pdb(t, "web", "shop", intstr.FromInt32(1))},
			want: `{"longRunning": false, "pdbMinAvailable": 1}`,
		},
		{
			name: "a PDB percentage selecting nothing: no number",
			objs: []object.Object{pdb(t, "web", "shop", intstr.FromString("50%"))},
			want: `{"longRunning": false}`,
		},
		{
			name: "PDB selector must be a subset of the pod labels",
			objs: []object.Object{
				deployment(t, "web", "shop", 2, func(d *appsv1.Deployment) {
					d.Spec.Template.Labels = map[string]string{"app.kubernetes.io/name": "other"}
				}),
				pdb(t, "web", "shop", intstr.FromInt32(1)),
			},
			want: `{"longRunning": true, "replicas": 2, "pod": true, "images": true}`,
		},
		{
			name: "service selecting two workloads",
			objs: []object.Object{
				deployment(t, "web", "shop", 2),
				deployment(t, "web2", "shop", 2, func(d *appsv1.Deployment) { d.Spec.Template.Labels = labelsOf("web") }),
				deployment(t, "web3", "other", 2, func(d *appsv1.Deployment) { d.Spec.Template.Labels = labelsOf("web") }),
				service(t, "web", "shop", selector),
			},
			at:   3,
			want: `{"longRunning": false, "selects": 2}`,
		},
		{
			name: "service selecting nothing",
			objs: []object.Object{service(t, "web", "shop", selector)},
			want: `{"longRunning": false, "selects": 0}`,
		},
		{
			name: "service without selector counts as selecting one",
			objs: []object.Object{service(t, "web", "shop", nil)},
			want: `{"longRunning": false, "selects": 1}`,
		},
		{
			name: "namespace with its NetworkPolicies, ResourceQuotas and LimitRanges",
			objs: []object.Object{
				namespace(t, "shop"),
				networkPolicy(t, "deny-all", "shop"),
				networkPolicy(t, "elsewhere", "other"),
				resourceQuota(t, "shop", "shop"),
				resourceQuota(t, "other", "other"),
				limitRange(t, "shop", "shop"),
			},
			want: `{"longRunning": false, "networkPolicies": [{"name": "deny-all"}], "resourceQuotas": [{"name": "shop"}], "limitRanges": [{"name": "shop"}]}`,
		},
		{
			name: "namespace without NetworkPolicies, ResourceQuotas or LimitRanges",
			objs: []object.Object{namespace(t, "shop")},
			want: `{"longRunning": false, "networkPolicies": [], "resourceQuotas": [], "limitRanges": []}`,
		},
		{
			name: "cronjob: its pod spec, not long-running, no replicas",
			objs: []object.Object{cronJob},
			want: `{"longRunning": false, "pod": true, "images": [{"container": "report", "initContainer": false, "reference": "busybox",
				"registry": "index.docker.io", "repository": "library/busybox", "tag": "", "digest": "", "pinned": false, "valid": true}]}`,
		},
	}
	env := &model.Environment{Name: "prod", Policy: model.PolicySettings{AllowedRegistries: []string{registry}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newFacts(env, tt.objs).input(tt.at)
			o := tt.objs[tt.at]
			if in["kind"] != o.Kind() || in["app"] != o.App {
				t.Errorf("input kind, app = %v, %v; want %v, %v", in["kind"], in["app"], o.Kind(), o.App)
			}
			if diff := cmp.Diff(map[string]any{"name": "prod", "allowedRegistries": []any{registry}}, in["env"]); diff != "" {
				t.Errorf("input env mismatch (-want +got):\n%s", diff)
			}
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, summarizeFacts(t, in, want)); diff != "" {
				t.Errorf("input(%s) facts mismatch (-want +got):\n%s", o.ID(), diff)
			}
		})
	}
}

// summarizeFacts returns the facts of in, as JSON values: those that
// want has as true only as true (present), networkPolicies only by name.
func summarizeFacts(t *testing.T, in, want map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range in {
		switch k {
		case "object", "kind", "env", "app":
			continue
		case "networkPolicies", "resourceQuotas", "limitRanges":
			var names []any = []any{}
			for _, np := range v.([]any) {
				names = append(names, map[string]any{"name": object.Object{Content: np.(map[string]any)}.Name()})
			}
			out[k] = names
			continue
		}
		if want[k] == true {
			out[k] = true
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			t.Fatal(err)
		}
		out[k] = x
	}
	return out
}

func TestMatches(t *testing.T) {
	labels := map[string]any{"app": "web", "tier": "front"}
	tests := []struct {
		sel  string
		want bool
	}{
		{`null`, false},
		{`{}`, true},
		{`{"matchLabels": {"app": "web"}}`, true},
		{`{"matchLabels": {"app": "api"}}`, false},
		{`{"matchLabels": {"app": "web", "zone": "a"}}`, false},
		{`{"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}]}`, true},
		{`{"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}`, false},
		{`{"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}`, true},
		{`{"matchExpressions": [{"key": "zone", "operator": "Exists"}]}`, false},
		{`{"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}`, false},
	}
	for _, tt := range tests {
		var sel map[string]any
		if err := json.Unmarshal([]byte(tt.sel), &sel); err != nil {
			t.Fatal(err)
		}
		if got := matches(sel, labels); got != tt.want {
			t.Errorf("matches(%s, %v) = %v, want %v", tt.sel, labels, got, tt.want)
		}
	}
}
