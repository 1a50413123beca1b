package kube

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// An app's ingress is an Ingress for the AWS Load Balancer Controller, which
// provisions one Application Load Balancer per IngressGroup from the
// Ingresses that name it. The annotations are the controller's, as its
// guide documents them:
// https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/
const (
	albClass             = "alb"                 // the IngressClass the controller's chart creates
	albController        = "ingress.k8s.aws/alb" // an IngressClass's spec.controller for the controller
	albPrefix            = "alb.ingress.kubernetes.io/"
	albGroupName         = albPrefix + "group.name"
	albGroupOrder        = albPrefix + "group.order"
	albScheme            = albPrefix + "scheme"
	albTargetType        = albPrefix + "target-type"
	albListenPorts       = albPrefix + "listen-ports"
	albCertificateARN    = albPrefix + "certificate-arn"
	albSSLRedirect       = albPrefix + "ssl-redirect"
	albSSLPolicy         = albPrefix + "ssl-policy"
	albWAFv2ACLARN       = albPrefix + "wafv2-acl-arn"
	albInboundCIDRs      = albPrefix + "inbound-cidrs"
	albLBAttributes      = albPrefix + "load-balancer-attributes"
	albHealthCheckPath   = albPrefix + "healthcheck-path"
	albHealthCheckPort   = albPrefix + "healthcheck-port"
	albHealthCheckProto  = albPrefix + "healthcheck-protocol"
	albSuccessCodes      = albPrefix + "success-codes"
	albTrafficPort       = "traffic-port"
	albKubernetesSuccess = "200-399" // what a Kubernetes HTTP probe counts as success
)

// IngressClassName returns the IngressClass of the Ingresses of group g:
// alb-<group> when the group is isolated, else the controller's alb.
func IngressClassName(name string, g model.IngressGroup) string {
	if g.Isolated {
		return albClass + "-" + name
	}
	return albClass
}

// ingress returns the app's Ingress, named after it, or nil when it has
// none. Each host gets one rule with every path, the most specific first
// (longer paths, then Exact before Prefix): the load balancer evaluates
// an Ingress's paths in that order.
func ingress(in *instance) (*networkingv1.Ingress, error) {
	ing := in.app.Ingress
	if ing == nil {
		return nil, nil
	}
	group, ok := in.env.IngressGroups[ing.Group]
	if !ok {
		return nil, fmt.Errorf("ingress: group %q is not one of the environment's ingressGroups", ing.Group)
	}
	paths := slices.SortedFunc(maps.Keys(ing.Paths), func(a, b string) int {
		return cmp.Or(
			cmp.Compare(len(b), len(a)),
			cmp.Compare(a, b),
		)
	})
	var httpPaths []networkingv1.HTTPIngressPath
	for _, p := range paths {
		ip := ing.Paths[p]
		svc, err := IngressService(in.app, ip.Port)
		if err != nil {
			return nil, fmt.Errorf("ingress: path %s: %w", p, err)
		}
		port := ip.Port
		if in.app.CanaryRouting() == model.RoutingALB {
			// Argo Rollouts writes the forward action, weighted
			// between the canary and stable Services, in an annotation.
			port = useAnnotation
		}
		httpPaths = append(httpPaths, networkingv1.HTTPIngressPath{
			Path:     p,
			PathType: new(networkingv1.PathType(cmp.Or(ip.PathType, "Prefix"))),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: svc,
				Port: networkingv1.ServiceBackendPort{Name: port},
			}},
		})
	}
	rules := make([]networkingv1.IngressRule, len(ing.Hosts))
	for i, h := range ing.Hosts {
		rules[i] = networkingv1.IngressRule{
			Host:             h,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: slices.Clone(httpPaths)}},
		}
	}
	return &networkingv1.Ingress{
		TypeMeta: ingressType,
		ObjectMeta: metav1.ObjectMeta{
			Name:        in.app.Name,
			Namespace:   in.app.Namespace,
			Labels:      in.labels,
			Annotations: albAnnotations(in.app, ing, group),
		},
		Spec: networkingv1.IngressSpec{
			IngressClassName: new(IngressClassName(ing.Group, group)),
			Rules:            rules,
		},
	}, nil
}

