package slo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/internal/golden"
)

// backend is a typical app: seed 000's numbers on the chatbot backend.
const backend = `
namespace: "chatbot"
ports: http: port: 8000
resources: limits: {cpu: "500m", memory: "1Gi"}
autoscaling: {minReplicas: 3, maxReplicas: 10, cpu: 70}
disruption: minAvailable: 2
metrics: port: "http"
objectives: {
	availability: target: 0.999
	latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}
	throughput: rps: 500
}
alerts: {team: "chatbot", runbookURL: "https://runbooks.example.com/backend"}
`

// TestRulesGolden keeps the rules of a typical app in
// testdata/backend.json (GEN_UPDATE=1 rewrites it).
func TestRulesGolden(t *testing.T) {
	groups, errs := Rules(modeltest.App(t, "backend", backend))
	if len(errs) > 0 {
		t.Fatalf("Rules() errors = %v", errs)
	}
	got, err := json.MarshalIndent(groups, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "backend.json")
	if golden.Update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Rules(backend) mismatch (-want +got):\n%s", diff)
	}
}

// TestRulesRoundTrip parses every expression Rules writes, prints it
// with Prometheus' printer and parses that again: the two trees print
// the same, so what gen writes is what Prometheus reads.
func TestRulesRoundTrip(t *testing.T) {
	for name, src := range map[string]string{
		"backend": backend,
		"statefulset": `
kind: "StatefulSet"
ports: http: port: 8080
storage: data: {size: "10Gi", mountPath: "/data"}
metrics: port: "http"
objectives: availability: {target: 0.99, window: "7d", good: "grpc_server_handled_total{grpc_code=\"OK\"}", total: "grpc_server_handled_total"}
`,
	} {
		groups, errs := Rules(modeltest.App(t, name, src))
		if len(errs) > 0 {
			t.Fatalf("%s: Rules() errors = %v", name, errs)
		}
		n := 0
		for _, g := range groups {
			for _, r := range g.Rules {
				n++
				first, err := Parse(r.Expr)
				if err != nil {
					t.Fatalf("%s %s%s: %v", name, r.Record, r.Alert, err)
				}
				second, err := Parse(first.String())
				if err != nil {
					t.Fatalf("%s %s%s: printed %q does not parse: %v", name, r.Record, r.Alert, first.String(), err)
				}
				if first.String() != second.String() {
					t.Errorf("%s %s%s: round trip %q != %q", name, r.Record, r.Alert, first.String(), second.String())
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no rules", name)
		}
	}
}

// TestBurnFactors checks the burn rates against the SRE workbook's for a
// 30-day window, and their scaling to a 7-day one.
func TestBurnFactors(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		want   []float64
	}{
		{30 * 24 * time.Hour, []float64{14.4, 6, 3, 1}},
		{7 * 24 * time.Hour, []float64{3.36, 1.4, 0.7, 0.2333}},
	} {
		var got []float64
		for _, b := range Burns {
			got = append(got, b.Factor(tc.window))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Factor(%s) mismatch (-want +got):\n%s", tc.window, diff)
		}
	}
}

func TestObjectivesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // "path: message" substrings, in order
	}{
		{
			name: "target above 1",
			src:  `objectives: availability: target: 99.9`,
			want: []string{"apps.web.objectives.availability.target: objective target 99.9 is outside (0, 1): give the share of good requests as a ratio, e.g. 0.999 for 99.9%"},
		},
		{
			name: "target 0",
			src:  `objectives: availability: target: 0`,
			want: []string{"apps.web.objectives.availability.target: objective target 0 is outside (0, 1)"},
		},
		{
			name: "latency without histogram",
			src:  `objectives: latency: threshold: "100ms"`,
			want: []string{`apps.web.objectives.latency: latency objective p99 < 100ms has no histogram to read latencies from: set histogram`},
		},
		{
			name: "selector that does not parse",
			src:  `objectives: availability: {target: 0.99, good: "http_requests_total{code!~\"5..\""}`,
			want: []string{`apps.web.objectives.availability.good: availability objective: good: "http_requests_total{code!~\"5..\"" is not valid PromQL: 1:`},
		},
		{
			name: "an expression, not a selector",
			src:  `objectives: availability: {target: 0.99, total: "sum(rate(http_requests_total[5m]))"}`,
			want: []string{`apps.web.objectives.availability.total: availability objective: total: "sum(rate(http_requests_total[5m]))" is an expression, not a selector`},
		},
		{
			name: "no metric name",
			src:  `objectives: latency: {threshold: "100ms", histogram: "{job=\"x\"}"}`,
			want: []string{`apps.web.objectives.latency.histogram: latency objective: histogram: "{job=\"x\"}" names no metric`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := modeltest.App(t, "web", "ports: http: port: 8080\nmetrics: port: \"http\"\n"+tc.src)
			_, errs := Objectives(app)
			if len(errs) != len(tc.want) {
				t.Fatalf("Objectives() = %v, want %d errors", errs, len(tc.want))
			}
			for i, err := range errs {
				if !strings.HasPrefix(err.Error(), tc.want[i]) {
					t.Errorf("error %d = %q, want prefix %q", i, err, tc.want[i])
				}
			}
		})
	}
}

