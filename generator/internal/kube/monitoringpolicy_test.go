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

// TestMonitoringPolicies: in the monitoring namespace (default-deny) the
// stack's pods reach each other; Prometheus is asked on 9090 by the
// controllers that query it and reaches the API server, the kubelets and
// each enabled app with metrics on its metrics port; Alertmanager reaches
// its receivers on 443. Without Prometheus, or without receivers, the
// policies that would open nothing are not rendered.
func TestMonitoringPolicies(t *testing.T) {
	const apps = `
namespaces: {chatbot: {}, shop: {}}
apps: {
	web: {namespace: "chatbot", image: {repository: "r/web", tag: "1"}, ports: {http: port: 8080, metrics: port: 9100}, metrics: port: "metrics"}
	shop: {namespace: "shop", image: {repository: "r/shop", tag: "1"}, ports: http: port: 8000, metrics: port: "http"}
	off: {enabled: false, namespace: "shop", image: {repository: "r/off", tag: "1"}, ports: http: port: 8000, metrics: port: "http"}
	quiet: {namespace: "shop", image: {repository: "r/quiet", tag: "1"}, ports: http: port: 8000}
}
alerting: receivers: slack: slack: {channel: "#alerts", apiURL: {secret: "s", key: "url"}}
`
	policies := func(t *testing.T, src string) map[string]networkingv1.NetworkPolicySpec {
		env := modeltest.Env(t, "prod", cluster+`
cluster: autoscaler: enabled: false
platform: controllers: {
	"aws-load-balancer-controller": enabled: false
	"external-secrets": enabled: false
	keda: enabled: true
}
`+src)
		got := map[string]networkingv1.NetworkPolicySpec{}
		for _, obj := range build(t, env) {
			if obj.Kind() == "NetworkPolicy" && obj.Namespace() == "monitoring" && !strings.Contains(obj.Name(), "dns") &&
				!strings.HasPrefix(obj.Name(), "default-deny") && obj.Name() != "allow-prometheus-operator" {
				got[obj.Name()] = decode[networkingv1.NetworkPolicy](t, obj).Spec
			}
		}
		return got
	}
	tcp := func(p int32) []networkingv1.NetworkPolicyPort {
		return []networkingv1.NetworkPolicyPort{policyPort(p, corev1.ProtocolTCP)}
	}
	sel := func(kv ...string) *metav1.LabelSelector {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return &metav1.LabelSelector{MatchLabels: m}
	}
	ns := func(name string) *metav1.LabelSelector { return sel("kubernetes.io/metadata.name", name) }
	app := func(namespace, name string, port int32) networkingv1.NetworkPolicyEgressRule {
		return networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{{NamespaceSelector: ns(namespace), PodSelector: sel("app.kubernetes.io/instance", name+"-prod", "app.kubernetes.io/name", name)}},
			Ports: tcp(port),
		}
	}
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	everyone := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
	want := map[string]networkingv1.NetworkPolicySpec{
		"allow-monitoring": {
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: both,
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: everyone}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: everyone}},
		},
		"allow-prometheus": {
			PodSelector: *sel("app.kubernetes.io/name", "prometheus"),
			PolicyTypes: both,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{NamespaceSelector: ns("argo-rollouts"), PodSelector: sel("app.kubernetes.io/instance", "argo-rollouts")},
					{NamespaceSelector: ns("keda"), PodSelector: sel("app.kubernetes.io/instance", "keda")},
				},
				Ports: tcp(9090),
			}},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				apiServer,
				{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16"}}}, Ports: tcp(10250)},
				app("shop", "shop", 8000),
				app("chatbot", "web", 9100),
			},
		},
		"allow-alertmanager": {
			PodSelector: *sel("app.kubernetes.io/name", "alertmanager"),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}, Ports: tcp(443)}},
		},
	}
	if diff := cmp.Diff(want, policies(t, apps)); diff != "" {
		t.Errorf("monitoring policies mismatch (-want +got):\n%s", diff)
	}

	noReceivers := strings.Replace(apps, "alerting: receivers: slack: slack: {channel: \"#alerts\", apiURL: {secret: \"s\", key: \"url\"}}\n", "", 1)
	got := policies(t, noReceivers)
	if _, ok := got["allow-alertmanager"]; ok || len(got) != 2 {
		t.Errorf("without receivers: policies %v, want allow-monitoring and allow-prometheus only", keys(got))
	}
	if got := policies(t, apps+"monitoring: {prometheus: enabled: false, alertmanager: enabled: false}\n"); len(got) != 0 {
		t.Errorf("without Prometheus: policies %v, want none", keys(got))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
