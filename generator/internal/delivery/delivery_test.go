package delivery

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/promql"
)

func TestQueries(t *testing.T) {
	app := modeltest.App(t, "web", `namespace: "chatbot"
image: repository: "web"
delivery: canary: {}`)
	got := Queries(app)
	want := []Query{
		{
			Name: "success-rate", Field: "successRate",
			Query:            `1 - (sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*", code=~"5.."}[2m])) or vector(0)) / sum(rate(http_requests_total{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m]))`,
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.99",
		},
		{
			Name: "latency", Field: "latency",
			Query:            `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="chatbot", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`,
			SuccessCondition: "len(result) == 0 || isNaN(result[0]) || result[0] <= 0.5",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Queries() mismatch (-want +got):\n%s", diff)
	}
	for _, q := range got {
		if err := promql.Parse(q.Query); err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
	}
}
