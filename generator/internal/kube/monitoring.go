package kube

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// The API versions of prometheus-operator's kinds gen renders: the
// ServiceMonitor, PodMonitor and PrometheusRule of monitoring.coreos.com/v1,
// and the AlertmanagerConfig of v1alpha1, the only version its CRD serves.
const (
	MonitoringAPIVersion         = "monitoring.coreos.com/v1"
	AlertmanagerConfigAPIVersion = "monitoring.coreos.com/v1alpha1"
)

// The kinds of prometheus-operator gen renders.
const (
	KindServiceMonitor     = "ServiceMonitor"
	KindPodMonitor         = "PodMonitor"
	KindPrometheusRule     = "PrometheusRule"
	KindAlertmanagerConfig = "AlertmanagerConfig"
)

// The local types of prometheus-operator's objects, with the operator's
// field names, holding what gen sets; the tests validate them against its
// CRDs.
type (
	// ServiceMonitor scrapes the pods behind a Service.
	ServiceMonitor struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
		Spec              ServiceMonitorSpec `json:"spec"`
	}
	ServiceMonitorSpec struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []ScrapeEndpoint     `json:"endpoints"`
	}
	// PodMonitor scrapes pods directly, for an app without a Service
	// that exposes its metrics port.
	PodMonitor struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
		Spec              PodMonitorSpec `json:"spec"`
	}
	PodMonitorSpec struct {
		Selector            metav1.LabelSelector `json:"selector"`
		PodMetricsEndpoints []ScrapeEndpoint     `json:"podMetricsEndpoints"`
	}
	// ScrapeEndpoint is an endpoint of either: a port by name.
	ScrapeEndpoint struct {
		Port        string          `json:"port"`
		Path        string          `json:"path,omitempty"`
		Interval    string          `json:"interval,omitempty"`
		Relabelings []RelabelConfig `json:"relabelings,omitempty"`
	}
	RelabelConfig struct {
		Action       string   `json:"action,omitempty"`
		SourceLabels []string `json:"sourceLabels,omitempty"`
		Regex        string   `json:"regex,omitempty"`
		TargetLabel  string   `json:"targetLabel,omitempty"`
		Replacement  string   `json:"replacement,omitempty"`
	}

	// PrometheusRule holds recording and alerting rules.
	PrometheusRule struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
		Spec              PrometheusRuleSpec `json:"spec"`
	}
	PrometheusRuleSpec struct {
		Groups []RuleGroup `json:"groups"`
	}
	RuleGroup struct {
		Name  string `json:"name"`
		Rules []Rule `json:"rules"`
	}
	Rule struct {
		Record      string            `json:"record,omitempty"`
		Alert       string            `json:"alert,omitempty"`
		Expr        string            `json:"expr"`
		For         string            `json:"for,omitempty"`
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	}

	// AlertmanagerConfig routes the alerts of its namespace to receivers.
	AlertmanagerConfig struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
		Spec              AlertmanagerConfigSpec `json:"spec"`
	}
	AlertmanagerConfigSpec struct {
		Route     AlertRoute      `json:"route"`
		Receivers []AlertReceiver `json:"receivers"`
	}
	// AlertRoute is the top route of an AlertmanagerConfig; gen's
	// routes are one level deep.
	AlertRoute struct {
		Receiver string          `json:"receiver"`
		Matchers []AlertMatcher  `json:"matchers,omitempty"`
		GroupBy  []string        `json:"groupBy,omitempty"`
		Routes   []AlertSubroute `json:"routes,omitempty"`
	}
	AlertSubroute struct {
		Receiver string         `json:"receiver"`
		Matchers []AlertMatcher `json:"matchers,omitempty"`
		Continue bool           `json:"continue,omitempty"`
	}
	// AlertMatcher matches a label's value; without MatchType it is an
	// equality (gen writes no other, and "=" is a YAML 1.1 tag some
	// parsers trip on).
	AlertMatcher struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		MatchType string `json:"matchType,omitempty"`
	}
	AlertReceiver struct {
		Name             string            `json:"name"`
		SlackConfigs     []SlackConfig     `json:"slackConfigs,omitempty"`
		PagerdutyConfigs []PagerdutyConfig `json:"pagerdutyConfigs,omitempty"`
	}
	SlackConfig struct {
		APIURL       SecretKeySelector `json:"apiURL"`
		Channel      string            `json:"channel"`
		SendResolved bool              `json:"sendResolved"`
	}
	PagerdutyConfig struct {
		RoutingKey   SecretKeySelector `json:"routingKey"`
		SendResolved bool              `json:"sendResolved"`
	}
	// SecretKeySelector is a key of a Secret of the object's namespace.
	SecretKeySelector struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	}
)

var (
	serviceMonitorType     = metav1.TypeMeta{APIVersion: MonitoringAPIVersion, Kind: KindServiceMonitor}
	podMonitorType         = metav1.TypeMeta{APIVersion: MonitoringAPIVersion, Kind: KindPodMonitor}
	prometheusRuleType     = metav1.TypeMeta{APIVersion: MonitoringAPIVersion, Kind: KindPrometheusRule}
	alertmanagerConfigType = metav1.TypeMeta{APIVersion: AlertmanagerConfigAPIVersion, Kind: KindAlertmanagerConfig}
)

