package graph

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// The annotations of the AWS Load Balancer Controller an NLB's label
// reads.
const (
	nlbSchemeAnnotation = "service.beta.kubernetes.io/aws-load-balancer-scheme"
	hostnameAnnotation  = "external-dns.alpha.kubernetes.io/hostname"
)

// entries adds the load balancers: each ingress group with the routes of
// its apps, and each LoadBalancer Service. An entry is allowed when the
// app's NetworkPolicies admit the load balancer's sources on every port
// it sends to: an ALB's connections come from its addresses in the VPC,
// an NLB's from its clients (its source ranges, else anywhere).
func (b *builder) entries(env *model.Environment, objs []object.Object, n *net, byApp map[string]*endpoint) error {
	vpc, err := netip.ParsePrefix(env.Cluster.VPC.CIDR)
	if err != nil {
		return fmt.Errorf("cluster.vpc.cidr: %w", err)
	}
	hosts := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(byApp)) {
		ep := byApp[name]
		in := ep.app.Ingress
		if in == nil {
			continue
		}
		id := "alb/" + in.Group
		hosts[id] = append(hosts[id], in.Hosts...)
		e := b.edge(id, ep.id, EdgeEntry)
		e.Allowed = true
		for _, path := range slices.Sorted(maps.Keys(in.Paths)) {
			p, ok := ep.portNamed(in.Paths[path].Port)
			if !ok {
				continue
			}
			for _, h := range in.Hosts {
				e.Ports = append(e.Ports, h+path+" → "+p.String())
			}
			if !n.admitsAddresses(ep, vpc, p) {
				e.Allowed = false
			}
		}
	}
	for id, hs := range hosts {
		group := strings.TrimPrefix(id, "alb/")
		g := env.IngressGroups[group]
		label := []string{"ALB " + group, g.Scheme}
		var listen []string
		if g.Listen.HTTPS != nil && len(g.CertificateARNs) > 0 {
			listen = append(listen, fmt.Sprintf("HTTPS %d", *g.Listen.HTTPS))
		}
		if g.Listen.HTTP != nil {
			l := fmt.Sprintf("HTTP %d", *g.Listen.HTTP)
			if len(listen) > 0 && g.SSLRedirect {
				l += " (redirect)"
			}
			listen = append(listen, l)
		}
		if len(listen) > 0 {
			label = append(label, strings.Join(listen, ", "))
		}
		label = append(label, slices.Compact(slices.Sorted(slices.Values(hs)))...)
		b.node(Node{ID: id, Kind: KindALB, Label: label})
	}

	for _, o := range objs {
		ep, ok := byApp[o.App]
		if !ok || o.Kind() != "Service" || o.Group() != "" || object.String(o.Lookup("spec", "type")) != "LoadBalancer" {
			continue
		}
		id := "nlb/" + o.Namespace() + "/" + o.Name()
		var sources []netip.Prefix
		if rs, ok := o.Lookup("spec", "loadBalancerSourceRanges").([]any); ok {
			for _, r := range rs {
				p, err := netip.ParsePrefix(object.String(r))
				if err != nil {
					return fmt.Errorf("service %s/%s: loadBalancerSourceRanges: %w", o.Namespace(), o.Name(), err)
				}
				sources = append(sources, p)
			}
		}
		if len(sources) == 0 {
			sources = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
		}
		e := b.edge(id, ep.id, EdgeEntry)
		e.Allowed = true
		var listen []string
		for _, sp := range object.Maps(o.Lookup("spec", "ports")) {
			num, _ := object.Int(sp["port"])
			proto := cmp.Or(object.String(sp["protocol"]), "TCP")
			front := port{num: int32(num), proto: proto}
			listen = append(listen, front.String())
			target, ok := ep.target(sp["targetPort"], front)
			if !ok {
				continue
			}
			e.Ports = append(e.Ports, front.String()+" → "+target.String())
			for _, s := range sources {
				if !n.admitsAddresses(ep, s, target) {
					e.Allowed = false
				}
			}
		}
		scheme := "internal"
		annotations, _ := o.Lookup("metadata", "annotations").(map[string]any)
		if s := object.String(annotations[nlbSchemeAnnotation]); s != "" {
			scheme = s
		}
		label := []string{"NLB " + o.Name(), scheme, "port " + strings.Join(listen, ", ")}
		if h := object.String(annotations[hostnameAnnotation]); h != "" {
			label = append(label, strings.Split(h, ",")...)
		}
		if len(sources) > 1 || sources[0].Bits() != 0 {
			var ss []string
			for _, s := range sources {
				ss = append(ss, s.String())
			}
			label = append(label, "from "+strings.Join(ss, ", "))
		}
		b.node(Node{ID: id, Kind: KindNLB, Label: label})
	}
	return nil
}

// portNamed returns the pods' port called name.
func (ep *endpoint) portNamed(name string) (port, bool) {
	for _, p := range ep.ports {
		if p.name == name {
			return p, true
		}
	}
	return port{}, false
}

// target returns the pods' port a Service's targetPort (a number, a name,
// or none: the Service's port) names.
func (ep *endpoint) target(tp any, front port) (port, bool) {
	if s, ok := tp.(string); ok {
		return ep.portNamed(s)
	}
	num := int64(front.num)
	if n, ok := object.Int(tp); ok {
		num = n
	}
	for _, p := range ep.ports {
		if int64(p.num) == num && p.proto == front.proto {
			return p, true
		}
	}
	return port{num: int32(num), proto: front.proto}, true
}

