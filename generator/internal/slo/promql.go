package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Parse parses expr with Prometheus' parser, with the functions Prometheus
// enables by default.
func Parse(expr string) (parser.Expr, error) {
	return parser.NewParser(parser.Options{}).ParseExpr(expr)
}

// Error is a problem of an app's field: Path is its CUE path
// ("apps.backend.objectives.availability.good").
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// selector is a parsed instant-vector selector: a metric name and label
// matchers, without the __name__ matcher.
type selector struct {
	name     string
	matchers []*labels.Matcher
}

// parseSelector parses s, a user's PromQL selector ("http_requests_total",
// `http_requests_total{code!~"5.."}`), which must be a plain instant
// vector selector with a metric name: gen wraps it in rate() and sum().
func parseSelector(s string) (selector, error) {
	expr, err := Parse(s)
	if err != nil {
		return selector{}, fmt.Errorf("%q is not valid PromQL: %v", s, firstLine(err))
	}
	vs, ok := expr.(*parser.VectorSelector)
	if !ok || vs.OriginalOffset != 0 || vs.Timestamp != nil || vs.StartOrEnd != 0 {
		return selector{}, fmt.Errorf("%q is an expression, not a selector of a counter such as http_requests_total{code!~\"5..\"}: gen adds rate() and sum() itself", s)
	}
	if vs.Name == "" {
		return selector{}, fmt.Errorf("%q names no metric: write the metric's name before the braces, e.g. http_requests_total{code!~\"5..\"}", s)
	}
	out := selector{name: vs.Name}
	for _, m := range vs.LabelMatchers {
		if m.Name != model.MetricNameLabel {
			out.matchers = append(out.matchers, m)
		}
	}
	return out, nil
}

// scoped returns s with the matchers of the app's series (namespace and
// job) added, unless s already matches on those labels.
func (s selector) scoped(namespace, job string) selector {
	out := selector{name: s.name, matchers: append([]*labels.Matcher(nil), s.matchers...)}
	for _, m := range []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, "namespace", namespace),
		labels.MustNewMatcher(labels.MatchEqual, "job", job),
	} {
		if !out.has(m.Name) {
			out.matchers = append(out.matchers, m)
		}
	}
	return out
}

func (s selector) has(label string) bool {
	for _, m := range s.matchers {
		if m.Name == label {
			return true
		}
	}
	return false
}

// with returns s renamed to name, with the matchers extra added.
func (s selector) with(name string, extra ...*labels.Matcher) selector {
	return selector{name: name, matchers: append(append([]*labels.Matcher(nil), s.matchers...), extra...)}
}

// String returns s in PromQL.
func (s selector) String() string {
	if len(s.matchers) == 0 {
		return s.name
	}
	ms := make([]string, len(s.matchers))
	for i, m := range s.matchers {
		ms[i] = m.String()
	}
	return s.name + "{" + strings.Join(ms, ", ") + "}"
}

// duration parses a Prometheus duration ("30s", "5m", "30d").
func duration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q is not positive", s)
	}
	return time.Duration(d), nil
}

// number formats f as PromQL writes it: the shortest decimal that reads
// back as f, rounded to nine decimals so that 1 - 0.999 is 0.001.
func number(f float64) string {
	return strconv.FormatFloat(roundTo(f, 1e9), 'f', -1, 64)
}

func roundTo(f, scale float64) float64 {
	if f >= 0 {
		return float64(int64(f*scale+0.5)) / scale
	}
	return -float64(int64(-f*scale+0.5)) / scale
}

// matcherList returns the PromQL of label matchers given as
// name, value pairs (equality).
func matcherList(pairs ...string) string {
	ms := make([]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, pairs[i], pairs[i+1]).String())
	}
	return "{" + strings.Join(ms, ", ") + "}"
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