// albAnnotations are the annotations of the app's Ingress: the group's
// load balancer settings (identical on every Ingress of the group, which
// the controller requires of settings that belong to the load balancer)
// and the app's own (its place in the group, its targets' health check).
func albAnnotations(app *model.App, ing *model.Ingress, g model.IngressGroup) map[string]string {
	a := map[string]string{
		albGroupName:  ing.Group,
		albGroupOrder: strconv.Itoa(ing.Order),
		albScheme:     g.Scheme,
		albTargetType: lbTargetTypeIP,
	}
	a[albListenPorts] = listenPorts(g.Listen)
	if len(g.CertificateARNs) > 0 {
		a[albCertificateARN] = strings.Join(g.CertificateARNs, ",")
	}
	if g.Listen.HTTPS != nil && g.SSLPolicy != "" {
		a[albSSLPolicy] = g.SSLPolicy
	}
	if SSLRedirects(g) {
		a[albSSLRedirect] = strconv.Itoa(int(*g.Listen.HTTPS))
	}
	if g.WAFACLARN != "" {
		a[albWAFv2ACLARN] = g.WAFACLARN
	}
	if len(g.InboundCIDRs) > 0 {
		a[albInboundCIDRs] = strings.Join(g.InboundCIDRs, ",")
	}
	if g.IdleTimeoutSeconds != nil {
		a[albLBAttributes] = "idle_timeout.timeout_seconds=" + strconv.Itoa(*g.IdleTimeoutSeconds)
	}
	path, port := ingressHealthCheck(app, ing)
	if path != "" {
		a[albHealthCheckPath] = path
	}
	a[albHealthCheckPort] = port
	a[albHealthCheckProto] = "HTTP"
	a[albSuccessCodes] = albKubernetesSuccess
	return a
}

// SSLRedirects reports whether the group's HTTP listener redirects to its
// HTTPS one.
func SSLRedirects(g model.IngressGroup) bool {
	return g.SSLRedirect && g.Listen.HTTP != nil && g.Listen.HTTPS != nil
}

// listenPorts is the listen-ports annotation: a JSON list of
// {"PROTOCOL": port}, HTTP first.
func listenPorts(l model.Listen) string {
	var ports []map[string]int32
	if l.HTTP != nil {
		ports = append(ports, map[string]int32{"HTTP": *l.HTTP})
	}
	if l.HTTPS != nil {
		ports = append(ports, map[string]int32{"HTTPS": *l.HTTPS})
	}
	b, _ := json.Marshal(ports) // maps of ints always encode
	return string(b)
}

// ingressHealthCheck returns the path and port of the load balancer's
// health check of the app's pods: healthCheck.path, else the readiness
// probe's path when it is an HTTP probe ("" leaves the controller's
// default, /); the readiness probe's port by number when the paths send
// traffic elsewhere, else traffic-port.
func ingressHealthCheck(app *model.App, ing *model.Ingress) (path, port string) {
	r := app.Probes.Readiness
	path = ing.HealthCheck.Path
	if path == "" && r != nil && r.Path != "" && !r.GRPC {
		path = r.Path
	}
	port = albTrafficPort
	if r == nil {
		return path, port
	}
	for _, p := range ing.Paths {
		if p.Port != r.Port {
			if pp, ok := app.Ports[r.Port]; ok {
				port = strconv.Itoa(int(pp.Port))
			}
			break
		}
	}
	return path, port
}

// IngressService returns the name of the app's Service that an Ingress
// path to the app's port sends traffic through: the first by name of
// those that expose the port, ClusterIP Services before LoadBalancer ones
// (Headless Services are for peers, and are not used).
func IngressService(app *model.App, port string) (string, error) {
	rank := map[string]int{"": 0, model.ClusterIP: 0, model.LoadBalancer: 1}
	best, bestRank := "", 2
	for _, name := range slices.Sorted(maps.Keys(app.Services)) {
		s := app.Services[name]
		r, ok := rank[s.Type]
		if !ok || r >= bestRank {
			continue
		}
		if s.Ports != nil && !slices.Contains(s.Ports, port) {
			continue
		}
		if _, ok := app.Ports[port]; !ok {
			continue
		}
		best, bestRank = name, r
	}
	if best == "" {
		return "", fmt.Errorf("no Service of app %s exposes port %q", app.Name, port)
	}
	return best, nil
}

// ingressPorts returns the names of the app's ports that its Ingress
// sends traffic or health checks to, sorted.
func ingressPorts(app *model.App) []string {
	if app.Ingress == nil {
		return nil
	}
	set := map[string]bool{}
	for _, p := range app.Ingress.Paths {
		if _, ok := app.Ports[p.Port]; ok {
			set[p.Port] = true
		}
	}
	if r := app.Probes.Readiness; r != nil && len(set) > 0 {
		if _, ok := app.Ports[r.Port]; ok {
			set[r.Port] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
