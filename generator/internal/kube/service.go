package kube

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// A LoadBalancer Service is an AWS Network Load Balancer provisioned by the
// AWS Load Balancer Controller, with IP targets:
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/nlb/
const (
	nlbClass               = "service.k8s.aws/nlb"
	lbTypeAnnotation       = "service.beta.kubernetes.io/aws-load-balancer-type"
	lbTargetTypeAnnotation = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
	lbSchemeAnnotation     = "service.beta.kubernetes.io/aws-load-balancer-scheme"
	lbAttributesAnnotation = "service.beta.kubernetes.io/aws-load-balancer-attributes"
	lbHCProtocolAnnotation = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol"
	lbHCPortAnnotation     = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"
	lbHCPathAnnotation     = "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path"
	lbTypeExternal         = "external"
	lbTargetTypeIP         = "ip"
	lbCrossZone            = "load_balancing.cross_zone.enabled="
)

// services returns the app's Services, sorted by name.
func services(in *instance) ([]*corev1.Service, error) {
	var svcs []*corev1.Service
	for _, name := range slices.Sorted(maps.Keys(in.app.Services)) {
		svc, err := service(in, name, in.app.Services[name])
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		svcs = append(svcs, svc)
	}
	return svcs, nil
}

// service returns the Service called name, selecting the app's pods.
func service(in *instance, name string, s model.Service) (*corev1.Service, error) {
	ports, err := servicePorts(in.app, s)
	if err != nil {
		return nil, err
	}
	svc := &corev1.Service{
		TypeMeta: serviceType,
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   in.app.Namespace,
			Labels:      in.labels,
			Annotations: s.Annotations,
		},
		Spec: corev1.ServiceSpec{
			Type:                     corev1.ServiceTypeClusterIP,
			Selector:                 in.selector,
			Ports:                    ports,
			PublishNotReadyAddresses: s.PublishNotReadyAddresses,
		},
	}
	switch s.Type {
	case "", model.ClusterIP:
	case model.Headless:
		svc.Spec.ClusterIP = corev1.ClusterIPNone
	case model.LoadBalancer:
		svc.Spec.Type = corev1.ServiceTypeLoadBalancer
		svc.Spec.LoadBalancerClass = new(nlbClass)
		svc.Spec.LoadBalancerSourceRanges = s.SourceRanges
		svc.Annotations = nlbAnnotations(in.app, s, ports)
	default:
		return nil, fmt.Errorf("unknown type %q", s.Type)
	}
	return svc, nil
}

// nlbAnnotations are the AWS Load Balancer Controller's annotations for an
// NLB with IP targets (its scheme, cross-zone load balancing and health
// check), with the Service's own annotations on top: users may tune the
// load balancer, or override these.
func nlbAnnotations(app *model.App, s model.Service, ports []corev1.ServicePort) map[string]string {
	a := map[string]string{
		lbTypeAnnotation:       lbTypeExternal,
		lbTargetTypeAnnotation: lbTargetTypeIP,
		lbAttributesAnnotation: lbCrossZone + strconv.FormatBool(s.CrossZone),
	}
	if s.Scheme != "" {
		a[lbSchemeAnnotation] = s.Scheme
	}
	maps.Copy(a, nlbHealthCheck(app, ports))
	maps.Copy(a, s.Annotations)
	return a
}

// nlbHealthCheck returns the health check annotations of an NLB whose
// listeners are ports: the readiness probe's, when it is on one of them
// (HTTP on its path, else TCP: an NLB has no gRPC check), on the port
// traffic goes to when the NLB has one port, else on the probe's port
// by number (IP targets are checked on the pod's own port). Without such
// a probe, a TCP check of the port traffic goes to, the controller's
// default, said explicitly.
func nlbHealthCheck(app *model.App, ports []corev1.ServicePort) map[string]string {
	a := map[string]string{
		lbHCProtocolAnnotation: "TCP",
		lbHCPortAnnotation:     "traffic-port",
	}
	r := app.Probes.Readiness
	if r == nil || !slices.ContainsFunc(ports, func(p corev1.ServicePort) bool { return p.Name == r.Port }) {
		return a
	}
	if len(ports) > 1 {
		a[lbHCPortAnnotation] = strconv.Itoa(int(app.Ports[r.Port].Port))
	}
	if r.Path != "" && !r.GRPC {
		a[lbHCProtocolAnnotation] = "HTTP"
		a[lbHCPathAnnotation] = r.Path
	}
	return a
}

// servicePorts returns the Service's ports: the named ones in the order
// given, or all the app's ports sorted by name. Each targets the container
// port by name and is exposed on servicePorts[name], else on the container
// port's number.
func servicePorts(app *model.App, s model.Service) ([]corev1.ServicePort, error) {
	names := s.Ports
	if names == nil {
		names = slices.Sorted(maps.Keys(app.Ports))
	}
	var ports []corev1.ServicePort
	for _, name := range names {
		p, ok := app.Ports[name]
		if !ok {
			return nil, fmt.Errorf("no port %q", name)
		}
		port := p.Port
		if sp, ok := s.ServicePorts[name]; ok {
			port = sp
		}
		ports = append(ports, corev1.ServicePort{
			Name:       name,
			Port:       port,
			TargetPort: intstr.FromString(name),
			Protocol:   corev1.Protocol(p.Protocol),
		})
	}
	return ports, nil
}
