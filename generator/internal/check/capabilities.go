package check

import (
	"fmt"
	"maps"
	"slices"

	cueerrors "cuelang.org/go/cue/errors"

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
	// addon is the EKS add-on that provides it; its position is where a
	// platform object's error points.
	addon string
	// provided reports whether the cluster provides it; nil: gen cannot
	// provide it yet.
	provided func(cl *model.Cluster) bool
}

// The capabilities, and what provides each.
var (
	networkPolicies = &capability{
		name:     "NetworkPolicy enforcement",
		provider: "the vpc-cni add-on's network policy agent",
		fix:      `cluster: addons: "vpc-cni": {enabled: true, configurationValues: enableNetworkPolicy: "true"}`,
		addon:    "vpc-cni",
		provided: func(cl *model.Cluster) bool {
			a, ok := cl.Addon("vpc-cni")
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
	customMetricsAPI = &capability{
		name:     "a custom or external metrics API",
		provider: "an adapter such as prometheus-adapter or KEDA, which gen does not install",
		fix:      `scale on cpu or memory (apps: <app>: autoscaling: {cpu: ..., memory: ...})`,
	}
	ebsVolumes = &capability{
		name:     "EBS volume provisioning (ebs.csi.aws.com)",
		provider: "the aws-ebs-csi-driver add-on",
		fix:      `cluster: addons: "aws-ebs-csi-driver": enabled: true`,
		addon:    "aws-ebs-csi-driver",
		provided: addonEnabled("aws-ebs-csi-driver"),
	}
)

func addonEnabled(name string) func(*model.Cluster) bool {
	return func(cl *model.Cluster) bool {
		_, ok := cl.Addon(name)
		return ok
	}
}

// need is one object's need of a capability; field is the app's field
// that causes it (for the error's position).
type need struct {
	cap   *capability
	field string
}

// needs is the table: what each object needs. classes are the
// environment's StorageClasses.
func needs(o object.Object, classes storageClasses) []need {
	switch o.Kind() {
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
			switch object.String(m["type"]) {
			case "Resource", "ContainerResource":
				out = appendOnce(out, need{metricsAPI, "autoscaling"})
			default: // Pods, Object, External
				out = appendOnce(out, need{customMetricsAPI, "autoscaling"})
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
		if n.cap.addon != "" {
			r := by[n.cap.addon]
			if r == nil {
				r = &Reliance{Addon: n.cap.addon, Capability: n.cap.name}
				by[n.cap.addon] = r
			}
			r.Objects = append(r.Objects, o.ID())
		}
		if n.cap.provided != nil && n.cap.provided(&env.Cluster) {
			return
		}
		at := "cluster.addons"
		if n.cap.addon != "" {
			at += "." + model.Label(n.cap.addon)
		}
		if app := env.Apps[o.App]; app != nil {
			at = app.Path(n.field)
		}
		msg := fmt.Sprintf("%s needs %s, which %s provides, but the cluster does not; set: %s", o.ID(), n.cap.name, n.cap.provider, n.cap.fix)
		if n.cap.provided == nil {
			msg = fmt.Sprintf("%s needs %s, which needs %s; instead: %s", o.ID(), n.cap.name, n.cap.provider, n.cap.fix)
		}
		errs = cueerrors.Append(errs, env.Errorf(at, "%s", msg))
	})
	var reliances []Reliance
	for _, name := range slices.Sorted(maps.Keys(by)) {
		reliances = append(reliances, *by[name])
	}
	if errs != nil {
		return reliances, errs
	}
	return reliances, nil
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

// Reliance is what relies on an EKS add-on: the capability it provides
// and the objects that need it (see Capabilities).
type Reliance struct {
	Addon, Capability string
	// Objects are Kind/namespace/name, in object order.
	Objects []string
}
