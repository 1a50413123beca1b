package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/custommetrics"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// capability is something objects rely on that the cluster must provide:
// without it they are accepted by the API server and then do nothing (a
// NetworkPolicy nobody enforces, an HPA with no metrics) or stay pending
// (a volume nobody provisions).
type capability struct {
	// name says what it is, as in "needs the metrics API".
	name string
	// provider says what provides it, and fix is the CUE that adds it.
	provider, fix string
	// addon is the EKS add-on, or controller the controller
	// (platform.controllers), that provides it; its position is where a
	// platform object's error points.
	addon, controller string
	// provided reports whether the environment provides it; nil: gen
	// cannot provide it.
	provided func(env *model.Environment) bool
}

// at is the CUE path of what provides c.
func (c *capability) at() string {
	switch {
	case c.controller != "":
		return "platform.controllers." + model.Label(c.controller)
	case c.addon != "":
		return "cluster.addons." + model.Label(c.addon)
	}
	return "cluster.addons"
}

// The capabilities, and what provides each.
var (
	networkPolicies = &capability{
		name:     "NetworkPolicy enforcement",
		provider: "the vpc-cni add-on's network policy agent",
		fix:      `cluster: addons: "vpc-cni": {enabled: true, configurationValues: enableNetworkPolicy: "true"}`,
		addon:    "vpc-cni",
		provided: func(env *model.Environment) bool {
			a, ok := env.Cluster.Addon("vpc-cni")
			return ok && a.ConfigurationValues["enableNetworkPolicy"] == "true"
		},
	}
	metricsAPI = &capability{
		name:     "the metrics API (metrics.k8s.io)",
		provider: "the metrics-server add-on",
		fix:      `cluster: addons: "metrics-server": enabled: true`,
		addon:    "metrics-server",
		provided: addonEnabled("metrics-server"),
	}
	// The HPAs' Pods and Object metrics, and their External metrics:
	// KEDA serves external metrics only to the HPAs of its own
	// ScaledObjects, so the other way out is a ScaledObject.
	customMetricsAPI   = metricsAdapterCapability("the custom metrics API (custom.metrics.k8s.io)")
	externalMetricsAPI = metricsAdapterCapability("the external metrics API (external.metrics.k8s.io)")
	ebsVolumes         = &capability{
		name:     "EBS volume provisioning (ebs.csi.aws.com)",
		provider: "the aws-ebs-csi-driver add-on",
		fix:      `cluster: addons: "aws-ebs-csi-driver": enabled: true`,
		addon:    "aws-ebs-csi-driver",
		provided: addonEnabled("aws-ebs-csi-driver"),
	}
	loadBalancers = controllerCapability("AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)",
		"the AWS Load Balancer Controller", "aws-load-balancer-controller")
	externalSecrets = controllerCapability("External Secrets (external-secrets.io)",
		"the External Secrets Operator", "external-secrets")
	monitoring = controllerCapability("prometheus-operator's kinds (monitoring.coreos.com)",
		"prometheus-operator", "prometheus-operator")
	rollouts = controllerCapability("progressive delivery (Rollouts, AnalysisTemplates)",
		"Argo Rollouts", "argo-rollouts")
	eventScaling = controllerCapability("event-driven autoscaling (keda.sh)", "KEDA", "keda")
)

func addonEnabled(name string) func(*model.Environment) bool {
	return func(env *model.Environment) bool {
		_, ok := env.Cluster.Addon(name)
		return ok
	}
}

// controllerCapability is what the controller name provides.
func controllerCapability(what, provider, name string) *capability {
	return &capability{
		name:       what,
		provider:   provider,
		fix:        fmt.Sprintf("platform: controllers: %s: enabled: true", model.Label(name)),
		controller: name,
		provided: func(env *model.Environment) bool {
			_, ok := env.Controller(name)
			return ok
		},
	}
}

// metricsAdapterCapability is a metrics API that prometheus-adapter
// serves from Prometheus; the fix names the other way out, a KEDA
// ScaledObject on Prometheus queries.
func metricsAdapterCapability(what string) *capability {
	c := controllerCapability(what, "prometheus-adapter", custommetrics.Controller)
	c.fix = fmt.Sprintf(`platform: controllers: %s: enabled: true (it serves the metric from Prometheus and needs prometheus-operator); or scale on a Prometheus query through KEDA instead: apps: <app>: autoscaling: keda: prometheus: <name>: {serverAddress: ..., query: ..., threshold: ...}, with platform: controllers: keda: enabled: true`,
		model.Label(custommetrics.Controller))
	return c
}

