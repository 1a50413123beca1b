package kube

import (
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultDeny(t *testing.T) {
	// Namespaces deny by default; open says otherwise.
	env := envWith(t, `namespaces: {
	web: labels: team: "web"
	data: {}
	open: defaultDeny: false
}`)
	objs := build(t, env)
	want := []string{
		"Namespace/data", "Namespace/open", "Namespace/web",
		"ResourceQuota/data", "ResourceQuota/open", "ResourceQuota/web",
		"LimitRange/data", "LimitRange/open", "LimitRange/web", "StorageClass/gp3",
		"NetworkPolicy/allow-dns-data", "NetworkPolicy/default-deny-data",
		"NetworkPolicy/allow-dns-web", "NetworkPolicy/default-deny-web",
	}
	if diff := cmp.Diff(want, kinds(objs)); diff != "" {
		t.Fatalf("objects mismatch (-want +got):\n%s", diff)
	}
	o := find(t, objs, "NetworkPolicy", "default-deny-web")
	if o.App != "" {
		t.Errorf("%s belongs to app %q, want none (platform/)", o.ID(), o.App)
	}
	np := decode[networkingv1.NetworkPolicy](t, o)
	wantMeta := metav1.ObjectMeta{
		Name:      "default-deny-web",
		Namespace: "web",
		Labels:    map[string]string{"app.kubernetes.io/managed-by": "gen", "environment": "prod", "team": "web"},
	}
	if diff := cmp.Diff(wantMeta, np.ObjectMeta); diff != "" {
		t.Errorf("metadata mismatch (-want +got):\n%s", diff)
	}
	wantSpec := networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
	}
	if diff := cmp.Diff(wantSpec, np.Spec); diff != "" {
		t.Errorf("spec mismatch (-want +got):\n%s", diff)
	}
	// Every pod of the namespace may ask kube-dns, over UDP and TCP.
	dns := decode[networkingv1.NetworkPolicy](t, find(t, objs, "NetworkPolicy", "allow-dns-web"))
	if dns.Namespace != "web" {
		t.Errorf("allow-dns-web is in namespace %q, want web", dns.Namespace)
	}
	wantDNS := networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: inNamespace("kube-system"),
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			}},
			Ports: []networkingv1.NetworkPolicyPort{policyPort(53, corev1.ProtocolUDP), policyPort(53, corev1.ProtocolTCP)},
		}},
	}
	if diff := cmp.Diff(wantDNS, dns.Spec); diff != "" {
		t.Errorf("allow-dns spec mismatch (-want +got):\n%s", diff)
	}
	// The empty podSelector, which selects every pod, is written out: it is
	// a required field, and what makes the policy a default deny.
	spec := o.Content["spec"].(map[string]any)
	if got, ok := spec["podSelector"]; !ok || !cmp.Equal(got, map[string]any{}) {
		t.Errorf("spec.podSelector = %v (present %v), want {}", got, ok)
	}
	if _, ok := spec["ingress"]; ok {
		t.Errorf("spec.ingress = %v, want none", spec["ingress"])
	}
}

// policyPort is a NetworkPolicy port by number.
func policyPort(port int32, proto corev1.Protocol) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: new(intstr.FromInt32(port)), Protocol: new(proto)}
}

// apiServer is the egress rule to the API server of the fixtures' cluster
// (VPC 10.0.0.0/16: the kubernetes Service is 172.20.0.1).
var apiServer = networkingv1.NetworkPolicyEgressRule{
	To: []networkingv1.NetworkPolicyPeer{
		{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16"}},
		{IPBlock: &networkingv1.IPBlock{CIDR: "172.20.0.1/32"}},
	},
	Ports: []networkingv1.NetworkPolicyPort{policyPort(443, corev1.ProtocolTCP)},
}

// podsOf selects the pods of app in the prod environment.
func podsOf(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{
		"app.kubernetes.io/name":     app,
		"app.kubernetes.io/instance": app + "-prod",
	}}
}

// inNamespace selects namespace ns by the label Kubernetes gives it.
func inNamespace(ns string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}
}

