package capacity

import (
	"cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Replicas returns how many pods app runs at rest (lo) and at peak (hi),
// from the model: one for Jobs and CronJobs (gen runs one pod per run);
// otherwise the [object.Scale] that kube.Build renders, spec.replicas or
// the HPA's range, counted by [object.Scale.Range] as for rendered
// objects. An HPA without minReplicas, which check.Environment refuses,
// counts from replicas.
func Replicas(app *model.App) (lo, hi int64) {
	if app.Kind == model.Job || app.Kind == model.CronJob {
		return 1, 1
	}
	replicas := int64(app.Replicas)
	s := object.Scale{Replicas: &replicas}
	if app.HPA() {
		s.HPA = true
		s.MinReplicas = cmp.Or(int64p(app.Autoscaling.MinReplicas), &replicas)
		s.MaxReplicas = int64p(app.Autoscaling.MaxReplicas)
	}
	return s.Range()
}

func int64p(n *int32) *int64 {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &v
}
