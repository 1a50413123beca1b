package plan

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
)

// TestTolerates follows the cases of Kubernetes' Toleration.ToleratesTaint.
func TestTolerates(t *testing.T) {
	taint := model.Taint{Key: "workload", Value: "ml", Effect: "NoSchedule"}
	for _, tt := range []struct {
		tol  toleration
		want bool
	}{
		{toleration{Key: "workload", Operator: "Equal", Value: "ml", Effect: "NoSchedule"}, true},
		{toleration{Key: "workload", Value: "ml"}, true}, // no operator is Equal; no effect matches all
		{toleration{Key: "workload", Operator: "Exists"}, true},
		{toleration{Operator: "Exists"}, true}, // an empty key with Exists tolerates everything
		{toleration{Operator: "Exists", Effect: "NoExecute"}, false},
		{toleration{Key: "workload", Operator: "Equal", Value: "gpu"}, false},
		{toleration{Key: "team", Operator: "Exists"}, false},
		{toleration{Key: "workload", Operator: "Equal", Value: "ml", Effect: "NoExecute"}, false},
		{toleration{}, false},
	} {
		if got := tt.tol.tolerates(taint); got != tt.want {
			t.Errorf("%+v.tolerates(%v) = %v, want %v", tt.tol, taint, got, tt.want)
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
	want := Resources{CPU: 2000, Memory: 352 * mib, Pods: 1}
	if got := podRequests(spec); got != want {
		t.Errorf("podRequests() = %+v, want %+v", got, want)
	}
}
