package check

import (
	"fmt"
	"math"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// disruption reports disruption budgets that allow no eviction at the
// app's lowest replica count: node drains (upgrades, scale-down) then
// wait forever.
func (c *capacityChecker) disruption() {
	for _, u := range c.Apps {
		d, app := u.App.Disruption, u.App
		if d == nil || app.Kind == model.Job || app.Kind == model.CronJob || u.Min == 0 {
			continue
		}
		replicas, replicasPath := count(u.Min, "replica"), app.Path("replicas")
		if app.HPA() && app.Autoscaling.MinReplicas != nil {
			replicas, replicasPath = fmt.Sprintf("autoscaling minReplicas %d", u.Min), app.Path("autoscaling.minReplicas")
		}
		switch {
		case d.MinAvailable != nil && d.MaxUnavailable == nil:
			v := d.MinAvailable
			if n := scaled(*v, u.Min); n >= u.Min {
				c.errorAt([]string{app.Path("disruption.minAvailable"), replicasPath},
					"minAvailable %s with %s leaves no pod to evict, so every node drain (upgrades, scale-down) blocks; keep it below %d or use maxUnavailable",
					describe(*v, n), replicas, u.Min)
			}
		case d.MaxUnavailable != nil && d.MinAvailable == nil:
			v := d.MaxUnavailable
			if scaled(*v, u.Min) == 0 {
				c.errorAt([]string{app.Path("disruption.maxUnavailable"), replicasPath},
					"maxUnavailable %s with %s allows no eviction, so every node drain (upgrades, scale-down) blocks; allow at least 1",
					describe(*v, 0), replicas)
			}
		}
	}
}

// scaled resolves a count or percentage of replicas as the disruption
// controller does (percentages round up).
func scaled(v model.IntOrString, replicas int64) int64 {
	if !v.IsStr {
		return int64(v.Int)
	}
	var p int64
	fmt.Sscanf(strings.TrimSuffix(v.String, "%"), "%d", &p)
	return int64(math.Ceil(float64(p) * float64(replicas) / 100))
}

func describe(v model.IntOrString, n int64) string {
	if !v.IsStr {
		return fmt.Sprint(v.Int)
	}
	return fmt.Sprintf("%s (%s)", v.String, count(n, "pod"))
}
