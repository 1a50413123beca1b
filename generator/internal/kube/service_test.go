package kube

import (
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
		"service.beta.kubernetes.io/aws-load-balancer-type":            "external",
		"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
		"service.beta.kubernetes.io/aws-load-balancer-scheme":          "internal",
	}
	tests := []struct {
		name            string
		service         string // a #Service
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
			wantAnnotations: map[string]string{
				"service.beta.kubernetes.io/aws-load-balancer-type":            "external",
				"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
				"service.beta.kubernetes.io/aws-load-balancer-scheme":          "internal",
				"service.beta.kubernetes.io/aws-load-balancer-ssl-ports":       "443",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment, `ports: {
	http: port: 8080
	metrics: port: 9090
	dns: {port: 5353, protocol: "UDP"}
}`, `services: "web-svc": `+tc.service)
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
