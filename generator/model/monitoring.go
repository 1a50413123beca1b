package model

import (
	"maps"
	"slices"
)

// Metrics is where Prometheus scrapes an app (schema #Metrics).
type Metrics struct {
	// Port is the name of one of the app's ports.
	Port     string `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval"`
}

// Objectives are an app's service level objectives (schema #Objectives);
// a nil field is no objective.
type Objectives struct {
	Availability *Availability `json:"availability,omitempty"`
	Latency      *Latency      `json:"latency,omitempty"`
	Throughput   *Throughput   `json:"throughput,omitempty"`
}

// The names of the objectives, as their CUE fields and the objective
// label of the rules derived from them.
const (
	ObjectiveAvailability = "availability"
	ObjectiveLatency      = "latency"
	ObjectiveThroughput   = "throughput"
)

// Availability is the share of requests that succeed: Good over Total,
// PromQL selectors of counters, at least Target over Window.
type Availability struct {
	Target float64 `json:"target"`
	Window string  `json:"window"`
	Good   string  `json:"good"`
	Total  string  `json:"total"`
}

// Latency is the share Quantile of requests faster than Threshold, read
// from the buckets of the Prometheus histogram Histogram (a base metric
// name or a selector of it) over Window.
type Latency struct {
	Quantile  float64 `json:"quantile"`
	Threshold string  `json:"threshold"`
	Histogram string  `json:"histogram,omitempty"`
	Window    string  `json:"window"`
}

// Throughput is the request rate the app is sized for.
type Throughput struct {
	RPS float64 `json:"rps"`
}

// Alerts label and annotate an app's alerts (schema #Alerts).
type Alerts struct {
	Team       string `json:"team"`
	RunbookURL string `json:"runbookURL,omitempty"`
}

// Alerted reports whether gen renders alerts for the app: it has metrics
// (objectives need them; the resource alerts come with them).
func (a *App) Alerted() bool { return a.Metrics != nil }

// MetricsService returns the Service through which the app's metrics port
// is scraped: the first ClusterIP or Headless Service that exposes it,
// else the first LoadBalancer one; "" when none does (its pods are
// scraped directly) or the app has no metrics.
func (a *App) MetricsService() string {
	if a.Metrics == nil {
		return ""
	}
	var lb string
	for _, name := range slices.Sorted(maps.Keys(a.Services)) {
		s := a.Services[name]
		if s.Ports != nil && !slices.Contains(s.Ports, a.Metrics.Port) {
			continue
		}
		if s.Type != LoadBalancer {
			return name
		}
		if lb == "" {
			lb = name
		}
	}
	return lb
}

// Monitoring is the environment's monitoring stack (schema #Monitoring),
// which the prometheus-operator controller runs.
type Monitoring struct {
	Prometheus struct {
		Enabled   bool   `json:"enabled"`
		Replicas  int    `json:"replicas"`
		Retention string `json:"retention"`
		Storage   struct {
			Size  string `json:"size"`
			Class string `json:"class,omitempty"`
		} `json:"storage"`
	} `json:"prometheus"`
	Alertmanager struct {
		Enabled  bool `json:"enabled"`
		Replicas int  `json:"replicas"`
	} `json:"alertmanager"`
}

// PrometheusService is the Service prometheus-operator creates in front
// of the Prometheus servers of its namespace, and PrometheusPort their
// web port.
const (
	PrometheusService = "prometheus-operated"
	PrometheusPort    = 9090
)

// Prometheus returns the namespace of the environment's own Prometheus
// (the prometheus-operator controller's), and whether it runs one.
func (e *Environment) Prometheus() (namespace string, ok bool) {
	op, ok := e.Controller("prometheus-operator")
	if !ok || !e.Monitoring.Prometheus.Enabled {
		return "", false
	}
	return op.Namespace, true
}

// Alertmanager returns the namespace of the environment's own
// Alertmanager, and whether it runs one.
func (e *Environment) Alertmanager() (namespace string, ok bool) {
	op, ok := e.Controller("prometheus-operator")
	if !ok || !e.Monitoring.Alertmanager.Enabled {
		return "", false
	}
	return op.Namespace, true
}

// Alerting routes an environment's alerts (schema #Alerting).
type Alerting struct {
	Receivers map[string]Receiver `json:"receivers"`
	// Receiver takes the alerts no route matches; "" when unset.
	Receiver string       `json:"receiver,omitempty"`
	Routes   []AlertRoute `json:"routes"`
}

// ReceiverNames returns the names of the receivers, sorted.
func (a Alerting) ReceiverNames() []string { return slices.Sorted(maps.Keys(a.Receivers)) }

// Receiver is one destination of alerts: Slack, PagerDuty, or both.
type Receiver struct {
	Slack     *SlackReceiver     `json:"slack,omitempty"`
	PagerDuty *PagerDutyReceiver `json:"pagerduty,omitempty"`
}

// SlackReceiver posts to a Slack channel through a webhook whose URL is in
// a Secret.
type SlackReceiver struct {
	Channel      string        `json:"channel"`
	APIURL       SecretOrValue `json:"apiURL"`
	SendResolved bool          `json:"sendResolved"`
}

// PagerDutyReceiver opens PagerDuty incidents with an Events API v2
// routing key kept in a Secret.
type PagerDutyReceiver struct {
	RoutingKey   SecretOrValue `json:"routingKey"`
	SendResolved bool          `json:"sendResolved"`
}

// SecretOrValue is a credential field: a Secret reference, or a literal,
// which gen refuses. The literal's value is not kept, so that no error or
// log can show it.
type SecretOrValue struct {
	Ref *SecretKeyRef `json:"-"`
	// Literal reports a literal value in place of a reference.
	Literal bool `json:"-"`
}

// UnmarshalJSON decodes a reference, or notes a literal without its value.
func (s *SecretOrValue) UnmarshalJSON(b []byte) error {
	*s = SecretOrValue{}
	if len(b) > 0 && b[0] == '"' {
		s.Literal = true
		return nil
	}
	s.Ref = new(SecretKeyRef)
	return jsonUnmarshal(b, s.Ref)
}

// AlertRoute sends the alerts of Severity and Team (each "" for any) to
// Receiver; Continue tries the later routes too.
type AlertRoute struct {
	Receiver string `json:"receiver"`
	Severity string `json:"severity,omitempty"`
	Team     string `json:"team,omitempty"`
	Continue bool   `json:"continue"`
}

// RoutesFor returns the routes that can match the alerts of team (those
// for any team and those for team), in order.
func (a Alerting) RoutesFor(team string) []AlertRoute {
	var out []AlertRoute
	for _, r := range a.Routes {
		if r.Team == "" || r.Team == team {
			out = append(out, r)
		}
	}
	return out
}

// ReceiversFor returns the receivers the alerts of team can reach: the
// default one and those of [Alerting.RoutesFor], sorted.
func (a Alerting) ReceiversFor(team string) []string {
	used := map[string]bool{}
	if a.Receiver != "" {
		used[a.Receiver] = true
	}
	for _, r := range a.RoutesFor(team) {
		used[r.Receiver] = true
	}
	return slices.Sorted(maps.Keys(used))
}
