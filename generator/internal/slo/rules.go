package slo

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gitops-gen/gen/generator/model"
)

// Severities: a page, and a ticket.
const (
	Critical = "critical"
	Warning  = "warning"
)

// Rule is a recording rule (Record set) or an alerting rule (Alert set)
// of an app's PrometheusRule.
type Rule struct {
	Record, Alert string
	Expr          string
	// For is how long the condition must hold before the alert fires; ""
	// for at once.
	For         string
	Labels      map[string]string
	Annotations map[string]string
	// Objective is the objective an alert guards ("availability",
	// "latency", "throughput"), "" for the alerts on resources.
	Objective string
	// Path is the CUE path of the app's field the rule derives from.
	Path string
}

// Group is a rule group of the PrometheusRule; Prometheus evaluates its
// rules in order, recordings before the alerts that read them.
type Group struct {
	Name  string
	Rules []Rule
}

// Windows are the windows over which each objective's error ratio is
// recorded: the short and long windows of the burn-rate alerts.
var Windows = []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}

// Burn is one window pair of the multi-window, multi-burn-rate alerts:
// the alert fires when the error ratio over both Long and Short is above
// the rate that spends Spent of the error budget in Long. With a 30-day
// window these are the SRE workbook's 14.4, 6, 3 and 1.
type Burn struct {
	Severity    string
	Long, Short string
	// Spent is the share of the budget spent in Long, in thousandths.
	Spent int
}

// Burns are the SRE workbook's window pairs: pages for 2% of the budget
// in an hour and 5% in six hours, tickets for 10% in a day and in three.
var Burns = []Burn{
	{Critical, "1h", "5m", 20},
	{Critical, "6h", "30m", 50},
	{Warning, "1d", "2h", 100},
	{Warning, "3d", "6h", 100},
}

// Factor returns the burn rate at which b spends its share of the budget
// of an objective over window.
func (b Burn) Factor(window time.Duration) float64 {
	long, _ := duration(b.Long)
	return roundTo(float64(b.Spent)*window.Seconds()/(1000*long.Seconds()), 1e4)
}

// RecordName returns the name of the recording rule of an objective's
// error ratio over window.
func RecordName(window string) string { return "app:objective_errors:ratio_rate" + window }

// Rules returns the rule groups of app's PrometheusRule, every expression
// parsed: "<app>.objectives" with each objective's recording rules and
// burn-rate alerts, the p-quantile latency alert and the throughput
// alert; "<app>.resources" with the alerts on the app's resources. The
// errors are those of [Objectives] and any expression that does not parse
// (an [*Error] each). An app without metrics has no rules.
func Rules(app *model.App) ([]Group, []error) {
	if !app.Alerted() {
		return nil, nil
	}
	objs, errs := Objectives(app)
	r := &rules{app: app}
	var slos []Rule
	for _, o := range objs {
		slos = append(slos, r.objective(o)...)
	}
	slos = append(slos, r.latencyAlert(objs)...)
	slos = append(slos, r.throughputAlert()...)
	groups := []Group{{Name: app.Name + ".objectives", Rules: slos}, {Name: app.Name + ".resources", Rules: r.resources()}}
	groups = slices.DeleteFunc(groups, func(g Group) bool { return len(g.Rules) == 0 })
	for _, g := range groups {
		for _, rule := range g.Rules {
			if _, err := Parse(rule.Expr); err != nil {
				errs = append(errs, &Error{Path: rule.Path, Msg: fmt.Sprintf("rule %s%s: %q does not parse: %v", rule.Record, rule.Alert, rule.Expr, firstLine(err))})
			}
		}
	}
	return groups, errs
}

type rules struct {
	app *model.App
}

// labels returns the labels of an alert: the app's, its namespace, the
// severity and the team, and the pairs given.
func (r *rules) labels(severity string, pairs ...string) map[string]string {
	l := map[string]string{"app": r.app.Name, "namespace": r.app.Namespace, "severity": severity, "team": r.app.Alerts.Team}
	for i := 0; i+1 < len(pairs); i += 2 {
		l[pairs[i]] = pairs[i+1]
	}
	return l
}

