package slo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/gitops-gen/gen/generator/model"
)

// Objective is one of an app's availability or latency objectives,
// resolved: its selectors parsed and scoped to the app's series, so that
// its error ratio over any window is a PromQL expression.
type Objective struct {
	// Name is "availability" or "latency" (model.ObjectiveAvailability,
	// model.ObjectiveLatency); Path is its CUE path.
	Name, Path string
	// Target is the share of good requests promised over Window: the
	// availability target, or the latency quantile.
	Target float64
	Window string
	// Threshold is a latency objective's threshold in seconds (0 for
	// availability).
	Threshold float64

	good, total selector
	// buckets are a latency objective's <histogram>_bucket series, every
	// le, of which a quantile is computed.
	buckets selector
}

// ErrorRatio returns the PromQL of the share of bad requests over window
// (a Prometheus duration such as "5m"): the objective's SLI, inverted.
func (o Objective) ErrorRatio(window string) string {
	return fmt.Sprintf("1 - (sum(rate(%s[%s])) / sum(rate(%s[%s])))", o.good, window, o.total, window)
}

// SuccessRatio returns the PromQL of the share of good requests over
// window, which a canary's analysis compares with Target. Good requests
// without a series count as none, so that a new version whose every
// request fails measures 0 rather than no data; without requests at all
// the result is empty.
func (o Objective) SuccessRatio(window string) string {
	return fmt.Sprintf("(sum(rate(%s[%s])) or vector(0)) / sum(rate(%s[%s]))", o.good, window, o.total, window)
}

// Quantile returns the PromQL of a latency objective's quantile (Target)
// of the request duration over window, in seconds, which its alert and a
// canary's analysis compare with Threshold; "" for availability.
func (o Objective) Quantile(window string) string {
	if o.buckets.name == "" {
		return ""
	}
	return fmt.Sprintf("histogram_quantile(%s, sum by (le) (rate(%s[%s])))", number(o.Target), o.buckets, window)
}

// Restrict returns o over only the series that m matches too, such as a
// canary's analysis measuring the new version's pods alone.
func (o Objective) Restrict(m *labels.Matcher) Objective {
	o.good, o.total = o.good.with(o.good.name, m), o.total.with(o.total.name, m)
	if o.buckets.name != "" {
		o.buckets = o.buckets.with(o.buckets.name, m)
	}
	return o
}

// Budget is the error budget: the share of requests that may fail.
func (o Objective) Budget() float64 { return roundTo(1-o.Target, 1e9) }

// Objectives returns app's availability and latency objectives, in that
// order, or the problems of their fields (an [*Error] each): a target
// outside (0, 1), a latency objective without its histogram, a selector
// that does not parse or is no selector, a window or threshold Prometheus
// does not read. An app without metrics has none.
func Objectives(app *model.App) ([]Objective, []error) {
	var out []Objective
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, &Error{Path: app.Path(field), Msg: fmt.Sprintf(format, args...)})
	}
	if a := app.Objectives.Availability; a != nil {
		at := "objectives.availability"
		o := Objective{Name: model.ObjectiveAvailability, Path: app.Path(at), Target: a.Target, Window: a.Window}
		ok := checkTarget(fail, at+".target", "target", a.Target) && checkWindow(fail, at+".window", a.Window)
		good, gerr := parseSelector(a.Good)
		if gerr != nil {
			fail(at+".good", "availability objective: good: %v", gerr)
		}
		total, terr := parseSelector(a.Total)
		if terr != nil {
			fail(at+".total", "availability objective: total: %v", terr)
		}
		if ok && gerr == nil && terr == nil {
			o.good, o.total = good.scoped(app.Namespace, app.Name), total.scoped(app.Namespace, app.Name)
			out = append(out, o)
		}
	}
	if l := app.Objectives.Latency; l != nil {
		at := "objectives.latency"
		o := Objective{Name: model.ObjectiveLatency, Path: app.Path(at), Target: l.Quantile, Window: l.Window}
		ok := checkTarget(fail, at+".quantile", "quantile", l.Quantile) && checkWindow(fail, at+".window", l.Window)
		th, err := duration(l.Threshold)
		if err != nil {
			fail(at+".threshold", "latency objective: threshold %q is not a Prometheus duration: %v", l.Threshold, err)
			ok = false
		}
		o.Threshold = th.Seconds()
		if l.Histogram == "" {
			fail(at, "latency objective p%s < %s has no histogram to read latencies from: set histogram to the base name of the app's request duration histogram, e.g. histogram: \"http_request_duration_seconds\" (gen reads its _bucket and _count series)",
				number(l.Quantile*100), l.Threshold)
			ok = false
		} else if h, err := parseSelector(l.Histogram); err != nil {
			fail(at+".histogram", "latency objective: histogram: %v", err)
			ok = false
		} else if ok {
			h = h.scoped(app.Namespace, app.Name)
			le := labels.MustNewMatcher(labels.MatchEqual, "le", bucket(o.Threshold))
			o.buckets = h.with(h.name + "_bucket")
			o.good, o.total = o.buckets.with(o.buckets.name, le), h.with(h.name+"_count")
		}
		if ok {
			out = append(out, o)
		}
	}
	return out, errs
}

func checkTarget(fail func(field, format string, args ...any), field, what string, v float64) bool {
	if v > 0 && v < 1 {
		return true
	}
	fail(field, "objective %s %s is outside (0, 1): give the share of good requests as a ratio, e.g. 0.999 for 99.9%%", what, number(v))
	return false
}

func checkWindow(fail func(field, format string, args ...any), field, w string) bool {
	if _, err := duration(w); err != nil {
		fail(field, "objective window %q is not a Prometheus duration: %v", w, err)
		return false
	}
	return true
}

// bucket returns the le label of the bucket at seconds as Prometheus 3
// stores it: a float that always has a decimal point ("0.1", "1.0").
func bucket(seconds float64) string {
	s := strconv.FormatFloat(seconds, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
