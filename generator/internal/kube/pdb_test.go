package kube

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPodDisruptionBudget(t *testing.T) {
	tests := []struct {
		name       string
		disruption model.Disruption
		want       policyv1.PodDisruptionBudgetSpec
	}{
		{
			name:       "minAvailable count",
			disruption: model.Disruption{MinAvailable: &model.IntOrString{Int: 3}},
			want:       policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromInt32(3)), Selector: webSelector},
		},
		{
			name:       "maxUnavailable percentage",
			disruption: model.Disruption{MaxUnavailable: &model.IntOrString{String: "20%", IsStr: true}},
			want:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: new(intstr.FromString("20%")), Selector: webSelector},
		},
		{
			name:       "minAvailable zero",
			disruption: model.Disruption{MinAvailable: &model.IntOrString{Int: 0}},
			want:       policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromInt32(0)), Selector: webSelector},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Disruption = &tc.disruption
			pdb := decode[policyv1.PodDisruptionBudget](t, find(t, buildApp(t, app), "PodDisruptionBudget", "web"))
			if diff := cmp.Diff(tc.want, pdb.Spec); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no disruption", func(t *testing.T) {
		if objs := buildApp(t, newApp(t, "web", model.Deployment)); has(objs, "PodDisruptionBudget", "web") {
			t.Errorf("objects = %v, want no PodDisruptionBudget", kinds(objs))
		}
	})
}
