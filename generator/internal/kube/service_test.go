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
		service         model.Service
		wantSpec        corev1.ServiceSpec
		wantAnnotations map[string]string
	}{
		{
			name:    "cluster IP with all ports sorted by name",
			service: model.Service{Type: model.ClusterIP, Annotations: map[string]string{"a": "b"}},
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
			name: "named ports in the given order, on service ports",
			service: model.Service{
				Type:         model.ClusterIP,
				Ports:        []string{"metrics", "http"},
				ServicePorts: map[string]int32{"http": 80},
			},
			wantSpec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: selector,
				Ports:    []corev1.ServicePort{port("metrics", 9090, corev1.ProtocolTCP), {Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
			},
		},
		{
			name:    "headless",
			service: model.Service{Type: model.Headless, Ports: []string{"http"}, PublishNotReadyAddresses: true},
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
			service: model.Service{Type: model.LoadBalancer, Ports: []string{"http"}, ServicePorts: map[string]int32{"http": 80}, Scheme: "internal"},
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
			service: model.Service{
				Type:   model.LoadBalancer,
				Ports:  []string{"http"},
				Scheme: "internal",
				Annotations: map[string]string{
					"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
					"service.beta.kubernetes.io/aws-load-balancer-ssl-ports":       "443",
				},
			},
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
			app := newApp(t, "web", model.Deployment)
			app.Ports = map[string]model.Port{
				"http":    {Port: 8080, Protocol: "TCP"},
				"metrics": {Port: 9090, Protocol: "TCP"},
				"dns":     {Port: 5353, Protocol: "UDP"},
			}
			app.Services = map[string]model.Service{"web-svc": tc.service}
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
	app := newApp(t, "web", model.Deployment)
	app.Ports = map[string]model.Port{"http": {Port: 8080, Protocol: "TCP"}}
	app.Services = map[string]model.Service{"web-c": {}, "web-a": {}, "web-b": {}}
	want := []string{"ServiceAccount/web", "NetworkPolicy/web", "Deployment/web", "Service/web-a", "Service/web-b", "Service/web-c"}
	if diff := cmp.Diff(want, kinds(buildApp(t, app))); diff != "" {
		t.Errorf("objects mismatch (-want +got):\n%s", diff)
	}
}
