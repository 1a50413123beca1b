package kube

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// alerting is an environment's routing: pages to PagerDuty and to Slack,
// the rest to Slack, team shop's warnings to its own channel; the
// credentials are Secrets of namespace chatbot.
const alerting = `
namespaces: chatbot: secrets: {
	"alertmanager-slack": {provided: "by-hand", reason: "test", keys: ["url"]}
	"alertmanager-pagerduty": {provided: "by-hand", reason: "test", keys: ["routingKey"]}
}
alerting: {
	receivers: {
		slack: slack: {channel: "#alerts", apiURL: {secret: "alertmanager-slack", key: "url"}}
		pagerduty: pagerduty: routingKey: {secret: "alertmanager-pagerduty", key: "routingKey"}
		"shop-slack": slack: {channel: "#shop", apiURL: {secret: "alertmanager-slack", key: "url"}}
	}
	receiver: "slack"
	routes: [
		{severity: "critical", receiver: "pagerduty", continue: true},
		{team: "shop", receiver: "shop-slack"},
	]
}
`

// monitored is an app with metrics, objectives and a ClusterIP Service
// besides a LoadBalancer one.
const monitored = `
ports: {http: port: 8000, admin: port: 9000}
resources: limits: {cpu: "500m", memory: "1Gi"}
services: {api: {ports: ["http"]}, public: {type: "LoadBalancer", ports: ["http"]}}
metrics: port: "http"
objectives: {
	availability: target: 0.999
	latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}
}
alerts: {team: "chatbot", runbookURL: "https://runbooks.example.com/backend"}
`

// monitoringCRDs are the CRD files of prometheus-operator's kinds.
var monitoringCRDs = map[string]string{
	KindServiceMonitor:     "monitoring.coreos.com_servicemonitors.yaml",
	KindPodMonitor:         "monitoring.coreos.com_podmonitors.yaml",
	KindPrometheusRule:     "monitoring.coreos.com_prometheusrules.yaml",
	KindAlertmanagerConfig: "monitoring.coreos.com_alertmanagerconfigs.yaml",
}

func monitoringOf(objs []object.Object) []object.Object {
	var out []object.Object
	for _, o := range objs {
		if o.Group() == "monitoring.coreos.com" {
			out = append(out, o)
		}
	}
	return out
}

func TestMonitoringObjects(t *testing.T) {
	tests := []struct {
		name, app, env string
		want           map[string]map[string]any // object ID -> dotted field -> value
		kinds          []string
	}{
		{
			name:  "a Service exposes the metrics port: a ServiceMonitor keeping only the ClusterIP one",
			app:   monitored,
			env:   alerting,
			kinds: []string{KindServiceMonitor, KindPrometheusRule, KindAlertmanagerConfig},
			want: map[string]map[string]any{
				"ServiceMonitor/chatbot/web": {
					"spec.endpoints": []any{map[string]any{
						"port": "http", "path": "/metrics", "interval": "30s",
						"relabelings": []any{
							map[string]any{"action": "keep", "sourceLabels": []any{"__meta_kubernetes_service_name"}, "regex": "api"},
							map[string]any{"action": "replace", "targetLabel": "job", "replacement": "web"},
						},
					}},
					"spec.selector.matchLabels": map[string]any{"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-prod"},
				},
				"AlertmanagerConfig/chatbot/web": {
					"spec.route": map[string]any{
						"receiver": "slack",
						"matchers": []any{map[string]any{"name": "app", "value": "web"}},
						"groupBy":  []any{"alertname", "objective"},
						"routes": []any{map[string]any{
							"receiver": "pagerduty", "continue": true,
							"matchers": []any{map[string]any{"name": "severity", "value": "critical"}},
						}},
					},
					"spec.receivers": []any{
						map[string]any{"name": "pagerduty", "pagerdutyConfigs": []any{map[string]any{
							"routingKey": map[string]any{"name": "alertmanager-pagerduty", "key": "routingKey"}, "sendResolved": true}}},
						map[string]any{"name": "slack", "slackConfigs": []any{map[string]any{
							"apiURL": map[string]any{"name": "alertmanager-slack", "key": "url"}, "channel": "#alerts", "sendResolved": true}}},
					},
				},
			},
		},
		{
			name:  "no Service exposes it: a PodMonitor; no receivers: no AlertmanagerConfig",
			app:   `ports: http: port: 8080` + "\nmetrics: {port: \"http\", path: \"/prom\", interval: \"15s\"}\n",
			kinds: []string{KindPodMonitor, KindPrometheusRule},
			want: map[string]map[string]any{
				"PodMonitor/chatbot/web": {
					"spec.podMetricsEndpoints": []any{map[string]any{
						"port": "http", "path": "/prom", "interval": "15s",
						"relabelings": []any{map[string]any{"action": "replace", "targetLabel": "job", "replacement": "web"}},
					}},
				},
			},
		},
		{
			name:  "team shop: its own route too",
			app:   strings.Replace(monitored, `team: "chatbot"`, `team: "shop"`, 1),
			env:   alerting,
			kinds: []string{KindServiceMonitor, KindPrometheusRule, KindAlertmanagerConfig},
			want: map[string]map[string]any{
				"AlertmanagerConfig/chatbot/web": {
					"spec.route.routes": []any{
						map[string]any{
							"receiver": "pagerduty", "continue": true,
							"matchers": []any{map[string]any{"name": "severity", "value": "critical"}},
						},
						map[string]any{
							"receiver": "shop-slack",
							"matchers": []any{map[string]any{"name": "team", "value": "shop"}},
						},
					},
				},
			},
		},
		{
			name: "no metrics: nothing",
			app:  `ports: http: port: 8080`,
			env:  alerting,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := monitoringOf(build(t, envWith(t, "namespaces: chatbot: {}\n"+tc.env, newApp(t, "web", "Deployment", tc.app))))
			var kinds []string
			byID := map[string]object.Object{}
			for _, o := range objs {
				kinds = append(kinds, o.Kind())
				byID[o.ID()] = o
				if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", monitoringCRDs[o.Kind()]), o.Content); err != nil {
					t.Errorf("%s does not satisfy its CRD: %v", o.ID(), err)
				}
			}
			if diff := cmp.Diff(tc.kinds, kinds); diff != "" {
				t.Errorf("kinds mismatch (-want +got):\n%s", diff)
			}
			for id, fields := range tc.want {
				o, ok := byID[id]
				if !ok {
					t.Errorf("no %s", id)
					continue
				}
				for path, want := range fields {
					if diff := cmp.Diff(want, o.Lookup(strings.Split(path, ".")...)); diff != "" {
						t.Errorf("%s %s mismatch (-want +got):\n%s", id, path, diff)
					}
				}
			}
		})
	}
}

