package delivery

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/promql"
	"github.com/gitops-gen/gen/generator/internal/slo"
)

// The queries of the HTTP conventions over the new version of web in
// chatbot, and those of web's objectives in the tests below.
const (
	conventionSuccess = `1 - (sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*", code=~"5.."}[2m])) or vector(0)) / sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m]))`
	conventionLatency = `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`
	objectiveSuccess  = `(sum(rate(requests_total{code!~"5..", namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])) or vector(0)) / sum(rate(requests_total{namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m]))`
	objectiveLatency  = `histogram_quantile(0.95, sum by (le) (rate(request_seconds_bucket{handler!="/health", namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`
)

// objectives are web's: 99.9% of requests_total without a 5xx code, p95
// of request_seconds (the health checks aside) under 250ms.
const objectives = `ports: http: port: 8080
metrics: port: "http"
objectives: {
	availability: {target: 0.999, good: "requests_total{code!~\"5..\"}", total: "requests_total"}
	latency: {quantile: 0.95, threshold: "250ms", histogram: "request_seconds{handler!=\"/health\"}"}
}
`

func TestQueries(t *testing.T) {
	success := func(query string, threshold float64) Query {
		return Query{Name: SuccessRate, Query: query, Threshold: threshold,
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= " + num(threshold)}
	}
	latency := func(query string, quantile, threshold float64) Query {
		return Query{Name: Latency, Query: query, Quantile: quantile, Threshold: threshold,
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] <= " + num(threshold)}
	}
	fromQuery := func(q Query, field string) Query {
		q.From, q.Field = "query", "delivery.analysis."+field
		return q
	}
	fromObjective := func(q Query, field string) Query {
		q.From, q.Field = "objective", "objectives."+field
		return q
	}
	explicit := func(q Query, objective float64) Query {
		q.Explicit, q.Objective = true, objective
		return q
	}
	tests := []struct {
		name string
		src  string // CUE of app web, beside its namespace and image
		want []Query
	}{
		{
			name: "without objectives: the HTTP conventions",
			src:  `delivery: canary: {}`,
			want: []Query{
				explicit(fromQuery(success(conventionSuccess, 0.99), "successRate"), 0),
				explicit(fromQuery(latency(conventionLatency, 0.99, 0.5), "latency"), 0),
			},
		},
		{
			name: "with objectives: their series, target and threshold",
			src:  objectives + `delivery: canary: {}`,
			want: []Query{
				{Name: SuccessRate, From: "objective", Field: "objectives.availability", Query: objectiveSuccess,
					SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.999", Threshold: 0.999, Objective: 0.999},
				{Name: Latency, From: "objective", Field: "objectives.latency", Query: objectiveLatency,
					SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] <= 0.25", Threshold: 0.25, Quantile: 0.95, Objective: 0.25},
			},
		},
		{
			name: "with objectives and bounds of the analysis' own: the objectives' series, the explicit bounds",
			src:  objectives + `delivery: {canary: {}, analysis: {successRate: minimum: 0.99, latency: maximumSeconds: 0.5}}`,
			want: []Query{
				explicit(fromObjective(success(objectiveSuccess, 0.99), "availability"), 0.999),
				explicit(fromObjective(latency(objectiveLatency, 0.95, 0.5), "latency"), 0.25),
			},
		},
		{
			name: "with objectives, measuring queries: the analysis' fields, the objectives' bounds beside them",
			src: objectives + `delivery: {canary: {}, analysis: {
	successRate: {from: "query", total: "grpc_server_handled_total", errors: "grpc_code!=\"OK\""}
	latency: {from: "query", quantile: 0.95, maximumSeconds: 0.2}
}}`,
			want: []Query{
				explicit(fromQuery(success(`1 - (sum(rate(grpc_server_handled_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*", grpc_code!="OK"}[2m])) or vector(0)) / sum(rate(grpc_server_handled_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m]))`, 0.99), "successRate"), 0.999),
				explicit(fromQuery(latency(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`, 0.95, 0.2), "latency"), 0.25),
			},
		},
		{
			name: "a latency query at another quantile than the objective's has no objective bound",
			src:  objectives + `delivery: {canary: {}, analysis: latency: from: "query"}`,
			want: []Query{
				{Name: SuccessRate, From: "objective", Field: "objectives.availability", Query: objectiveSuccess,
					SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.999", Threshold: 0.999, Objective: 0.999},
				explicit(fromQuery(latency(conventionLatency, 0.99, 0.5), "latency"), 0),
			},
		},
		{
			name: "one objective: the other measurement by the conventions",
			src: `ports: http: port: 8080
metrics: port: "http"
objectives: availability: target: 0.995
delivery: {blueGreen: {}, analysis: window: "5m"}`,
			want: []Query{
				{Name: SuccessRate, From: "objective", Field: "objectives.availability",
					Query:            `(sum(rate(http_requests_total{code!~"5..", namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[5m])) or vector(0)) / sum(rate(http_requests_total{namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[5m]))`,
					SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.995", Threshold: 0.995, Objective: 0.995},
				explicit(fromQuery(latency(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[5m])))`, 0.99, 0.5), "latency"), 0),
			},
		},
		{
			name: "a measurement turned off",
			src:  objectives + `delivery: {canary: {}, analysis: successRate: enabled: false}`,
			want: []Query{
				{Name: Latency, From: "objective", Field: "objectives.latency", Query: objectiveLatency,
					SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] <= 0.25", Threshold: 0.25, Quantile: 0.95, Objective: 0.25},
			},
		},
		{
			name: "the analysis turned off",
			src:  objectives + `delivery: {canary: {}, analysis: enabled: false}`,
		},
		{
			// slo reports the selector at the objective; the analysis
			// adds nothing to it.
			name: "an objective whose selector does not parse is left out",
			src: `ports: http: port: 8080
metrics: port: "http"
objectives: availability: {target: 0.999, good: "requests_total{code!~5..}"}
delivery: canary: {}`,
			want: []Query{explicit(fromQuery(latency(conventionLatency, 0.99, 0.5), "latency"), 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := modeltest.App(t, "web", "namespace: \"chatbot\"\nimage: repository: \"web\"\n"+tt.src)
			objs, _ := slo.Objectives(app)
			got := Queries(app, objs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Queries() mismatch (-want +got):\n%s", diff)
			}
			for _, q := range got {
				if err := promql.Parse(q.Query); err != nil {
					t.Errorf("%s: promql.Parse(%s) = %v", q.Name, q.Query, err)
				}
			}
		})
	}
}

func TestLooser(t *testing.T) {
	for _, tt := range []struct {
		name string
		q    Query
		want bool
	}{
		{"the objective's own target", Query{Name: SuccessRate, Threshold: 0.999, Objective: 0.999}, false},
		{"a minimum below the target", Query{Name: SuccessRate, Threshold: 0.99, Explicit: true, Objective: 0.999}, true},
		{"a minimum above the target", Query{Name: SuccessRate, Threshold: 0.9999, Explicit: true, Objective: 0.999}, false},
		{"a minimum without an objective", Query{Name: SuccessRate, Threshold: 0.9, Explicit: true}, false},
		{"a maximum above the threshold", Query{Name: Latency, Threshold: 0.5, Explicit: true, Objective: 0.1}, true},
		{"a maximum below the threshold", Query{Name: Latency, Threshold: 0.05, Explicit: true, Objective: 0.1}, false},
	} {
		if got := tt.q.Looser(); got != tt.want {
			t.Errorf("%s: Looser() = %t, want %t", tt.name, got, tt.want)
		}
	}
}
