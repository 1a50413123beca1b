package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
)

// TestControllerPolicies: every enabled controller in a namespace with
// default-deny gets a NetworkPolicy for its release's pods that opens its
// ingressPorts to anyone and lets the pods reach each other on them, the
// API server (unless kubernetesAPI is false) and its declared egress
// destinations; none in kube-system (no default-deny there), in a
// namespace without default-deny, or for a controller turned off.
func TestControllerPolicies(t *testing.T) {
	env := modeltest.Env(t, "prod", cluster+`
namespaces: open: defaultDeny: false
platform: controllers: {
	"external-secrets": ingressPorts: [10250, 8443, 10250]
	"argo-rollouts": {}
	"prometheus-operator": namespace: "open"
	keda: {enabled: true, kubernetesAPI: false, serviceAccount: iamRole: "keda"}
}
`)
	got := map[string]networkingv1.NetworkPolicySpec{}
	for _, obj := range build(t, env) {
		if obj.Kind() != "NetworkPolicy" || !strings.HasPrefix(obj.Name(), "allow-") || strings.HasPrefix(obj.Name(), "allow-dns-") {
			continue
		}
		np := decode[networkingv1.NetworkPolicy](t, obj)
		wantLabels := map[string]string{"app.kubernetes.io/managed-by": "gen", "app.kubernetes.io/name": strings.TrimPrefix(np.Name, "allow-"), "app.kubernetes.io/part-of": "platform", "environment": "prod"}
		if diff := cmp.Diff(wantLabels, np.Labels); diff != "" {
			t.Errorf("%s labels mismatch (-want +got):\n%s", obj.ID(), diff)
		}
		got[obj.ID()] = np.Spec
	}
	tcp := func(ports ...int32) []networkingv1.NetworkPolicyPort {
		var out []networkingv1.NetworkPolicyPort
		for _, p := range ports {
			out = append(out, policyPort(p, corev1.ProtocolTCP))
		}
		return out
	}
	release := func(name string) metav1.LabelSelector {
		return metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/instance": name}}
	}
	self := func(name string, ports ...int32) networkingv1.NetworkPolicyEgressRule {
		sel := release(name)
		return networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &sel}}, Ports: tcp(ports...)}
	}
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	// Argo Rollouts and KEDA query the environment's Prometheus, in
	// prometheus-operator's namespace.
	toPrometheus := networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "open"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "prometheus"}},
		}},
		Ports: tcp(9090),
	}
	want := map[string]networkingv1.NetworkPolicySpec{
		"NetworkPolicy/argo-rollouts/allow-argo-rollouts": {
			PodSelector: release("argo-rollouts"),
			PolicyTypes: both,
			Egress:      []networkingv1.NetworkPolicyEgressRule{apiServer, toPrometheus},
		},
		"NetworkPolicy/external-secrets/allow-external-secrets": {
			PodSelector: release("external-secrets"),
			PolicyTypes: both,
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: tcp(8443, 10250)}},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				self("external-secrets", 8443, 10250),
				apiServer,
				{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}, Ports: tcp(443)},
			},
		},
		// No ingress; the kubernetes filter asks the API server, the
		// output CloudWatch Logs and STS.
		"NetworkPolicy/logging/allow-fluent-bit": {
			PodSelector: release("fluent-bit"),
			PolicyTypes: both,
			Egress: []networkingv1.NetworkPolicyEgressRule{
				apiServer,
				{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}, Ports: tcp(443)},
			},
		},
		"NetworkPolicy/keda/allow-keda": {
			PodSelector: release("keda"),
			PolicyTypes: both,
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: tcp(6443, 9443, 9666)}},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				self("keda", 6443, 9443, 9666),
				toPrometheus,
				{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}, Ports: tcp(443)},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("controllerPolicies mismatch (-want +got):\n%s", diff)
	}
}