// alert returns an alerting rule with its annotations.
func (r *rules) alert(name, path, objective, expr, forDur, summary string, labels map[string]string) Rule {
	ann := map[string]string{"summary": summary}
	if u := r.app.Alerts.RunbookURL; u != "" {
		ann["runbook_url"] = u + "#" + name
	}
	return Rule{Alert: name, Expr: expr, For: forDur, Labels: labels, Annotations: ann, Objective: objective, Path: path}
}

// objective returns o's recording rules, one per window, and its two
// burn-rate alerts: the page and the ticket.
func (r *rules) objective(o Objective) []Rule {
	var out []Rule
	for _, w := range Windows {
		out = append(out, Rule{
			Record: RecordName(w),
			Expr:   o.ErrorRatio(w),
			Labels: map[string]string{"app": r.app.Name, "namespace": r.app.Namespace, "objective": o.Name},
			Path:   o.Path,
		})
	}
	window, _ := duration(o.Window)
	series := matcherList("namespace", r.app.Namespace, "app", r.app.Name, "objective", o.Name)
	for _, severity := range []string{Critical, Warning} {
		var terms, rates []string
		for _, b := range Burns {
			if b.Severity != severity {
				continue
			}
			f := number(b.Factor(window))
			threshold := fmt.Sprintf("(%s * %s)", f, number(o.Budget()))
			terms = append(terms, fmt.Sprintf("(%s%s > %s and %s%s > %s)",
				RecordName(b.Long), series, threshold, RecordName(b.Short), series, threshold))
			rates = append(rates, fmt.Sprintf("%sx over %s", f, b.Long))
		}
		what := "availability"
		if o.Name == model.ObjectiveLatency {
			what = fmt.Sprintf("latency (p%s < %s)", number(o.Target*100), seconds(o.Threshold))
		}
		pace := "fast: page"
		if severity == Warning {
			pace = "steadily: ticket"
		}
		summary := fmt.Sprintf("%s is spending the error budget of its %s objective (%s%% over %s) %s; burn rate above %s",
			r.app.Name, what, number(o.Target*100), o.Window, pace, strings.Join(rates, " or "))
		out = append(out, r.alert("ErrorBudgetBurn", o.Path, o.Name, strings.Join(terms, " or "), "", summary,
			r.labels(severity, "objective", o.Name)))
	}
	return out
}

// latencyAlert is seed 000's alarm: the latency quantile above the
// threshold for ten minutes.
func (r *rules) latencyAlert(objs []Objective) []Rule {
	l := r.app.Objectives.Latency
	for _, o := range objs {
		if o.Name != model.ObjectiveLatency {
			continue
		}
		expr := fmt.Sprintf("%s > %s", o.Quantile("5m"), number(o.Threshold))
		summary := fmt.Sprintf("%s: p%s latency has stayed above %s for 10 minutes", r.app.Name, number(o.Target*100), l.Threshold)
		return []Rule{r.alert("LatencyAboveThreshold", o.Path, o.Name, expr, "10m", summary, r.labels(Warning, "objective", o.Name))}
	}
	return nil
}

// throughputAlert fires when the app has taken more requests than it is
// sized for, for fifteen minutes: the total requests of its availability
// objective (or of the HTTP convention).
func (r *rules) throughputAlert() []Rule {
	t := r.app.Objectives.Throughput
	if t == nil {
		return nil
	}
	total := "http_requests_total"
	if a := r.app.Objectives.Availability; a != nil {
		total = a.Total
	}
	sel, err := parseSelector(total)
	if err != nil {
		return nil // Objectives reports it
	}
	at := r.app.Path("objectives.throughput")
	expr := fmt.Sprintf("sum(rate(%s[5m])) > %s", sel.scoped(r.app.Namespace, r.app.Name), number(t.RPS))
	summary := fmt.Sprintf("%s has taken more than the %s requests per second it is sized for, for 15 minutes", r.app.Name, number(t.RPS))
	return []Rule{r.alert("ThroughputAboveSizing", at, model.ObjectiveThroughput, expr, "15m", summary, r.labels(Warning, "objective", model.ObjectiveThroughput))}
}