// allCapabilities are the capabilities something in the environment can
// provide.
var allCapabilities = []*capability{networkPolicies, metricsAPI, ebsVolumes, loadBalancers, externalSecrets, monitoring, rollouts, eventScaling, customMetricsAPI, externalMetricsAPI}

// provides is what the add-on or controller key (a capability's addon or
// controller) provides: its capabilities' names, in table order.
func provides(key string) string {
	var names []string
	for _, c := range allCapabilities {
		if c.addon+c.controller == key {
			names = append(names, c.name)
		}
	}
	return strings.Join(names, " and ")
}

// The AWS Load Balancer Controller's marks: the load balancer class and
// annotation of an NLB Service, the class and controller of an ALB
// Ingress.
const (
	nlbClass          = "service.k8s.aws/nlb"
	lbTypeAnnotation  = "service.beta.kubernetes.io/aws-load-balancer-type"
	albIngressClass   = "alb"
	albController     = "ingress.k8s.aws/alb"
	ingressClassLabel = "kubernetes.io/ingress.class"
)

// byGroup are the capabilities that every object of an API group needs:
// its kinds are the controller's CRDs.
var byGroup = map[string]*capability{
	"elbv2.k8s.aws":                  loadBalancers,
	"external-secrets.io":            externalSecrets,
	"generators.external-secrets.io": externalSecrets,
	"monitoring.coreos.com":          monitoring,
	"keda.sh":                        eventScaling,
	"eventing.keda.sh":               eventScaling,
}

// rolloutKinds are Argo Rollouts' kinds in argoproj.io, which Argo CD's
// Application and AppProject share.
var rolloutKinds = []string{"Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment"}

// kedaField is the app's field that renders its ScaledObject.
const kedaField = "autoscaling.keda"

// need is one object's need of a capability; field is the app's field
// that causes it (for the error's position).
type need struct {
	cap   *capability
	field string
}

// needs is the table: what each object needs. classes are the
// environment's StorageClasses.
func needs(o object.Object, classes storageClasses) []need {
	group, _, _ := strings.Cut(o.APIVersion(), "/")
	if !strings.Contains(o.APIVersion(), "/") {
		group = ""
	}
	if group == "keda.sh" && o.Kind() == object.KindScaledObject {
		// KEDA's cpu and memory scalers read the metrics API.
		out := []need{{eventScaling, kedaField}}
		for _, t := range object.Maps(o.Lookup("spec", "triggers")) {
			if typ := object.String(t["type"]); typ == "cpu" || typ == "memory" {
				out = appendOnce(out, need{metricsAPI, "autoscaling"})
			}
		}
		return out
	}
	if c, ok := byGroup[group]; ok {
		if c == monitoring {
			return []need{{c, "metrics"}} // an app's monitoring comes from its metrics
		}
		return []need{{c, ""}}
	}
	if group == "argoproj.io" && slices.Contains(rolloutKinds, o.Kind()) {
		return []need{{rollouts, "delivery"}}
	}
	switch o.Kind() {
	case "Service":
		if object.String(o.Lookup("spec", "type")) != "LoadBalancer" {
			return nil
		}
		lbType := object.String(o.Lookup("metadata", "annotations", lbTypeAnnotation))
		if object.String(o.Lookup("spec", "loadBalancerClass")) == nlbClass || lbType == "external" || lbType == "nlb-ip" {
			return []need{{loadBalancers, "services"}}
		}
	case "Ingress":
		class := object.String(o.Lookup("spec", "ingressClassName"))
		if class == albIngressClass || classes.alb[class] ||
			object.String(o.Lookup("metadata", "annotations", ingressClassLabel)) == albIngressClass {
			return []need{{loadBalancers, "ingress"}}
		}
	case "IngressClass":
		if object.String(o.Lookup("spec", "controller")) == albController {
			return []need{{loadBalancers, ""}}
		}
	case "NetworkPolicy":
		return []need{{networkPolicies, "networkPolicy"}}
	case "HorizontalPodAutoscaler":
		// An HPA without metrics scales on CPU, from the metrics API.
		metrics, _ := o.Lookup("spec", "metrics").([]any)
		if len(metrics) == 0 {
			return []need{{metricsAPI, "autoscaling"}}
		}
		var out []need
		for _, m := range object.Maps(metrics) {
			typ := object.String(m["type"])
			switch typ {
			case "Resource", "ContainerResource":
				out = appendOnce(out, need{metricsAPI, "autoscaling"})
			case "Pods", "Object":
				out = appendOnce(out, need{customMetricsAPI, metricField(m, typ)})
			case "External":
				out = appendOnce(out, need{externalMetricsAPI, metricField(m, typ)})
			}
		}
		return out
	}
	// A claim on an EBS class, whether a PersistentVolumeClaim, a
	// StatefulSet's volumeClaimTemplate or an ephemeral volume.
	var out []need
	for _, ref := range o.Refs() {
		if ref.Kind != "StorageClass" {
			continue
		}
		if class, ok := classes.class(ref); ok && isEBS(classes.provisioners[class]) {
			out = appendOnce(out, need{ebsVolumes, "storage"})
		}
	}
	return out
}

