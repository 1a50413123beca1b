// Package graph builds an environment's dependency graph: its apps grouped
// by namespace, the traffic between them that the rendered NetworkPolicies
// allow, the load balancers that bring traffic in and the addresses
// outside the cluster that the apps reach. Edges between pods are
// computed from the rendered NetworkPolicy objects, by the rules the
// Kubernetes network plugins apply, so the picture is what is enforced;
// a dependsOn (or networkPolicy.from) that no policy allows is drawn and
// reported as a problem.
package graph

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Graph is an environment's dependency graph, nodes sorted by ID and edges
// by their ends and kind.
type Graph struct {
	Env   string `json:"env"`
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Node kinds.
const (
	// KindApp is an app's pods.
	KindApp = "app"
	// KindPlatform is the pods of a controller or of the environment's
	// Prometheus, drawn when they exchange traffic with an app.
	KindPlatform = "platform"
	// KindALB is an ingress group's Application Load Balancer.
	KindALB = "alb"
	// KindNLB is a LoadBalancer Service's Network Load Balancer.
	KindNLB = "nlb"
	// KindExternal is an address range outside the cluster.
	KindExternal = "external"
)

// Node is one box of the graph.
type Node struct {
	// ID is stable: "app/<namespace>/<app>", "platform/<namespace>/<name>",
	// "alb/<group>", "nlb/<namespace>/<service>", "external/<cidr>".
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Namespace groups apps and platform pods; "" for the others.
	Namespace string `json:"namespace,omitempty"`
	// Label is the node's text, a line each.
	Label []string `json:"label"`
}

// Edge kinds.
const (
	// EdgeCall is traffic between pods: the source's egress and the
	// destination's ingress both allow it.
	EdgeCall = "call"
	// EdgeEntry is a load balancer sending traffic to an app's pods.
	EdgeEntry = "entry"
	// EdgeEgress is traffic from an app's pods to addresses outside the
	// cluster.
	EdgeEgress = "egress"
)

// Edge is one arrow of the graph.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
	// Ports are what the arrow carries, a line each: the destination's
	// ports ("8000", "53/UDP"), or, for an entry, the route
	// ("chatbot.example.com/api → 8000").
	Ports []string `json:"ports"`
	// DependsOn: the source names the destination in dependsOn.
	DependsOn bool `json:"dependsOn,omitempty"`
	// Allowed is false for traffic the apps declare (dependsOn,
	// networkPolicy.from) or a load balancer sends that the
	// NetworkPolicies do not allow.
	Allowed bool `json:"allowed"`
}

// Problems returns, a line each, the edges that the NetworkPolicies do not
// allow. gen's own checks make them impossible; a patch could cause one.
func (g *Graph) Problems() []string {
	byID := map[string]Node{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
	}
	var out []string
	for _, e := range g.Edges {
		if e.Allowed {
			continue
		}
		from, to := byID[e.From].Label[0], byID[e.To].Label[0]
		switch e.Kind {
		case EdgeEntry:
			out = append(out, fmt.Sprintf("%s: %s sends traffic to %s on %s, which its NetworkPolicies do not admit", g.Env, from, to, strings.Join(e.Ports, ", ")))
		case EdgeEgress:
			out = append(out, fmt.Sprintf("%s: %s declares egress to %s (%s) on %s, which its NetworkPolicies do not allow", g.Env, from, byID[e.To].Label[0], byID[e.To].Label[1], strings.Join(e.Ports, ", ")))
		default:
			what := "networkPolicy.from"
			if e.DependsOn {
				what = "dependsOn"
			}
			out = append(out, fmt.Sprintf("%s: %s calls %s (%s), but no NetworkPolicy allows it on any of its ports", g.Env, from, to, what))
		}
	}
	return out
}

// port is a container port of an endpoint's pods.
type port struct {
	num   int32
	name  string
	proto string
}

func (p port) String() string {
	if p.proto == "TCP" {
		return strconv.Itoa(int(p.num))
	}
	return fmt.Sprintf("%d/%s", p.num, p.proto)
}

// endpoint is a set of pods the policies may select: an app's, or a
// platform component's.
type endpoint struct {
	id        string
	kind      string
	namespace string
	labels    labels.Set
	ports     []port
	label     []string
	app       *model.App
}

// policy is a rendered NetworkPolicy.
type policy struct {
	namespace string
	selector  labels.Selector
	ingress   bool
	egress    bool
	spec      networkingv1.NetworkPolicySpec
}

