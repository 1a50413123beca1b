package kube

import (
	"fmt"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// helmInstanceLabel is the label Helm charts put on every object and pod
// of a release, valued with the release's name.
const helmInstanceLabel = "app.kubernetes.io/instance"

// controllerPolicies returns, for each enabled controller (Argo CD
// installs it from its chart) that runs in a namespace with default-deny,
// the NetworkPolicy allow-<controller> for its release's pods. Ingress:
// traffic from anywhere to its ingressPorts, when it has some: its
// webhooks are called by the API server, whose addresses (the control
// plane's network interfaces) no selector can name. Egress (kube-dns
// is the namespace's allow-dns policy): its own pods on those ports
// (KEDA's metrics server calls its operator), the API server when
// kubernetesAPI, the environment's Prometheus when it queries it, and
// its declared destinations.
func controllerPolicies(env *model.Environment) ([]any, error) {
	var out []any
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		ns, ok := env.Namespaces[c.Namespace]
		if !ok || !ns.DefaultDeny {
			continue
		}
		release := map[string]string{helmInstanceLabel: c.ReleaseName}
		var ingress []networkingv1.NetworkPolicyIngressRule
		var egress []networkingv1.NetworkPolicyEgressRule
		if len(c.IngressPorts) > 0 {
			ports := slices.Sorted(slices.Values(c.IngressPorts))
			var pp []networkingv1.NetworkPolicyPort
			for _, p := range slices.Compact(ports) {
				pp = append(pp, tcpPort(p))
			}
			ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{Ports: pp})
			egress = append(egress, networkingv1.NetworkPolicyEgressRule{
				To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: release}}},
				Ports: pp,
			})
		}
		if c.KubernetesAPI {
			api, err := apiServerRule(env)
			if err != nil {
				return nil, fmt.Errorf("controller %s: %w", name, err)
			}
			egress = append(egress, api)
		}
		if c.QueriesPrometheus {
			if rule, ok := prometheusClientRule(env); ok {
				egress = append(egress, rule)
			}
		}
		ext, err := externalRules(c.Egress)
		if err != nil {
			return nil, fmt.Errorf("controller %s: %w", name, err)
		}
		egress = append(egress, ext...)
		if len(ingress) == 0 && len(egress) == 0 {
			continue
		}
		out = append(out, &networkingv1.NetworkPolicy{
			TypeMeta: networkPolicyType,
			ObjectMeta: metav1.ObjectMeta{
				Name:      "allow-" + name,
				Namespace: c.Namespace,
				Labels:    platformLabels(env.Base(), name),
			},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: release},
				PolicyTypes: bothWays,
				Ingress:     ingress,
				Egress:      egress,
			},
		})
	}
	return out, nil
}
