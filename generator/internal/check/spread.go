package check

import (
	"slices"
)

// spread reports zone spread that the node groups' zones cannot give.
// The scheduler would place such pods (in the one zone there is), so
// packing cannot see it; the app asked for zones all the same. What
// required spread and anti-affinity leave Pending, packing reports.
func (c *capacityChecker) spread() {
	for _, u := range c.Apps {
		if len(u.Groups) == 0 || u.App.Spread.Zones != "required" || u.Max <= 1 {
			continue
		}
		var zones []string
		var nodes int64
		var names []string
		for _, name := range u.Groups {
			g := c.ByName[name]
			names = append(names, name)
			nodes += int64(g.NodeGroup.MaxSize)
			for _, z := range g.Zones {
				if !slices.Contains(zones, z) {
					zones = append(zones, z)
				}
			}
		}
		slices.Sort(zones)
		onlyOn := "the pods may land only on node group " + and(names) + ", which"
		if len(names) > 1 {
			onlyOn = "the pods may land only on node groups " + and(names) + ", which together"
		}
		switch {
		case len(zones) < 2:
			where := "no zone"
			if len(zones) == 1 {
				where = "one zone (" + zones[0] + ")"
			}
			c.errorf(u.App.Path("spread.zones"),
				"spread.zones is \"required\" for up to %d replicas, but %s %s only %s; give the node group more zones or use \"preferred\"",
				u.Max, onlyOn, plural(len(names), "runs in", "run in"), where)
		case nodes < 2:
			c.errorf(u.App.Path("spread.zones"),
				"spread.zones is \"required\" for up to %d replicas, but %s %s at most %d node, so one zone; raise maxSize or use \"preferred\"",
				u.Max, onlyOn, plural(len(names), "has", "have"), nodes)
		}
	}
}
