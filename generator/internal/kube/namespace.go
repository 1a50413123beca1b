package kube

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namespaceObjects returns the Namespace called name, its default-deny
// NetworkPolicy when it has defaultDeny, and, when its quota is not empty,
// the ResourceQuota of the same name inside it.
func namespaceObjects(env *model.Environment, name string) ([]any, error) {
	ns := env.Namespaces[name]
	labels := namespaceLabels(env.Name, ns)
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
	if len(ns.Quota) == 0 {
		return objs, nil
	}
	hard := make(corev1.ResourceList, len(ns.Quota))
	for _, res := range slices.Sorted(maps.Keys(ns.Quota)) {
		q, err := parseQuantity(ns.Quota[res])
		if err != nil {
			return nil, fmt.Errorf("quota %s: %w", res, err)
		}
		hard[corev1.ResourceName(res)] = q
	}
	return append(objs, &corev1.ResourceQuota{
		TypeMeta: resourceQuotaType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: name,
			Labels:    labels,
		},
		Spec: corev1.ResourceQuotaSpec{Hard: hard},
	}), nil
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
