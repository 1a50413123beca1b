package graph

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// shop is an environment of two namespaces: shop denies by default, its
// web app behind an ALB calling api (dependsOn), api behind an NLB,
// scraped by Prometheus, reaching a database outside the cluster; open
// does not deny, its app calling web.
const shop = modeltest.Cluster + `
namespaces: {
	shop: {}
	open: defaultDeny: false
}
ingressGroups: shop: certificateARNs: ["arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-000000000001"]
apps: {
	web: {
		namespace: "shop"
		image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", tag: "1.0.0"}
		ports: http: port: 3000
		services: web: {}
		ingress: {group: "shop", hosts: ["shop.example.com"], paths: {"/": port: "http"}}
		dependsOn: ["api"]
		networkPolicy: from: ["client"]
	}
	api: {
		namespace: "shop"
		image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api", tag: "1.0.0"}
		ports: {http: port: 8000, grpc: port: 9000}
		services: {
			api: {}
			"api-public": {type: "LoadBalancer", ports: ["http"], servicePorts: http: 80, sourceRanges: ["203.0.113.0/24"]}
		}
		metrics: port: "http"
		networkPolicy: egress: database: {cidrs: ["10.1.0.0/24"], ports: [5432]}
	}
	client: {
		namespace: "open"
		image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/client", tag: "1.0.0"}
		ports: http: port: 8080
	}
}
`

// build returns the graph of src's environment prod, after edit has
// changed its rendered objects (as an app's patches may).
func build(t *testing.T, src string, edit func([]object.Object) []object.Object) *Graph {
	t.Helper()
	env := modeltest.Env(t, "prod", src)
	objs, err := kube.Build(env)
	if err != nil {
		t.Fatalf("kube.Build: %v", err)
	}
	if edit != nil {
		objs = edit(objs)
	}
	g, err := Build(env, objs)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return g
}

// summary writes g's nodes and edges a line each.
func summary(g *Graph) (nodes, edges []string) {
	for _, n := range g.Nodes {
		nodes = append(nodes, n.Kind+" "+n.ID+" ["+n.Namespace+"] "+strings.Join(n.Label, " | "))
	}
	for _, e := range g.Edges {
		s := e.Kind + " " + e.From + " -> " + e.To + ": " + strings.Join(e.Ports, ", ")
		if e.DependsOn {
			s += " (dependsOn)"
		}
		if !e.Allowed {
			s += " NOT ALLOWED"
		}
		edges = append(edges, s)
	}
	return nodes, edges
}

// dropRules removes the rules of direction dir ("ingress" or "egress")
// of the NetworkPolicy name whose JSON holds text, as a patch could.
func dropRules(name, dir, text string) func([]object.Object) []object.Object {
	return func(objs []object.Object) []object.Object {
		for _, o := range objs {
			if o.Kind() != "NetworkPolicy" || o.Name() != name {
				continue
			}
			spec := o.Content["spec"].(map[string]any)
			rules, _ := spec[dir].([]any)
			spec[dir] = slices.DeleteFunc(rules, func(r any) bool {
				b, _ := json.Marshal(r)
				return strings.Contains(string(b), text)
			})
		}
		return objs
	}
}

const open = modeltest.Cluster + `
namespaces: open: defaultDeny: false
apps: {
	a: {
		namespace: "open"
		image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/a", tag: "1.0.0"}
		ports: http: port: 8080
		dependsOn: ["b"]
		networkPolicy: egress: cache: {cidrs: ["10.3.0.0/24"], ports: [6379]}
	}
	b: {namespace: "open", image: {repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/b", tag: "1.0.0"}, ports: {http: port: 8080, dns: {port: 5353, protocol: "UDP"}}}
}
`

