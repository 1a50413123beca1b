package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gitops-gen/gen/generator/internal/promql"
	"github.com/gitops-gen/gen/generator/model"
)

// Environment returns every problem found in env, or nil.
func Environment(env *model.Environment) error {
	c := &checker{env: env}
	for _, name := range slices.Sorted(maps.Keys(env.Namespaces)) {
		c.dnsLabel("namespaces."+model.Label(name), "namespace", name)
	}
	c.cluster()
	c.controllers()
	c.secretStores()
	c.externalSecrets()
	c.ingressGroups()
	c.controllerNetwork()
	c.limitRanges()
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled {
			continue
		}
		c.app(app)
		c.secretRefs(app)
		c.monitoring(app)
	}
	c.ingressRules()
	c.alerting()
	c.prometheusStack()
	if c.errs == nil {
		return nil
	}
	return c.errs
}

type checker struct {
	env  *model.Environment
	errs cueerrors.Error
}

func (c *checker) errorf(path, format string, args ...any) {
	c.errs = cueerrors.Append(c.errs, c.env.Errorf(path, format, args...))
}

func (c *checker) dnsLabel(path, what, name string) bool {
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		c.errorf(path, "%s name %q is not a valid DNS-1123 label: %s", what, name, strings.Join(msgs, "; "))
		return false
	}
	return true
}

func (c *checker) app(app *model.App) {
	at := app.Path
	if !c.dnsLabel(at(""), "app", app.Name) {
		return // every other name derives from it
	}
	if msgs := validation.IsValidLabelValue(app.PartOf); len(msgs) > 0 {
		c.errorf(at("partOf"), "partOf %q is not a valid label value: %s", app.PartOf, strings.Join(msgs, "; "))
	}
	if _, ok := c.env.Namespaces[app.Namespace]; !ok {
		c.errorf(at("namespace"), "namespace %q is not one of the environment's namespaces (%s)",
			app.Namespace, strings.Join(slices.Sorted(maps.Keys(c.env.Namespaces)), ", "))
	}
	for _, ct := range app.Containers() {
		c.image(app, ct)
	}
	if app.NodeGroup != "" {
		if _, ok := c.env.Cluster.NodeGroups[app.NodeGroup]; !ok {
			c.errorf(at("nodeGroup"), "node group %q does not exist in cluster %s (node groups: %s)",
				app.NodeGroup, c.env.Cluster.Name, strings.Join(slices.Sorted(maps.Keys(c.env.Cluster.NodeGroups)), ", "))
		}
	}
	if app.ServiceAccount.IAMRole != "" && !app.ServiceAccount.Create {
		c.errorf(at("serviceAccount.iamRole"), "an IAM role needs the app's own ServiceAccount; remove create: false or the role")
	}
	c.ports(app)
	for _, ct := range app.Containers() {
		c.resources(app, ct)
		c.probes(app, ct)
	}
	c.kind(app)
	c.autoscaling(app)
	c.throughput(app)
	c.disruption(app)
	c.services(app)
	c.ingress(app)
	c.delivery(app)
	c.network(app)
	for _, ct := range app.Containers() {
		c.appLimitRange(app, ct)
	}
	c.sidecars(app)
}

func (c *checker) image(app *model.App, ct model.Container) {
	if ct.Image.Tag == "" && ct.Image.Digest == "" {
		c.errorf(ct.Path(app, "image"), "image %s has neither a tag nor a digest", ct.Image.Repository)
	}
}

// ports checks the ports of the app's containers together: the pod's
// containers share one network, so a number and protocol can be bound by
// one container only, and a port name (which probes, Services and
// NetworkPolicies go by) must say which container it is.
func (c *checker) ports(app *model.App) {
	type owner struct{ container, port string }
	seen := map[string]owner{}
	names := map[string]string{}
	for _, ct := range app.Containers() {
		for _, name := range slices.Sorted(maps.Keys(ct.Ports)) {
			p := ct.Ports[name]
			at := ct.Path(app, "ports."+model.Label(name))
			key := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
			if other, ok := seen[key]; ok {
				if other.container == ct.Name {
					c.errorf(at+".port", "port %s is also used by port %q", key, other.port)
				} else {
					c.errorf(at+".port", "port %s is also used by port %q of container %s: the pod's containers share one network; choose another port", key, other.port, other.container)
				}
			}
			seen[key] = owner{ct.Name, name}
			if other, ok := names[name]; ok && other != ct.Name {
				c.errorf(at, "port name %q is also a port of container %s; a pod's port names must differ", name, other)
			}
			names[name] = ct.Name
			if len(name) > 15 {
				c.errorf(at, "port name %q is longer than 15 characters", name)
			}
		}
	}
}

