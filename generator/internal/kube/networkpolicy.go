package kube

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// NetworkPolicies restrict ingress and egress (seed 001: each service
// talks only to its dependencies). A namespace with defaultDeny denies
// both to every pod and lets every pod ask kube-dns; each app's policy
// then allows what it serves and what it calls: the apps it depends on,
// the destinations it declares outside the cluster (by CIDR: a
// NetworkPolicy cannot name a host), and the API server when it says so.
// Policies take effect only where the CNI enforces them (the VPC CNI with
// network policy enabled, or Calico).
//
// A pod of another namespace is selected with the label Kubernetes puts on
// every Namespace (since 1.22) and cannot be forged by users.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// kubeDNS selects the cluster's DNS pods: CoreDNS in kube-system, labelled
// k8s-app: kube-dns by EKS's coredns add-on as by kubeadm.
var kubeDNS = networkingv1.NetworkPolicyPeer{
	NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: metav1.NamespaceSystem}},
	PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
}

// defaultDenyName is the name of a namespace's default-deny NetworkPolicy.
// It carries the namespace's name because every platform object is written
// to platform/<kind>-<name>.yaml: the namespaces' policies cannot all be
// called "default-deny".
func defaultDenyName(namespace string) string { return "default-deny-" + namespace }

// bothWays are the policy types of every policy gen renders in a
// namespace that denies by default: each states what it admits and what
// it lets out.
var bothWays = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}

// defaultDeny returns the NetworkPolicy of namespace name that selects
// every pod in it (an empty podSelector) and admits no ingress and no
// egress: a pod accepts and reaches only what the other policies allow.
func defaultDeny(env *model.Environment, name string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta: networkPolicyType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      defaultDenyName(name),
			Namespace: name,
			Labels:    namespaceLabels(env.Base(), env.Namespaces[name]),
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: bothWays,
		},
	}
}

// allowDNS returns the NetworkPolicy allow-dns-<name> that lets every pod
// of namespace name reach kube-dns on port 53, over UDP and TCP (answers
// too large for UDP come over TCP): every pod resolves names, whatever
// else it may reach.
func allowDNS(env *model.Environment, name string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta: networkPolicyType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      "allow-dns-" + name,
			Namespace: name,
			Labels:    namespaceLabels(env.Base(), env.Namespaces[name]),
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{kubeDNS},
				Ports: []networkingv1.NetworkPolicyPort{
					{Protocol: new(corev1.ProtocolUDP), Port: new(intstr.FromInt32(53))},
					{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt32(53))},
				},
			}},
		},
	}
}

// networkPolicy returns the app's NetworkPolicy, named after it and
// selecting its pods, or nil when its namespace does not deny by default
// (the policy would isolate the app's pods while the namespace means to be
// open), or when the app has no ports and reaches nothing (the namespace's
// policies say all there is). Its ingress rules, each only when it admits
// something, are:
//
//  1. from anywhere, on the ports of the app's LoadBalancer Services
//     without sourceRanges, or on every port when networkPolicy.public;
//     else from the load balancers' sources (see loadBalancerRules);
//  2. from the pods of the callers (see callers), on every port;
//  3. from the app's own pods, on the ports of its Headless Services:
//     StatefulSet peers (database replicas, DHT nodes) find each other
//     through them;
//  4. from Prometheus, on the metrics port (see scrapeRule).
//
// Its egress rules are those of egressRules. With no rule the policy
// admits nothing, and says so. Jobs and CronJobs render no Services, so
// theirs open nothing.
func networkPolicy(in *instance) (*networkingv1.NetworkPolicy, error) {
	app := in.app
	if !in.env.Namespaces[app.Namespace].DefaultDeny {
		return nil, nil
	}
	svcs := app.Services
	if app.Kind == model.CronJob || app.Kind == model.Job {
		svcs = nil
	}
	all := slices.Sorted(maps.Keys(app.Ports))

	var rules []networkingv1.NetworkPolicyIngressRule
	public, lbRules, err := loadBalancerRules(in, svcs)
	if err != nil {
		return nil, err
	}
	if app.NetworkPolicy.Public {
		public, lbRules = all, nil
	}
	if len(public) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{Ports: policyPorts(app, public)})
	}
	rules = append(rules, lbRules...)

	cs, err := callers(in)
	if err != nil {
		return nil, err
	}
	if len(cs) > 0 && len(all) > 0 {
		peers := make([]networkingv1.NetworkPolicyPeer, len(cs))
		for i, c := range cs {
			peers[i] = in.peer(c)
		}
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{From: peers, Ports: policyPorts(app, all)})
	}

	peerPorts, err := servicesPorts(app, svcs, model.Headless)
	if err != nil {
		return nil, err
	}
	if len(peerPorts) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{
			From:  []networkingv1.NetworkPolicyPeer{in.peer(app)},
			Ports: policyPorts(app, peerPorts),
		})
	}

	if rule, ok := scrapeRule(in); ok {
		rules = append(rules, rule)
	}

	egress, err := egressRules(in, peerPorts)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 && len(egress) == 0 {
		return nil, nil
	}

	return &networkingv1.NetworkPolicy{
		TypeMeta: networkPolicyType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      app.Name,
			Namespace: app.Namespace,
			Labels:    in.labels,
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: in.selector},
			PolicyTypes: bothWays,
			Ingress:     rules,
			Egress:      egress,
		},
	}, nil
}

