package capacity_test

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
)

func TestReplicas(t *testing.T) {
	for _, tt := range []struct {
		name string
		// app is the CUE of the app web.
		app    string
		lo, hi int64
	}{
		{"fixed", `replicas: 3`, 3, 3},
		{"the HPA's range", `kind: "StatefulSet", autoscaling: {minReplicas: 2, maxReplicas: 5}`, 2, 5},
		{"a disabled HPA", `replicas: 2, autoscaling: {enabled: false, minReplicas: 4, maxReplicas: 8}`, 2, 2},
		{"an HPA without minReplicas counts from replicas", `replicas: 3, autoscaling: maxReplicas: 6`, 3, 6},
		{"an HPA without maxReplicas", `replicas: 3, autoscaling: minReplicas: 4`, 4, 4},
		{"a CronJob runs one pod", `kind: "CronJob", schedule: "@daily", replicas: 3`, 1, 1},
		{"a Job runs one pod", `kind: "Job", replicas: 3`, 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if lo, hi := capacity.Replicas(modeltest.App(t, "web", tt.app)); lo != tt.lo || hi != tt.hi {
				t.Errorf("Replicas(%s) = %d, %d; want %d, %d", tt.app, lo, hi, tt.lo, tt.hi)
			}
		})
	}
}
