package capacity

import (
	"testing"

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