// loadBalancerRules returns what the app's load balancers, which have IP
// targets and so reach the pods directly, must be admitted from: the
// ports of its NLBs that admit anyone (public); for an NLB with
// sourceRanges, a rule admitting the VPC's CIDR (the NLB's own addresses,
// which its health checks and, without client IP preservation, its
// traffic come from) and the ranges (clients whose addresses it
// preserves) on its ports; for its Ingress, a rule admitting the VPC's
// CIDR (an ALB terminates every connection and opens its own, from its
// addresses in the VPC) on the ports its paths and health checks go to.
func loadBalancerRules(in *instance, svcs map[string]model.Service) (public []string, rules []networkingv1.NetworkPolicyIngressRule, err error) {
	app := in.app
	vpc := in.env.Cluster.VPC.CIDR
	set := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(svcs)) {
		s := svcs[name]
		if s.Type != model.LoadBalancer {
			continue
		}
		ports, err := servicesPorts(app, map[string]model.Service{name: s}, model.LoadBalancer)
		if err != nil {
			return nil, nil, err
		}
		if len(s.SourceRanges) == 0 {
			for _, p := range ports {
				set[p] = true
			}
			continue
		}
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{
			From:  ipBlocks(append([]string{vpc}, s.SourceRanges...)),
			Ports: policyPorts(app, ports),
		})
	}
	// Ports already open to anyone need no rule of the ALB's.
	ports := slices.DeleteFunc(ingressPorts(app), func(p string) bool { return set[p] })
	if len(ports) > 0 && len(svcs) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyIngressRule{
			From:  ipBlocks([]string{vpc}),
			Ports: policyPorts(app, ports),
		})
	}
	return slices.Sorted(maps.Keys(set)), rules, nil
}

// ipBlocks returns a peer per CIDR, without repeats, in order.
func ipBlocks(cidrs []string) []networkingv1.NetworkPolicyPeer {
	var peers []networkingv1.NetworkPolicyPeer
	seen := map[string]bool{}
	for _, c := range cidrs {
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c}})
	}
	return peers
}

// egressRules returns what the app may reach besides kube-dns (which
// every pod of its namespace may), each rule only when it allows
// something:
//
//  1. per app it calls (see callees), by name: that app's pods on its
//     container ports, the ports its own policy admits callers on (a
//     Service's port is translated to the pod's before the policy is
//     applied, so a Service port that differs is not what counts);
//  2. its own pods on peerPorts, the ports of its Headless Services;
//  3. per networkPolicy.egress destination, by name: its CIDRs on its
//     ports;
//  4. the API server, when networkPolicy.kubernetesAPI.
func egressRules(in *instance, peerPorts []string) ([]networkingv1.NetworkPolicyEgressRule, error) {
	app := in.app
	var rules []networkingv1.NetworkPolicyEgressRule
	for _, c := range callees(in) {
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{in.peer(c)},
			Ports: policyPorts(c, slices.Sorted(maps.Keys(c.Ports))),
		})
	}
	if len(peerPorts) > 0 {
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{
			To:    []networkingv1.NetworkPolicyPeer{in.peer(app)},
			Ports: policyPorts(app, peerPorts),
		})
	}
	ext, err := externalRules(app.NetworkPolicy.Egress)
	if err != nil {
		return nil, err
	}
	rules = append(rules, ext...)
	if app.NetworkPolicy.KubernetesAPI {
		api, err := apiServerRule(in.env)
		if err != nil {
			return nil, err
		}
		rules = append(rules, api)
	}
	return rules, nil
}

