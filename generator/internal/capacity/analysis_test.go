package capacity

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// TestTolerates follows the cases of Kubernetes' Toleration.ToleratesTaint.
func TestTolerates(t *testing.T) {
	taint := model.Taint{Key: "workload", Value: "ml", Effect: "NoSchedule"}
	for _, tt := range []struct {
		tol  Toleration
		want bool
	}{
		{Toleration{Key: "workload", Operator: "Equal", Value: "ml", Effect: "NoSchedule"}, true},
		{Toleration{Key: "workload", Value: "ml"}, true}, // no operator is Equal; no effect matches all
		{Toleration{Key: "workload", Operator: "Exists"}, true},
		{Toleration{Operator: "Exists"}, true}, // an empty key with Exists tolerates everything
		{Toleration{Operator: "Exists", Effect: "NoExecute"}, false},
		{Toleration{Key: "workload", Operator: "Equal", Value: "gpu"}, false},
		{Toleration{Key: "team", Operator: "Exists"}, false},
		{Toleration{Key: "workload", Operator: "Equal", Value: "ml", Effect: "NoExecute"}, false},
		{Toleration{}, false},
	} {
		if got := tt.tol.Tolerates(taint); got != tt.want {
			t.Errorf("%+v.Tolerates(%v) = %v, want %v", tt.tol, taint, got, tt.want)
		}
	}
}

// TestPodRequests checks that requests are counted as the scheduler does:
// containers and sidecars (restartable init containers) add up, other
// init containers run alone before them.
func TestPodRequests(t *testing.T) {
	c := func(cpu, mem string, extra ...string) any {
		m := map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": cpu, "memory": mem}}}
		if len(extra) > 0 {
			m["restartPolicy"] = extra[0]
		}
		return m
	}
	spec := map[string]any{
		"containers":     []any{c("250m", "256Mi"), c("50m", "64Mi")},
		"initContainers": []any{c("2", "128Mi"), c("10m", "32Mi", "Always")},
	}
	o := object.Object{Content: map[string]any{"kind": "Deployment", "spec": map[string]any{"template": map[string]any{"spec": spec}}}}
	want := Resources{CPU: 2000, Memory: 352 * MiB, Pods: 1}
	if got := podRequests(o); got != want {
		t.Errorf("podRequests() = %+v, want %+v", got, want)
	}
}
