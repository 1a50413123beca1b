package kube

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// NetworkPolicies restrict ingress only (seed 001: each service is called
// only by the apps that depend on it). Egress stays open: pods need DNS,
// the AWS APIs (IRSA's STS, S3) and image registries, whose addresses a
// NetworkPolicy cannot name by host; an environment may add egress rules
// later. Policies take effect only where the CNI enforces them (the VPC
// CNI with network policy enabled, or Calico).
//
// A pod of another namespace is selected with the label Kubernetes puts on
// every Namespace (since 1.22) and cannot be forged by users.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// defaultDenyName is the name of a namespace's default-deny NetworkPolicy.
// It carries the namespace's name because every platform object is written
// to platform/<kind>-<name>.yaml: the namespaces' policies cannot all be
// called "default-deny".
func defaultDenyName(namespace string) string { return "default-deny-" + namespace }

// defaultDeny returns the NetworkPolicy of namespace name that selects
// every pod in it (an empty podSelector) and admits no ingress: a pod
// accepts only what its app's NetworkPolicy admits.
func defaultDeny(env *model.Environment, name string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta: networkPolicyType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      defaultDenyName(name),
			Namespace: name,
			Labels:    namespaceLabels(env.Name, env.Namespaces[name]),
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}
}

// networkPolicy returns the app's NetworkPolicy, named after it and
// selecting its pods, or nil when the app has no ports (nothing can call
// it) or its namespace does not deny ingress by default (the policy would
// isolate the app's pods while the namespace means to be open). Its
// ingress rules, each only when it admits something, are:
//
//  1. from anywhere, on the ports of the app's LoadBalancer Services
//     without sourceRanges, or on every port when networkPolicy.public;
//     else from the load balancers' sources (see loadBalancerRules);
//  2. from the pods of the callers (see callers), on every port;
//  3. from the app's own pods, on the ports of its Headless Services:
//     StatefulSet peers (database replicas, DHT nodes) find each other
//     through them.
//
// With no rule the policy admits nothing, and says so. Jobs and CronJobs
// render no Services, so theirs open nothing.
func networkPolicy(in *instance) (*networkingv1.NetworkPolicy, error) {
	app := in.app
	if len(app.Ports) == 0 || !in.env.Namespaces[app.Namespace].DefaultDeny {
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
	if len(cs) > 0 {
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

	return &networkingv1.NetworkPolicy{
		TypeMeta: networkPolicyType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      app.Name,
			Namespace: app.Namespace,
			Labels:    in.labels,
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: in.selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     rules,
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
		PodSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(in.env.Name, c)},
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
