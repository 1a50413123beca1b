package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// receivers is an environment's alert routing whose credentials are
// Secrets of namespace chatbot.
const receivers = `
namespaces: chatbot: secrets: {
	"alertmanager-slack": {provided: "by-hand", reason: "test", keys: ["url"]}
	"alertmanager-pagerduty": {provided: "by-hand", reason: "test", keys: ["routingKey"]}
}
alerting: {
	receivers: {
		slack: slack: {channel: "#alerts", apiURL: {secret: "alertmanager-slack", key: "url"}}
		pagerduty: pagerduty: routingKey: {secret: "alertmanager-pagerduty", key: "routingKey"}
	}
	receiver: "slack"
	routes: [{severity: "critical", receiver: "pagerduty"}]
}
`

func TestMonitoring(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the environment besides [base] and [web].
		src  string
		want []problem
	}{
		{
			name: "clean: metrics, objectives, receivers by reference",
			src: receivers + `apps: web: {
	metrics: port: "http"
	objectives: {
		availability: {target: 0.999, good: "http_requests_total{code=~\"2..\"}"}
		latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}
		throughput: rps: 500
	}
}`,
		},
		{
			name: "metrics port the app does not expose",
			src:  `apps: web: metrics: port: "metrics"`,
			want: []problem{
				{path("apps", "web", "metrics", "port"), `apps.web.metrics.port: metrics port "metrics" is not one of the app's ports (http): name one of them, or add it, e.g. ports: metrics: port: 9090`},
			},
		},
		{
			name: "objectives without metrics",
			src:  `apps: web: objectives: availability: target: 0.99`,
			want: []problem{
				{path("apps", "web", "objectives"), `apps.web.objectives: objectives are measured from the app's metrics, which it does not declare: set metrics: port: "<one of its ports>" (path "/metrics" and interval "30s" are the defaults)`},
			},
		},
		{
			name: "target outside (0, 1), latency without histogram, a selector that does not parse",
			src: `apps: web: {
	metrics: port: "http"
	objectives: {
		availability: {target: 1, total: "http_requests_total{"}
		latency: threshold: "100ms"
	}
}`,
			want: []problem{
				{path("apps", "web", "objectives", "availability", "target"), `apps.web.objectives.availability.target: objective target 1 is outside (0, 1): give the share of good requests as a ratio, e.g. 0.999 for 99.9%`},
				{path("apps", "web", "objectives", "availability", "total"), `apps.web.objectives.availability.total: availability objective: total: "http_requests_total{" is not valid PromQL: 1:21: parse error: unexpected end of input inside braces`},
				{path("apps", "web", "objectives", "latency"), `apps.web.objectives.latency: latency objective p99 < 100ms has no histogram to read latencies from: set histogram to the base name of the app's request duration histogram, e.g. histogram: "http_request_duration_seconds" (gen reads its _bucket and _count series)`},
			},
		},
		{
			name: "a literal webhook URL and routing key",
			src: `apps: web: metrics: port: "http"
alerting: {
	receivers: {
		slack: slack: {channel: "#alerts", apiURL: "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"}
		pagerduty: pagerduty: routingKey: "0123456789abcdef0123456789abcdef"
	}
	receiver: "slack"
}`,
			want: []problem{
				{path("alerting", "receivers", "pagerduty", "pagerduty", "routingKey"), `alerting.receivers.pagerduty.pagerduty.routingKey: receiver pagerduty: a PagerDuty routing key is a credential that must not be written into rendered/: keep it in a Secret and reference it, routingKey: {secret: "alertmanager-pagerduty", key: "routingKey"}, with the Secret declared under namespaces: <namespace>: secrets in each namespace of an alerted app`},
				{path("alerting", "receivers", "slack", "slack", "apiURL"), `alerting.receivers.slack.slack.apiURL: receiver slack: a Slack webhook URL holds its token, a credential that must not be written into rendered/: keep it in a Secret and reference it, apiURL: {secret: "alertmanager-slack", key: "url"}, with the Secret declared under namespaces: <namespace>: secrets in each namespace of an alerted app`},
			},
		},
		{
			name: "receivers: undeclared Secret, missing key, unknown receiver, no destination",
			src: `apps: web: metrics: port: "http"
namespaces: chatbot: secrets: "alertmanager-slack": {provided: "by-hand", reason: "test", keys: ["webhook"]}
alerting: {
	receivers: {
		slack: slack: {channel: "#alerts", apiURL: {secret: "alertmanager-slack", key: "url"}}
		pagerduty: pagerduty: routingKey: {secret: "pagerduty", key: "routingKey"}
		empty: {}
	}
	receiver: "slack"
	routes: [{severity: "critical", receiver: "pagerduty"}, {receiver: "opsgenie"}]
}`,
			want: []problem{
				{path("alerting", "receivers", "empty"), `alerting.receivers.empty: receiver empty sends nowhere: give it slack: {channel: "#...", apiURL: {secret: "...", key: "..."}} or pagerduty: routingKey: {secret: "...", key: "..."}`},
				{path("alerting", "routes", "1", "receiver"), `alerting.routes.1.receiver: receiver "opsgenie" is not one of alerting.receivers (empty, pagerduty, slack)`},
				{path("alerting", "receivers", "pagerduty", "pagerduty", "routingKey"), `alerting.receivers.pagerduty.pagerduty.routingKey: the AlertmanagerConfig of app web references Secret chatbot/pagerduty, which nothing renders and namespace chatbot does not declare (its secrets: alertmanager-slack); declare how it reaches the cluster: namespaces: chatbot: secrets: pagerduty: {provided: "external", store: "...", remoteKey: "...", keys: ["routingKey"]} (or provided: "by-hand" with a reason)`},
				{path("alerting", "receivers", "slack", "slack", "apiURL"), `alerting.receivers.slack.slack.apiURL: the AlertmanagerConfig of app web references key "url" of Secret chatbot/alertmanager-slack, which declares only the keys webhook`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			err := check.Environment(env)
			if tt.want == nil && err != nil {
				t.Fatalf("Environment() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
