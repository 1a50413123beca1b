package check_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// TestPrometheusStack checks the environment's own Prometheus and what
// asks it: an in-cluster address must be the environment's Prometheus.
func TestPrometheusStack(t *testing.T) {
	const canary = `apps: web: {
	services: web: {}
	delivery: canary: {}
}
`
	const keda = `platform: controllers: keda: enabled: true
apps: web: autoscaling: {
	minReplicas: 2
	maxReplicas: 4
	keda: prometheus: rps: {serverAddress: "%s", query: "sum(rate(http_requests_total[2m]))", threshold: 100}
}
`
	tests := []struct {
		name string
		src  string
		want []problem
	}{
		{name: "the default: a release analysed by the environment's Prometheus", src: canary},
		{name: "a Prometheus of the user's own", src: canary + `monitoring: prometheus: enabled: false
monitoring: alertmanager: enabled: false
apps: web: delivery: analysis: prometheus: "https://prometheus.example.com"`},
		{
			name: "the in-cluster address without Prometheus",
			src: canary + `monitoring: prometheus: enabled: false
monitoring: alertmanager: enabled: false`,
			want: []problem{
				{path("apps", "web", "delivery", "analysis", "prometheus"), `apps.web.delivery.analysis.prometheus: its release analysis asks http://prometheus-operated.monitoring.svc.cluster.local:9090, the Prometheus that prometheus-operator runs in namespace monitoring, but environment prod runs none (monitoring.prometheus.enabled, platform.controllers.prometheus-operator.enabled): every query would fail; run it, or name a Prometheus of your own`},
			},
		},
		{
			name: "a KEDA trigger asking another namespace's",
			src:  fmt.Sprintf(keda, "http://prometheus-operated.observability.svc:9090"),
			want: []problem{
				{path("apps", "web", "autoscaling", "keda", "prometheus", "rps", "serverAddress"), `apps.web.autoscaling.keda.prometheus.rps.serverAddress: its KEDA trigger rps asks http://prometheus-operated.observability.svc:9090, in namespace observability, but the environment's Prometheus runs in namespace monitoring (platform.controllers.prometheus-operator.namespace): the name does not resolve; use http://prometheus-operated.monitoring.svc:9090`},
			},
		},
		{name: "a KEDA trigger asking the environment's", src: fmt.Sprintf(keda, "http://prometheus-operated.monitoring:9090")},
		{
			name: "Alertmanager without Prometheus",
			src:  `monitoring: {prometheus: enabled: false, alertmanager: enabled: true}`,
			want: []problem{
				{path("monitoring", "alertmanager", "enabled"), `monitoring.alertmanager.enabled: Alertmanager receives its alerts from the environment's Prometheus, which monitoring.prometheus.enabled turns off; turn both off, or keep Prometheus`},
			},
		},
		{
			name: "a volume class the cluster lacks",
			src:  `monitoring: prometheus: storage: class: "io2"`,
			want: []problem{
				{path("monitoring", "prometheus", "storage", "class"), `monitoring.prometheus.storage.class: Prometheus's volume class "io2" is not one of the cluster's StorageClasses (gp3): its volume would stay Pending and Prometheus with it; name one of them`},
			},
		},
		{
			name: "a retention shorter than the objectives' alerts read",
			src:  `monitoring: prometheus: retention: "2d"` + "\n" + `apps: web: {metrics: port: "http", objectives: availability: target: 0.99}`,
			want: []problem{
				{path("monitoring", "prometheus", "retention"), `monitoring.prometheus.retention: Prometheus keeps samples for 2d, but the objectives' alerts read the last 3d (the slow-burn ticket alert): keep at least 3d`},
			},
		},
		{name: "a short retention without objectives", src: `monitoring: prometheus: retention: "6h"`},
		{
			name: "no class and no default class",
			src:  `cluster: storageClasses: gp3: default: false`,
			want: []problem{
				{path("monitoring", "prometheus", "storage"), `monitoring.prometheus.storage: Prometheus's volume names no class and the cluster has no default StorageClass (gp3): its volume would stay Pending; set monitoring: prometheus: storage: class, or mark a class default`},
			},
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
