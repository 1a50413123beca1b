package check

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/gitops-gen/gen/generator/model"
)

// ACM certificate and WAFv2 web ACL ARNs, with the region and account they
// belong to:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
var (
	acmARN   = lazyRegexp(`^arn:aws[a-z-]*:acm:([a-z]{2}(?:-[a-z]+)+-[0-9]):([0-9]{12}):certificate/[0-9a-zA-Z-]+$`)
	wafv2ARN = lazyRegexp(`^arn:aws[a-z-]*:wafv2:([a-z]{2}(?:-[a-z]+)+-[0-9]):([0-9]{12}):regional/webacl/[\w-]+/[0-9a-zA-Z-]+$`)
)

// ingressGroups checks each ingress group: its certificates and web ACL
// are well-formed ARNs in the cluster's region and account (an ALB can use
// neither from elsewhere), an HTTPS listener has a certificate, there is
// at least one listener, and the allowed clients are CIDRs.
func (c *checker) ingressGroups() {
	cl := c.env.Cluster
	for _, name := range slices.Sorted(maps.Keys(c.env.IngressGroups)) {
		g := c.env.IngressGroups[name]
		at := func(f string) string { return "ingressGroups." + model.Label(name) + f }
		for i, arn := range g.CertificateARNs {
			c.regional(at(fmt.Sprintf(".certificateARNs[%d]", i)), "certificate", arn, acmARN(),
				"arn:aws:acm:"+cl.Region+":"+cl.AccountID+":certificate/<id>")
		}
		if g.WAFACLARN != "" {
			c.regional(at(".wafACLARN"), "web ACL", g.WAFACLARN, wafv2ARN(),
				"arn:aws:wafv2:"+cl.Region+":"+cl.AccountID+":regional/webacl/<name>/<id>")
		}
		if g.Listen.HTTPS != nil && len(g.CertificateARNs) == 0 {
			c.errorf(at(".listen.https"), "ingress group %s listens for HTTPS on %d without a certificate; add its ACM certificate to certificateARNs", name, *g.Listen.HTTPS)
		}
		if g.Listen.HTTP == nil && g.Listen.HTTPS == nil {
			c.errorf(at(".listen"), "ingress group %s has no listener; keep listen.http, or add a certificate for HTTPS", name)
		}
		if g.Listen.HTTP != nil && g.Listen.HTTPS != nil && *g.Listen.HTTP == *g.Listen.HTTPS {
			c.errorf(at(".listen.https"), "ingress group %s listens for HTTP and HTTPS on the same port %d", name, *g.Listen.HTTP)
		}
		for i, cidr := range g.InboundCIDRs {
			c.cidr(at(fmt.Sprintf(".inboundCIDRs[%d]", i)), cidr)
		}
	}
}

// regional checks that arn is an ARN of what re matches, in the cluster's
// region and account.
func (c *checker) regional(path, what, arn string, re *regexp.Regexp, want string) {
	cl := c.env.Cluster
	m := re.FindStringSubmatch(arn)
	switch {
	case m == nil:
		c.errorf(path, "%q is not an %s ARN; want %s", arn, awsService(what), want)
	case m[1] != cl.Region:
		c.errorf(path, "%s %s is in region %s, but cluster %s is in %s: a load balancer uses only %ss of its own region", what, arn, m[1], cl.Name, cl.Region, what)
	case m[2] != cl.AccountID:
		c.errorf(path, "%s %s belongs to account %s, but cluster %s is in account %s: a load balancer uses only %ss of its own account", what, arn, m[2], cl.Name, cl.AccountID, what)
	}
}

func awsService(what string) string {
	if what == "certificate" {
		return "ACM certificate"
	}
	return "AWS WAFv2 regional " + what
}

// cidr checks that s is an IPv4 block whose address has no bits outside
// its prefix (what AWS security groups accept).
func (c *checker) cidr(path, s string) {
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !p.Addr().Is4():
		c.errorf(path, "%q is not an IPv4 CIDR", s)
	case p.Masked() != p:
		c.errorf(path, "%q has bits set outside its /%d prefix; write %s", s, p.Bits(), p.Masked())
	}
}