// externalRules returns one egress rule per destination, by name: its
// CIDRs on its ports.
func externalRules(dests map[string]model.Egress) ([]networkingv1.NetworkPolicyEgressRule, error) {
	var rules []networkingv1.NetworkPolicyEgressRule
	for _, name := range slices.Sorted(maps.Keys(dests)) {
		d := dests[name]
		var rule networkingv1.NetworkPolicyEgressRule
		for _, cidr := range d.CIDRs {
			if _, err := netip.ParsePrefix(cidr); err != nil {
				return nil, fmt.Errorf("networkPolicy.egress.%s: %w", name, err)
			}
			rule.To = append(rule.To, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
		}
		proto := corev1.Protocol(cmp.Or(d.Protocol, string(corev1.ProtocolTCP)))
		for _, p := range d.Ports {
			rule.Ports = append(rule.Ports, networkingv1.NetworkPolicyPort{Protocol: new(proto), Port: new(intstr.FromInt32(p))})
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// apiServerRule allows TCP 443 to the Kubernetes API server. Pods reach it
// through the kubernetes Service, whose endpoints are the EKS control
// plane's network interfaces in the cluster's subnets: the VPC's CIDR
// allows them where the policy is applied after the Service's address is
// translated (Calico), and the Service's own address where it is applied
// before (the VPC CNI's network policy agent, at the pod's interface).
func apiServerRule(env *model.Environment) (networkingv1.NetworkPolicyEgressRule, error) {
	svc, err := KubernetesServiceIP(env.Cluster.VPC.CIDR)
	if err != nil {
		return networkingv1.NetworkPolicyEgressRule{}, err
	}
	return networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{
			{IPBlock: &networkingv1.IPBlock{CIDR: env.Cluster.VPC.CIDR}},
			{IPBlock: &networkingv1.IPBlock{CIDR: svc.String() + "/32"}},
		},
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt32(443))}},
	}, nil
}

// KubernetesServiceIP returns the address of the kubernetes Service of an
// EKS cluster in a VPC of CIDR vpc: the first address of the service CIDR
// EKS chooses when the ClusterConfig names none, as gen's does:
// 172.20.0.0/16 when the VPC is inside 10.0.0.0/8 (so that the two do not
// overlap), else 10.100.0.0/16.
func KubernetesServiceIP(vpc string) (netip.Addr, error) {
	p, err := netip.ParsePrefix(vpc)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("vpc cidr: %w", err)
	}
	if netip.MustParsePrefix("10.0.0.0/8").Contains(p.Addr()) {
		return netip.MustParseAddr("172.20.0.1"), nil
	}
	return netip.MustParseAddr("10.100.0.1"), nil
}

// callers returns the enabled apps whose pods may call the instance's app,
// sorted by name: those that depend on it and those its networkPolicy.from
// names. A disabled app has no pods to admit; a name in from that is no app
// is an error (dependsOn is checked before Build, by check.DependsOn).
func callers(in *instance) ([]*model.App, error) {
	set := map[string]*model.App{}
	for _, name := range in.app.NetworkPolicy.From {
		c := in.env.Apps[name]
		if c == nil {
			return nil, fmt.Errorf("networkPolicy.from: %q is no app of environment %s", name, in.env.Name)
		}
		if c.Enabled {
			set[name] = c
		}
	}
	for _, c := range in.dependents {
		set[c.Name] = c
	}
	return slices.SortedFunc(maps.Values(set), func(a, b *model.App) int {
		return cmp.Compare(a.Name, b.Name)
	}), nil
}

