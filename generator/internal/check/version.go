package check

import (
	"fmt"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// version checks the cluster's Kubernetes version against the EKS
// calendar at the analysis's date, and the objects' apiVersions against the
// removals up to that version.
func (c *capacityChecker) version(objs []object.Object) {
	v := c.Env.Cluster.Version
	state, row := capacity.Support(v, c.Today)
	upgrade := ""
	if to := capacity.OldestInStandardSupport(c.Today); to != "" {
		upgrade = fmt.Sprintf("; upgrade to %s or later", to)
	}
	oldest, newest := capacity.CalendarRange()
	switch {
	case state == capacity.SupportEnded && row != nil:
		c.errorf("cluster.version", "Kubernetes %s reached the end of EKS extended support on %s, so EKS no longer runs it%s",
			v, row.EndOfExtendedSupport, upgrade)
	case state == capacity.SupportEnded:
		c.errorf("cluster.version", "Kubernetes %s is older than every version EKS supports (gen's calendar of %s starts at 1.%d)%s",
			v, capacity.FactsDate(), oldest, upgrade)
	case state == capacity.SupportExtended:
		prices := capacity.AWS().EKS
		c.warnf("cluster.version", "Kubernetes %s left EKS standard support on %s: extended support costs $%.2f instead of $%.2f per cluster-hour and ends on %s%s",
			v, row.EndOfStandardSupport, prices.ExtendedSupportPerHour, prices.StandardSupportPerHour, row.EndOfExtendedSupport, upgrade)
	case state == capacity.SupportUnknown:
		c.warnf("cluster.version", "Kubernetes %s is not in gen's EKS calendar (%s, 1.%d to 1.%d); check that EKS offers it",
			v, capacity.FactsDate(), oldest, newest)
	}
	minor, ok := capacity.MinorVersion(v)
	if !ok {
		return
	}
	for _, o := range objs {
		r, found := capacity.RemovedAPI(o.APIVersion(), o.Kind())
		if !found {
			continue
		}
		if in, _ := capacity.MinorVersion(r.RemovedIn); in > minor {
			continue
		}
		paths := []string{"cluster.version"}
		if app, ok := c.Env.Apps[o.App]; ok {
			at := app.Path("")
			if len(app.Patches) > 0 {
				at = app.Path("patches")
			}
			paths = []string{at, "cluster.version"}
		}
		c.errorAt(paths, "%s is %s %s, which Kubernetes %s removed (the cluster runs %s); use %s",
			o.ID(), o.APIVersion(), o.Kind(), r.RemovedIn, v, r.Use)
	}
}
