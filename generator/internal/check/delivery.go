package check

import (
	"fmt"

	"github.com/gitops-gen/gen/generator/internal/delivery"
	"github.com/gitops-gen/gen/generator/internal/promql"
	"github.com/gitops-gen/gen/generator/model"
)

// delivery checks an app's progressive delivery: a Deployment, one
// strategy, canary weights from 0 to 100 that increase, ALB routing only
// with an ingress, a Service to switch for blue-green, and analysis
// queries that parse.
func (c *checker) delivery(app *model.App) {
	d := app.Delivery
	if d == nil {
		return
	}
	if app.Kind != model.Deployment {
		c.errorf(app.Path("delivery"), "a %s cannot be released progressively: Argo Rollouts releases Deployments only (a StatefulSet keeps its own ordered rolling update, a Job or CronJob has no release); remove delivery, or make the app a Deployment", app.Kind)
		return
	}
	switch {
	case d.Canary != nil && d.BlueGreen != nil:
		c.errorf(app.Path("delivery"), "delivery has both canary and blueGreen; keep one")
		return
	case d.Canary == nil && d.BlueGreen == nil:
		c.errorf(app.Path("delivery"), "delivery has neither canary nor blueGreen; set one, e.g. delivery: canary: {}")
		return
	}
	if d.Canary != nil {
		prev := int32(-1)
		for i, s := range d.Canary.Steps {
			at := app.Path(fmt.Sprintf("delivery.canary.steps[%d].weight", i))
			switch {
			case s.Weight < 0 || s.Weight > 100:
				c.errorf(at, "canary step weight %d is outside 0 to 100 (percent of the traffic)", s.Weight)
			case s.Weight <= prev:
				c.errorf(at, "canary step weight %d does not increase on the step before (%d): each step gives the new version more of the traffic", s.Weight, prev)
			}
			prev = s.Weight
		}
		if d.Canary.TrafficRouting == model.RoutingALB && app.Ingress == nil {
			c.errorf(app.Path("delivery.canary.trafficRouting"), `canary trafficRouting "alb" splits the traffic at the app's load balancer, and the app has no ingress; add one, or use trafficRouting: "replicas"`)
		}
	}
	if d.BlueGreen != nil && !hasClusterIP(app) {
		c.errorf(app.Path("delivery.blueGreen"), "blueGreen switches a ClusterIP Service of the app between the versions, and the app has none; add one under services")
	}
	if d.Analysis.Enabled {
		for _, q := range delivery.Queries(app) {
			if err := promql.Parse(q.Query); err != nil {
				c.errorf(app.Path("delivery.analysis."+q.Field), "analysis query %s does not parse: %v (the query: %s)", q.Name, err, q.Query)
			}
		}
	}
}

// hasClusterIP reports whether the app has a ClusterIP Service.
func hasClusterIP(app *model.App) bool {
	for _, s := range app.Services {
		if s.Type == "" || s.Type == model.ClusterIP {
			return true
		}
	}
	return false
}
