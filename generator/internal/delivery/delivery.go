// Package delivery builds the Prometheus queries that decide an app's
// progressive release (model.Delivery): kube renders them into the app's
// AnalysisTemplate, check parses them, plan lists them.
//
// A measurement comes from the app's objective of its kind (package slo:
// the same series as the objective's alerts) or from the analysis' own
// fields (the HTTP conventions by default), as its from field says.
package delivery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// HashArg is the argument of the app's AnalysisTemplate that holds the
// new version's pod template hash, which names its ReplicaSet and
// prefixes its pods' names.
const HashArg = "pod-template-hash"

// The names of the measurements, as the AnalysisTemplate's metrics.
const (
	SuccessRate = "success-rate"
	Latency     = "latency"
)

// Query is one measurement of a release's analysis.
type Query struct {
	// Name is the metric's name: SuccessRate or Latency.
	Name string
	// From is where the query's series come from:
	// model.AnalysisFromObjective or model.AnalysisFromQuery.
	From string
	// Field is the CUE path, under the app, of what the query is built
	// from: the objective ("objectives.availability") or the analysis'
	// field ("delivery.analysis.successRate").
	Field string
	// Query is the PromQL, over the new version's pods.
	Query string
	// SuccessCondition is Argo Rollouts' condition on the result: a
	// measurement without data (no request yet) passes.
	SuccessCondition string
	// Threshold is the bound the result must keep: the least success
	// rate, or the most latency in seconds at Quantile.
	Threshold float64
	// Quantile is the latency's quantile (0 for the success rate).
	Quantile float64
	// Explicit reports whether Threshold is the analysis' own (minimum,
	// maximumSeconds: set, or the defaults of a measurement from a
	// query) rather than the objective's.
	Explicit bool
	// Objective is the bound of the app's objective of the same kind:
	// the availability target, or the latency threshold in seconds when
	// its quantile is Quantile; 0 when the app declares no such
	// objective.
	Objective float64
}

// Queries returns the PromQL measurements of app's release: the
// success rate (the share of requests that did not fail) and the latency
// quantile, each over the pods of the new version (the pods of a
// ReplicaSet are named <rollout>-<pod template hash>-<suffix>). objs are
// the app's objectives as slo.Objectives resolves them; a measurement
// from an objective that is not among them (its fields are wrong, which
// slo reports at the objective) is left out. This is the one place the
// queries are built.
func Queries(app *model.App, objs []slo.Objective) []Query {
	a := app.Delivery.Analysis
	if !a.Enabled {
		return nil
	}
	pods := labels.MustNewMatcher(labels.MatchRegexp, "pod", fmt.Sprintf("%s-{{args.%s}}-.*", app.Name, HashArg))
	// sel selects the new version's series of a query of the analysis'
	// own, whose metric names are given without matchers.
	sel := fmt.Sprintf("%s, %s", labels.MustNewMatcher(labels.MatchEqual, "namespace", app.Namespace), pods)
	objective := func(name string) (slo.Objective, bool) {
		for _, o := range objs {
			if o.Name == name {
				return o.Restrict(pods), true
			}
		}
		return slo.Objective{}, false
	}
	var out []Query
	if sr := a.SuccessRate; sr.Enabled {
		q := Query{Name: SuccessRate, From: sr.From}
		o, resolved := objective(model.ObjectiveAvailability)
		if resolved {
			q.Objective = o.Target
		}
		switch {
		case sr.From == model.AnalysisFromObjective && resolved:
			q.Field = "objectives.availability"
			q.Query = o.SuccessRatio(a.Window)
			q.Threshold = o.Target
		case sr.From == model.AnalysisFromQuery:
			total := fmt.Sprintf("sum(rate(%s{%s}[%s]))", sr.Total, sel, a.Window)
			bad := fmt.Sprintf("sum(rate(%s{%s, %s}[%s]))", sr.Total, sel, sr.Errors, a.Window)
			q.Field = "delivery.analysis.successRate"
			q.Query = fmt.Sprintf("1 - (%s or vector(0)) / %s", bad, total)
		}
		if sr.Minimum != nil {
			q.Threshold, q.Explicit = *sr.Minimum, true
		}
		if q.Query != "" {
			q.SuccessCondition = "len(result) == 0 || isNaN(result[0]) || result[0] >= " + num(q.Threshold)
			out = append(out, q)
		}
	}
	if l := a.Latency; l.Enabled {
		q := Query{Name: Latency, From: l.From}
		o, resolved := objective(model.ObjectiveLatency)
		switch {
		case l.From == model.AnalysisFromObjective && resolved:
			q.Field = "objectives.latency"
			q.Query = o.Quantile(a.Window)
			q.Threshold, q.Quantile = o.Threshold, o.Target
		case l.From == model.AnalysisFromQuery && l.Quantile != nil:
			q.Field = "delivery.analysis.latency"
			q.Quantile = *l.Quantile
			q.Query = fmt.Sprintf("histogram_quantile(%s, sum by (le) (rate(%s_bucket{%s}[%s])))",
				num(q.Quantile), l.Histogram, sel, a.Window)
		}
		if resolved && o.Target == q.Quantile {
			q.Objective = o.Threshold
		}
		if l.MaximumSeconds != nil {
			q.Threshold, q.Explicit = *l.MaximumSeconds, true
		}
		if q.Query != "" {
			q.SuccessCondition = "len(result) == 0 || isNaN(result[0]) || result[0] <= " + num(q.Threshold)
			out = append(out, q)
		}
	}
	return out
}

// Looser reports whether q passes what its objective would fail: a
// success rate below the objective's target, a latency above its
// threshold. Only a measurement whose analysis sets its own bound can.
func (q Query) Looser() bool {
	if !q.Explicit || q.Objective == 0 {
		return false
	}
	if q.Name == Latency {
		return q.Threshold > q.Objective
	}
	return q.Threshold < q.Objective
}

// num formats a number as CUE wrote it, without exponent or trailing zeros.
func num(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', -1, 64), ".0")
}
