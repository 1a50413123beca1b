// Package promql checks PromQL expressions with the Prometheus project's
// own parser, so that an expression gen renders (an analysis query, an
// alert) is known to parse before it reaches a cluster.
package promql

import "github.com/prometheus/prometheus/promql/parser"

// Parse reports whether expr is a valid PromQL expression: nil, or the
// parser's error (which says where in expr it failed).
func Parse(expr string) error {
	_, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	return err
}