// callees returns the enabled apps the instance's app calls, sorted by
// name: those it depends on and those that name it in networkPolicy.from,
// less those that serve no port (check.Network refuses a dependsOn on
// one) and itself (its peers are the Headless Services' business).
func callees(in *instance) []*model.App {
	set := map[string]*model.App{}
	for _, name := range in.app.DependsOn {
		if c := in.env.Apps[name]; c != nil { // check.DependsOn reports the others
			set[name] = c
		}
	}
	for _, c := range in.calls {
		set[c.Name] = c
	}
	var out []*model.App
	for _, name := range slices.Sorted(maps.Keys(set)) {
		c := set[name]
		if c.Enabled && name != in.app.Name && serves(c) {
			out = append(out, c)
		}
	}
	return out
}

// serves reports whether app can be called: it has ports and is no Job
// or CronJob (whose pods no Service selects and that run to completion).
func serves(app *model.App) bool {
	return len(app.Ports) > 0 && app.Kind != model.Job && app.Kind != model.CronJob
}

// admitted maps each app name to the enabled apps that name it in
// networkPolicy.from: the apps it may call although it does not depend on
// them, once per environment.
func admitted(env *model.Environment) map[string][]*model.App {
	out := map[string][]*model.App{}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		c := env.Apps[name]
		if c == nil || !c.Enabled {
			continue
		}
		for _, caller := range c.NetworkPolicy.From {
			if !slices.Contains(out[caller], c) {
				out[caller] = append(out[caller], c)
			}
		}
	}
	return out
}

// dependents maps each app name to the enabled apps that name it in
// dependsOn, once per environment rather than once per app.
func dependents(env *model.Environment) map[string][]*model.App {
	deps := map[string][]*model.App{}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		c := env.Apps[name]
		if c == nil || !c.Enabled {
			continue
		}
		for _, dep := range c.DependsOn {
			if !slices.Contains(deps[dep], c) {
				deps[dep] = append(deps[dep], c)
			}
		}
	}
	return deps
}

// peer selects the pods of app c from the instance's namespace: by their
// selector labels, and by namespace when c runs in another one.
func (in *instance) peer(c *model.App) networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{
		PodSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(in.env.Base(), c)},
	}
	if c.Namespace != in.app.Namespace {
		p.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: c.Namespace}}
	}
	return p
}

// servicesPorts returns the names of the ports that the app's Services of
// type typ expose, sorted and without repeats.
func servicesPorts(app *model.App, svcs map[string]model.Service, typ string) ([]string, error) {
	set := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(svcs)) {
		s := svcs[name]
		if s.Type != typ {
			continue
		}
		ports := s.Ports
		if ports == nil {
			ports = slices.Collect(maps.Keys(app.Ports))
		}
		for _, p := range ports {
			if _, ok := app.Ports[p]; !ok {
				return nil, fmt.Errorf("service %s: no port %q", name, p)
			}
			set[p] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// policyPorts returns the app's ports called names, in that order, by
// number and protocol: a reviewer sees what is open without looking up the
// container's ports.
func policyPorts(app *model.App, names []string) []networkingv1.NetworkPolicyPort {
	ports := make([]networkingv1.NetworkPolicyPort, len(names))
	for i, name := range names {
		p := app.Ports[name]
		ports[i].Port = new(intstr.FromInt32(p.Port))
		if p.Protocol != "" {
			ports[i].Protocol = new(corev1.Protocol(p.Protocol))
		}
	}
	return ports
}

// prometheusPods selects the Prometheus servers prometheus-operator runs:
// the operator labels their pods app.kubernetes.io/name: prometheus.
var prometheusPods = map[string]string{labelName: "prometheus"}

// scrapeRule admits the Prometheus servers of prometheus-operator's
// namespace on the app's metrics port, when the app has metrics and the
// environment runs its own Prometheus: a ServiceMonitor or PodMonitor scrapes
// the pods directly.
func scrapeRule(in *instance) (networkingv1.NetworkPolicyIngressRule, bool) {
	m := in.app.Metrics
	ns, ok := in.env.Prometheus()
	if m == nil || !ok {
		return networkingv1.NetworkPolicyIngressRule{}, false
	}
	if _, ok := in.app.Ports[m.Port]; !ok {
		return networkingv1.NetworkPolicyIngressRule{}, false
	}
	return networkingv1.NetworkPolicyIngressRule{
		From: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{namespaceNameLabel: ns}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: prometheusPods},
		}},
		Ports: policyPorts(in.app, []string{m.Port}),
	}, true
}
