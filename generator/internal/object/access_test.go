package object_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// cronJob is a CronJob with a labelled pod template, a sidecar, an init
// container and one container.
func cronJob() object.Object {
	return object.Object{App: "report", Content: map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "CronJob",
		"metadata":   map[string]any{"name": "report"},
		"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app": "report"}},
			"spec": map[string]any{
				"containers":     []any{map[string]any{"name": "report"}},
				"initContainers": []any{map[string]any{"name": "migrate"}, "not an object", map[string]any{"name": "log", "restartPolicy": "Always"}},
			},
		}}}},
	}}
}

func TestPodAccessors(t *testing.T) {
	o := cronJob()
	spec, ok := o.PodSpec()
	if !ok || spec["containers"] == nil {
		t.Fatalf("PodSpec() = %v, %v; want the CronJob's pod spec", spec, ok)
	}
	if diff := cmp.Diff(map[string]any{"app": "report"}, o.PodLabels()); diff != "" {
		t.Errorf("PodLabels() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]map[string]any{{"name": "report"}}, o.Containers()); diff != "" {
		t.Errorf("Containers() mismatch (-want +got):\n%s", diff)
	}
	wantInit := []map[string]any{{"name": "migrate"}, nil, {"name": "log", "restartPolicy": "Always"}}
	if diff := cmp.Diff(wantInit, o.InitContainers()); diff != "" {
		t.Errorf("InitContainers() mismatch (-want +got):\n%s", diff)
	}

	pod := object.Object{Content: map[string]any{
		"kind":     "Pod",
		"metadata": map[string]any{"labels": map[string]any{"app": "debug"}},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "sh"}}},
	}}
	if got := pod.PodLabels(); got["app"] != "debug" {
		t.Errorf("Pod.PodLabels() = %v, want the Pod's own labels", got)
	}
	if got := pod.Containers(); len(got) != 1 {
		t.Errorf("Pod.Containers() = %v, want one", got)
	}

	cm := object.Object{Content: map[string]any{"kind": "ConfigMap", "spec": map[string]any{}}}
	if spec, ok := cm.PodSpec(); ok || spec != nil {
		t.Errorf("ConfigMap.PodSpec() = %v, %v; want nil, false", spec, ok)
	}
	if cm.PodLabels() != nil || cm.Containers() != nil || cm.InitContainers() != nil {
		t.Errorf("a ConfigMap has pod labels or containers")
	}
	empty := object.Object{Content: map[string]any{"kind": "Deployment"}}
	if _, ok := empty.PodSpec(); ok {
		t.Errorf("PodSpec() of a Deployment without spec = true")
	}
}

func TestLookup(t *testing.T) {
	o := object.Object{Content: map[string]any{
		"apiVersion": "apps/v1",
		"spec":       map[string]any{"replicas": nil, "selector": map[string]any{"app": "web"}},
	}}
	for _, tt := range []struct {
		path []string
		want any
		has  bool
	}{
		{[]string{"spec", "selector", "app"}, "web", true},
		{[]string{"spec", "replicas"}, nil, true},
		{[]string{"spec", "template", "spec"}, nil, false},
		{[]string{"apiVersion", "group"}, nil, false}, // through a string
		{nil, o.Content, true},
	} {
		if got := o.Lookup(tt.path...); !cmp.Equal(got, tt.want) {
			t.Errorf("Lookup(%v) = %v, want %v", tt.path, got, tt.want)
		}
		if got := o.Has(tt.path...); got != tt.has {
			t.Errorf("Has(%v) = %v, want %v", tt.path, got, tt.has)
		}
	}
	if got := (object.Object{}).Has(); got {
		t.Errorf("Has() of an empty object = true")
	}
}

func TestGroup(t *testing.T) {
	for apiVersion, want := range map[string]string{
		"apps/v1": "apps", "v1": "", "rbac.authorization.k8s.io/v1": "rbac.authorization.k8s.io", "": "",
	} {
		o := object.Object{Content: map[string]any{"apiVersion": apiVersion}}
		if got := o.Group(); got != want {
			t.Errorf("Group() of apiVersion %q = %q, want %q", apiVersion, got, want)
		}
	}
}

func TestScalars(t *testing.T) {
	for _, tt := range []struct {
		v      any
		str    string
		scalar string
		n      int64
		isInt  bool
	}{
		{"250m", "250m", "250m", 0, false},
		{json.Number("3"), "", "3", 3, true},
		{json.Number("0.5"), "", "0.5", 0, false},
		{int64(4), "", "4", 4, true},
		{5, "", "", 5, true},
		{2.0, "", "2", 2, true},
		{2.5, "", "2.5", 0, false},
		{nil, "", "", 0, false},
		{true, "", "", 0, false},
	} {
		if got := object.String(tt.v); got != tt.str {
			t.Errorf("String(%#v) = %q, want %q", tt.v, got, tt.str)
		}
		if got := object.Scalar(tt.v); got != tt.scalar {
			t.Errorf("Scalar(%#v) = %q, want %q", tt.v, got, tt.scalar)
		}
		if n, ok := object.Int(tt.v); n != tt.n || ok != tt.isInt {
			t.Errorf("Int(%#v) = %d, %v; want %d, %v", tt.v, n, ok, tt.n, tt.isInt)
		}
	}
	if got := object.Maps("containers"); got != nil {
		t.Errorf("Maps(a string) = %v, want nil", got)
	}
}

func TestScale(t *testing.T) {
	workload := func(replicas any) object.Object {
		spec := map[string]any{}
		if replicas != nil {
			spec["replicas"] = replicas
		}
		return object.Object{Content: map[string]any{"kind": "Deployment", "spec": spec}}
	}
	hpa := func(minReplicas, maxReplicas any) *object.Object {
		spec := map[string]any{"maxReplicas": maxReplicas}
		if minReplicas != nil {
			spec["minReplicas"] = minReplicas
		}
		return &object.Object{Content: map[string]any{"kind": "HorizontalPodAutoscaler", "spec": spec}}
	}
	for _, tt := range []struct {
		name     string
		workload object.Object
		hpa      *object.Object
		lo, hi   int64
	}{
		{"spec.replicas", workload(json.Number("4")), nil, 4, 4},
		{"no spec.replicas: 1", workload(nil), nil, 1, 1},
		{"the HPA's range", workload(nil), hpa(json.Number("2"), json.Number("5")), 2, 5},
		{"an HPA without minReplicas: 1, whatever spec.replicas says", workload(json.Number("5")), hpa(nil, json.Number("10")), 1, 10},
		{"an HPA without maxReplicas: spec.replicas", workload(json.Number("3")), hpa(json.Number("2"), nil), 2, 3},
		{"max never below min", workload(nil), hpa(json.Number("4"), json.Number("2")), 4, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if lo, hi := object.ScaleOf(tt.workload, tt.hpa).Range(); lo != tt.lo || hi != tt.hi {
				t.Errorf("ScaleOf().Range() = %d, %d; want %d, %d", lo, hi, tt.lo, tt.hi)
			}
		})
	}
	if n, ok := workload(json.Number("3")).Replicas(); n != 3 || !ok {
		t.Errorf("Replicas() = %d, %v; want 3, true", n, ok)
	}
	if _, ok := workload(nil).Replicas(); ok {
		t.Errorf("Replicas() without spec.replicas = true")
	}
}
