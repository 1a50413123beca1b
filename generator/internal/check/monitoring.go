package check

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// monitoring checks what an app's monitoring is built from: the metrics
// port is one of its ports, objectives come with metrics, each objective
// is well formed and every expression derived from it parses (package
// slo, with Prometheus' parser), each at the field it came from.
func (c *checker) monitoring(app *model.App) {
	o := app.Objectives
	hasObjectives := o.Availability != nil || o.Latency != nil || o.Throughput != nil
	if app.Metrics == nil {
		if hasObjectives {
			c.errorf(app.Path("objectives"), "objectives are measured from the app's metrics, which it does not declare: set metrics: port: \"<one of its ports>\" (path \"/metrics\" and interval \"30s\" are the defaults)")
		}
		return
	}
	if _, ok := app.Ports[app.Metrics.Port]; !ok {
		c.errorf(app.Path("metrics.port"), "metrics port %q is not one of the app's ports (%s): name one of them, or add it, e.g. ports: %s: port: 9090",
			app.Metrics.Port, orNone(slices.Sorted(maps.Keys(app.Ports))), model.Label(app.Metrics.Port))
	}
	_, errs := slo.Rules(app)
	for _, err := range errs {
		var e *slo.Error
		if errors.As(err, &e) {
			c.errorf(e.Path, "%s", e.Msg)
		} else {
			c.errorf(app.Path("objectives"), "%v", err)
		}
	}
}

// alerting checks the environment's alert routing: each receiver has one
// destination and its credential is a Secret reference, never a literal;
// the default receiver and those of the routes exist; and the Secrets
// each alerted app's AlertmanagerConfig references are declared in its
// namespace with their keys.
func (c *checker) alerting() {
	a := c.env.Alerting
	names := a.ReceiverNames()
	if len(names) == 0 {
		return
	}
	for _, name := range names {
		r := a.Receivers[name]
		at := "alerting.receivers." + model.Label(name)
		if r.Slack == nil && r.PagerDuty == nil {
			c.errorf(at, "receiver %s sends nowhere: give it slack: {channel: \"#...\", apiURL: {secret: \"...\", key: \"...\"}} or pagerduty: routingKey: {secret: \"...\", key: \"...\"}", name)
		}
		if r.Slack != nil && r.Slack.APIURL.Literal {
			c.errorf(at+".slack.apiURL", "receiver %s: a Slack webhook URL holds its token, a credential that must not be written into rendered/: keep it in a Secret and reference it, apiURL: {secret: \"alertmanager-slack\", key: \"url\"}, with the Secret declared under namespaces: <namespace>: secrets in each namespace of an alerted app", name)
		}
		if r.PagerDuty != nil && r.PagerDuty.RoutingKey.Literal {
			c.errorf(at+".pagerduty.routingKey", "receiver %s: a PagerDuty routing key is a credential that must not be written into rendered/: keep it in a Secret and reference it, routingKey: {secret: \"alertmanager-pagerduty\", key: \"routingKey\"}, with the Secret declared under namespaces: <namespace>: secrets in each namespace of an alerted app", name)
		}
	}
	known := func(at, name string) {
		if _, ok := a.Receivers[name]; !ok {
			c.errorf(at, "receiver %q is not one of alerting.receivers (%s)", name, strings.Join(names, ", "))
		}
	}
	if a.Receiver == "" {
		c.errorf("alerting", "alerting has receivers but no default: set alerting: receiver: to the one that takes what no route matches (one of %s)", strings.Join(names, ", "))
	} else {
		known("alerting.receiver", a.Receiver)
	}
	for i, r := range a.Routes {
		known(fmt.Sprintf("alerting.routes[%d].receiver", i), r.Receiver)
	}
	// The Secrets of each namespace's AlertmanagerConfigs, once per
	// namespace and receiver.
	seen := map[[2]string]bool{}
	for _, name := range slices.Sorted(maps.Keys(c.env.Apps)) {
		app := c.env.Apps[name]
		if !app.Enabled || !app.Alerted() {
			continue
		}
		if _, ok := c.env.Namespaces[app.Namespace]; !ok {
			continue // the namespace check reports it
		}
		for _, rn := range a.ReceiversFor(app.Alerts.Team) {
			r, ok := a.Receivers[rn]
			if !ok || seen[[2]string{app.Namespace, rn}] {
				continue
			}
			seen[[2]string{app.Namespace, rn}] = true
			at := "alerting.receivers." + model.Label(rn)
			if r.Slack != nil {
				c.receiverSecret(app, at+".slack.apiURL", r.Slack.APIURL)
			}
			if r.PagerDuty != nil {
				c.receiverSecret(app, at+".pagerduty.routingKey", r.PagerDuty.RoutingKey)
			}
		}
	}
}

// receiverSecret checks that the Secret a receiver's credential references
// is declared, with the key, in the namespace of app, whose
// AlertmanagerConfig reads it.
func (c *checker) receiverSecret(app *model.App, at string, v model.SecretOrValue) {
	ref := v.Ref
	if ref == nil {
		return // a literal: reported once, above
	}
	s, ok := c.env.Namespaces[app.Namespace].Secrets[ref.Secret]
	switch {
	case !ok:
		c.errorf(at, "the AlertmanagerConfig of app %s %s", app.Name, undeclaredSecret(c.env, app.Namespace, ref.Secret, []string{ref.Key}))
	case !slices.Contains(s.Keys, ref.Key):
		c.errorf(at, "the AlertmanagerConfig of app %s %s", app.Name, missingKey("Secret", app.Namespace, ref.Secret, ref.Key, keysVerb(s), s.Keys))
	}
}
