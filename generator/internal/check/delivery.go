package check

import (
	"fmt"

	"github.com/gitops-gen/gen/generator/internal/delivery"
	"github.com/gitops-gen/gen/generator/internal/promql"
	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// delivery checks an app's progressive delivery: a Deployment, one
// strategy, canary weights from 0 to 100 that increase, ALB routing only
// with an ingress, a Service to switch for blue-green, analysis
// measurements that measure what they say, and analysis queries that
// parse.
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
		c.analysisSources(app)
		objs, _ := slo.Objectives(app) // monitoring reports their errors, once
		for _, q := range delivery.Queries(app, objs) {
			if err := promql.Parse(q.Query); err != nil {
				c.errorf(app.Path(q.Field), "analysis query %s does not parse: %v (the query: %s)", q.Name, err, q.Query)
			}
		}
	}
}

// analysisSources checks that each measurement of an app's analysis
// measures what it says it does: a measurement from an objective has
// the objective, and sets none of the fields that the objective
// replaces.
func (c *checker) analysisSources(app *model.App) {
	sr, l := app.Delivery.Analysis.SuccessRate, app.Delivery.Analysis.Latency
	if sr.Enabled && sr.From == model.AnalysisFromObjective {
		var set []string
		if sr.Total != "" {
			set = append(set, "total")
		}
		if sr.Errors != "" {
			set = append(set, "errors")
		}
		c.fromObjective(app, "successRate", model.ObjectiveAvailability, app.Objectives.Availability != nil, "good and total selectors", "minimum", set)
	}
	if l.Enabled && l.From == model.AnalysisFromObjective {
		var set []string
		if l.Histogram != "" {
			set = append(set, "histogram")
		}
		if l.Quantile != nil {
			set = append(set, "quantile")
		}
		c.fromObjective(app, "latency", model.ObjectiveLatency, app.Objectives.Latency != nil, "histogram and quantile", "maximumSeconds", set)
	}
}

// fromObjective checks the analysis' measurement field, which measures
// the app's objective: the app must declare it (declared), and the
// measurement may set none of the fields in set, which the objective's
// replaced replace; bound is the field it may set.
func (c *checker) fromObjective(app *model.App, field, objective string, declared bool, replaced, bound string, set []string) {
	at := "delivery.analysis." + field
	if !declared {
		c.errorf(app.Path(at+".from"), "analysis %s from: %q measures the app's %s objective, which it does not declare: declare it under objectives: %s (see #Objectives), or measure a query of its own with from: %q",
			field, model.AnalysisFromObjective, objective, objective, model.AnalysisFromQuery)
		return
	}
	for _, f := range set {
		c.errorf(app.Path(at+"."+f), "analysis %s measures the app's %s objective (from: %q, the default for an app that declares objectives.%s) with its %s, so %s is not read: remove it (%s alone may bound the measurement differently), or set from: %q to measure %s instead",
			field, objective, model.AnalysisFromObjective, objective, replaced, f, bound, model.AnalysisFromQuery, f)
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
