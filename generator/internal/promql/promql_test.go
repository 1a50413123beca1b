package promql

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		expr, wantErr string
	}{
		{`sum(rate(http_requests_total{service="backend"}[2m]))`, ""},
		{`sum(rate(http_requests_total{code!~"5.."}[2m])) / sum(rate(http_requests_total[2m]))`, ""},
		{`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{pod=~"web-{{args.hash}}-.*"}[2m])))`, ""},
		{`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.1`, ""},
		{`up`, ""},
		{`sum(rate(http_requests_total[2m])`, "unclosed left parenthesis"},
		{`rate(http_requests_total[2x])`, "bad number or duration syntax"},
		{`http_requests_total{service="backend"`, "unexpected end of input"},
		{``, "empty expression"},
		{"  ", "empty expression"},
	} {
		err := Parse(tc.expr)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("Parse(%q) = %v, want nil", tc.expr, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.expr, err, tc.wantErr)
		}
	}
}