func (c *checker) resources(app *model.App, ct model.Container) {
	r := ct.Resources
	for _, q := range []struct{ what, req, lim string }{
		{"cpu", r.Requests.CPU, r.Limits.CPU},
		{"memory", r.Requests.Memory, r.Limits.Memory},
		{"ephemeral-storage", r.Requests.EphemeralStorage, r.Limits.EphemeralStorage},
	} {
		if q.req == "" || q.lim == "" {
			continue
		}
		req, err1 := resource.ParseQuantity(q.req)
		lim, err2 := resource.ParseQuantity(q.lim)
		if err1 != nil || err2 != nil {
			continue // the schema's #Quantity already reported it
		}
		if lim.Cmp(req) < 0 {
			c.errorf(ct.Path(app, "resources.limits."+model.Label(q.what)), "%s limit %s is below the request %s", q.what, q.lim, q.req)
		}
	}
}

func (c *checker) probes(app *model.App, ct model.Container) {
	for _, p := range []struct {
		name  string
		probe *model.Probe
	}{{"liveness", ct.Probes.Liveness}, {"readiness", ct.Probes.Readiness}, {"startup", ct.Probes.Startup}} {
		if p.probe == nil {
			continue
		}
		path := "probes." + p.name
		if _, ok := ct.Ports[p.probe.Port]; !ok {
			c.errorf(ct.Path(app, path+".port"), "%s probe uses port %q, which is not one of the %s ports (%s)",
				p.name, p.probe.Port, containerWhose(ct), nameList(ct.Ports))
		}
		if p.probe.Path != "" && p.probe.GRPC {
			c.errorf(ct.Path(app, path), "%s probe sets both path (HTTP) and grpc; choose one", p.name)
		}
		if p.name != "readiness" && p.probe.SuccessThreshold > 1 {
			c.errorf(ct.Path(app, path+".successThreshold"), "%s probe successThreshold must be 1", p.name)
		}
	}
}

// containerWhose names a container's owner in a message: "app's", or
// "sidecar fluent-bit's".
func containerWhose(ct model.Container) string {
	if ct.Sidecar == nil {
		return "app's"
	}
	return "sidecar " + ct.Name + "'s"
}

func (c *checker) kind(app *model.App) {
	isJob := app.Kind == model.CronJob || app.Kind == model.Job
	if app.Kind == model.CronJob && app.Schedule == "" {
		c.errorf(app.Path("schedule"), "a CronJob needs a schedule")
	}
	if app.Kind != model.CronJob && app.Schedule != "" {
		c.errorf(app.Path("schedule"), "schedule is only for CronJobs, and this app is a %s", app.Kind)
	}
	if app.Kind != model.StatefulSet && len(app.Storage) > 0 {
		c.errorf(app.Path("storage"), "persistent storage needs kind \"StatefulSet\", and this app is a %s", app.Kind)
	}
	if isJob {
		if len(app.Services) > 0 {
			c.errorf(app.Path("services"), "a %s cannot have Services", app.Kind)
		}
		if app.HPA() {
			c.errorf(app.Path("autoscaling"), "a %s cannot be autoscaled", app.Kind)
		}
		if app.Disruption != nil {
			c.errorf(app.Path("disruption"), "a %s cannot have a PodDisruptionBudget", app.Kind)
		}
	}
}

func (c *checker) autoscaling(app *model.App) {
	a := app.Autoscaling
	if !app.HPA() || app.Kind == model.CronJob || app.Kind == model.Job {
		return
	}
	at := func(f string) string { return app.Path("autoscaling" + f) }
	if a.MinReplicas == nil {
		c.errorf(at(""), "autoscaling is enabled but minReplicas is not set (set it, or enabled: false)")
	}
	if a.MaxReplicas == nil {
		c.errorf(at(""), "autoscaling is enabled but maxReplicas is not set (set it, or enabled: false)")
	}
	if a.MinReplicas != nil && a.MaxReplicas != nil && *a.MinReplicas > *a.MaxReplicas {
		c.errorf(at(".minReplicas"), "autoscaling minReplicas %d is greater than maxReplicas %d", *a.MinReplicas, *a.MaxReplicas)
	}
	custom := len(a.Metrics) > 0 || (a.KEDA != nil && len(a.KEDA.Prometheus) > 0)
	if a.CPU == nil && a.Memory == nil && !custom {
		c.errorf(at(""), "autoscaling needs a cpu or memory utilisation target, metrics, or keda.prometheus triggers")
	}
	c.customMetrics(app)
	c.keda(app)
	if a.CPU != nil && app.Resources.Requests.CPU == "" {
		c.errorf(at(".cpu"), "autoscaling on cpu needs resources.requests.cpu (utilisation is a percentage of it)")
	}
	if a.Memory != nil && app.Resources.Requests.Memory == "" {
		c.errorf(at(".memory"), "autoscaling on memory needs resources.requests.memory (utilisation is a percentage of it)")
	}
}

