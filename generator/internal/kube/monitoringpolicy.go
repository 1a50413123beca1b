package kube

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// alertmanagerPods selects the Alertmanager servers prometheus-operator
// runs, as prometheusPods selects its Prometheus servers.
var alertmanagerPods = map[string]string{labelName: "alertmanager"}

// kubeletPort is where Prometheus scrapes each node's kubelet (its own
// metrics, cAdvisor's and the volumes' usage), at the node's address.
const kubeletPort = 10250

// monitoringPolicies returns the NetworkPolicies of the environment's
// monitoring stack (model.Monitoring) when its namespace has default-deny:
//
//   - allow-monitoring: the namespace's pods reach each other on every
//     port: Prometheus scrapes the operator, kube-state-metrics,
//     Alertmanager and itself, sends alerts to Alertmanager, whose
//     replicas gossip; the config reloaders are called on localhost;
//   - allow-prometheus: Prometheus is asked on its web port by the
//     controllers that query it (queriesPrometheus: Argo Rollouts'
//     analyses, KEDA, prometheus-adapter) and calls the API server
//     (service discovery), the kubelets of the VPC's nodes, and each app
//     with metrics on its metrics port (whose NetworkPolicy admits it,
//     see scrapeRule);
//   - allow-alertmanager: Alertmanager sends notifications to its
//     receivers (Slack, PagerDuty) on 443, when the environment has
//     receivers.
//
// A querying controller's own policy lets it out to Prometheus (see
// prometheusClientRule).
func monitoringPolicies(env *model.Environment) ([]any, error) {
	ns, ok := env.Prometheus()
	if !ok || !env.Namespaces[ns].DefaultDeny {
		return nil, nil
	}
	inNamespace := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: platformLabels(env.Base(), "monitoring")}
	}
	out := []any{&networkingv1.NetworkPolicy{
		TypeMeta:   networkPolicyType,
		ObjectMeta: meta("allow-monitoring"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: bothWays,
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: inNamespace}},
			Egress:      []networkingv1.NetworkPolicyEgressRule{{To: inNamespace}},
		},
	}}

	var ingress []networkingv1.NetworkPolicyIngressRule
	if clients := prometheusClients(env); len(clients) > 0 {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRule{
			From:  clients,
			Ports: []networkingv1.NetworkPolicyPort{tcpPort(model.PrometheusPort)},
		})
	}
	api, err := apiServerRule(env)
	if err != nil {
		return nil, fmt.Errorf("monitoring: %w", err)
	}
	egress := []networkingv1.NetworkPolicyEgressRule{api, {
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: env.Cluster.VPC.CIDR}}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(kubeletPort)},
	}}
	egress = append(egress, scrapeTargets(env)...)
	out = append(out, &networkingv1.NetworkPolicy{
		TypeMeta:   networkPolicyType,
		ObjectMeta: meta("allow-prometheus"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: prometheusPods},
			PolicyTypes: bothWays,
			Ingress:     ingress,
			Egress:      egress,
		},
	})

	if _, ok := env.Alertmanager(); ok && len(env.Alerting.Receivers) > 0 {
		out = append(out, &networkingv1.NetworkPolicy{
			TypeMeta:   networkPolicyType,
			ObjectMeta: meta("allow-alertmanager"),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: alertmanagerPods},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				// Slack's and PagerDuty's APIs are public, behind addresses
				// that change.
				Egress: []networkingv1.NetworkPolicyEgressRule{{
					To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}},
					Ports: []networkingv1.NetworkPolicyPort{tcpPort(443)},
				}},
			},
		})
	}
	return out, nil
}

// prometheusClients are the pods of the enabled controllers that query
// Prometheus, each by its release and namespace.
func prometheusClients(env *model.Environment) []networkingv1.NetworkPolicyPeer {
	var out []networkingv1.NetworkPolicyPeer
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		if !c.QueriesPrometheus {
			continue
		}
		out = append(out, networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: c.Namespace}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{helmInstanceLabel: c.ReleaseName}},
		})
	}
	return out
}

// prometheusClientRule is the egress rule that lets a querying
// controller's pods ask the environment's Prometheus, when it runs one.
func prometheusClientRule(env *model.Environment) (networkingv1.NetworkPolicyEgressRule, bool) {
	ns, ok := env.Prometheus()
	if !ok {
		return networkingv1.NetworkPolicyEgressRule{}, false
	}
	return networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: ns}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: prometheusPods},
		}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(model.PrometheusPort)},
	}, true
}

// scrapeTargets are Prometheus's egress rules to the enabled apps with
// metrics, one per app (its pods, on its metrics port), sorted by name.
func scrapeTargets(env *model.Environment) []networkingv1.NetworkPolicyEgressRule {
	var out []networkingv1.NetworkPolicyEgressRule
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if app == nil || !app.Enabled || app.Metrics == nil { // Build reports a nil app
			continue
		}
		if _, ok := app.Ports[app.Metrics.Port]; !ok {
			continue
		}
		out = append(out, networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: app.Namespace}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: selectorLabels(env.Base(), app)},
			}},
			Ports: policyPorts(app, []string{app.Metrics.Port}),
		})
	}
	return out
}

func tcpPort(p int) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt32(int32(p)))}
}
