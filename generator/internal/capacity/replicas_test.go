package capacity_test

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

func TestReplicas(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	for _, tt := range []struct {
		name   string
		app    model.App
		lo, hi int64
	}{
		{"fixed", model.App{Kind: model.Deployment, Replicas: 3}, 3, 3},
		{"the HPA's range", model.App{Kind: model.StatefulSet, Replicas: 1,
			Autoscaling: &model.Autoscaling{Enabled: true, MinReplicas: n(2), MaxReplicas: n(5)}}, 2, 5},
		{"a disabled HPA", model.App{Kind: model.Deployment, Replicas: 2,
			Autoscaling: &model.Autoscaling{Enabled: false, MinReplicas: n(4), MaxReplicas: n(8)}}, 2, 2},
		{"an HPA without minReplicas counts from replicas", model.App{Kind: model.Deployment, Replicas: 3,
			Autoscaling: &model.Autoscaling{Enabled: true, MaxReplicas: n(6)}}, 3, 6},
		{"an HPA without maxReplicas", model.App{Kind: model.Deployment, Replicas: 3,
			Autoscaling: &model.Autoscaling{Enabled: true, MinReplicas: n(4)}}, 4, 4},
		{"a CronJob runs one pod", model.App{Kind: model.CronJob, Replicas: 3}, 1, 1},
		{"a Job runs one pod", model.App{Kind: model.Job, Replicas: 3}, 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if lo, hi := capacity.Replicas(&tt.app); lo != tt.lo || hi != tt.hi {
				t.Errorf("Replicas() = %d, %d; want %d, %d", lo, hi, tt.lo, tt.hi)
			}
		})
	}
}
