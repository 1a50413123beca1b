// Package delivery builds the Prometheus queries that decide an app's
// progressive release (model.Delivery): kube renders them into the app's
// AnalysisTemplate, check parses them, plan lists them.
package delivery

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// HashArg is the argument of the app's AnalysisTemplate that holds the
// new version's pod template hash, which names its ReplicaSet and
// prefixes its pods' names.
const HashArg = "pod-template-hash"

// Query is one measurement of a release's analysis.
type Query struct {
	// Name is the metric's name: success-rate or latency.
	Name string
	// Field is the field of the app's delivery.analysis it comes from.
	Field string
	// Query is the PromQL, over the new version's pods.
	Query string
	// SuccessCondition is Argo Rollouts' condition on the result: a
	// measurement without data (no request yet) passes.
	SuccessCondition string
}

// Queries returns the PromQL measurements of app's release: the
// success rate (requests that are not errors over all requests) and the
// latency quantile, each over the pods of the new version (the pods of
// a ReplicaSet are named <rollout>-<pod template hash>-<suffix>). This is
// the one place the queries are built: objectives, when the schema has
// them, come in here.
func Queries(app *model.App) []Query {
	a := app.Delivery.Analysis
	sel := fmt.Sprintf(`namespace=%q, pod=~"%s-{{args.%s}}-.*"`, app.Namespace, app.Name, HashArg)
	var out []Query
	if sr := a.SuccessRate; sr.Enabled {
		total := fmt.Sprintf("sum(rate(%s{%s}[%s]))", sr.Total, sel, a.Window)
		bad := fmt.Sprintf("sum(rate(%s{%s, %s}[%s]))", sr.Total, sel, sr.Errors, a.Window)
		out = append(out, Query{
			Name:             "success-rate",
			Field:            "successRate",
			Query:            fmt.Sprintf("1 - (%s or vector(0)) / %s", bad, total),
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= " + num(sr.Minimum),
		})
	}
	if l := a.Latency; l.Enabled {
		out = append(out, Query{
			Name:  "latency",
			Field: "latency",
			Query: fmt.Sprintf("histogram_quantile(%s, sum by (le) (rate(%s_bucket{%s}[%s])))",
				num(l.Quantile), l.Histogram, sel, a.Window),
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] <= " + num(l.MaximumSeconds),
		})
	}
	return out
}

// num formats a number as CUE wrote it, without exponent or trailing zeros.
func num(f float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', -1, 64), ".0")
}
