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
}

// controllerNetwork checks the egress destinations of the enabled
// controllers.
func (c *checker) controllerNetwork() {
	for _, name := range c.env.EnabledControllers() {
		ctl := c.env.Platform.Controllers[name]
		c.egress(ctl.Path("egress"), ctl.Egress)
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
