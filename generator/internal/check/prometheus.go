package check

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	prommodel "github.com/prometheus/common/model"

	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// prometheusStack checks the environment's monitoring stack and what
// relies on it: Alertmanager comes with Prometheus, Prometheus's volume
// has a StorageClass, and every in-cluster Prometheus address an app
// names (its release analysis, its KEDA Prometheus triggers) is the
// environment's own Prometheus: prometheus-operated in the operator's
// namespace, which exists only when the environment runs Prometheus.
func (c *checker) prometheusStack() {
	m := c.env.Monitoring
	_, operator := c.env.Controller("prometheus-operator")
	if operator && m.Alertmanager.Enabled && !m.Prometheus.Enabled {
		c.errorf("monitoring.alertmanager.enabled", "Alertmanager receives its alerts from the environment's Prometheus, which monitoring.prometheus.enabled turns off; turn both off, or keep Prometheus")
	}
	if operator && m.Prometheus.Enabled {
		c.retention()
		classes := slices.Sorted(maps.Keys(c.env.Cluster.StorageClasses))
		switch class := m.Prometheus.Storage.Class; {
		case class != "" && !slices.Contains(classes, class):
			c.errorf("monitoring.prometheus.storage.class", "Prometheus's volume class %q is not one of the cluster's StorageClasses (%s): its volume would stay Pending and Prometheus with it; name one of them", class, orNone(classes))
		case class == "" && !hasDefaultClass(c.env):
			c.errorf("monitoring.prometheus.storage", "Prometheus's volume names no class and the cluster has no default StorageClass (%s): its volume would stay Pending; set monitoring: prometheus: storage: class, or mark a class default", orNone(classes))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.env.Apps)) {
		app := c.env.Apps[name]
		if !app.Enabled {
			continue
		}
		if d := app.Delivery; d != nil && d.Analysis.Enabled {
			c.prometheusAddress(app.Path("delivery.analysis.prometheus"), "its release analysis", d.Analysis.Prometheus)
		}
		if a := app.Autoscaling; a != nil && a.Enabled && a.KEDA != nil {
			for _, t := range slices.Sorted(maps.Keys(a.KEDA.Prometheus)) {
				c.prometheusAddress(app.Path("autoscaling.keda.prometheus."+model.Label(t)+".serverAddress"), "its KEDA trigger "+t, a.KEDA.Prometheus[t].ServerAddress)
			}
		}
	}
}

// retention checks that the environment's Prometheus keeps samples for
// as long as the longest window the apps' objectives' rules read: a
// shorter retention makes the slow-burn alerts compare less than their
// window.
func (c *checker) retention() {
	longest, window := time.Duration(0), ""
	for _, name := range slices.Sorted(maps.Keys(c.env.Apps)) {
		app := c.env.Apps[name]
		if !app.Enabled || app.Metrics == nil || (app.Objectives.Availability == nil && app.Objectives.Latency == nil) {
			continue
		}
		for _, w := range slo.Windows {
			if d, err := promDuration(w); err == nil && d > longest {
				longest, window = d, w
			}
		}
	}
	r := c.env.Monitoring.Prometheus.Retention
	d, err := promDuration(r)
	switch {
	case err != nil:
		c.errorf("monitoring.prometheus.retention", "retention %q is not a Prometheus duration: %v", r, err)
	case d < longest:
		c.errorf("monitoring.prometheus.retention", "Prometheus keeps samples for %s, but the objectives' alerts read the last %s (the slow-burn ticket alert): keep at least %s", r, window, window)
	}
}

// promDuration parses a Prometheus duration ("30s", "3d").
func promDuration(s string) (time.Duration, error) {
	d, err := prommodel.ParseDuration(s)
	return time.Duration(d), err
}

// prometheusAddress checks that addr, when it names prometheus-operated
// (an in-cluster Prometheus run by prometheus-operator), names the
// environment's own.
func (c *checker) prometheusAddress(at, what, addr string) {
	ns, ok := operatedNamespace(addr)
	if !ok {
		return // a Prometheus of the user's own
	}
	own, runs := c.env.Prometheus()
	switch {
	case !runs:
		c.errorf(at, "%s asks %s, the Prometheus that prometheus-operator runs in namespace %s, but environment %s runs none (monitoring.prometheus.enabled, platform.controllers.prometheus-operator.enabled): every query would fail; run it, or name a Prometheus of your own", what, addr, ns, c.env.Name)
	case ns != own:
		c.errorf(at, "%s asks %s, in namespace %s, but the environment's Prometheus runs in namespace %s (platform.controllers.prometheus-operator.namespace): the name does not resolve; use http://%s.%s.svc:%d", what, addr, ns, own, model.PrometheusService, own, model.PrometheusPort)
	}
}

// operatedNamespace returns the namespace of addr's host when it is the
// prometheus-operated Service of a namespace (prometheus-operated.<ns>,
// optionally followed by .svc and the cluster domain).
func operatedNamespace(addr string) (string, bool) {
	u, err := url.Parse(addr)
	if err != nil {
		return "", false
	}
	labels := strings.Split(u.Hostname(), ".")
	if len(labels) < 2 || labels[0] != model.PrometheusService {
		return "", false
	}
	rest := strings.Join(labels[2:], ".")
	if rest != "" && rest != "svc" && !strings.HasPrefix(rest, "svc.") {
		return "", false
	}
	return labels[1], true
}

// hasDefaultClass reports whether the cluster has a default StorageClass.
func hasDefaultClass(env *model.Environment) bool {
	for _, sc := range env.Cluster.StorageClasses {
		if sc.Default {
			return true
		}
	}
	return false
}
