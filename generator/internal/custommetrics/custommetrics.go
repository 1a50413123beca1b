// Package custommetrics builds the rules with which prometheus-adapter
// serves the custom and external metrics that an environment's HPAs ask
// for (autoscaling.metrics), from the environment's Prometheus. It is the
// one place they are built: argocd writes them into the adapter's chart
// values (rules.custom, rules.external), check refuses the metrics they
// cannot serve. It never queries a Prometheus.
//
// The rules' fields are the adapter's configuration
// (https://github.com/kubernetes-sigs/prometheus-adapter/blob/master/docs/config.md):
// seriesQuery finds the series, resources.overrides says which label
// names which Kubernetes object, name renames the series to the metric
// the HPA asks for, and metricsQuery is the PromQL template the adapter
// fills with the series (<<.Series>>), the matchers of the objects and the
// HPA's selector (<<.LabelMatchers>>) and the object label
// (<<.GroupBy>>).
package custommetrics

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/model"
)

// Controller is the controller (platform.controllers) that serves the
// rules.
const Controller = "prometheus-adapter"

// RateWindow is the window of a counter's rate: four scrapes at the
// default interval of 30s (schema #Metrics), so that a missed scrape
// still leaves enough samples. The Kubernetes HPA walkthrough and the
// adapter's own examples use 2m too.
const RateWindow = "2m"

// Rule is one of prometheus-adapter's discovery rules, with the
// adapter's field names.
type Rule struct {
	SeriesQuery  string    `json:"seriesQuery"`
	Resources    Resources `json:"resources"`
	Name         Name      `json:"name"`
	MetricsQuery string    `json:"metricsQuery"`
}

// Resources associates a series' labels with Kubernetes objects.
type Resources struct {
	// Overrides maps a label to the group-resource whose objects it
	// names.
	Overrides map[string]GroupResource `json:"overrides,omitempty"`
	// Namespaced false keeps the asking HPA's namespace out of an
	// external metric's query (the adapter's default is true).
	Namespaced *bool `json:"namespaced,omitempty"`
}

// GroupResource is a Kubernetes API group and resource (in the singular,
// as the adapter accepts it), such as {"", "pod"}.
type GroupResource struct {
	Group    string `json:"group,omitempty"`
	Resource string `json:"resource"`
}

// Name renames the series that Matches to the metric As.
type Name struct {
	Matches string `json:"matches"`
	As      string `json:"as"`
}

// Rules are the adapter's rules for one environment.
type Rules struct {
	// Custom serve custom.metrics.k8s.io: the HPAs' Pods and Object
	// metrics, one rule per metric name, sorted by it.
	Custom []Rule
	// External serve external.metrics.k8s.io: the HPAs' External metrics,
	// one rule per metric name, sorted by it.
	External []Rule
}

