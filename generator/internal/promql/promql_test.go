package promql

import "testing"

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		expr string
		ok   bool
	}{
		{`sum(rate(http_requests_total{code!~"5.."}[2m])) / sum(rate(http_requests_total[2m]))`, true},
		{`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{pod=~"web-{{args.hash}}-.*"}[2m])))`, true},
		{`sum(rate(http_requests_total{code!~"5.."}[2m])`, false},
		{`rate(http_requests_total[2x])`, false},
		{``, false},
	} {
		if err := Parse(tt.expr); (err == nil) != tt.ok {
			t.Errorf("Parse(%q) = %v, want ok %v", tt.expr, err, tt.ok)
		}
	}
}
