package kube

import (
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const testCert = "arn:aws:acm:ap-south-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

// ingressEnv returns an environment with the ingress groups of groups (CUE)
// and the app web: a Deployment with ports http (8080) and admin (9000),
// the ClusterIP Service web, and the CUE fields of src.
func ingressEnv(t *testing.T, groups string, src ...string) (*model.Environment, *model.App) {
	t.Helper()
	web := newApp(t, "web", model.Deployment, append([]string{`ports: {http: port: 8080, admin: port: 9000}
services: web: {}`}, src...)...)
	return envWith(t, "namespaces: chatbot: {}\ningressGroups: "+groups+"\n", web), web
}

func TestIngress(t *testing.T) {
	backend := func(svc, port string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Name: port}}}
	}
	prefix, exact := new(networkingv1.PathTypePrefix), new(networkingv1.PathTypeExact)
	tests := []struct {
		name      string
		groups    string // ingressGroups, CUE
		app       []string
		wantClass string
		wantRules []networkingv1.IngressRule
		wantAnn   map[string]string
	}{
		{
			name:   "HTTP only: the controller's class, no certificate, no redirect",
			groups: `edge: scheme: "internal"`,
			app: []string{`ingress: {group: "edge", hosts: ["web.internal.example.com"], paths: "/": port: "http"}`,
				`probes: readiness: {port: "http", path: "/ready"}`},
			wantClass: "alb",
			wantRules: []networkingv1.IngressRule{{
				Host: "web.internal.example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
					{Path: "/", PathType: prefix, Backend: backend("web", "http")},
				}}},
			}},
			wantAnn: map[string]string{
				"alb.ingress.kubernetes.io/group.name":           "edge",
				"alb.ingress.kubernetes.io/group.order":          "0",
				"alb.ingress.kubernetes.io/scheme":               "internal",
				"alb.ingress.kubernetes.io/target-type":          "ip",
				"alb.ingress.kubernetes.io/listen-ports":         `[{"HTTP":80}]`,
				"alb.ingress.kubernetes.io/healthcheck-path":     "/ready",
				"alb.ingress.kubernetes.io/healthcheck-port":     "traffic-port",
				"alb.ingress.kubernetes.io/healthcheck-protocol": "HTTP",
				"alb.ingress.kubernetes.io/success-codes":        "200-399",
			},
		},
		{
			name: "HTTPS with redirect, WAF, allowed clients and idle timeout; isolated: its own class",
			groups: `edge: {
	certificateARNs: ["` + testCert + `", "` + testCert + `2"]
	wafACLARN: "arn:aws:wafv2:ap-south-1:123456789012:regional/webacl/edge/1234"
	inboundCIDRs: ["203.0.113.0/24", "198.51.100.0/24"]
	idleTimeoutSeconds: 300
	isolated: true
}`,
			app: []string{`ingress: {
	group: "edge"
	order: 10
	hosts: ["web.example.com", "*.web.example.com"]
	paths: {
		"/": port: "http"
		"/admin": port: "admin"
		"/api/v1": {port: "http", pathType: "Exact"}
		"/api": port: "http"
	}
	healthCheck: path: "/healthz"
}`, `probes: readiness: {port: "admin", grpc: true}`},
			wantClass: "alb-edge",
			wantAnn: map[string]string{
				"alb.ingress.kubernetes.io/group.name":               "edge",
				"alb.ingress.kubernetes.io/group.order":              "10",
				"alb.ingress.kubernetes.io/scheme":                   "internet-facing",
				"alb.ingress.kubernetes.io/target-type":              "ip",
				"alb.ingress.kubernetes.io/listen-ports":             `[{"HTTP":80},{"HTTPS":443}]`,
				"alb.ingress.kubernetes.io/certificate-arn":          testCert + "," + testCert + "2",
				"alb.ingress.kubernetes.io/ssl-redirect":             "443",
				"alb.ingress.kubernetes.io/ssl-policy":               "ELBSecurityPolicy-TLS13-1-2-2021-06",
				"alb.ingress.kubernetes.io/wafv2-acl-arn":            "arn:aws:wafv2:ap-south-1:123456789012:regional/webacl/edge/1234",
				"alb.ingress.kubernetes.io/inbound-cidrs":            "203.0.113.0/24,198.51.100.0/24",
				"alb.ingress.kubernetes.io/load-balancer-attributes": "idle_timeout.timeout_seconds=300",
				"alb.ingress.kubernetes.io/healthcheck-path":         "/healthz",
				"alb.ingress.kubernetes.io/healthcheck-port":         "9000",
				"alb.ingress.kubernetes.io/healthcheck-protocol":     "HTTP",
				"alb.ingress.kubernetes.io/success-codes":            "200-399",
			},
		},
		{
			name:   "HTTPS on another port with a stricter policy, no HTTP listener: no redirect",
			groups: `edge: {certificateARNs: ["` + testCert + `"], listen: {http: null, https: 8443}, sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06"}`,
			app:    []string{`ingress: {group: "edge", hosts: ["web.example.com"], paths: "/": port: "http"}`},
			wantAnn: map[string]string{
				"alb.ingress.kubernetes.io/group.name":           "edge",
				"alb.ingress.kubernetes.io/group.order":          "0",
				"alb.ingress.kubernetes.io/scheme":               "internet-facing",
				"alb.ingress.kubernetes.io/target-type":          "ip",
				"alb.ingress.kubernetes.io/listen-ports":         `[{"HTTPS":8443}]`,
				"alb.ingress.kubernetes.io/certificate-arn":      testCert,
				"alb.ingress.kubernetes.io/ssl-policy":           "ELBSecurityPolicy-TLS13-1-3-2021-06",
				"alb.ingress.kubernetes.io/healthcheck-port":     "traffic-port",
				"alb.ingress.kubernetes.io/healthcheck-protocol": "HTTP",
				"alb.ingress.kubernetes.io/success-codes":        "200-399",
			},
			wantClass: "alb",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, web := ingressEnv(t, tc.groups, tc.app...)
			ing := decode[networkingv1.Ingress](t, find(t, build(t, env), "Ingress", "web"))
			if got := *ing.Spec.IngressClassName; got != tc.wantClass {
				t.Errorf("ingressClassName = %q, want %q", got, tc.wantClass)
			}
			if diff := cmp.Diff(tc.wantAnn, ing.Annotations); diff != "" {
				t.Errorf("annotations mismatch (-want +got):\n%s", diff)
			}
			if ing.Namespace != "chatbot" || ing.Labels["app.kubernetes.io/name"] != "web" {
				t.Errorf("metadata = %+v, want the app's namespace and labels", ing.ObjectMeta)
			}
			if tc.wantRules != nil {
				if diff := cmp.Diff(tc.wantRules, ing.Spec.Rules); diff != "" {
					t.Errorf("rules mismatch (-want +got):\n%s", diff)
				}
			}
			if len(ing.Spec.Rules) != len(web.Ingress.Hosts) {
				t.Fatalf("%d rules, want one per host (%d)", len(ing.Spec.Rules), len(web.Ingress.Hosts))
			}
		})
	}

	t.Run("paths, most specific first, on every host", func(t *testing.T) {
		ing := decode[networkingv1.Ingress](t, find(t, build(t, func() *model.Environment {
			env, _ := ingressEnv(t, tests[1].groups, tests[1].app...)
			return env
		}()), "Ingress", "web"))
		want := []networkingv1.HTTPIngressPath{
			{Path: "/api/v1", PathType: exact, Backend: backend("web", "http")},
			{Path: "/admin", PathType: prefix, Backend: backend("web", "admin")},
			{Path: "/api", PathType: prefix, Backend: backend("web", "http")},
			{Path: "/", PathType: prefix, Backend: backend("web", "http")},
		}
		for i, host := range []string{"web.example.com", "*.web.example.com"} {
			if ing.Spec.Rules[i].Host != host {
				t.Errorf("rule %d host = %q, want %q", i, ing.Spec.Rules[i].Host, host)
			}
			if diff := cmp.Diff(want, ing.Spec.Rules[i].HTTP.Paths); diff != "" {
				t.Errorf("rule %d paths mismatch (-want +got):\n%s", i, diff)
			}
		}
	})
}