// net is what traffic the policies allow.
type net struct {
	policies []policy
	// nsLabels are each namespace's labels, as a namespaceSelector sees
	// them.
	nsLabels map[string]labels.Set
}

// Build returns env's graph from its rendered objects (after patches).
func Build(env *model.Environment, objs []object.Object) (*Graph, error) {
	n, err := newNet(objs)
	if err != nil {
		return nil, err
	}
	eps := endpoints(env, objs)
	b := &builder{g: &Graph{Env: env.Name}, nodes: map[string]Node{}, edges: map[[3]string]*Edge{}}

	byApp := map[string]*endpoint{}
	for _, ep := range eps {
		if ep.app != nil {
			byApp[ep.app.Name] = ep
			b.node(Node{ID: ep.id, Kind: KindApp, Namespace: ep.namespace, Label: ep.label})
		}
	}

	// Traffic between pods, as the policies allow it: every pair with an
	// app at one end at least, where a rule names the other end (pods
	// that no policy isolates reach each other, and are not all drawn).
	for _, src := range eps {
		for _, dst := range eps {
			if src.app == nil && dst.app == nil {
				continue
			}
			ports := n.allowed(src, dst, true)
			if len(ports) == 0 {
				continue
			}
			for _, ep := range []*endpoint{src, dst} {
				if ep.app == nil {
					b.node(Node{ID: ep.id, Kind: KindPlatform, Namespace: ep.namespace, Label: ep.label})
				}
			}
			e := b.edge(src.id, dst.id, EdgeCall)
			e.Ports, e.Allowed = ports, true
		}
	}

	// What the apps declare they call: allowed when no policy stands in
	// the way; else the policies did not produce it, a problem.
	declare := func(src, dst *endpoint) *Edge {
		e := b.edge(src.id, dst.id, EdgeCall)
		if !e.Allowed {
			e.Ports = n.allowed(src, dst, false)
			e.Allowed = len(e.Ports) > 0
		}
		return e
	}
	for _, name := range slices.Sorted(maps.Keys(byApp)) {
		src := byApp[name]
		for _, callee := range src.app.DependsOn {
			if dst, ok := byApp[callee]; ok {
				declare(src, dst).DependsOn = true
			}
		}
		for _, caller := range src.app.NetworkPolicy.From {
			if from, ok := byApp[caller]; ok {
				declare(from, src)
			}
		}
	}

	if err := b.entries(env, objs, n, byApp); err != nil {
		return nil, err
	}
	b.externals(env, n, eps)
	return b.graph(), nil
}

type builder struct {
	g     *Graph
	nodes map[string]Node
	edges map[[3]string]*Edge
}

func (b *builder) node(n Node) {
	if _, ok := b.nodes[n.ID]; !ok {
		b.nodes[n.ID] = n
	}
}

// edge returns the edge from -> to of kind, adding it (not allowed, no
// ports) when new.
func (b *builder) edge(from, to, kind string) *Edge {
	k := [3]string{from, to, kind}
	e, ok := b.edges[k]
	if !ok {
		e = &Edge{From: from, To: to, Kind: kind}
		b.edges[k] = e
	}
	return e
}

func (b *builder) graph() *Graph {
	for _, id := range slices.Sorted(maps.Keys(b.nodes)) {
		b.g.Nodes = append(b.g.Nodes, b.nodes[id])
	}
	for _, k := range slices.SortedFunc(maps.Keys(b.edges), func(x, y [3]string) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]), cmp.Compare(x[2], y[2]))
	}) {
		b.g.Edges = append(b.g.Edges, *b.edges[k])
	}
	return b.g
}

