package kube

import (
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// helmInstanceLabel is the label Helm charts put on every object and pod
// of a release, valued with the release's name.
const helmInstanceLabel = "app.kubernetes.io/instance"

// controllerPolicies returns, for each enabled controller (Argo CD
// installs it from its chart) that has ingressPorts and runs in a
// namespace with default-deny, the NetworkPolicy allow-<controller> that
// admits traffic from anywhere to those ports of its release's pods: its
// webhooks are called by the API server, whose addresses (the control
// plane's network interfaces) no selector can name.
func controllerPolicies(env *model.Environment) []any {
	var out []any
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		ns, ok := env.Namespaces[c.Namespace]
		if len(c.IngressPorts) == 0 || !ok || !ns.DefaultDeny {
			continue
		}
		ports := slices.Sorted(slices.Values(c.IngressPorts))
		rule := networkingv1.NetworkPolicyIngressRule{}
		for _, p := range slices.Compact(ports) {
			rule.Ports = append(rule.Ports, networkingv1.NetworkPolicyPort{
				Protocol: new(corev1.ProtocolTCP),
				Port:     new(intstr.FromInt32(int32(p))),
			})
		}
		labels := platformLabels(env.Name, name)
		out = append(out, &networkingv1.NetworkPolicy{
			TypeMeta: networkPolicyType,
			ObjectMeta: metav1.ObjectMeta{
				Name:      "allow-" + name,
				Namespace: c.Namespace,
				Labels:    labels,
			},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{helmInstanceLabel: c.ReleaseName}},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress:     []networkingv1.NetworkPolicyIngressRule{rule},
			},
		})
	}
	return out
}
