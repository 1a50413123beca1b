package kube

import (
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IngressClassParams is the AWS Load Balancer Controller's
// elbv2.k8s.aws/v1beta1 IngressClassParams, with the fields gen sets. The
// controller's Go module is not a dependency: the field names are the
// CRD's, and a test validates the type against its schema.
type IngressClassParams struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              IngressClassParamsSpec `json:"spec"`
}

// IngressClassParamsSpec is what an IngressClassParams imposes on the
// Ingresses of its class: their IngressGroup, scheme and target type, and
// the namespaces they may be in. The controller takes these over the
// Ingresses' annotations.
type IngressClassParamsSpec struct {
	Group             *IngressGroupRef      `json:"group,omitempty"`
	Scheme            string                `json:"scheme,omitempty"`
	TargetType        string                `json:"targetType,omitempty"`
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// IngressGroupRef names an IngressGroup.
type IngressGroupRef struct {
	Name string `json:"name"`
}

// ingressClasses returns, for each isolated ingress group that an enabled
// app joins, its IngressClass alb-<group> and the IngressClassParams of
// the same name, which pin the group's name, scheme and IP targets and
// admit only Ingresses in the namespaces of the group's apps. Groups are
// taken in name order; each pair is IngressClassParams first.
func ingressClasses(env *model.Environment) []any {
	namespaces := map[string]map[string]bool{}
	for _, app := range env.Apps {
		if app == nil || !app.Enabled || app.Ingress == nil {
			continue
		}
		g := app.Ingress.Group
		if namespaces[g] == nil {
			namespaces[g] = map[string]bool{}
		}
		namespaces[g][app.Namespace] = true
	}
	var objs []any
	for _, name := range slices.Sorted(maps.Keys(env.IngressGroups)) {
		g := env.IngressGroups[name]
		if !g.Isolated || len(namespaces[name]) == 0 {
			continue
		}
		class := IngressClassName(name, g)
		labels := platformLabels(env.Base(), class)
		objs = append(objs, &IngressClassParams{
			TypeMeta:   ingressParamsType,
			ObjectMeta: metav1.ObjectMeta{Name: class, Labels: labels},
			Spec: IngressClassParamsSpec{
				Group:      &IngressGroupRef{Name: name},
				Scheme:     g.Scheme,
				TargetType: lbTargetTypeIP,
				NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key:      namespaceNameLabel,
					Operator: metav1.LabelSelectorOpIn,
					Values:   slices.Sorted(maps.Keys(namespaces[name])),
				}}},
			},
		}, &networkingv1.IngressClass{
			TypeMeta:   ingressClassType,
			ObjectMeta: metav1.ObjectMeta{Name: class, Labels: labels},
			Spec: networkingv1.IngressClassSpec{
				Controller: albController,
				Parameters: &networkingv1.IngressClassParametersReference{
					APIGroup: new("elbv2.k8s.aws"),
					Kind:     ingressParamsType.Kind,
					Name:     class,
					// IngressClassParams are cluster-scoped.
					Scope: new(networkingv1.IngressClassParametersReferenceScopeCluster),
				},
			},
		})
	}
	return objs
}
