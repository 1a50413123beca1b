// Package promql checks the PromQL expressions gen writes (alert and
// recording rules, analysis queries, KEDA scalers) with the Prometheus
// project's own parser, so that a broken query is a bad input when gen
// renders rather than an alert that silently never fires. It parses only;
// it never queries a Prometheus.
package promql

import (
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Parse parses expr as PromQL and returns the parser's error (which says
// where in expr it failed), nil when expr is a valid expression.
func Parse(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return errEmpty
	}
	_, err := defaultParser.ParseExpr(expr)
	return err
}

// defaultParser parses the PromQL of a Prometheus with no feature flags:
// no experimental functions, names in the classic character set.
var defaultParser = parser.NewParser(parser.Options{})

type emptyError struct{}

func (emptyError) Error() string { return "empty expression" }

var errEmpty error = emptyError{}
