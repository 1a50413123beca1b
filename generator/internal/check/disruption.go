package check

import (
	"fmt"
	"math"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

// disruption warns about disruption budgets that can never allow an
// eviction at the app's lowest replica count: every drain of a node that
// runs one of the app's pods (a node upgrade, a scale-down) then waits
// forever. A budget allows currentHealthy − desiredHealthy evictions, as
// the disruption controller counts them: the pods that run (those the
// packing at min places; a Pending one is not healthy) less minAvailable,
// or less the replicas minus maxUnavailable. The Kubernetes API accepts
// such a budget and the cluster runs, hence a warning, naming the nodes
// whose drain it blocks.
func (c *capacityChecker) disruption() {
	atMin := c.placed[capacity.AtMin]
	for _, u := range c.Apps {
		d, app := u.App.Disruption, u.App
		if d == nil || app.Kind == model.Job || app.Kind == model.CronJob || u.Min == 0 {
			continue
		}
		replicas, field := count(u.Min, "replica"), ""
		if app.HPA() && app.Autoscaling.MinReplicas != nil {
			replicas = fmt.Sprintf("autoscaling minReplicas %d", u.Min)
		}
		var desired int64
		var budget, advice string
		switch {
		case d.MinAvailable != nil && d.MaxUnavailable == nil:
			desired = scaled(*d.MinAvailable, u.Min)
			field, budget = "minAvailable", "minAvailable "+describe(*d.MinAvailable, desired)
			advice = fmt.Sprintf("keep minAvailable below %d or use maxUnavailable", u.Min)
		case d.MaxUnavailable != nil && d.MinAvailable == nil:
			unavailable := scaled(*d.MaxUnavailable, u.Min)
			desired = u.Min - unavailable
			field, budget = "maxUnavailable", "maxUnavailable "+describe(*d.MaxUnavailable, unavailable)
			advice = "allow at least 1"
		default:
			continue
		}
		running, nodes := u.Min, []string(nil)
		if atMin != nil {
			running, nodes = runningOn(atMin, u)
		}
		if running-desired > 0 {
			continue
		}
		why := "allows no eviction"
		switch {
		case running < u.Min:
			why = fmt.Sprintf("allows no eviction while only %d of them can be scheduled at min (see the Pending pods)", running)
			advice = "make room for every replica"
		case field == "minAvailable":
			why = "leaves no pod to evict"
		}
		c.warnf(app.Path("disruption."+field), "%s with %s %s, so %s blocks; %s",
			budget, replicas, why, drains(nodes), advice)
	}
}

// runningOn counts the app's pods that p places and names their nodes.
func runningOn(p *capacity.Placement, u *capacity.Demand) (int64, []string) {
	var n int64
	var nodes []string
	for _, node := range p.Nodes {
		held := false
		for _, pod := range node.Pods {
			if pod.App == u {
				n, held = n+1, true
			}
		}
		if held {
			nodes = append(nodes, node.Name)
		}
	}
	return n, nodes
}

// drains names the node drains a budget blocks.
func drains(nodes []string) string {
	switch len(nodes) {
	case 0:
		return "every node drain (upgrades, scale-down)"
	case 1:
		return "draining node " + nodes[0] + " (an upgrade, a scale-down)"
	}
	return "draining nodes " + and(nodes) + " (upgrades, scale-down)"
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
