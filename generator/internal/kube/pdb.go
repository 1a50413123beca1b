package kube

import (
	"errors"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podDisruptionBudget returns the app's PodDisruptionBudget, or nil when the
// app has no disruption settings. Exactly one of minAvailable and
// maxUnavailable must be set.
func podDisruptionBudget(in *instance) (*policyv1.PodDisruptionBudget, error) {
	d := in.app.Disruption
	if d == nil {
		return nil, nil
	}
	spec := policyv1.PodDisruptionBudgetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: in.selector},
	}
	switch {
	case d.MinAvailable != nil && d.MaxUnavailable != nil:
		return nil, errors.New("disruption: both minAvailable and maxUnavailable are set")
	case d.MinAvailable != nil:
		spec.MinAvailable = intOrString(*d.MinAvailable)
	case d.MaxUnavailable != nil:
		spec.MaxUnavailable = intOrString(*d.MaxUnavailable)
	default:
		return nil, errors.New("disruption: neither minAvailable nor maxUnavailable is set")
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta: pdbType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      in.app.Name,
			Namespace: in.app.Namespace,
			Labels:    in.labels,
		},
		Spec: spec,
	}, nil
}
