package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// Monitoring is how one app is watched: where Prometheus scrapes it, its
// objectives with the alerts that guard them, the alerts on its
// resources, and the receivers its alerts can reach.
type Monitoring struct {
	App string `json:"app"`
	// Scrape is the scrape target: "ServiceMonitor" (through Service) or
	// "PodMonitor", with the port, path and interval.
	Scrape     Scrape      `json:"scrape"`
	Objectives []Objective `json:"objectives"`
	// Alerts are every alert of the app's PrometheusRule, in its order.
	Alerts []Alert `json:"alerts"`
	// Receivers are those its AlertmanagerConfig names, sorted.
	Receivers []string `json:"receivers"`
}

// Scrape is an app's scrape target.
type Scrape struct {
	Kind     string `json:"kind"`
	Service  string `json:"service,omitempty"`
	Port     string `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval"`
}

// Objective is one objective: availability and latency have a Target
// over a Window (latency a Threshold at that quantile), throughput RPS.
type Objective struct {
	Name      string  `json:"name"`
	Target    float64 `json:"target,omitempty"`
	Window    string  `json:"window,omitempty"`
	Threshold string  `json:"threshold,omitempty"`
	RPS       float64 `json:"rps,omitempty"`
}

// Alert is an alerting rule: Objective is the objective it guards, ""
// for an alert on the app's resources.
type Alert struct {
	Name      string `json:"name"`
	Severity  string `json:"severity"`
	Objective string `json:"objective,omitempty"`
	For       string `json:"for,omitempty"`
}

// monitoringOf returns the monitoring of env's enabled apps with
// metrics, sorted by app.
func monitoringOf(env *model.Environment) []Monitoring {
	out := []Monitoring{}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled || !app.Alerted() {
			continue
		}
		m := Monitoring{
			App:        name,
			Scrape:     Scrape{Kind: "PodMonitor", Port: app.Metrics.Port, Path: app.Metrics.Path, Interval: app.Metrics.Interval},
			Objectives: []Objective{},
			Alerts:     []Alert{},
			Receivers:  []string{},
		}
		if svc := app.MetricsService(); svc != "" {
			m.Scrape.Kind, m.Scrape.Service = "ServiceMonitor", svc
		}
		o := app.Objectives
		if a := o.Availability; a != nil {
			m.Objectives = append(m.Objectives, Objective{Name: model.ObjectiveAvailability, Target: a.Target, Window: a.Window})
		}
		if l := o.Latency; l != nil {
			m.Objectives = append(m.Objectives, Objective{Name: model.ObjectiveLatency, Target: l.Quantile, Window: l.Window, Threshold: l.Threshold})
		}
		if t := o.Throughput; t != nil {
			m.Objectives = append(m.Objectives, Objective{Name: model.ObjectiveThroughput, RPS: t.RPS})
		}
		groups, _ := slo.Rules(app) // the render gate has refused any error
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Alert != "" {
					m.Alerts = append(m.Alerts, Alert{Name: r.Alert, Severity: r.Labels["severity"], Objective: r.Objective, For: r.For})
				}
			}
		}
		if a := env.Alerting; len(a.Receivers) > 0 && a.Receiver != "" {
			m.Receivers = a.ReceiversFor(app.Alerts.Team)
		}
		out = append(out, m)
	}
	return out
}

// text returns the objective as the report states it: "99.9% over 30d",
// "p99 < 100ms over 30d", "500 rps".
func (o Objective) text() string {
	switch o.Name {
	case model.ObjectiveLatency:
		return fmt.Sprintf("p%s < %s over %s", percent(o.Target), o.Threshold, o.Window)
	case model.ObjectiveThroughput:
		return strconv.FormatFloat(o.RPS, 'f', -1, 64) + " rps"
	}
	return fmt.Sprintf("%s%% over %s", percent(o.Target), o.Window)
}

func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) }

// alertsText lists alerts as "Name (severity[, for])", one per name and
// severity.
func alertsText(alerts []Alert) string {
	var out []string
	for _, a := range alerts {
		s := a.Name + " (" + a.Severity
		if a.For != "" {
			s += ", for " + a.For
		}
		out = append(out, s+")")
	}
	return dash(strings.Join(out, ", "))
}

// guarding returns the alerts that guard objective ("" for resources).
func guarding(alerts []Alert, objective string) []Alert {
	return slices.DeleteFunc(slices.Clone(alerts), func(a Alert) bool { return a.Objective != objective })
}
