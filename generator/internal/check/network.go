package check

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// network checks what an app's NetworkPolicy is built from: every app it
// depends on can be called (it serves a port and is no Job or CronJob),
// since dependsOn also lists the apps it calls and its NetworkPolicy lets
// it reach their ports (a dependsOn naming no app is argocd.Waves'
// report); and its egress destinations (see egress).
func (c *checker) network(app *model.App) {
	for i, name := range app.DependsOn {
		dep := c.env.Apps[name]
		if dep == nil || !dep.Enabled || name == app.Name {
			continue // no app, no pods, or a cycle: reported elsewhere
		}
		var why string
		switch {
		case dep.Kind == model.Job || dep.Kind == model.CronJob:
			why = fmt.Sprintf("is a %s: no Service selects its pods, and it runs to completion", dep.Kind)
		case len(dep.Ports) == 0:
			why = "exposes no port"
		default:
			continue
		}
		c.errorf(app.Path(fmt.Sprintf("dependsOn[%d]", i)),
			"app %s depends on %q, which %s: dependsOn lists the apps an app calls, and its NetworkPolicy lets it reach their ports; give %s a port, or remove it from dependsOn",
			app.Name, name, why, name)
	}
	c.egress(app.Path("networkPolicy.egress"), app.NetworkPolicy.Egress)
	if role := app.ServiceAccount.IAMRole; role != "" && app.ServiceAccount.Create {
		c.reachesAWS(app.Namespace, app.Path("serviceAccount.iamRole"), "app "+app.Name, role, "networkPolicy.egress", app.NetworkPolicy.Egress)
	}
}

// reachesAWS reports a workload of namespace ns that assumes IAM role
// role (IRSA) while its NetworkPolicy lets it reach no address on TCP
// 443: the AWS SDK could not reach STS to exchange its token for the
// role's credentials, nor the APIs the role is for. field names where
// its egress destinations are declared.
func (c *checker) reachesAWS(ns, path, who, role, field string, dests map[string]model.Egress) {
	if n, ok := c.env.Namespaces[ns]; !ok || !n.DefaultDeny {
		return
	}
	for _, d := range dests {
		if d.Protocol == "TCP" && slices.Contains(d.Ports, 443) {
			return
		}
	}
	c.errorf(path,
		"%s assumes IAM role %s, but namespace %s denies egress by default and its NetworkPolicy lets it reach no address on TCP 443: it could not reach STS for the role's credentials, nor the AWS APIs the role is for; add %s: \"aws-apis\": {cidrs: [...], ports: [443]} (a VPC endpoint's CIDR, or 0.0.0.0/0 with a reason)",
		who, role, ns, field)
}

// controllerNetwork checks the egress destinations of the enabled
// controllers.
func (c *checker) controllerNetwork() {
	for _, name := range c.env.EnabledControllers() {
		ctl := c.env.Platform.Controllers[name]
		c.egress(ctl.Path("egress"), ctl.Egress)
		if role := ctl.ServiceAccount.IAMRole; role != "" {
			c.reachesAWS(ctl.Namespace, ctl.Path("serviceAccount.iamRole"), "controller "+name, role, ctl.Path("egress"), ctl.Egress)
		}
	}
}

// egress checks destinations, at path: each CIDR is a network address
// (a Kubernetes NetworkPolicy's ipBlock takes no host bits), and
// 0.0.0.0/0, which opens its ports to every address, comes with a reason.
func (c *checker) egress(path string, dests map[string]model.Egress) {
	for _, name := range slices.Sorted(maps.Keys(dests)) {
		d := dests[name]
		at := path + "." + model.Label(name)
		for i, cidr := range d.CIDRs {
			p, err := netip.ParsePrefix(cidr)
			if err != nil || !p.Addr().Is4() {
				c.errorf(fmt.Sprintf("%s.cidrs[%d]", at, i), "egress %s: %q is not an IPv4 CIDR such as 10.0.0.0/16", name, cidr)
				continue
			}
			if m := p.Masked(); m != p {
				c.errorf(fmt.Sprintf("%s.cidrs[%d]", at, i), "egress %s: %s has host bits set; the range is %s", name, cidr, m)
				continue
			}
			if p.Bits() == 0 && d.Reason == "" {
				ports := make([]string, len(d.Ports))
				for j, port := range d.Ports {
					ports[j] = fmt.Sprint(port)
				}
				c.errorf(fmt.Sprintf("%s.cidrs[%d]", at, i),
					"egress %s: %s lets the pods reach every address on %s %s; give the destination's CIDR (a VPC endpoint's, a peered network's), or say why with reason: \"...\"",
					name, cidr, d.Protocol, strings.Join(ports, ", "))
			}
		}
	}
}
