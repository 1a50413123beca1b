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