// ingress checks an app's ingress: only Deployments and StatefulSets
// serve one, its group exists, its hosts are DNS names (none twice), and
// each path goes to a port of the app that one of its Services exposes.
func (c *checker) ingress(app *model.App) {
	ing := app.Ingress
	if ing == nil {
		return
	}
	at := func(f string) string { return app.Path("ingress" + f) }
	if app.Kind == model.CronJob || app.Kind == model.Job {
		c.errorf(at(""), "a %s cannot have an Ingress: it serves no traffic; only a Deployment or StatefulSet can", app.Kind)
		return
	}
	if _, ok := c.env.IngressGroups[ing.Group]; !ok {
		c.errorf(at(".group"), "ingress group %q is not one of the environment's ingressGroups (%s)", ing.Group, namesOrNone(slices.Sorted(maps.Keys(c.env.IngressGroups))))
	}
	seen := map[string]bool{}
	for i, h := range ing.Hosts {
		path := at(fmt.Sprintf(".hosts[%d]", i))
		if msgs := validation.IsDNS1123Subdomain(strings.TrimPrefix(h, "*.")); len(msgs) > 0 {
			c.errorf(path, "host %q is not a DNS name: %s", h, strings.Join(msgs, "; "))
		}
		if seen[h] {
			c.errorf(path, "host %q is listed twice", h)
		}
		seen[h] = true
	}
	for _, p := range slices.Sorted(maps.Keys(ing.Paths)) {
		port := ing.Paths[p].Port
		path := at(".paths." + model.Label(p) + ".port")
		if _, ok := app.Ports[port]; !ok {
			c.errorf(path, "path %s goes to port %q, which is not one of the app's ports (%s)", p, port, portNames(app))
			continue
		}
		if !exposed(app, port) {
			c.errorf(path, "path %s goes to port %q, which none of the app's Services exposes (Headless ones are for peers): add it to a Service's ports, or add a Service", p, port)
		}
	}
	if hc := ing.HealthCheck.Path; hc != "" && strings.ContainsAny(hc, " \t") {
		c.errorf(at(".healthCheck.path"), "health check path %q contains white space", hc)
	}
}

// exposed reports whether one of the app's ClusterIP or LoadBalancer
// Services exposes its port.
func exposed(app *model.App, port string) bool {
	for _, s := range app.Services {
		if s.Type == model.Headless {
			continue
		}
		if s.Ports == nil || slices.Contains(s.Ports, port) {
			return true
		}
	}
	return false
}

// ingressRules reports two rules for one host and path in one ingress
// group, whether in one app or in two: the load balancer would send the
// requests to one of them only. Hosts compare without case, as DNS does.
func (c *checker) ingressRules() {
	type key struct{ group, host, path string }
	first := map[key]string{} // the CUE path of the first rule
	for _, name := range slices.Sorted(maps.Keys(c.env.Apps)) {
		app := c.env.Apps[name]
		if !app.Enabled || app.Ingress == nil || app.Kind == model.Job || app.Kind == model.CronJob {
			continue
		}
		ing := app.Ingress
		for _, host := range ing.Hosts {
			for _, p := range slices.Sorted(maps.Keys(ing.Paths)) {
				k := key{ing.Group, strings.ToLower(host), p}
				at := app.Path("ingress.paths." + model.Label(p))
				prev, ok := first[k]
				if !ok {
					first[k] = at
					continue
				}
				if prev == at {
					continue // a host listed twice, reported as such
				}
				c.errs = cueerrors.Append(c.errs, c.env.ErrorAt([]string{at, prev},
					"ingress group %s routes %s%s twice, here and at %s: the load balancer would send every such request to one of them; keep one",
					ing.Group, host, p, prev))
			}
		}
	}
}

func namesOrNone(names []string) string {
	if len(names) == 0 {
		return "it has none"
	}
	return strings.Join(names, ", ")
}
