package custommetrics_test

import (
	"bytes"
	"testing"
	"text/template"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/custommetrics"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/promql"
)

// base is an environment with prometheus-adapter and the namespaces of
// the tests' apps, which give their image and port.
const base = modeltest.ChatbotProd + `
platform: controllers: "prometheus-adapter": enabled: true
namespaces: shop: {}
apps: [Name=_]: {
	namespace: *"shop" | _
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"}
	ports: http: port: 8080
}
`

func TestDerive(t *testing.T) {
	pod := map[string]custommetrics.GroupResource{
		"namespace": {Resource: "namespace"},
		"pod":       {Resource: "pod"},
	}
	tests := []struct {
		name string
		src  string
		want custommetrics.Rules
	}{
		{
			name: "no custom metrics",
			src:  `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, cpu: 70}`,
		},
		{
			// http_requests_per_second reads the counter http_requests_total
			// as a rate; a gauge is read as it is.
			name: "Pods metrics, a counter and a gauge",
			src: `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: {
	http_requests_per_second: averageValue: "50"
	inflight_requests: averageValue: "10"
}}`,
			want: custommetrics.Rules{Custom: []custommetrics.Rule{
				{
					SeriesQuery:  `http_requests_total{namespace!="",pod!=""}`,
					Resources:    custommetrics.Resources{Overrides: pod},
					Name:         custommetrics.Name{Matches: "^http_requests_total$", As: "http_requests_per_second"},
					MetricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
				},
				{
					SeriesQuery:  `inflight_requests{namespace!="",pod!=""}`,
					Resources:    custommetrics.Resources{Overrides: pod},
					Name:         custommetrics.Name{Matches: "^inflight_requests$", As: "inflight_requests"},
					MetricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
				},
			}},
		},
		{
			// Two apps on one metric share its rule; the Object metric adds
			// the label of its kind, so the series need only a namespace.
			name: "one metric of pods and of a Service, in two apps",
			src: `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: rps: {averageValue: "50", series: "http_requests_total"}}
apps: api: autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: rps: {type: "Object", series: "http_requests_total", value: "500", object: {apiVersion: "v1", kind: "Service", name: "api"}}}`,
			want: custommetrics.Rules{Custom: []custommetrics.Rule{{
				SeriesQuery: `http_requests_total{namespace!=""}`,
				Resources: custommetrics.Resources{Overrides: map[string]custommetrics.GroupResource{
					"namespace": {Resource: "namespace"},
					"pod":       {Resource: "pod"},
					"service":   {Resource: "service"},
				}},
				Name:         custommetrics.Name{Matches: "^http_requests_total$", As: "rps"},
				MetricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
			}}},
		},
		{
			name: "an Object metric of an Ingress",
			src:  `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: alb_requests_per_second: {type: "Object", value: "100", object: {kind: "Ingress", name: "web"}}}`,
			want: custommetrics.Rules{Custom: []custommetrics.Rule{{
				SeriesQuery: `alb_requests_total{namespace!="",ingress!=""}`,
				Resources: custommetrics.Resources{Overrides: map[string]custommetrics.GroupResource{
					"namespace": {Resource: "namespace"},
					"ingress":   {Group: "networking.k8s.io", Resource: "ingress"},
				}},
				Name:         custommetrics.Name{Matches: "^alb_requests_total$", As: "alb_requests_per_second"},
				MetricsQuery: "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
			}}},
		},
		{
			// An External metric is read whatever namespace its exporter
			// runs in; the HPA's selector narrows it.
			name: "an External metric",
			src: `apps: worker: autoscaling: {minReplicas: 1, maxReplicas: 8, metrics: {
	"sqs.messages": {type: "External", series: "aws_sqs_approximate_number_of_messages_visible_average", selector: queue_name: "jobs", averageValue: "30"}
}}`,
			want: custommetrics.Rules{External: []custommetrics.Rule{{
				SeriesQuery:  "aws_sqs_approximate_number_of_messages_visible_average",
				Resources:    custommetrics.Resources{Namespaced: new(false)},
				Name:         custommetrics.Name{Matches: "^aws_sqs_approximate_number_of_messages_visible_average$", As: "sqs.messages"},
				MetricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>})",
			}}},
		},
		{
			// Only the HPAs gen renders: not a disabled app's, not one
			// with autoscaling off, not one KEDA scales.
			name: "apps without an HPA of gen's",
			src: `apps: off: {enabled: false, autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: a: averageValue: "1"}}
apps: fixed: autoscaling: {enabled: false, metrics: b: averageValue: "1"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := modeltest.Env(t, "prod", base+tt.src)
			got, err := custommetrics.Derive(env)
			if err != nil {
				t.Fatalf("Derive() = %v", cueerrors.Details(err, nil))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Derive() mismatch (-want +got):\n%s", diff)
			}
			for _, r := range append(got.Custom, got.External...) {
				checkQueries(t, r)
			}
		})
	}
}

// checkQueries parses the rule's queries as PromQL, with its templates
// filled as the adapter fills them.
func checkQueries(t *testing.T, r custommetrics.Rule) {
	t.Helper()
	if err := promql.Parse(r.SeriesQuery); err != nil {
		t.Errorf("seriesQuery %q: %v", r.SeriesQuery, err)
	}
	tmpl, err := template.New("q").Delims("<<", ">>").Parse(r.MetricsQuery)
	if err != nil {
		t.Fatalf("metricsQuery %q: %v", r.MetricsQuery, err)
	}
	for _, args := range []map[string]string{
		{"Series": "http_requests_total", "LabelMatchers": `namespace="shop",pod=~"web-1|web-2"`, "GroupBy": "pod"},
		{"Series": "http_requests_total", "LabelMatchers": "", "GroupBy": ""}, // an external metric without a selector
	} {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, args); err != nil {
			t.Fatalf("metricsQuery %q: %v", r.MetricsQuery, err)
		}
		if r.Resources.Overrides != nil && args["GroupBy"] == "" {
			continue // a custom metric always has its object's label
		}
		if err := promql.Parse(b.String()); err != nil {
			t.Errorf("metricsQuery %q filled in: %q: %v", r.MetricsQuery, b.String(), err)
		}
	}
}

// The rules go to the chart's rules.custom and rules.external, after any
// the environment's values list, without changing those values.
func TestValues(t *testing.T) {
	values := map[string]any{
		"replicas": 1,
		"rules":    map[string]any{"default": false, "custom": []any{map[string]any{"seriesQuery": "own"}}},
	}
	rules := custommetrics.Rules{
		Custom:   []custommetrics.Rule{{SeriesQuery: "a", Name: custommetrics.Name{Matches: "^a$", As: "a"}, MetricsQuery: "sum(a)"}},
		External: []custommetrics.Rule{{SeriesQuery: "b", Resources: custommetrics.Resources{Namespaced: new(false)}, Name: custommetrics.Name{Matches: "^b$", As: "b"}, MetricsQuery: "sum(b)"}},
	}
	got := rules.Values(values)
	want := map[string]any{
		"replicas": 1,
		"rules": map[string]any{
			"default": false,
			"custom": []any{
				map[string]any{"seriesQuery": "own"},
				map[string]any{"seriesQuery": "a", "resources": map[string]any{}, "name": map[string]any{"matches": "^a$", "as": "a"}, "metricsQuery": "sum(a)"},
			},
			"external": []any{
				map[string]any{"seriesQuery": "b", "resources": map[string]any{"namespaced": false}, "name": map[string]any{"matches": "^b$", "as": "b"}, "metricsQuery": "sum(b)"},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Values() mismatch (-want +got):\n%s", diff)
	}
	if n := len(values["rules"].(map[string]any)["custom"].([]any)); n != 1 {
		t.Errorf("Values() changed its argument: %d custom rules, want 1", n)
	}
	if got := (custommetrics.Rules{}).Values(values); !cmp.Equal(got, values) {
		t.Errorf("Values() without rules = %v, want the values unchanged", got)
	}
}
