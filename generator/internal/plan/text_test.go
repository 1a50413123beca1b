package plan

import (
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
)

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{span(3, 3), "3"},
		{span(3, 10), "3-10"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestDeliveries: each measurement of a release is a row with its bound
// and where it comes from, and a bound looser than the objective's says
// so.
func TestDeliveries(t *testing.T) {
	const objectives = `ports: http: port: 8080
metrics: port: "http"
objectives: {availability: target: 0.999, latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}}
`
	var apps []App
	for _, tc := range []struct{ name, src string }{
		{"api", objectives + `delivery: canary: {}`},
		{"edge", objectives + `delivery: {canary: steps: [{weight: 50}], analysis: {successRate: minimum: 0.99, latency: maximumSeconds: 0.05}}`},
		{"shop", objectives + `delivery: {blueGreen: {}, analysis: {successRate: {from: "query", total: "grpc_server_handled_total", errors: "grpc_code!=\"OK\""}, latency: {from: "query", maximumSeconds: 0.25}}}`},
		{"web", `delivery: canary: {}`},
		{"worker", `delivery: {canary: {}, analysis: enabled: false}`},
		{"db", ``},
	} {
		app := modeltest.App(t, tc.name, tc.src)
		apps = append(apps, App{Name: tc.name, Delivery: deliveryOf(app)})
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	deliveries(tw, apps)
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `
APP     DELIVERY           STEPS                   ABORTS WHEN           FROM
api     canary (replicas)  10% 2m, 25% 5m, 50% 5m  success-rate < 99.9%  objectives.availability
                                                   latency p99 > 100ms   objectives.latency
edge    canary (replicas)  50%                     success-rate < 99%    objectives.availability, minimum from delivery.analysis (looser than objectives.availability: 99.9%)
                                                   latency p99 > 50ms    objectives.latency, maximumSeconds from delivery.analysis
shop    blueGreen          -                       success-rate < 99%    delivery.analysis.successRate (looser than objectives.availability: 99.9%)
                                                   latency p99 > 250ms   delivery.analysis.latency (looser than objectives.latency: 100ms)
web     canary (replicas)  10% 2m, 25% 5m, 50% 5m  success-rate < 99%    delivery.analysis.successRate
                                                   latency p99 > 500ms   delivery.analysis.latency
worker  canary (replicas)  10% 2m, 25% 5m, 50% 5m  -                     -
db      rollingUpdate      -                       -                     -
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("deliveries() mismatch (-want +got):\n%s", diff)
	}
}
