package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// edge is an ingress group with a certificate of the test cluster's region
// and account, and web's Service and Ingress on it.
const edge = `ingressGroups: edge: certificateARNs: ["arn:aws:acm:ap-south-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"]
apps: web: {
	services: web: {}
	ingress: {group: "edge", hosts: ["web.example.com"], paths: "/": port: "http"}
}
`

func TestIngressChecks(t *testing.T) {
	tests := []struct {
		name string
		src  string // CUE besides [base], [web] and [edge]
		want []problem
	}{
		{name: "clean"},
		{
			name: "clean with two apps on one host, and two groups",
			src: `ingressGroups: {
	internal: {scheme: "internal", inboundCIDRs: ["10.1.0.0/16"], wafACLARN: "arn:aws:wafv2:ap-south-1:123456789012:regional/webacl/edge/1f2e3d4c"}
}
apps: api: {
	ports: http: port: 8000
	services: api: type: "LoadBalancer"
	ingress: {group: "edge", hosts: ["web.example.com", "*.api.example.com"], paths: {"/api": port: "http", "/api/v2": {port: "http", pathType: "Exact"}}}
}
apps: admin: {
	ports: http: port: 8000
	services: admin: {}
	ingress: {group: "internal", hosts: ["web.example.com"], paths: "/": port: "http"}
}`,
		},
		{
			name: "the same host and path in two apps of a group",
			src: `apps: api: {
	ports: http: port: 8000
	services: api: {}
	ingress: {group: "edge", hosts: ["web.example.com"], paths: {"/": port: "http", "/api": port: "http"}}
}`,
			want: []problem{{path("apps", "web", "ingress", "paths", `"/"`),
				`apps.web.ingress.paths."/": ingress group edge routes web.example.com/ twice, here and at apps.api.ingress.paths."/": the load balancer would send every such request to one of them; keep one`}},
		},
		{
			name: "a host twice, a host that is no DNS name",
			src: `apps: api: {
	ports: http: port: 8000
	services: api: {}
	ingress: {group: "edge", hosts: ["api.example.com", "api.example.com", "Web_Site", "*.ok.example.com"], paths: "/api": port: "http"}
}`,
			want: []problem{
				{path("apps", "api", "ingress", "hosts", "1"), `apps.api.ingress.hosts.1: host "api.example.com" is listed twice`},
				{path("apps", "api", "ingress", "hosts", "2"), `apps.api.ingress.hosts.2: host "Web_Site" is not a DNS name: ` + dnsSubdomainMsg},
			},
		},
		{
			name: "a path to a port the app lacks, or that no Service exposes",
			src: `apps: web: {
	ports: metrics: port: 9090
	services: {web: ports: ["http"], peers: {type: "Headless", ports: ["metrics"]}}
	ingress: paths: {"/grpc": port: "grpc", "/metrics": port: "metrics"}
}`,
			want: []problem{
				{path("apps", "web", "ingress", "paths", `"/grpc"`, "port"), `apps.web.ingress.paths."/grpc".port: path /grpc goes to port "grpc", which is not one of the app's ports (http, metrics)`},
				{path("apps", "web", "ingress", "paths", `"/metrics"`, "port"), `apps.web.ingress.paths."/metrics".port: path /metrics goes to port "metrics", which none of the app's Services exposes (Headless ones are for peers): add it to a Service's ports, or add a Service`},
			},
		},
		{
			name: "an Ingress on a Job",
			src: `apps: load: {
	kind: "Job"
	ports: http: port: 8000
	ingress: {group: "edge", hosts: ["load.example.com"], paths: "/": port: "http"}
}`,
			want: []problem{{path("apps", "load", "ingress"), `apps.load.ingress: a Job cannot have an Ingress: it serves no traffic; only a Deployment or StatefulSet can`}},
		},
		{
			name: "a group that does not exist",
			src: `apps: api: {
	ports: http: port: 8000
	services: api: {}
	ingress: {group: "public", hosts: ["api.example.com"], paths: "/api": port: "http"}
}`,
			want: []problem{{path("apps", "api", "ingress", "group"), `apps.api.ingress.group: ingress group "public" is not one of the environment's ingressGroups (edge)`}},
		},
		{
			name: "certificates: malformed, another region, another account",
			src: `ingressGroups: certs: certificateARNs: [
	"arn:aws:acm:ap-south-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
	"arn:aws:iam::123456789012:server-certificate/web",
	"arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e",
	"arn:aws:acm:ap-south-1:999999999999:certificate/0b1c2d3e",
]`,
			want: []problem{
				{path("ingressGroups", "certs", "certificateARNs", "1"), `ingressGroups.certs.certificateARNs.1: "arn:aws:iam::123456789012:server-certificate/web" is not an ACM certificate ARN; want arn:aws:acm:ap-south-1:123456789012:certificate/<id>`},
				{path("ingressGroups", "certs", "certificateARNs", "2"), `ingressGroups.certs.certificateARNs.2: certificate arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e is in region us-east-1, but cluster chatbot-prod is in ap-south-1: a load balancer uses only certificates of its own region`},
				{path("ingressGroups", "certs", "certificateARNs", "3"), `ingressGroups.certs.certificateARNs.3: certificate arn:aws:acm:ap-south-1:999999999999:certificate/0b1c2d3e belongs to account 999999999999, but cluster chatbot-prod is in account 123456789012: a load balancer uses only certificates of its own account`},
			},
		},
		{
			name: "a web ACL of another region",
			src:  `ingressGroups: edge: wafACLARN: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/1f2e"`,
			want: []problem{{path("ingressGroups", "edge", "wafACLARN"), `ingressGroups.edge.wafACLARN: web ACL arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/1f2e is in region eu-west-1, but cluster chatbot-prod is in ap-south-1: a load balancer uses only web ACLs of its own region`}},
		},
		{
			name: "HTTPS without a certificate; no listener at all",
			src: `ingressGroups: {
	tls: listen: https: 443
	none: listen: http: null
}`,
			want: []problem{
				{path("ingressGroups", "none", "listen"), `ingressGroups.none.listen: ingress group none has no listener; keep listen.http, or add a certificate for HTTPS`},
				{path("ingressGroups", "tls", "listen", "https"), `ingressGroups.tls.listen.https: ingress group tls listens for HTTPS on 443 without a certificate; add its ACM certificate to certificateARNs`},
			},
		},
		{
			name: "allowed clients and source ranges must be CIDRs",
			src: `ingressGroups: edge: inboundCIDRs: ["203.0.113.7/24", "300.1.1.1/8"]
apps: web: services: {lb: {type: "LoadBalancer", sourceRanges: ["198.51.100.0/24"]}, web: sourceRanges: ["198.51.100.0/24"]}`,
			want: []problem{
				{path("ingressGroups", "edge", "inboundCIDRs", "0"), `ingressGroups.edge.inboundCIDRs.0: "203.0.113.7/24" has bits set outside its /24 prefix; write 203.0.113.0/24`},
				{path("ingressGroups", "edge", "inboundCIDRs", "1"), `ingressGroups.edge.inboundCIDRs.1: "300.1.1.1/8" is not an IPv4 CIDR`},
				{path("apps", "web", "services", "web", "sourceRanges"), `apps.web.services.web.sourceRanges: Service web is a ClusterIP: sourceRanges are for LoadBalancer Services`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check.Environment(newEnv(t, web+edge+tt.src))
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIngressAccess(t *testing.T) {
	env := newEnv(t, web+edge)
	ingress := func(port string) object.Object {
		o := obj("web", "networking.k8s.io/v1", "Ingress", "chatbot", "web")
		o.Content["metadata"].(map[string]any)["annotations"] = map[string]any{"alb.ingress.kubernetes.io/target-type": "ip"}
		o.Content["spec"] = map[string]any{"rules": []any{map[string]any{"host": "web.example.com", "http": map[string]any{"paths": []any{
			map[string]any{"path": "/", "backend": map[string]any{"service": map[string]any{"name": "web", "port": map[string]any{"name": port}}}},
		}}}}}
		return o
	}
	service := obj("web", "v1", "Service", "chatbot", "web")
	service.Content["spec"] = map[string]any{"ports": []any{map[string]any{"name": "http", "port": 80, "targetPort": "http"}}}
	deployment := obj("web", "apps/v1", "Deployment", "chatbot", "web")
	deployment.Content["spec"] = map[string]any{"template": map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app": "web", "tier": "front"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "ports": []any{
			map[string]any{"name": "http", "containerPort": 8080},
		}}}},
	}}
	policy := func(name string, sel, spec map[string]any) object.Object {
		o := obj("", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", name)
		spec["podSelector"] = sel
		o.Content["spec"] = spec
		return o
	}
	deny := policy("default-deny", map[string]any{}, map[string]any{"policyTypes": []any{"Ingress"}})
	rule := func(from []any, ports []any) map[string]any {
		return map[string]any{"ingress": []any{map[string]any{"from": from, "ports": ports}}}
	}
	vpc := []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.0.0.0/16"}}}
	wide := []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.0.0.0/8"}}}
	excepted := []any{map[string]any{"ipBlock": map[string]any{"cidr": "10.0.0.0/8", "except": []any{"10.0.5.0/24"}}}}
	pods := []any{map[string]any{"podSelector": map[string]any{}}}
	p8080 := []any{map[string]any{"port": 8080, "protocol": "TCP"}}
	byName := []any{map[string]any{"port": "http"}}
	p9090 := []any{map[string]any{"port": 9000, "endPort": 9100}}
	app := map[string]any{"matchLabels": map[string]any{"app": "web"}}
	const msg = `apps.web.ingress: Ingress/chatbot/web: its load balancer reaches the pods of app web on port 8080 from the VPC (10.0.0.0/16), which none of `
	const fix = ` selecting them admits; admit it, or undo the patch that took it away`

	tests := []struct {
		name     string
		port     string // the backend's port name; default http
		policies []object.Object
		want     []problem
	}{
		{name: "no policy selects the pods"},
		{name: "a canary's weighted action: the VPC on the Service's port", port: "use-annotation", policies: []object.Object{deny, policy("web", app, rule(vpc, p8080))}},
		{
			name:     "a canary's weighted action, default deny alone",
			port:     "use-annotation",
			policies: []object.Object{deny},
			want:     []problem{{path("apps", "web", "ingress"), msg + "NetworkPolicy/chatbot/default-deny" + fix}},
		},
		{name: "the VPC on the port", policies: []object.Object{deny, policy("web", app, rule(vpc, p8080))}},
		{name: "a wider block, by port name", policies: []object.Object{deny, policy("web", app, rule(wide, byName))}},
		{name: "anyone", policies: []object.Object{deny, policy("web", app, rule(nil, nil))}},
		{name: "a policy of other pods does not isolate these", policies: []object.Object{policy("other", map[string]any{"matchLabels": map[string]any{"app": "db"}}, rule(pods, nil))}},
		{name: "an egress-only policy does not isolate", policies: []object.Object{policy("egress", map[string]any{}, map[string]any{"policyTypes": []any{"Egress"}})}},
		{
			name:     "default deny alone",
			policies: []object.Object{deny},
			want:     []problem{{path("apps", "web", "ingress"), msg + "NetworkPolicy/chatbot/default-deny" + fix}},
		},
		{
			name:     "pods only, another port, a block with a hole",
			policies: []object.Object{deny, policy("web", map[string]any{"matchExpressions": []any{map[string]any{"key": "tier", "operator": "In", "values": []any{"front"}}}}, map[string]any{"ingress": []any{map[string]any{"from": pods}, map[string]any{"from": vpc, "ports": p9090}, map[string]any{"from": excepted}}})},
			want:     []problem{{path("apps", "web", "ingress"), msg + "NetworkPolicy/chatbot/default-deny, NetworkPolicy/chatbot/web" + fix}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := tt.port
			if port == "" {
				port = "http"
			}
			objs := append([]object.Object{ingress(port), service, deployment}, tt.policies...)
			err := check.IngressAccess(env, objs)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("IngressAccess() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// dnsSubdomainMsg is what k8s.io/apimachinery's validation says of a name
// that is not a DNS-1123 subdomain.
const dnsSubdomainMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