// endpoints returns the apps' pods (from their rendered workloads), the
// environment's Prometheus and the controllers' pods, sorted by ID.
func endpoints(env *model.Environment, objs []object.Object) []*endpoint {
	var out []*endpoint
	apps := map[string]*endpoint{}
	for _, o := range objs {
		app, ok := env.Apps[o.App]
		pl := o.PodLabels()
		if !ok || !app.Enabled || pl == nil {
			continue
		}
		ep, ok := apps[app.Name]
		if !ok {
			ls := labels.Set{}
			for k, v := range pl {
				ls[k] = object.String(v)
			}
			ep = &endpoint{
				id: "app/" + app.Namespace + "/" + app.Name, kind: KindApp, namespace: app.Namespace,
				labels: ls, label: []string{app.Name, app.Kind}, app: app,
			}
			apps[app.Name] = ep
			out = append(out, ep)
		}
		for _, c := range slices.Concat(o.Containers(), o.InitContainers()) {
			for _, p := range object.Maps(c["ports"]) {
				num, _ := object.Int(p["containerPort"])
				proto := cmp.Or(object.String(p["protocol"]), "TCP")
				ep.ports = append(ep.ports, port{num: int32(num), name: object.String(p["name"]), proto: proto})
			}
		}
	}
	for _, ep := range apps {
		slices.SortFunc(ep.ports, func(a, b port) int {
			return cmp.Or(cmp.Compare(a.num, b.num), cmp.Compare(a.proto, b.proto))
		})
		ep.ports = slices.CompactFunc(ep.ports, func(a, b port) bool { return a.num == b.num && a.proto == b.proto })
	}
	if ns, ok := env.Prometheus(); ok {
		out = append(out, &endpoint{
			id: "platform/" + ns + "/prometheus", kind: KindPlatform, namespace: ns,
			labels: labels.Set{"app.kubernetes.io/name": "prometheus"},
			ports:  []port{{num: model.PrometheusPort, name: "web", proto: "TCP"}},
			label:  []string{"Prometheus"},
		})
	}
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		ep := &endpoint{
			id: "platform/" + c.Namespace + "/" + name, kind: KindPlatform, namespace: c.Namespace,
			labels: labels.Set{"app.kubernetes.io/instance": c.ReleaseName},
			label:  []string{name, "controller"},
		}
		for _, p := range slices.Compact(slices.Sorted(slices.Values(c.IngressPorts))) {
			ep.ports = append(ep.ports, port{num: int32(p), proto: "TCP"})
		}
		out = append(out, ep)
	}
	slices.SortFunc(out, func(a, b *endpoint) int { return cmp.Compare(a.id, b.id) })
	return out
}

// newNet reads the rendered NetworkPolicies and Namespaces.
func newNet(objs []object.Object) (*net, error) {
	n := &net{nsLabels: map[string]labels.Set{}}
	for _, o := range objs {
		switch {
		case o.Kind() == "Namespace" && o.Group() == "":
			ls := labels.Set{}
			if m, ok := o.Lookup("metadata", "labels").(map[string]any); ok {
				for k, v := range m {
					ls[k] = object.String(v)
				}
			}
			n.nsLabels[o.Name()] = ls
		case o.Kind() == "NetworkPolicy" && o.Group() == "networking.k8s.io":
			b, err := json.Marshal(o.Content)
			if err != nil {
				return nil, err
			}
			var np networkingv1.NetworkPolicy
			if err := json.Unmarshal(b, &np); err != nil {
				return nil, fmt.Errorf("NetworkPolicy %s/%s: %w", o.Namespace(), o.Name(), err)
			}
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				return nil, fmt.Errorf("NetworkPolicy %s/%s: podSelector: %w", o.Namespace(), o.Name(), err)
			}
			p := policy{namespace: np.Namespace, selector: sel, spec: np.Spec}
			// As the API server defaults policyTypes: Ingress always,
			// Egress when the policy has egress rules.
			p.ingress, p.egress = true, len(np.Spec.Egress) > 0
			if len(np.Spec.PolicyTypes) > 0 {
				p.ingress = slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
				p.egress = slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			}
			n.policies = append(n.policies, p)
		}
	}
	return n, nil
}

// namespaceLabels are ns's labels: those of its rendered Namespace, and
// the name label Kubernetes sets on every namespace.
func (n *net) namespaceLabels(ns string) labels.Set {
	ls := labels.Set{"kubernetes.io/metadata.name": ns}
	for k, v := range n.nsLabels[ns] {
		ls[k] = v
	}
	return ls
}

// selecting returns the policies that select ep's pods for ingress (or
// egress).
func (n *net) selecting(ep *endpoint, egress bool) []policy {
	var out []policy
	for _, p := range n.policies {
		if p.namespace != ep.namespace || !p.selector.Matches(ep.labels) {
			continue
		}
		if (egress && p.egress) || (!egress && p.ingress) {
			out = append(out, p)
		}
	}
	return out
}