// monitoringObjects returns the monitoring of an app with metrics: its
// ServiceMonitor or PodMonitor, its PrometheusRule, and, when the
// environment routes alerts, its AlertmanagerConfig.
func monitoringObjects(in *instance) ([]any, error) {
	app := in.app
	if !app.Alerted() {
		return nil, nil
	}
	if _, ok := app.Ports[app.Metrics.Port]; !ok {
		return nil, fmt.Errorf("metrics: no port %q", app.Metrics.Port)
	}
	objs := []any{scrapeTarget(in)}
	groups, errs := slo.Rules(app)
	if len(errs) > 0 {
		return nil, errs[0]
	}
	rule := &PrometheusRule{TypeMeta: prometheusRuleType, ObjectMeta: in.meta()}
	for _, g := range groups {
		rg := RuleGroup{Name: g.Name}
		for _, r := range g.Rules {
			rg.Rules = append(rg.Rules, Rule{Record: r.Record, Alert: r.Alert, Expr: r.Expr, For: r.For, Labels: r.Labels, Annotations: r.Annotations})
		}
		rule.Spec.Groups = append(rule.Spec.Groups, rg)
	}
	if len(rule.Spec.Groups) > 0 {
		objs = append(objs, rule)
	}
	if amc := alertmanagerConfig(in); amc != nil {
		objs = append(objs, amc)
	}
	return objs, nil
}

// meta is the metadata of an app's object named after it.
func (in *instance) meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: in.app.Name, Namespace: in.app.Namespace, Labels: in.labels}
}

// scrapeTarget returns the app's ServiceMonitor, or its PodMonitor when no
// Service exposes the metrics port. The target's job label is the app's
// name, which the rules select on; a ServiceMonitor keeps only the one
// Service, since the app's Services share their labels.
func scrapeTarget(in *instance) any {
	m := in.app.Metrics
	job := RelabelConfig{Action: "replace", TargetLabel: "job", Replacement: in.app.Name}
	ep := ScrapeEndpoint{Port: m.Port, Path: m.Path, Interval: m.Interval}
	selector := metav1.LabelSelector{MatchLabels: in.selector}
	if svc := in.app.MetricsService(); svc != "" {
		ep.Relabelings = []RelabelConfig{
			{Action: "keep", SourceLabels: []string{"__meta_kubernetes_service_name"}, Regex: svc},
			job,
		}
		return &ServiceMonitor{TypeMeta: serviceMonitorType, ObjectMeta: in.meta(),
			Spec: ServiceMonitorSpec{Selector: selector, Endpoints: []ScrapeEndpoint{ep}}}
	}
	ep.Relabelings = []RelabelConfig{job}
	return &PodMonitor{TypeMeta: podMonitorType, ObjectMeta: in.meta(),
		Spec: PodMonitorSpec{Selector: selector, PodMetricsEndpoints: []ScrapeEndpoint{ep}}}
}

// alertmanagerConfig returns the routing of the app's alerts, or nil when
// the environment has no receivers: a route for the app's alerts (the
// operator adds its namespace) to the default receiver, with a child per
// environment route that can match the app's team, and the receivers
// those name. Credentials are Secret references of the app's namespace.
func alertmanagerConfig(in *instance) *AlertmanagerConfig {
	a := in.env.Alerting
	if len(a.Receivers) == 0 || a.Receiver == "" {
		return nil
	}
	route := AlertRoute{
		Receiver: a.Receiver,
		Matchers: []AlertMatcher{{Name: "app", Value: in.app.Name}},
		GroupBy:  []string{"alertname", "objective"},
	}
	for _, r := range a.RoutesFor(in.app.Alerts.Team) {
		child := AlertSubroute{Receiver: r.Receiver, Continue: r.Continue}
		if r.Severity != "" {
			child.Matchers = append(child.Matchers, AlertMatcher{Name: "severity", Value: r.Severity})
		}
		if r.Team != "" {
			child.Matchers = append(child.Matchers, AlertMatcher{Name: "team", Value: r.Team})
		}
		route.Routes = append(route.Routes, child)
	}
	amc := &AlertmanagerConfig{TypeMeta: alertmanagerConfigType, ObjectMeta: in.meta(), Spec: AlertmanagerConfigSpec{Route: route}}
	for _, name := range a.ReceiversFor(in.app.Alerts.Team) {
		rc := a.Receivers[name]
		out := AlertReceiver{Name: name}
		if s := rc.Slack; s != nil && s.APIURL.Ref != nil {
			out.SlackConfigs = []SlackConfig{{APIURL: secretKey(s.APIURL.Ref), Channel: s.Channel, SendResolved: s.SendResolved}}
		}
		if p := rc.PagerDuty; p != nil && p.RoutingKey.Ref != nil {
			out.PagerdutyConfigs = []PagerdutyConfig{{RoutingKey: secretKey(p.RoutingKey.Ref), SendResolved: p.SendResolved}}
		}
		amc.Spec.Receivers = append(amc.Spec.Receivers, out)
	}
	return amc
}

func secretKey(r *model.SecretKeyRef) SecretKeySelector {
	return SecretKeySelector{Name: r.Secret, Key: r.Key}
}
