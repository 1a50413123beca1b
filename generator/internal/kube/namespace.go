package kube

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namespaceObjects returns the Namespace called name, its default-deny
// and allow-dns NetworkPolicies when it has defaultDeny, and the
// ResourceQuota and LimitRange of the same name inside it. peak is what
// the pods of the namespace need at their peak (capacity.Peak and
// capacity.ControllerPeak); controller says that a controller's chart
// runs pods in it.
func namespaceObjects(env *model.Environment, name string, peak capacity.Amounts, controller bool) ([]any, error) {
	ns := env.Namespaces[name]
	labels := namespaceLabels(env.Base(), ns)
	objs := []any{&corev1.Namespace{
		TypeMeta: namespaceType,
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      labels,
			Annotations: ns.Annotations,
		},
	}}
	if ns.DefaultDeny {
		objs = append(objs, defaultDeny(env, name), allowDNS(env, name))
	}
	hard, err := quota(ns, peak, controller)
	if err != nil {
		return nil, err
	}
	lr, err := limitRange(ns, controller)
	if err != nil {
		return nil, err
	}
	meta := metav1.ObjectMeta{Name: name, Namespace: name, Labels: labels}
	return append(objs,
		&corev1.ResourceQuota{TypeMeta: resourceQuotaType, ObjectMeta: meta, Spec: corev1.ResourceQuotaSpec{Hard: hard}},
		&corev1.LimitRange{TypeMeta: limitRangeType, ObjectMeta: meta, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{lr}}},
	), nil
}

// quotaResources are the resources every derived quota limits, besides
// those a container of the namespace states (ephemeral-storage): a
// controller's namespace limits requests and pods only, since its
// chart's pods state no limits and gen gives them none.
var (
	quotaResources           = []string{"requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods"}
	controllerQuotaResources = []string{"requests.cpu", "requests.memory", "pods"}
)

// quota returns the hard limits of namespace ns's ResourceQuota: per
// resource, what its pods need at their peak plus its quotaHeadroom,
// rounded up, and never below one step (a tenth of a core, 256Mi, one
// pod: room for a debug pod in an empty namespace); a resource ns.Quota
// states is the stated limit instead (check.Quotas refuses one below the
// peak).
func quota(ns model.Namespace, peak capacity.Amounts, controller bool) (corev1.ResourceList, error) {
	base := quotaResources
	if controller {
		base = controllerQuotaResources
	}
	need := capacity.Amounts{}
	for _, k := range base {
		need[k] = peak[k]
	}
	for k, v := range peak {
		if !controller || !strings.HasPrefix(k, "limits.") {
			need[k] = v
		}
	}
	derived := capacity.WithHeadroom(need, ns.QuotaHeadroom)
	hard := corev1.ResourceList{}
	for _, k := range slices.Sorted(maps.Keys(derived)) {
		v := max(derived[k], capacity.QuotaStep(k))
		q, err := parseQuantity(capacity.Format(k, v))
		if err != nil {
			return nil, fmt.Errorf("quota %s: %w", k, err)
		}
		hard[corev1.ResourceName(k)] = q
	}
	for _, k := range slices.Sorted(maps.Keys(ns.Quota)) {
		q, err := parseQuantity(ns.Quota[k])
		if err != nil {
			return nil, fmt.Errorf("quota %s: %w", k, err)
		}
		hard[corev1.ResourceName(k)] = q
	}
	return hard, nil
}

// limitRange returns the Container item of namespace ns's LimitRange. In
// a controller's namespace it gives no default limits: its chart sized
// the pods without limits, and a default one could kill a controller
// under load; defaultRequest still counts the pods that state no request
// (a chart's hook Jobs) against the quota.
func limitRange(ns model.Namespace, controller bool) (corev1.LimitRangeItem, error) {
	item := corev1.LimitRangeItem{Type: corev1.LimitTypeContainer}
	for _, f := range []struct {
		what string
		from map[string]string
		to   *corev1.ResourceList
	}{
		{"default", ns.LimitRange.Default, &item.Default},
		{"defaultRequest", ns.LimitRange.DefaultRequest, &item.DefaultRequest},
		{"min", ns.LimitRange.Min, &item.Min},
		{"max", ns.LimitRange.Max, &item.Max},
	} {
		if controller && f.what == "default" || len(f.from) == 0 {
			continue
		}
		*f.to = corev1.ResourceList{}
		for _, k := range slices.Sorted(maps.Keys(f.from)) {
			q, err := parseQuantity(f.from[k])
			if err != nil {
				return item, fmt.Errorf("limitRange %s %s: %w", f.what, k, err)
			}
			(*f.to)[corev1.ResourceName(k)] = q
		}
	}
	return item, nil
}

// parseQuantity parses a Kubernetes quantity such as "250m" or "1.5Gi".
// The rendered form is the canonical one the API server stores ("0.5"
// becomes "500m"), so Argo CD sees no drift.
func parseQuantity(s string) (resource.Quantity, error) {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("quantity %q: %w", s, err)
	}
	return q, nil
}