func TestNetworkPolicy(t *testing.T) {
	var (
		http   = policyPort(8080, corev1.ProtocolTCP)
		grpc   = policyPort(4000, corev1.ProtocolTCP)
		dns    = policyPort(5353, corev1.ProtocolUDP)
		allWeb = []networkingv1.NetworkPolicyPort{dns, grpc, http}
		vpc    = networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16"}}
		both   = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	)
	// client returns an enabled app that calls nothing, in namespace ns.
	client := func(name, ns string) *model.App {
		app := newApp(t, name, model.Deployment)
		app.Namespace = ns
		return app
	}
	tests := []struct {
		name   string
		modify func(web *model.App, env *model.Environment)
		want   []networkingv1.NetworkPolicyIngressRule // nil: no rule
		none   bool                                    // no NetworkPolicy at all
	}{
		{
			name:   "no caller admits nothing",
			modify: func(web *model.App, env *model.Environment) {},
		},
		{
			name: "apps that depend on it",
			modify: func(web *model.App, env *model.Environment) {
				for _, name := range []string{"worker", "api"} {
					c := client(name, "chatbot")
					c.DependsOn = []string{"db", "web"}
					env.Apps[name] = c
				}
				env.Apps["other"] = client("other", "chatbot")
			},
			want: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("api")}, {PodSelector: podsOf("worker")}},
				Ports: allWeb,
			}},
		},
		{
			name: "apps it names in from, in any namespace",
			modify: func(web *model.App, env *model.Environment) {
				env.Apps["gateway"] = client("gateway", "edge")
				env.Apps["frontend"] = client("frontend", "chatbot")
				web.NetworkPolicy.From = []string{"gateway", "frontend"}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{PodSelector: podsOf("frontend")},
					{PodSelector: podsOf("gateway"), NamespaceSelector: inNamespace("edge")},
				},
				Ports: allWeb,
			}},
		},
		{
			name: "an app in both dependsOn and from is admitted once",
			modify: func(web *model.App, env *model.Environment) {
				c := client("api", "chatbot")
				c.DependsOn = []string{"web"}
				env.Apps["api"] = c
				web.NetworkPolicy.From = []string{"api", "api"}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("api")}},
				Ports: allWeb,
			}},
		},
		{
			name: "disabled callers have no pods to admit",
			modify: func(web *model.App, env *model.Environment) {
				a := client("api", "chatbot")
				a.DependsOn = []string{"web"}
				a.Enabled = false
				env.Apps["api"] = a
				f := client("frontend", "chatbot")
				f.Enabled = false
				env.Apps["frontend"] = f
				web.NetworkPolicy.From = []string{"frontend"}
			},
		},
		{
			name: "anyone on the ports of LoadBalancer Services",
			modify: func(web *model.App, env *model.Environment) {
				web.Services = map[string]model.Service{
					"web-public":   {Type: model.LoadBalancer, Ports: []string{"http"}, ServicePorts: map[string]int32{"http": 80}},
					"web-dns":      {Type: model.LoadBalancer, Ports: []string{"dns", "http"}},
					"web-internal": {Type: model.ClusterIP},
				}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{dns, http}}},
		},
		{
			name: "an NLB with source ranges admits them and the VPC",
			modify: func(web *model.App, env *model.Environment) {
				web.Services = map[string]model.Service{
					"web-lb":   {Type: model.LoadBalancer, Ports: []string{"http"}, SourceRanges: []string{"203.0.113.0/24", "10.0.0.0/16"}},
					"web-open": {Type: model.LoadBalancer, Ports: []string{"grpc"}},
				}
			},
			want: []networkingv1.NetworkPolicyIngressRule{
				{Ports: []networkingv1.NetworkPolicyPort{grpc}},
				{From: []networkingv1.NetworkPolicyPeer{vpc, {IPBlock: &networkingv1.IPBlock{CIDR: "203.0.113.0/24"}}}, Ports: []networkingv1.NetworkPolicyPort{http}},
			},
		},
		{
			name: "an Ingress admits the VPC (the ALB) on its paths' ports and the readiness probe's",
			modify: func(web *model.App, env *model.Environment) {
				env.IngressGroups = map[string]model.IngressGroup{"edge": {Scheme: "internet-facing"}}
				web.Services = map[string]model.Service{"web": {Type: model.ClusterIP}}
				web.Probes.Readiness = &model.Probe{Port: "grpc"}
				web.Ingress = &model.Ingress{Group: "edge", Hosts: []string{"web.example.com"}, Paths: map[string]model.IngressPath{"/": {Port: "http"}}}
			},
			want: []networkingv1.NetworkPolicyIngressRule{
				{From: []networkingv1.NetworkPolicyPeer{vpc}, Ports: []networkingv1.NetworkPolicyPort{grpc, http}},
			},
		},
		{
			name: "an Ingress adds no rule for a port an NLB opens to anyone",
			modify: func(web *model.App, env *model.Environment) {
				env.IngressGroups = map[string]model.IngressGroup{"edge": {Scheme: "internet-facing"}}
				web.Services = map[string]model.Service{"web": {Type: model.LoadBalancer, Ports: []string{"http"}}}
				web.Ingress = &model.Ingress{Group: "edge", Hosts: []string{"web.example.com"}, Paths: map[string]model.IngressPath{"/": {Port: "http"}}}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{http}}},
		},
		{
			name: "public opens every port to anyone",
			modify: func(web *model.App, env *model.Environment) {
				web.NetworkPolicy.Public = true
				web.Services = map[string]model.Service{"web": {Type: model.LoadBalancer, Ports: []string{"http"}}}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{Ports: allWeb}},
		},
		{
			name: "its own pods on the ports of its Headless Services",
			modify: func(web *model.App, env *model.Environment) {
				web.Kind = model.StatefulSet
				web.Services = map[string]model.Service{
					"web-peers": {Type: model.Headless, Ports: []string{"grpc"}},
					"web":       {Type: model.ClusterIP},
				}
			},
			want: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("web")}},
				Ports: []networkingv1.NetworkPolicyPort{grpc},
			}},
		},
		{
			name: "anyone, then callers, then peers",
			modify: func(web *model.App, env *model.Environment) {
				web.Kind = model.StatefulSet
				web.Services = map[string]model.Service{
					"web-peers": {Type: model.Headless},
					"web-lb":    {Type: model.LoadBalancer, Ports: []string{"http"}},
				}
				c := client("loadtest", "chatbot")
				c.Kind = model.Job
				c.DependsOn = []string{"web"}
				env.Apps["loadtest"] = c
			},
			want: []networkingv1.NetworkPolicyIngressRule{
				{Ports: []networkingv1.NetworkPolicyPort{http}},
				{From: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("loadtest")}}, Ports: allWeb},
				{From: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("web")}}, Ports: allWeb},
			},
		},
		{
			name: "no ports, no policy",
			modify: func(web *model.App, env *model.Environment) {
				web.Ports = map[string]model.Port{}
				web.NetworkPolicy.Public = true
			},
			none: true,
		},
		{
			name: "no policy where the namespace does not deny by default",
			modify: func(web *model.App, env *model.Environment) {
				ns := env.Namespaces["chatbot"]
				ns.DefaultDeny = false
				env.Namespaces["chatbot"] = ns
				web.NetworkPolicy.Public = true
			},
			none: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			web := newApp(t, "web", model.Deployment, `ports: {
	http: port: 8080
	grpc: port: 4000
	dns: {port: 5353, protocol: "UDP"}
}`)
			// Both namespaces deny ingress by default.
			env := envWith(t, "namespaces: {chatbot: {}, edge: {}}", web)
			tc.modify(web, env)
			objs := build(t, env)
			if tc.none {
				if has(objs, "NetworkPolicy", "web") {
					t.Fatalf("Build() rendered NetworkPolicy web, want none")
				}
				return
			}
			o := find(t, objs, "NetworkPolicy", "web")
			if o.App != "web" {
				t.Errorf("NetworkPolicy web belongs to %q, want app web", o.App)
			}
			np := decode[networkingv1.NetworkPolicy](t, o)
			if np.Namespace != "chatbot" {
				t.Errorf("namespace = %q, want chatbot", np.Namespace)
			}
			if diff := cmp.Diff(podsOf("web").MatchLabels, np.Spec.PodSelector.MatchLabels); diff != "" {
				t.Errorf("podSelector mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(both, np.Spec.PolicyTypes); diff != "" {
				t.Errorf("policyTypes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, np.Spec.Ingress); diff != "" {
				t.Errorf("ingress mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkPolicyErrors(t *testing.T) {
	t.Run("from names no app", func(t *testing.T) {
		env := fixture(t)
		env.Apps["backend"].NetworkPolicy.From = []string{"cache", "nope"}
		_, err := Build(env)
		want := `app backend: networkPolicy.from: "nope" is no app of environment prod`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Build() error = %v, want prefix %q", err, want)
		}
	})
	t.Run("LoadBalancer Service names no port", func(t *testing.T) {
		env := fixture(t)
		env.Apps["cache"].Services["cache-public"] = model.Service{Type: model.LoadBalancer, Ports: []string{"admin"}}
		_, err := Build(env)
		want := `app cache: service cache-public: no port "admin"`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Build() error = %v, want prefix %q", err, want)
		}
	})
}

// TestNetworkPolicyDeterministic checks that the order of callers does not
// depend on map iteration or on the order of from.
func TestNetworkPolicyDeterministic(t *testing.T) {
	env := func(from []string) *model.Environment {
		db := newApp(t, "db", model.StatefulSet, "ports: sql: port: 5432")
		db.NetworkPolicy.From = from
		e := newEnv(t, db)
		for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			c := newApp(t, name, model.Deployment)
			c.DependsOn = []string{"db"}
			e.Apps[name] = c
		}
		for _, name := range []string{"x", "y", "z"} {
			e.Apps[name] = newApp(t, name, model.Deployment)
		}
		return e
	}
	first := marshal(t, build(t, env([]string{"x", "y", "z"})))
	for range 20 {
		if got := marshal(t, build(t, env([]string{"z", "x", "y", "x"}))); got != first {
			t.Fatalf("Build() differs from the first build")
		}
	}
}

// TestNetworkPolicyEgress: an app reaches the apps it depends on and
// those that admit it with from, on their container ports and in any
// namespace; its Headless peers; its declared destinations by name; and
// the API server when it says so. kube-dns is the namespace's allow-dns.
func TestNetworkPolicyEgress(t *testing.T) {
	var (
		mongo = policyPort(27017, corev1.ProtocolTCP)
		redis = policyPort(6379, corev1.ProtocolTCP)
		http  = policyPort(8080, corev1.ProtocolTCP)
	)
	// callee returns an enabled app serving port in namespace ns.
	callee := func(name, ns string, port int32) *model.App {
		app := newApp(t, name, model.Deployment)
		app.Namespace = ns
		app.Ports = map[string]model.Port{"main": {Port: port, Protocol: "TCP"}}
		return app
	}
	ipBlock := func(cidrs ...string) []networkingv1.NetworkPolicyPeer {
		var out []networkingv1.NetworkPolicyPeer
		for _, c := range cidrs {
			out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c}})
		}
		return out
	}
	tests := []struct {
		name   string
		modify func(backend *model.App, env *model.Environment)
		want   []networkingv1.NetworkPolicyEgressRule
		none   bool
	}{
		{
			name:   "nothing to reach",
			modify: func(backend *model.App, env *model.Environment) {},
		},
		{
			name: "seed 003: the apps it depends on, on their ports, in any namespace",
			modify: func(backend *model.App, env *model.Environment) {
				env.Apps["mongodb"] = callee("mongodb", "data", 27017)
				env.Apps["redis"] = callee("redis", "chatbot", 6379)
				backend.DependsOn = []string{"redis", "mongodb", "mongodb"}
			},
			want: []networkingv1.NetworkPolicyEgressRule{
				{To: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("mongodb"), NamespaceSelector: inNamespace("data")}}, Ports: []networkingv1.NetworkPolicyPort{mongo}},
				{To: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("redis")}}, Ports: []networkingv1.NetworkPolicyPort{redis}},
			},
		},
		{
			name: "the apps whose from names it",
			modify: func(backend *model.App, env *model.Environment) {
				ml := callee("ml", "chatbot", 8080)
				ml.NetworkPolicy.From = []string{"backend"}
				env.Apps["ml"] = ml
				other := callee("other", "chatbot", 9000)
				other.NetworkPolicy.From = []string{"frontend"}
				env.Apps["other"] = other
				env.Apps["frontend"] = newApp(t, "frontend", model.Deployment)
			},
			want: []networkingv1.NetworkPolicyEgressRule{
				{To: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("ml")}}, Ports: []networkingv1.NetworkPolicyPort{http}},
			},
		},
		{
			name: "disabled apps, Jobs and apps without ports are not reached",
			modify: func(backend *model.App, env *model.Environment) {
				off := callee("off", "chatbot", 8080)
				off.Enabled = false
				job := callee("job", "chatbot", 8080)
				job.Kind = model.Job
				env.Apps["off"], env.Apps["job"] = off, job
				env.Apps["quiet"] = newApp(t, "quiet", model.Deployment)
				backend.DependsOn = []string{"off", "job", "quiet"}
			},
		},
		{
			name: "declared destinations by name, then the API server",
			modify: func(backend *model.App, env *model.Environment) {
				backend.NetworkPolicy.KubernetesAPI = true
				backend.NetworkPolicy.Egress = map[string]model.Egress{
					"redis":         {CIDRs: []string{"10.1.0.0/24"}, Ports: []int32{6379}, Protocol: "TCP"},
					"mongodb-atlas": {CIDRs: []string{"192.168.248.0/21", "192.168.0.0/24"}, Ports: []int32{27017}, Protocol: "TCP"},
					"dns-upstream":  {CIDRs: []string{"10.2.0.2/32"}, Ports: []int32{53, 5353}, Protocol: "UDP"},
				}
			},
			want: []networkingv1.NetworkPolicyEgressRule{
				{To: ipBlock("10.2.0.2/32"), Ports: []networkingv1.NetworkPolicyPort{policyPort(53, corev1.ProtocolUDP), policyPort(5353, corev1.ProtocolUDP)}},
				{To: ipBlock("192.168.248.0/21", "192.168.0.0/24"), Ports: []networkingv1.NetworkPolicyPort{mongo}},
				{To: ipBlock("10.1.0.0/24"), Ports: []networkingv1.NetworkPolicyPort{redis}},
				apiServer,
			},
		},
		{
			name: "its Headless peers",
			modify: func(backend *model.App, env *model.Environment) {
				backend.Kind = model.StatefulSet
				backend.Services = map[string]model.Service{"backend-peers": {Type: model.Headless}}
			},
			want: []networkingv1.NetworkPolicyEgressRule{
				{To: []networkingv1.NetworkPolicyPeer{{PodSelector: podsOf("backend")}}, Ports: []networkingv1.NetworkPolicyPort{http}},
			},
		},
		{
			name: "an app without ports that reaches something has a policy",
			modify: func(backend *model.App, env *model.Environment) {
				backend.Ports = nil
				backend.Services = nil
				backend.Probes = model.Probes{}
				backend.NetworkPolicy.Egress = map[string]model.Egress{"redis": {CIDRs: []string{"10.1.0.0/24"}, Ports: []int32{6379}, Protocol: "TCP"}}
			},
			want: []networkingv1.NetworkPolicyEgressRule{{To: ipBlock("10.1.0.0/24"), Ports: []networkingv1.NetworkPolicyPort{redis}}},
		},
		{
			name: "an app without ports that reaches nothing has none",
			modify: func(backend *model.App, env *model.Environment) {
				backend.Ports = nil
				backend.Services = nil
				backend.Probes = model.Probes{}
			},
			none: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			backend := newApp(t, "backend", model.Deployment, "ports: http: port: 8080")
			env := envWith(t, "namespaces: {chatbot: {}, data: {}}", backend)
			tc.modify(backend, env)
			objs := build(t, env)
			if tc.none {
				if has(objs, "NetworkPolicy", "backend") {
					t.Fatalf("Build() rendered NetworkPolicy backend, want none")
				}
				return
			}
			np := decode[networkingv1.NetworkPolicy](t, find(t, objs, "NetworkPolicy", "backend"))
			if diff := cmp.Diff(tc.want, np.Spec.Egress); diff != "" {
				t.Errorf("egress mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKubernetesServiceIP(t *testing.T) {
	for vpc, want := range map[string]string{
		"10.0.0.0/16":    "172.20.0.1",
		"10.200.0.0/16":  "172.20.0.1",
		"192.168.0.0/16": "10.100.0.1",
		"172.31.0.0/16":  "10.100.0.1",
	} {
		got, err := KubernetesServiceIP(vpc)
		if err != nil || got.String() != want {
			t.Errorf("KubernetesServiceIP(%s) = %v, %v; want %s", vpc, got, err, want)
		}
	}
}