// allowed returns dst's ports that src's pods may reach, formatted; with
// explicit, only those where a rule of either end names the other.
func (n *net) allowed(src, dst *endpoint, explicit bool) []string {
	var ports []string
	for _, p := range dst.ports {
		eg, egExplicit := n.egressAllows(src, dst, p)
		in, inExplicit := n.ingressAllows(dst, src, p)
		if eg && in && (!explicit || egExplicit || inExplicit) {
			ports = append(ports, p.String())
		}
	}
	return ports
}

// egressAllows says whether src's pods may send to dst's pods on p, and
// whether a rule names dst (rather than allowing every destination, or no
// policy isolating src).
func (n *net) egressAllows(src, dst *endpoint, p port) (allowed, explicit bool) {
	ps := n.selecting(src, true)
	if len(ps) == 0 {
		return true, false
	}
	for _, pol := range ps {
		for _, r := range pol.spec.Egress {
			if !portsMatch(r.Ports, p) {
				continue
			}
			if len(r.To) == 0 {
				allowed = true
				continue
			}
			for _, peer := range r.To {
				if n.peerMatches(peer, pol.namespace, dst) {
					return true, true
				}
			}
		}
	}
	return allowed, false
}

// ingressAllows says whether dst's pods admit src's on p, and whether a
// rule names src.
func (n *net) ingressAllows(dst, src *endpoint, p port) (allowed, explicit bool) {
	ps := n.selecting(dst, false)
	if len(ps) == 0 {
		return true, false
	}
	for _, pol := range ps {
		for _, r := range pol.spec.Ingress {
			if !portsMatch(r.Ports, p) {
				continue
			}
			if len(r.From) == 0 {
				allowed = true
				continue
			}
			for _, peer := range r.From {
				if n.peerMatches(peer, pol.namespace, src) {
					return true, true
				}
			}
		}
	}
	return allowed, false
}

// admitsAddresses says whether dst's pods admit traffic from every
// address of from on p: a load balancer's, whose connections come from
// outside the pod network.
func (n *net) admitsAddresses(dst *endpoint, from netip.Prefix, p port) bool {
	ps := n.selecting(dst, false)
	if len(ps) == 0 {
		return true
	}
	for _, pol := range ps {
		for _, r := range pol.spec.Ingress {
			if !portsMatch(r.Ports, p) {
				continue
			}
			if len(r.From) == 0 {
				return true
			}
			for _, peer := range r.From {
				if peer.IPBlock != nil && blockContains(peer.IPBlock, from) {
					return true
				}
			}
		}
	}
	return false
}

// blockContains says whether the ipBlock holds every address of r.
func blockContains(b *networkingv1.IPBlock, r netip.Prefix) bool {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil || cidr.Bits() > r.Bits() || !cidr.Contains(r.Addr()) {
		return false
	}
	for _, ex := range b.Except {
		e, err := netip.ParsePrefix(ex)
		if err != nil || e.Overlaps(r) {
			return false
		}
	}
	return true
}

// peerMatches says whether a peer of a policy of namespace ns selects
// ep's pods. An ipBlock selects no pod: pod addresses are the plugin's
// business.
func (n *net) peerMatches(peer networkingv1.NetworkPolicyPeer, ns string, ep *endpoint) bool {
	if peer.IPBlock != nil || (peer.PodSelector == nil && peer.NamespaceSelector == nil) {
		return false
	}
	if peer.NamespaceSelector == nil {
		if ep.namespace != ns {
			return false
		}
	} else if !selects(peer.NamespaceSelector, n.namespaceLabels(ep.namespace)) {
		return false
	}
	return peer.PodSelector == nil || selects(peer.PodSelector, ep.labels)
}

func selects(s *metav1.LabelSelector, ls labels.Set) bool {
	sel, err := metav1.LabelSelectorAsSelector(s)
	return err == nil && sel.Matches(ls)
}

// portsMatch says whether a rule's ports hold p (no ports: all of them).
func portsMatch(ports []networkingv1.NetworkPolicyPort, p port) bool {
	if len(ports) == 0 {
		return true
	}
	for _, pp := range ports {
		proto := "TCP"
		if pp.Protocol != nil {
			proto = string(*pp.Protocol)
		}
		if proto != p.proto {
			continue
		}
		switch {
		case pp.Port == nil:
			return true
		case pp.Port.Type == intstr.String:
			if pp.Port.StrVal == p.name {
				return true
			}
		default:
			lo, hi := pp.Port.IntVal, pp.Port.IntVal
			if pp.EndPort != nil {
				hi = *pp.EndPort
			}
			if lo <= p.num && p.num <= hi {
				return true
			}
		}
	}
	return false
}