// externals adds, for each app whose policies let it out to addresses
// (ipBlocks), an edge to each address range on the rule's ports. A range
// is named after the egress destinations that declare it, the VPC or the
// Kubernetes API.
func (b *builder) externals(env *model.Environment, n *net, eps []*endpoint) {
	names := map[string]map[string]bool{}
	for _, ep := range eps {
		if ep.app == nil {
			continue
		}
		for _, pol := range n.selecting(ep, true) {
			for _, r := range pol.spec.Egress {
				for _, peer := range r.To {
					if peer.IPBlock == nil {
						continue
					}
					id := "external/" + peer.IPBlock.CIDR
					if len(peer.IPBlock.Except) > 0 {
						id += " except " + strings.Join(peer.IPBlock.Except, ",")
					}
					if names[id] == nil {
						names[id] = map[string]bool{}
					}
					declared := false
					for dest, eg := range ep.app.NetworkPolicy.Egress {
						if slices.Contains(eg.CIDRs, peer.IPBlock.CIDR) {
							names[id][dest], declared = true, true
						}
					}
					switch {
					case declared:
					case peer.IPBlock.CIDR == env.Cluster.VPC.CIDR:
						names[id]["VPC"] = true
					case ep.app.NetworkPolicy.KubernetesAPI:
						names[id]["Kubernetes API"] = true
					}
					e := b.edge(ep.id, id, EdgeEgress)
					e.Allowed = true
					e.Ports = sortPorts(append(e.Ports, rulePorts(r.Ports)...))
				}
			}
		}
	}
	// The destinations the apps declare that no rule above drew: reached
	// when nothing isolates the app's egress (its namespace does not
	// deny) or a wider block allows them; else declared in vain.
	for _, ep := range eps {
		if ep.app == nil {
			continue
		}
		for _, dest := range slices.Sorted(maps.Keys(ep.app.NetworkPolicy.Egress)) {
			eg := ep.app.NetworkPolicy.Egress[dest]
			for _, cidr := range eg.CIDRs {
				id := "external/" + cidr
				if _, drawn := b.edges[[3]string{ep.id, id, EdgeEgress}]; drawn {
					continue
				}
				isolated := len(n.selecting(ep, true)) > 0
				allowed := n.egressAllowsAddresses(ep, cidr, eg)
				if isolated && allowed {
					continue // drawn to the wider block
				}
				if names[id] == nil {
					names[id] = map[string]bool{}
				}
				names[id][dest] = true
				e := b.edge(ep.id, id, EdgeEgress)
				e.Allowed = allowed
				for _, p := range eg.Ports {
					e.Ports = append(e.Ports, port{num: p, proto: cmp.Or(eg.Protocol, "TCP")}.String())
				}
				e.Ports = sortPorts(e.Ports)
			}
		}
	}
	for id, ns := range names {
		label := slices.Sorted(maps.Keys(ns))
		if len(label) == 0 {
			label = []string{"outside the cluster"}
		}
		b.node(Node{ID: id, Kind: KindExternal, Label: []string{strings.Join(label, ", "), strings.TrimPrefix(id, "external/")}})
	}
}

// rulePorts formats a rule's ports.
func rulePorts(ports []networkingv1.NetworkPolicyPort) []string {
	if len(ports) == 0 {
		return []string{"all ports"}
	}
	var out []string
	for _, pp := range ports {
		proto := "TCP"
		if pp.Protocol != nil {
			proto = string(*pp.Protocol)
		}
		var s string
		switch {
		case pp.Port == nil:
			s = "all"
		case pp.Port.StrVal != "":
			s = pp.Port.StrVal
		default:
			s = strconv.Itoa(int(pp.Port.IntVal))
			if pp.EndPort != nil {
				s += "-" + strconv.Itoa(int(*pp.EndPort))
			}
		}
		if proto != "TCP" {
			s += "/" + proto
		}
		out = append(out, s)
	}
	return out
}

// sortPorts sorts formatted ports by number, then text, without repeats.
func sortPorts(ps []string) []string {
	num := func(s string) int { // the leading digits; 0 for "all ports"
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i < 0 {
			i = len(s)
		}
		n, _ := strconv.Atoi(s[:i])
		return n
	}
	slices.SortFunc(ps, func(a, b string) int { return cmp.Or(cmp.Compare(num(a), num(b)), cmp.Compare(a, b)) })
	return slices.Compact(ps)
}

// egressAllowsAddresses says whether ep's pods may reach every address of
// cidr on every port of the declared destination eg.
func (n *net) egressAllowsAddresses(ep *endpoint, cidr string, eg model.Egress) bool {
	to, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	ps := n.selecting(ep, true)
	if len(ps) == 0 {
		return true
	}
	for _, num := range eg.Ports {
		p := port{num: num, proto: cmp.Or(eg.Protocol, "TCP")}
		ok := false
		for _, pol := range ps {
			for _, r := range pol.spec.Egress {
				if !portsMatch(r.Ports, p) {
					continue
				}
				if len(r.To) == 0 {
					ok = true
				}
				for _, peer := range r.To {
					if peer.IPBlock != nil && blockContains(peer.IPBlock, to) {
						ok = true
					}
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