func TestIngressService(t *testing.T) {
	tests := []struct {
		name, services, port, want, wantErr string
	}{
		{name: "ClusterIP before LoadBalancer", services: `{a: type: "LoadBalancer", b: {}}`, port: "http", want: "b"},
		{name: "first by name", services: `{b: {}, a: {}}`, port: "http", want: "a"},
		{name: "a LoadBalancer Service when it is the only one", services: `{lb: type: "LoadBalancer", peers: type: "Headless"}`, port: "http", want: "lb"},
		{name: "only Services that expose the port", services: `{a: ports: ["admin"], b: ports: ["http"]}`, port: "http", want: "b"},
		{name: "headless Services are not used", services: `{peers: type: "Headless"}`, port: "http", wantErr: `no Service of app web exposes port "http"`},
		{name: "no such port", services: `{a: {}}`, port: "grpc", wantErr: `no Service of app web exposes port "grpc"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment, `ports: {http: port: 8080, admin: port: 9000}`, "services: "+tc.services)
			got, err := IngressService(app, tc.port)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("IngressService() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("IngressService() = %q, %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestIngressErrors(t *testing.T) {
	for _, tc := range []struct{ name, app, want string }{
		{"no such group", `ingress: {group: "nope", hosts: ["a.example.com"], paths: "/": port: "http"}`,
			`app web: ingress: group "nope" is not one of the environment's ingressGroups`},
		{"no Service exposes the port", `ingress: {group: "edge", hosts: ["a.example.com"], paths: "/x": port: "grpc"}`,
			`app web: ingress: path /x: no Service of app web exposes port "grpc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := ingressEnv(t, `edge: {}`, tc.app)
			_, err := Build(env)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Build() error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestIngressClasses(t *testing.T) {
	env, _ := ingressEnv(t, `{
	edge: isolated: true
	open: {}
	unused: isolated: true
}`, `ingress: {group: "edge", hosts: ["a.example.com"], paths: "/": port: "http"}`)
	// Another app of the group, in another namespace, and a disabled one.
	other := newApp(t, "other", model.Deployment, `ports: http: port: 8080
services: other: {}
ingress: {group: "edge", hosts: ["b.example.com"], paths: "/": port: "http"}`)
	other.Namespace = "apps"
	env.Apps["other"] = other
	off := newApp(t, "off", model.Deployment, `enabled: false
ingress: {group: "edge", hosts: ["c.example.com"], paths: "/": port: "http"}`)
	off.Namespace = "off"
	env.Apps["off"] = off
	env.Namespaces["apps"] = model.Namespace{}

	objs := build(t, env)
	var classes []string
	for _, o := range objs {
		if strings.HasPrefix(o.Kind(), "IngressClass") {
			classes = append(classes, o.Kind()+"/"+o.Name())
		}
	}
	if diff := cmp.Diff([]string{"IngressClassParams/alb-edge", "IngressClass/alb-edge"}, classes); diff != "" {
		t.Fatalf("ingress classes mismatch (-want +got):\n%s", diff)
	}
	params := decode[IngressClassParams](t, find(t, objs, "IngressClassParams", "alb-edge"))
	wantParams := IngressClassParamsSpec{
		Group:      &IngressGroupRef{Name: "edge"},
		Scheme:     "internet-facing",
		TargetType: "ip",
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{"apps", "chatbot"},
		}}},
	}
	if diff := cmp.Diff(wantParams, params.Spec); diff != "" {
		t.Errorf("IngressClassParams spec mismatch (-want +got):\n%s", diff)
	}
	class := decode[networkingv1.IngressClass](t, find(t, objs, "IngressClass", "alb-edge"))
	wantClass := networkingv1.IngressClassSpec{
		Controller: "ingress.k8s.aws/alb",
		Parameters: &networkingv1.IngressClassParametersReference{APIGroup: new("elbv2.k8s.aws"), Kind: "IngressClassParams", Name: "alb-edge", Scope: new("Cluster")},
	}
	if diff := cmp.Diff(wantClass, class.Spec); diff != "" {
		t.Errorf("IngressClass spec mismatch (-want +got):\n%s", diff)
	}
	if got := *decode[networkingv1.Ingress](t, find(t, objs, "Ingress", "other")).Spec.IngressClassName; got != "alb-edge" {
		t.Errorf("Ingress other: ingressClassName = %q, want alb-edge", got)
	}
}

// TestIngressClassParamsMatchesCRD validates IngressClassParams against
// the AWS Load Balancer Controller's CRD, which schematest closes: with
// every field set (each field's name and JSON type must be the CRD's), and
// as the fixture renders it.
func TestIngressClassParamsMatchesCRD(t *testing.T) {
	crd := repotest.SharedFile(t, "schemas", "crds", "elbv2.k8s.aws_ingressclassparams.yaml")
	spec := schematest.Filled(t, &IngressClassParamsSpec{}, map[string]string{
		"scheme": "internal", "targetType": "ip", "operator": "In",
	})
	filled := map[string]any{
		"apiVersion": "elbv2.k8s.aws/v1beta1",
		"kind":       "IngressClassParams",
		"metadata":   map[string]any{"name": "x"},
		"spec":       spec,
	}
	if err := schematest.ValidateCRD(crd, filled); err != nil {
		t.Errorf("ValidateCRD(every field set) = %v\n%v", err, filled)
	}
	o := find(t, build(t, fixture(t)), "IngressClassParams", "alb-web")
	if err := schematest.ValidateCRD(crd, o.Content); err != nil {
		t.Errorf("ValidateCRD(%s) = %v", o.ID(), err)
	}
}
