package check

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

// throughput holds an app's throughput objective to what its replicas
// carry at peak: maxReplicas (or replicas, without autoscaling) × the
// rate one replica sustains (capacity.rps) × (1 − capacity.headroom)
// must reach objectives.throughput.rps. The error stands at
// capacity.rps, since the rate is the claim a load test backs, and names
// both ways out: more replicas at peak, or a higher measured rate (or a
// lower objective). An app without one of the two is not checked; gen
// plan shows what it declares.
func (c *checker) throughput(app *model.App) {
	if app.Capacity != nil && (app.Kind == model.Job || app.Kind == model.CronJob) {
		c.errorf(app.Path("capacity"), "capacity is the request rate a serving app's replica carries, and a %s serves no requests; remove it", app.Kind)
		return
	}
	if app.HPA() && app.Autoscaling.MaxReplicas == nil {
		return // refused by autoscaling: no peak to hold the objective to
	}
	t, ok := capacity.ThroughputOf(app)
	if !ok || !t.Short() {
		return
	}
	field := "replicas"
	if t.Autoscaled {
		field = "autoscaling.maxReplicas"
	}
	factor := ""
	if t.Headroom > 0 {
		factor = fmt.Sprintf(" × %s (%s%% headroom)", num(t.Factor()), num(math.Round(t.Headroom*1e4)/100))
	}
	raise := fmt.Sprintf("raise %s to at least %d", field, t.ReplicasNeeded())
	if t.Replicas == 0 {
		c.errorf(app.Path("capacity.rps"), "0 replicas carry no requests, and the objective is %s rps (objectives.throughput.rps); %s",
			num(t.Objective), raise)
		return
	}
	c.errorf(app.Path("capacity.rps"), "%s × %s rps%s = %s rps cannot carry the %s rps objective (objectives.throughput.rps); %s, or, once a load test shows that one replica sustains more, raise capacity.rps to at least %s (or lower the objective to %s rps)",
		count(t.Replicas, "replica"), num(t.PerReplica), factor, num(t.Carried()), num(t.Objective),
		raise, num(t.PerReplicaNeeded()), num(math.Floor(t.Carried()*100)/100))
}

// num formats a rate or factor as it was written: 80, 62.5, 0.8.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
