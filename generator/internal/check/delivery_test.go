package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

func TestDelivery(t *testing.T) {
	tests := []struct {
		name string
		src  string // CUE besides [base] and [web]
		want []problem
	}{
		{name: "a canary with the defaults", src: `apps: web: delivery: canary: {}`},
		{name: "a blue-green release", src: `apps: web: {services: web: {}, delivery: blueGreen: {}}`},
		{
			name: "a canary on a StatefulSet and on a CronJob",
			src: `apps: db: {kind: "StatefulSet", delivery: canary: {}}
apps: nightly: {kind: "CronJob", schedule: "0 2 * * *", delivery: canary: {}}`,
			want: []problem{
				{path("apps", "db", "delivery"), `apps.db.delivery: a StatefulSet cannot be released progressively: Argo Rollouts releases Deployments only (a StatefulSet keeps its own ordered rolling update, a Job or CronJob has no release); remove delivery, or make the app a Deployment`},
				{path("apps", "nightly", "delivery"), `apps.nightly.delivery: a CronJob cannot be released progressively: Argo Rollouts releases Deployments only (a StatefulSet keeps its own ordered rolling update, a Job or CronJob has no release); remove delivery, or make the app a Deployment`},
			},
		},
		{
			name: "weights outside 0 to 100, or not increasing",
			src:  `apps: web: delivery: canary: steps: [{weight: 20}, {weight: 20}, {weight: 150}, {weight: -1}]`,
			want: []problem{
				{path("apps", "web", "delivery", "canary", "steps", "1", "weight"), `apps.web.delivery.canary.steps.1.weight: canary step weight 20 does not increase on the step before (20): each step gives the new version more of the traffic`},
				{path("apps", "web", "delivery", "canary", "steps", "2", "weight"), `apps.web.delivery.canary.steps.2.weight: canary step weight 150 is outside 0 to 100 (percent of the traffic)`},
				{path("apps", "web", "delivery", "canary", "steps", "3", "weight"), `apps.web.delivery.canary.steps.3.weight: canary step weight -1 is outside 0 to 100 (percent of the traffic)`},
			},
		},
		{
			name: "ALB traffic routing without an ingress",
			src:  `apps: web: delivery: canary: trafficRouting: "alb"`,
			want: []problem{{path("apps", "web", "delivery", "canary", "trafficRouting"), `apps.web.delivery.canary.trafficRouting: canary trafficRouting "alb" splits the traffic at the app's load balancer, and the app has no ingress; add one, or use trafficRouting: "replicas"`}},
		},
		{
			name: "both strategies",
			src:  `apps: web: delivery: {canary: {}, blueGreen: {}}`,
			want: []problem{{path("apps", "web", "delivery"), `apps.web.delivery: delivery has both canary and blueGreen; keep one`}},
		},
		{
			name: "blue-green without a Service",
			src:  `apps: web: delivery: blueGreen: {}`,
			want: []problem{{path("apps", "web", "delivery", "blueGreen"), `apps.web.delivery.blueGreen: blueGreen switches a ClusterIP Service of the app between the versions, and the app has none; add one under services`}},
		},
		{
			name: "a PromQL syntax error in a matcher",
			src:  `apps: web: delivery: {canary: {}, analysis: successRate: errors: "code=~5.."}`,
			want: []problem{{path("apps", "web", "delivery", "analysis", "successRate"), `apps.web.delivery.analysis.successRate: analysis query success-rate does not parse: 1:104: parse error: unexpected character inside braces: '5' (the query: 1 - (sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*", code=~5..}[2m])) or vector(0)) / sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`}},
		},
		{
			name: "measurements from objectives, with bounds of their own",
			src: `apps: web: {metrics: port: "http", objectives: {availability: target: 0.999, latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}}}
apps: web: delivery: {canary: {}, analysis: {successRate: minimum: 0.99, latency: maximumSeconds: 0.5}}`,
		},
		{
			name: "a measurement from an objective that sets the objective's fields",
			src: `apps: web: {metrics: port: "http", objectives: {availability: target: 0.999, latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}}}
apps: web: delivery: {canary: {}, analysis: {successRate: errors: "code=~\"5..|429\"", latency: {histogram: "rpc_seconds", quantile: 0.9}}}`,
			want: []problem{
				{path("apps", "web", "delivery", "analysis", "successRate", "errors"), `apps.web.delivery.analysis.successRate.errors: analysis successRate measures the app's availability objective (from: "objective", the default for an app that declares objectives.availability) with its good and total selectors, so errors is not read: remove it (minimum alone may bound the measurement differently), or set from: "query" to measure errors instead`},
				{path("apps", "web", "delivery", "analysis", "latency", "histogram"), `apps.web.delivery.analysis.latency.histogram: analysis latency measures the app's latency objective (from: "objective", the default for an app that declares objectives.latency) with its histogram and quantile, so histogram is not read: remove it (maximumSeconds alone may bound the measurement differently), or set from: "query" to measure histogram instead`},
				{path("apps", "web", "delivery", "analysis", "latency", "quantile"), `apps.web.delivery.analysis.latency.quantile: analysis latency measures the app's latency objective (from: "objective", the default for an app that declares objectives.latency) with its histogram and quantile, so quantile is not read: remove it (maximumSeconds alone may bound the measurement differently), or set from: "query" to measure quantile instead`},
			},
		},
		{
			name: "a measurement from an objective the app does not declare",
			src:  `apps: web: delivery: {canary: {}, analysis: latency: from: "objective"}`,
			want: []problem{{path("apps", "web", "delivery", "analysis", "latency", "from"), `apps.web.delivery.analysis.latency.from: analysis latency from: "objective" measures the app's latency objective, which it does not declare: declare it under objectives: latency (see #Objectives), or measure a query of its own with from: "query"`}},
		},
		{
			name: "a measurement from a query beside an objective",
			src: `apps: web: {metrics: port: "http", objectives: availability: target: 0.999}
apps: web: delivery: {canary: {}, analysis: successRate: {from: "query", errors: "code=~\"5..|429\""}}`,
		},
		{
			// The analysis leaves the objective out rather than
			// measuring a selector that does not parse.
			name: "an objective's selector that does not parse is reported once, at the objective",
			src: `apps: web: {metrics: port: "http", objectives: availability: {target: 0.999, good: "http_requests_total{code!~5..}"}}
apps: web: delivery: canary: {}`,
			want: []problem{{path("apps", "web", "objectives", "availability", "good"), `apps.web.objectives.availability.good: availability objective: good: "http_requests_total{code!~5..}" is not valid PromQL: 1:27: parse error: unexpected character inside braces: '5'`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check.Environment(newEnv(t, web+tt.src))
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