func TestBuild(t *testing.T) {
	shopNodes := []string{
		"alb alb/shop [] ALB shop | internet-facing | HTTPS 443, HTTP 80 (redirect) | shop.example.com",
		"app app/open/client [open] client | Deployment",
		"app app/shop/api [shop] api | Deployment",
		"app app/shop/web [shop] web | Deployment",
		"external external/10.1.0.0/24 [] database | 10.1.0.0/24",
		"nlb nlb/shop/api-public [] NLB api-public | internet-facing | port 80 | from 203.0.113.0/24",
		"platform platform/monitoring/prometheus [monitoring] Prometheus",
	}
	tests := []struct {
		name         string
		src          string
		edit         func([]object.Object) []object.Object
		nodes, edges []string
		problems     []string
	}{{
		name:  "shop",
		src:   shop,
		nodes: shopNodes,
		edges: []string{
			// The ALB's addresses in the VPC, on the path's port.
			"entry alb/shop -> app/shop/web: shop.example.com/ → 3000",
			// Its namespace isolates nothing; web's policy names it.
			"call app/open/client -> app/shop/web: 3000",
			"egress app/shop/api -> external/10.1.0.0/24: 5432",
			// A dependsOn reaches every port of the callee.
			"call app/shop/web -> app/shop/api: 8000, 9000 (dependsOn)",
			// The NLB's source range, to the Service's target port.
			"entry nlb/shop/api-public -> app/shop/api: 80 → 8000",
			// Prometheus scrapes the metrics port only.
			"call platform/monitoring/prometheus -> app/shop/api: 8000",
		},
	}, {
		name:  "a patch drops what admits the dependsOn",
		src:   shop,
		edit:  dropRules("api", "ingress", `"app.kubernetes.io/name":"web"`),
		nodes: shopNodes,
		edges: []string{
			"entry alb/shop -> app/shop/web: shop.example.com/ → 3000",
			"call app/open/client -> app/shop/web: 3000",
			"egress app/shop/api -> external/10.1.0.0/24: 5432",
			"call app/shop/web -> app/shop/api:  (dependsOn) NOT ALLOWED",
			"entry nlb/shop/api-public -> app/shop/api: 80 → 8000",
			"call platform/monitoring/prometheus -> app/shop/api: 8000",
		},
		problems: []string{"prod: web calls api (dependsOn), but no NetworkPolicy allows it on any of its ports"},
	}, {
		name: "a patch drops what admits the NLB's clients and the caller from outside",
		src:  shop,
		edit: func(objs []object.Object) []object.Object {
			objs = dropRules("api", "ingress", `"203.0.113.0/24"`)(objs)
			return dropRules("web", "ingress", `"app.kubernetes.io/name":"client"`)(objs)
		},
		nodes: shopNodes,
		edges: []string{
			"entry alb/shop -> app/shop/web: shop.example.com/ → 3000",
			"call app/open/client -> app/shop/web:  NOT ALLOWED",
			"egress app/shop/api -> external/10.1.0.0/24: 5432",
			"call app/shop/web -> app/shop/api: 8000, 9000 (dependsOn)",
			"entry nlb/shop/api-public -> app/shop/api: 80 → 8000 NOT ALLOWED",
			"call platform/monitoring/prometheus -> app/shop/api: 8000",
		},
		problems: []string{
			"prod: client calls web (networkPolicy.from), but no NetworkPolicy allows it on any of its ports",
			"prod: NLB api-public sends traffic to api on 80 → 8000, which its NetworkPolicies do not admit",
		},
	}, {
		name:  "a patch drops a declared destination",
		src:   shop,
		edit:  dropRules("api", "egress", `"10.1.0.0/24"`),
		nodes: shopNodes,
		edges: []string{
			"entry alb/shop -> app/shop/web: shop.example.com/ → 3000",
			"call app/open/client -> app/shop/web: 3000",
			"egress app/shop/api -> external/10.1.0.0/24: 5432 NOT ALLOWED",
			"call app/shop/web -> app/shop/api: 8000, 9000 (dependsOn)",
			"entry nlb/shop/api-public -> app/shop/api: 80 → 8000",
			"call platform/monitoring/prometheus -> app/shop/api: 8000",
		},
		problems: []string{"prod: api declares egress to database (10.1.0.0/24) on 5432, which its NetworkPolicies do not allow"},
	}, {
		// Nothing is isolated: the dependsOn is drawn, on every port,
		// and nothing else.
		name: "a namespace that does not deny",
		src:  open,
		nodes: []string{
			"app app/open/a [open] a | Deployment",
			"app app/open/b [open] b | Deployment",
			"external external/10.3.0.0/24 [] cache | 10.3.0.0/24",
		},
		edges: []string{
			"call app/open/a -> app/open/b: 5353/UDP, 8080 (dependsOn)",
			// No policy: the declared destination is reached, unenforced.
			"egress app/open/a -> external/10.3.0.0/24: 6379",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := build(t, tt.src, tt.edit)
			nodes, edges := summary(g)
			if diff := cmp.Diff(tt.nodes, nodes); diff != "" {
				t.Errorf("nodes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.edges, edges); diff != "" {
				t.Errorf("edges mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.problems, g.Problems()); diff != "" {
				t.Errorf("Problems() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPortsMatch(t *testing.T) {
	udp, sctp := corev1.ProtocolUDP, corev1.ProtocolSCTP
	http := port{num: 8080, name: "http", proto: "TCP"}
	dns := port{num: 53, name: "dns", proto: "UDP"}
	tests := []struct {
		name  string
		ports []networkingv1.NetworkPolicyPort
		p     port
		want  bool
	}{
		{"no ports: every port", nil, http, true},
		{"the number", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(8080))}}, http, true},
		{"another number", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(8081))}}, http, false},
		{"the name", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromString("http"))}}, http, true},
		{"another name", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromString("grpc"))}}, http, false},
		{"a range", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(8000)), EndPort: new(int32(9000))}}, http, true},
		{"below a range", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(8081)), EndPort: new(int32(9000))}}, http, false},
		{"TCP by default", []networkingv1.NetworkPolicyPort{{Port: new(intstr.FromInt32(53))}}, dns, false},
		{"the protocol", []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: new(intstr.FromInt32(53))}}, dns, true},
		{"every port of a protocol", []networkingv1.NetworkPolicyPort{{Protocol: &udp}}, dns, true},
		{"every port of another protocol", []networkingv1.NetworkPolicyPort{{Protocol: &sctp}}, dns, false},
	}
	for _, tt := range tests {
		if got := portsMatch(tt.ports, tt.p); got != tt.want {
			t.Errorf("%s: portsMatch(%v, %v) = %v, want %v", tt.name, tt.ports, tt.p, got, tt.want)
		}
	}
}