// customMetrics checks the HPA's custom metrics: each has a target
// quantity the HPA takes (a Pods metric an averageValue), and none is
// beside keda, whose ScaledObject has no place for them.
func (c *checker) customMetrics(app *model.App) {
	a := app.Autoscaling
	for _, name := range slices.Sorted(maps.Keys(a.Metrics)) {
		m := a.Metrics[name]
		at := func(f string) string { return app.Path("autoscaling.metrics." + model.Label(name) + f) }
		if a.KEDA != nil {
			c.errorf(at(""), "metric %s is an HPA's custom metric, and keda renders a KEDA ScaledObject instead of an HPA; scale on a Prometheus query: autoscaling: keda: prometheus: %s: {serverAddress: ..., query: ..., threshold: ...}", name, model.Label(name))
			continue
		}
		switch {
		case m.AverageValue == "" && m.Value == "":
			c.errorf(at(""), "metric %s needs a target: averageValue (per pod) or value", name)
		case m.Type == "Pods" && m.AverageValue == "":
			c.errorf(at(".value"), "metric %s is a Pods metric, averaged over the pods: set averageValue, not value", name)
		}
		for _, f := range []struct{ field, q string }{{"averageValue", m.AverageValue}, {"value", m.Value}} {
			if msg := quantity("", f.q); f.q != "" && msg != "" {
				c.errorf(at("."+f.field), "metric %s: %s %q %s", name, f.field, f.q, msg)
			}
		}
	}
}

// keda checks a KEDA ScaledObject's Prometheus triggers: each query
// parses as PromQL.
func (c *checker) keda(app *model.App) {
	k := app.Autoscaling.KEDA
	if k == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(k.Prometheus)) {
		if err := promql.Parse(k.Prometheus[name].Query); err != nil {
			c.errorf(app.Path("autoscaling.keda.prometheus."+model.Label(name)+".query"),
				"the PromQL query of trigger %s does not parse: %v; fix the query (Prometheus' own parser reads it as Prometheus would)", name, err)
		}
	}
}

func (c *checker) disruption(app *model.App) {
	d := app.Disruption
	if d == nil {
		return
	}
	if (d.MinAvailable == nil) == (d.MaxUnavailable == nil) {
		c.errorf(app.Path("disruption"), "a disruption budget needs exactly one of minAvailable and maxUnavailable")
	}
}

func (c *checker) services(app *model.App) {
	for _, name := range slices.Sorted(maps.Keys(app.Services)) {
		svc := app.Services[name]
		at := func(f string) string { return app.Path("services." + model.Label(name) + f) }
		if len(app.Ports) == 0 {
			c.errorf(at(""), "Service %s selects an app that has no ports", name)
		}
		for i, p := range svc.Ports {
			if _, ok := app.Ports[p]; !ok {
				c.errorf(at(fmt.Sprintf(".ports[%d]", i)), "Service %s uses port %q, which is not one of the app's ports (%s)", name, p, portNames(app))
			}
		}
		for i, cidr := range svc.SourceRanges {
			if svc.Type != model.LoadBalancer {
				c.errorf(at(".sourceRanges"), "Service %s is a %s: sourceRanges are for LoadBalancer Services", name, svc.Type)
				break
			}
			c.cidr(at(fmt.Sprintf(".sourceRanges[%d]", i)), cidr)
		}
		for _, p := range slices.Sorted(maps.Keys(svc.ServicePorts)) {
			if _, ok := app.Ports[p]; !ok {
				c.errorf(at(".servicePorts."+model.Label(p)), "Service %s maps port %q, which is not one of the app's ports (%s)", name, p, portNames(app))
			}
		}
	}
}

func portNames(app *model.App) string { return nameList(app.Ports) }