// TestSelectorsScoped: the app's namespace and job are added to a user's
// selector unless it matches on them itself.
func TestSelectorsScoped(t *testing.T) {
	app := modeltest.App(t, "web", `
namespace: "shop"
ports: http: port: 8080
metrics: port: "http"
objectives: availability: {target: 0.99, good: "requests_total{job=\"edge\", code=\"200\"}", total: "requests_total{job=\"edge\"}"}
`)
	objs, errs := Objectives(app)
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("Objectives() = %v, %v", objs, errs)
	}
	want := `(sum(rate(requests_total{job="edge", code="200", namespace="shop"}[5m])) or vector(0)) / sum(rate(requests_total{job="edge", namespace="shop"}[5m]))`
	if got := objs[0].SuccessRatio("5m"); got != want {
		t.Errorf("SuccessRatio(5m) = %s, want %s", got, want)
	}
}

// TestRestrict: a restricted objective measures only the series the
// matcher selects too, in its ratio and its quantile, and every
// expression parses.
func TestRestrict(t *testing.T) {
	app := modeltest.App(t, "web", `
namespace: "shop"
ports: http: port: 8080
metrics: port: "http"
objectives: {
	availability: {target: 0.999, good: "requests_total{code!~\"5..\"}", total: "requests_total"}
	latency: {threshold: "250ms", histogram: "request_seconds{handler!=\"/health\"}", quantile: 0.95}
}
`)
	objs, errs := Objectives(app)
	if len(errs) > 0 || len(objs) != 2 {
		t.Fatalf("Objectives() = %v, %v", objs, errs)
	}
	pod := labels.MustNewMatcher(labels.MatchRegexp, "pod", "web-{{args.hash}}-.*")
	avail, lat := objs[0].Restrict(pod), objs[1].Restrict(pod)
	for _, tc := range []struct{ name, got, want string }{
		{"availability SuccessRatio", avail.SuccessRatio("2m"),
			`(sum(rate(requests_total{code!~"5..", namespace="shop", job="web", pod=~"web-{{args.hash}}-.*"}[2m])) or vector(0)) / sum(rate(requests_total{namespace="shop", job="web", pod=~"web-{{args.hash}}-.*"}[2m]))`},
		{"availability Quantile", avail.Quantile("2m"), ""},
		{"latency Quantile", lat.Quantile("2m"),
			`histogram_quantile(0.95, sum by (le) (rate(request_seconds_bucket{handler!="/health", namespace="shop", job="web", pod=~"web-{{args.hash}}-.*"}[2m])))`},
		{"latency SuccessRatio", lat.SuccessRatio("2m"),
			`(sum(rate(request_seconds_bucket{handler!="/health", namespace="shop", job="web", le="0.25", pod=~"web-{{args.hash}}-.*"}[2m])) or vector(0)) / sum(rate(request_seconds_count{handler!="/health", namespace="shop", job="web", pod=~"web-{{args.hash}}-.*"}[2m]))`},
		{"unrestricted latency Quantile", objs[1].Quantile("5m"),
			`histogram_quantile(0.95, sum by (le) (rate(request_seconds_bucket{handler!="/health", namespace="shop", job="web"}[5m])))`},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
		if tc.got == "" {
			continue
		}
		if _, err := Parse(tc.got); err != nil {
			t.Errorf("%s: Parse(%s) = %v", tc.name, tc.got, err)
		}
	}
}