func TestBlockContains(t *testing.T) {
	tests := []struct {
		cidr   string
		except []string
		r      string
		want   bool
	}{
		{"0.0.0.0/0", nil, "0.0.0.0/0", true},
		{"10.0.0.0/16", nil, "10.0.0.0/16", true},
		{"10.0.0.0/16", nil, "10.0.4.0/24", true},
		{"10.0.0.0/16", nil, "10.0.0.0/8", false},
		{"10.0.0.0/16", nil, "0.0.0.0/0", false},
		{"10.0.0.0/16", []string{"10.0.4.0/24"}, "10.0.4.0/22", false},
		{"10.0.0.0/16", []string{"10.0.4.0/24"}, "10.0.8.0/24", true},
		{"not a cidr", nil, "10.0.0.0/16", false},
	}
	for _, tt := range tests {
		got := blockContains(&networkingv1.IPBlock{CIDR: tt.cidr, Except: tt.except}, netip.MustParsePrefix(tt.r))
		if got != tt.want {
			t.Errorf("blockContains(%s except %v, %s) = %v, want %v", tt.cidr, tt.except, tt.r, got, tt.want)
		}
	}
}

func TestRulePorts(t *testing.T) {
	udp := corev1.ProtocolUDP
	got := sortPorts(rulePorts([]networkingv1.NetworkPolicyPort{
		{Port: new(intstr.FromInt32(9092)), EndPort: new(int32(9094))},
		{Protocol: &udp, Port: new(intstr.FromInt32(53))},
		{Port: new(intstr.FromInt32(443))},
		{Port: new(intstr.FromString("metrics"))},
		{Port: new(intstr.FromInt32(10250))},
	}))
	want := []string{"metrics", "53/UDP", "443", "9092-9094", "10250"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rulePorts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"all ports"}, rulePorts(nil)); diff != "" {
		t.Errorf("rulePorts(nil) mismatch (-want +got):\n%s", diff)
	}
}