// metricField is the app's field of an HPA's custom metric m of type typ
// (a MetricSpec): autoscaling.metrics.<name>.
func metricField(m map[string]any, typ string) string {
	source, _ := m[strings.ToLower(typ)].(map[string]any)
	metric, _ := source["metric"].(map[string]any)
	name := object.String(metric["name"])
	if name == "" {
		return "autoscaling"
	}
	return "autoscaling.metrics." + model.Label(name)
}

func appendOnce(list []need, n need) []need {
	for _, m := range list {
		if m.cap == n.cap {
			return list
		}
	}
	return append(list, n)
}

// Capabilities reports the objects that need something the environment's
// cluster does not provide: each error names the object, what it needs,
// what would provide it and the CUE that adds it, at the app's field (or
// at the add-on, for the environment's own objects). It also returns, for
// gen plan, what relies on each add-on, sorted by add-on: one walk over
// the objects answers both.
func Capabilities(env *model.Environment, objs []object.Object) ([]Reliance, error) {
	var errs cueerrors.Error
	by := map[string]*Reliance{}
	eachNeed(objs, func(o object.Object, n need) {
		if key := n.cap.addon + n.cap.controller; key != "" {
			r := by[key]
			if r == nil {
				r = &Reliance{Addon: n.cap.addon, Controller: n.cap.controller, Capability: provides(key)}
				by[key] = r
			}
			r.Objects = append(r.Objects, o.ID())
		}
		if n.cap.provided != nil && n.cap.provided(env) {
			return
		}
		at := n.cap.at()
		if app := env.Apps[o.App]; app != nil {
			field := n.field
			if field == kedaField && !app.KEDA() {
				field = "" // a ScaledObject a patch made, not autoscaling.keda
			}
			if name, ok := strings.CutPrefix(field, "autoscaling.metrics."); ok && !hasMetric(app, name) {
				field = "autoscaling" // a metric a patch added
			}
			at = app.Path(field)
		}
		msg := fmt.Sprintf("%s needs %s, which %s provides, but the cluster does not; set: %s", o.ID(), n.cap.name, n.cap.provider, n.cap.fix)
		if n.cap.provided == nil {
			msg = fmt.Sprintf("%s needs %s, which needs %s; instead: %s", o.ID(), n.cap.name, n.cap.provider, n.cap.fix)
		}
		errs = cueerrors.Append(errs, env.Errorf(at, "%s", msg))
	})
	// What the environment provides and nothing relies on yet is listed
	// too, with no objects.
	for _, c := range allCapabilities {
		key := c.addon + c.controller
		if _, ok := by[key]; !ok && key != "" && c.provided(env) {
			by[key] = &Reliance{Addon: c.addon, Controller: c.controller, Capability: provides(key)}
		}
	}
	var reliances []Reliance
	for _, name := range slices.Sorted(maps.Keys(by)) {
		reliances = append(reliances, *by[name])
	}
	if errs != nil {
		return reliances, errs
	}
	return reliances, nil
}

// hasMetric reports whether label (a CUE label) is one of the app's
// autoscaling.metrics.
func hasMetric(app *model.App, label string) bool {
	if app.Autoscaling == nil {
		return false
	}
	for name := range app.Autoscaling.Metrics {
		if model.Label(name) == label {
			return true
		}
	}
	return false
}

// eachNeed calls f for every need of every object, in order.
func eachNeed(objs []object.Object, f func(object.Object, need)) {
	classes := classesOf(objs)
	for _, o := range objs {
		for _, n := range needs(o, classes) {
			f(o, n)
		}
	}
}

// Reliance is what relies on an EKS add-on or a controller: the
// capability it provides and the objects that need it (see
// Capabilities). One of Addon and Controller is set.
type Reliance struct {
	Addon, Controller, Capability string
	// Objects are Kind/namespace/name, in object order.
	Objects []string
}