// promName is a Prometheus metric name.
var promName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`) })

// use is one app's use of a metric, for the errors that point at it.
type use struct {
	app    *model.App
	name   string
	metric model.CustomMetric
}

func (u use) path(field string) string {
	p := u.app.Path("autoscaling.metrics." + model.Label(u.name))
	if field != "" {
		p += "." + field
	}
	return p
}

// Derive returns the rules that serve every custom metric of the HPAs
// the environment's enabled apps render, and an error, positioned at the
// metric, for each metric the adapter cannot serve as asked: a series
// that is not a Prometheus metric name, a metric name that two apps read
// from different series (the API serves one metric of a name), or two
// objects' kinds that one label would name.
func Derive(env *model.Environment) (Rules, cueerrors.Error) {
	custom := map[string][]use{}
	external := map[string][]use{}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled || !app.HPA() || app.KEDA() || app.Kind == model.CronJob || app.Kind == model.Job {
			continue // no HPA of gen's
		}
		for _, metric := range slices.Sorted(maps.Keys(app.Autoscaling.Metrics)) {
			u := use{app: app, name: metric, metric: app.Autoscaling.Metrics[metric]}
			if u.metric.Type == "External" {
				external[metric] = append(external[metric], u)
			} else {
				custom[metric] = append(custom[metric], u)
			}
		}
	}
	var rules Rules
	var errs cueerrors.Error
	for _, metric := range slices.Sorted(maps.Keys(custom)) {
		r, err := customRule(env, metric, custom[metric])
		errs = cueerrors.Append(errs, err)
		rules.Custom = append(rules.Custom, r)
	}
	for _, metric := range slices.Sorted(maps.Keys(external)) {
		r, err := externalRule(env, metric, external[metric])
		errs = cueerrors.Append(errs, err)
		rules.External = append(rules.External, r)
	}
	return rules, errs
}

// series returns the one series the uses of metric read, with an error
// for each use that reads another or names no Prometheus series.
func series(env *model.Environment, metric string, uses []use) (string, cueerrors.Error) {
	var errs cueerrors.Error
	first := uses[0]
	for _, u := range uses {
		if !promName().MatchString(u.metric.Series) {
			errs = cueerrors.Append(errs, env.Errorf(u.path("series"),
				"metric %s: %q is not a Prometheus series name, which prometheus-adapter needs to serve the metric; set series to the series it is computed from, e.g. series: \"http_requests_total\"",
				metric, u.metric.Series))
			continue
		}
		if u.metric.Series != first.metric.Series {
			errs = cueerrors.Append(errs, env.Errorf(u.path("series"),
				"metric %s: app %s reads it from series %s, but app %s from %s; prometheus-adapter serves one metric of a name, from one series: read the same series, or give one of them another metric name",
				metric, u.app.Name, u.metric.Series, first.app.Name, first.metric.Series))
		}
	}
	return first.metric.Series, errs
}

// customRule serves metric, a Pods or Object metric, for the pods and
// objects its uses describe.
func customRule(env *model.Environment, metric string, uses []use) (Rule, cueerrors.Error) {
	s, errs := series(env, metric, uses)
	overrides := map[string]GroupResource{"namespace": {Resource: "namespace"}}
	firstAt := map[string]use{}
	for _, u := range uses {
		label, gr := resource(u.metric)
		if prev, ok := overrides[label]; ok && prev != gr {
			first := firstAt[label]
			errs = cueerrors.Append(errs, env.Errorf(u.path("object.kind"),
				"metric %s: the series' label %s would name both %s (app %s) and %s (app %s); give one of them another metric name",
				metric, label, groupResource(gr), u.app.Name, groupResource(prev), first.app.Name))
			continue
		}
		overrides[label] = gr
		if _, ok := firstAt[label]; !ok {
			firstAt[label] = u
		}
	}
	// The series must carry the label of what it describes; with more
	// than one kind of object, each series is associated with those
	// whose labels it has.
	matchers := `namespace!=""`
	if len(overrides) == 2 {
		for label := range overrides {
			if label != "namespace" {
				matchers += fmt.Sprintf(`,%s!=""`, label)
			}
		}
	}
	r := Rule{
		SeriesQuery:  fmt.Sprintf("%s{%s}", s, matchers),
		Resources:    Resources{Overrides: overrides},
		Name:         Name{Matches: "^" + regexp.QuoteMeta(s) + "$", As: metric},
		MetricsQuery: query(s, " by (<<.GroupBy>>)"),
	}
	return r, errs
}

// externalRule serves metric, an External metric: a series from outside
// the cluster, whatever namespace its exporter runs in, narrowed by the
// HPA's selector alone.
func externalRule(env *model.Environment, metric string, uses []use) (Rule, cueerrors.Error) {
	s, errs := series(env, metric, uses)
	r := Rule{
		SeriesQuery:  s,
		Resources:    Resources{Namespaced: new(false)},
		Name:         Name{Matches: "^" + regexp.QuoteMeta(s) + "$", As: metric},
		MetricsQuery: query(s, ""),
	}
	return r, errs
}

// query is the metricsQuery of series: a counter's rate, or the series'
// value, summed (by groupBy).
func query(series, groupBy string) string {
	if strings.HasSuffix(series, "_total") {
		return "sum(rate(<<.Series>>{<<.LabelMatchers>>}[" + RateWindow + "]))" + groupBy
	}
	return "sum(<<.Series>>{<<.LabelMatchers>>})" + groupBy
}

// resource is the label and group-resource of what a Pods or Object
// metric describes: a pod by its pod label, an object by the label named
// after its kind in lower case (service, ingress), which is also the
// resource's singular name.
func resource(m model.CustomMetric) (string, GroupResource) {
	if m.Type != "Object" || m.Object == nil {
		return "pod", GroupResource{Resource: "pod"}
	}
	group, _, ok := strings.Cut(m.Object.APIVersion, "/")
	if !ok {
		group = "" // the core group: "v1"
	}
	kind := strings.ToLower(m.Object.Kind)
	return kind, GroupResource{Group: group, Resource: kind}
}

func groupResource(gr GroupResource) string {
	if gr.Group == "" {
		return gr.Resource
	}
	return gr.Resource + "." + gr.Group
}

// Values returns the chart's values with the rules added: rules.custom
// and rules.external list the rules after any that values already lists
// there. values itself is not changed; without rules it is returned as
// it is.
func (r Rules) Values(values map[string]any) map[string]any {
	if len(r.Custom) == 0 && len(r.External) == 0 {
		return values
	}
	out := maps.Clone(values)
	if out == nil {
		out = map[string]any{}
	}
	section, _ := out["rules"].(map[string]any)
	section = maps.Clone(section)
	if section == nil {
		section = map[string]any{}
	}
	for _, s := range []struct {
		key   string
		rules []Rule
	}{{"custom", r.Custom}, {"external", r.External}} {
		if len(s.rules) == 0 {
			continue
		}
		listed, _ := section[s.key].([]any)
		section[s.key] = append(slices.Clone(listed), plain(s.rules)...)
	}
	out["rules"] = section
	return out
}

// plain is rules as decoded JSON, the shape of every other chart value.
func plain(rules []Rule) []any {
	b, err := json.Marshal(rules)
	if err != nil {
		panic(err) // strings, maps of strings and a bool
	}
	var out []any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
