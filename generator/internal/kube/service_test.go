package kube

import (
	"maps"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestService(t *testing.T) {
	selector := map[string]string{"app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-prod"}
	port := func(name string, port int32, proto corev1.Protocol) corev1.ServicePort {
		return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromString(name), Protocol: proto}
	}
	nlb := map[string]string{
		"service.beta.kubernetes.io/aws-load-balancer-type":                 "external",
		"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type":      "ip",
		"service.beta.kubernetes.io/aws-load-balancer-scheme":               "internal",
		"service.beta.kubernetes.io/aws-load-balancer-attributes":           "load_balancing.cross_zone.enabled=true",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "TCP",
		"service.beta.kubernetes.io/aws-load-balancer-healthcheck-port":     "traffic-port",
	}
	with := func(a map[string]string, kv ...string) map[string]string {
		out := maps.Clone(a)
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name            string
		service         string // a #Service
		probes          string // the app's probes, CUE
		wantSpec        corev1.ServiceSpec
		wantAnnotations map[string]string
	}{
		{
			name:    "cluster IP with all ports sorted by name",
			service: `{annotations: a: "b"}`,
			wantSpec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: selector,
				Ports: []corev1.ServicePort{
					port("dns", 5353, corev1.ProtocolUDP),
					port("http", 8080, corev1.ProtocolTCP),
					port("metrics", 9090, corev1.ProtocolTCP),
				},
			},
			wantAnnotations: map[string]string{"a": "b"},
		},
		{
			name:    "named ports in the given order, on service ports",
			service: `{ports: ["metrics", "http"], servicePorts: http: 80}`,
			wantSpec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: selector,
				Ports:    []corev1.ServicePort{port("metrics", 9090, corev1.ProtocolTCP), {Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
			},
		},
		{
			name:    "headless",
			service: `{type: "Headless", ports: ["http"], publishNotReadyAddresses: true}`,
			wantSpec: corev1.ServiceSpec{
				Type:                     corev1.ServiceTypeClusterIP,
				ClusterIP:                corev1.ClusterIPNone,
				Selector:                 selector,
				Ports:                    []corev1.ServicePort{port("http", 8080, corev1.ProtocolTCP)},
				PublishNotReadyAddresses: true,
			},
		},
		{
			name:    "NLB",
			service: `{type: "LoadBalancer", ports: ["http"], servicePorts: http: 80, scheme: "internal"}`,
			wantSpec: corev1.ServiceSpec{
				Type:              corev1.ServiceTypeLoadBalancer,
				LoadBalancerClass: new("service.k8s.aws/nlb"),
				Selector:          selector,
				Ports:             []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
			},
			wantAnnotations: nlb,
		},
		{
			name: "NLB with user annotations on top",
			service: `{
	type: "LoadBalancer"
	ports: ["http"]
	scheme: "internal"
	annotations: {
		"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance"
		"service.beta.kubernetes.io/aws-load-balancer-ssl-ports":       "443"
	}
}`,
			wantSpec: corev1.ServiceSpec{
				Type:              corev1.ServiceTypeLoadBalancer,
				LoadBalancerClass: new("service.k8s.aws/nlb"),
				Selector:          selector,
				Ports:             []corev1.ServicePort{port("http", 8080, corev1.ProtocolTCP)},
			},
			wantAnnotations: with(nlb,
				"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type", "instance",
				"service.beta.kubernetes.io/aws-load-balancer-ssl-ports", "443"),
		},
		{
			name:    "NLB checks health as the HTTP readiness probe does, on the port traffic goes to",
			service: `{type: "LoadBalancer", ports: ["http"], scheme: "internal", crossZone: false}`,
			probes:  `probes: readiness: {port: "http", path: "/health"}`,
			wantSpec: corev1.ServiceSpec{
				Type:              corev1.ServiceTypeLoadBalancer,
				LoadBalancerClass: new("service.k8s.aws/nlb"),
				Selector:          selector,
				Ports:             []corev1.ServicePort{port("http", 8080, corev1.ProtocolTCP)},
			},
			wantAnnotations: with(nlb,
				"service.beta.kubernetes.io/aws-load-balancer-attributes", "load_balancing.cross_zone.enabled=false",
				"service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol", "HTTP",
				"service.beta.kubernetes.io/aws-load-balancer-healthcheck-path", "/health"),
		},
		{
			name:    "NLB with two ports checks the probe's port by number",
			service: `{type: "LoadBalancer", ports: ["http", "metrics"], scheme: "internal"}`,
			probes:  `probes: readiness: {port: "metrics", path: "/ready"}`,
			wantSpec: corev1.ServiceSpec{
				Type:              corev1.ServiceTypeLoadBalancer,
				LoadBalancerClass: new("service.k8s.aws/nlb"),
				Selector:          selector,
				Ports:             []corev1.ServicePort{port("http", 8080, corev1.ProtocolTCP), port("metrics", 9090, corev1.ProtocolTCP)},
			},
			wantAnnotations: with(nlb,
				"service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol", "HTTP",
				"service.beta.kubernetes.io/aws-load-balancer-healthcheck-port", "9090",
				"service.beta.kubernetes.io/aws-load-balancer-healthcheck-path", "/ready"),
		},
		{
			name:    "NLB: a gRPC probe becomes a TCP check, a probe on another port none",
			service: `{type: "LoadBalancer", ports: ["http"], scheme: "internal", sourceRanges: ["203.0.113.0/24", "198.51.100.7/32"]}`,
			probes:  `probes: readiness: {port: "metrics", grpc: true}`,
			wantSpec: corev1.ServiceSpec{
				Type:                     corev1.ServiceTypeLoadBalancer,
				LoadBalancerClass:        new("service.k8s.aws/nlb"),
				Selector:                 selector,
				Ports:                    []corev1.ServicePort{port("http", 8080, corev1.ProtocolTCP)},
				LoadBalancerSourceRanges: []string{"203.0.113.0/24", "198.51.100.7/32"},
			},
			wantAnnotations: nlb,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment, `ports: {
	http: port: 8080
	metrics: port: 9090
	dns: {port: 5353, protocol: "UDP"}
}`, `services: "web-svc": `+tc.service, tc.probes)
			svc := decode[corev1.Service](t, find(t, buildApp(t, app), "Service", "web-svc"))
			if diff := cmp.Diff(tc.wantSpec, svc.Spec); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAnnotations, svc.Annotations); diff != "" {
				t.Errorf("annotations mismatch (-want +got):\n%s", diff)
			}
			if svc.Namespace != "chatbot" {
				t.Errorf("namespace = %q, want chatbot", svc.Namespace)
			}
		})
	}
}

func TestServicesSortedByName(t *testing.T) {
	app := newApp(t, "web", model.Deployment, "ports: http: port: 8080", `services: {"web-c": {}, "web-a": {}, "web-b": {}}`)
	want := []string{"ServiceAccount/web", "NetworkPolicy/web", "Deployment/web", "Service/web-a", "Service/web-b", "Service/web-c"}
	if diff := cmp.Diff(want, kinds(buildApp(t, app))); diff != "" {
		t.Errorf("objects mismatch (-want +got):\n%s", diff)
	}
}