// TestMonitoringTypesMatchCRDs sets every field of the local types and
// validates them against prometheus-operator's CRDs, which schematest
// closes: every field name and JSON type must be the operator's.
func TestMonitoringTypesMatchCRDs(t *testing.T) {
	for _, tc := range []struct {
		kind, apiVersion string
		spec             any
	}{
		{KindServiceMonitor, MonitoringAPIVersion, &ServiceMonitorSpec{}},
		{KindPodMonitor, MonitoringAPIVersion, &PodMonitorSpec{}},
		{KindPrometheusRule, MonitoringAPIVersion, &PrometheusRuleSpec{}},
		{KindAlertmanagerConfig, AlertmanagerConfigAPIVersion, &AlertmanagerConfigSpec{}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			content := map[string]any{
				"apiVersion": tc.apiVersion,
				"kind":       tc.kind,
				"metadata":   map[string]any{"name": "x", "namespace": "x"},
				"spec": schematest.Filled(t, tc.spec, map[string]string{
					"matchType": "=", "action": "replace", "interval": "30s", "for": "5m", "port": "http", "operator": "In",
				}),
			}
			if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", monitoringCRDs[tc.kind]), content); err != nil {
				t.Errorf("ValidateCRD(every field set) = %v\n%v", err, content)
			}
		})
	}
}

// TestScrapeAdmitted: with prometheus-operator in the cluster, the app's
// NetworkPolicy admits its Prometheus servers on the metrics port, and
// only there; without the operator, or without metrics, nothing.
func TestScrapeAdmitted(t *testing.T) {
	prometheus := map[string]any{
		"from": []any{map[string]any{
			"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}},
			"podSelector":       map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/name": "prometheus"}},
		}},
		"ports": []any{map[string]any{"port": 8000, "protocol": "TCP"}},
	}
	for _, tc := range []struct {
		name     string
		app      string
		operator bool
		want     bool
	}{
		{"metrics and the operator", monitored, true, true},
		{"no operator", monitored, false, false},
		{"no metrics", `ports: http: port: 8080`, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, newApp(t, "web", "Deployment", tc.app))
			env.Platform.Controllers["prometheus-operator"].Enabled = tc.operator
			np := find(t, build(t, env), "NetworkPolicy", "web")
			rules, _ := np.Lookup("spec", "ingress").([]any)
			got := false
			for _, r := range rules {
				if fmt.Sprint(r) == fmt.Sprint(prometheus) { // numbers compare by value, whatever their Go type
					got = true
				}
			}
			if got != tc.want {
				t.Errorf("ingress admits Prometheus = %v, want %v\n%v", got, tc.want, rules)
			}
		})
	}
}