// resources returns the alerts on the app's resources, from its own
// settings: CPU and memory above 90% of their limits, restarts, the HPA
// at maxReplicas, volumes above 85% full, a PodDisruptionBudget that
// allows no disruption. Only Deployments and StatefulSets have them.
func (r *rules) resources() []Rule {
	app := r.app
	if app.Kind != model.Deployment && app.Kind != model.StatefulSet {
		return nil
	}
	pods := app.Name + "-[a-z0-9]{5,10}-[a-z0-9]{5}" // a Deployment's ReplicaSet hash and pod suffix
	if app.Kind == model.StatefulSet {
		pods = app.Name + "-[0-9]+"
	}
	container := fmt.Sprintf(`{namespace=%q, pod=~%q, container=%q}`, app.Namespace, pods, app.Name)
	var out []Rule
	if q, err := resource.ParseQuantity(app.Resources.Limits.CPU); app.Resources.Limits.CPU != "" && err == nil {
		cores := float64(q.MilliValue()) / 1000
		out = append(out, r.alert("CPUNearLimit", app.Path("resources.limits.cpu"), "",
			fmt.Sprintf("max by (pod) (rate(container_cpu_usage_seconds_total%s[5m])) > 0.9 * %s", container, number(cores)), "15m",
			fmt.Sprintf("%s pod {{ $labels.pod }} has used more than 90%% of its CPU limit (%s) for 15 minutes: it is being throttled", app.Name, app.Resources.Limits.CPU),
			r.labels(Warning)))
	}
	if q, err := resource.ParseQuantity(app.Resources.Limits.Memory); app.Resources.Limits.Memory != "" && err == nil {
		out = append(out, r.alert("MemoryNearLimit", app.Path("resources.limits.memory"), "",
			fmt.Sprintf("max by (pod) (container_memory_working_set_bytes%s) > 0.9 * %d", container, q.Value()), "15m",
			fmt.Sprintf("%s pod {{ $labels.pod }} has used more than 90%% of its memory limit (%s) for 15 minutes: it will be OOM-killed", app.Name, app.Resources.Limits.Memory),
			r.labels(Warning)))
	}
	out = append(out, r.alert("PodRestarting", app.Path(""), "",
		fmt.Sprintf("increase(kube_pod_container_status_restarts_total%s[30m]) > 2", container), "",
		fmt.Sprintf("%s pod {{ $labels.pod }} has restarted more than twice in 30 minutes", app.Name),
		r.labels(Warning)))
	if app.HPA() && app.Autoscaling.MaxReplicas != nil {
		out = append(out, r.alert("HPAAtMaxReplicas", app.Path("autoscaling.maxReplicas"), "",
			fmt.Sprintf("kube_horizontalpodautoscaler_status_current_replicas%s >= %d",
				matcherList("namespace", app.Namespace, "horizontalpodautoscaler", app.Name), *app.Autoscaling.MaxReplicas), "15m",
			fmt.Sprintf("%s has run at its HPA's maxReplicas (%d) for 15 minutes: it cannot scale further", app.Name, *app.Autoscaling.MaxReplicas),
			r.labels(Warning)))
	}
	if app.Kind == model.StatefulSet && len(app.Storage) > 0 {
		claims := make([]string, 0, len(app.Storage))
		for _, v := range slices.Sorted(maps.Keys(app.Storage)) {
			claims = append(claims, v+"-"+app.Name+"-[0-9]+")
		}
		sel := fmt.Sprintf(`{namespace=%q, persistentvolumeclaim=~%q}`, app.Namespace, strings.Join(claims, "|"))
		out = append(out, r.alert("VolumeFillingUp", app.Path("storage"), "",
			fmt.Sprintf("kubelet_volume_stats_used_bytes%s / kubelet_volume_stats_capacity_bytes%s > 0.85", sel, sel), "15m",
			fmt.Sprintf("%s volume {{ $labels.persistentvolumeclaim }} is more than 85%% full", app.Name),
			r.labels(Warning)))
	}
	if app.Disruption != nil {
		out = append(out, r.alert("PDBAllowsNoDisruption", app.Path("disruption"), "",
			fmt.Sprintf("kube_poddisruptionbudget_status_pod_disruptions_allowed%s == 0",
				matcherList("namespace", app.Namespace, "poddisruptionbudget", app.Name)), "1h",
			fmt.Sprintf("%s's PodDisruptionBudget has allowed no disruption for an hour: node drains and upgrades are blocked", app.Name),
			r.labels(Warning)))
	}
	return out
}

// seconds formats a latency threshold in seconds as a duration ("100ms").
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).String()
}
