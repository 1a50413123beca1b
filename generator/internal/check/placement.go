package check

import (
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/capacity"
)

// placement reports apps whose nodeSelector and tolerations match no node
// group, and a cluster whose every node group is tainted.
func (c *capacityChecker) placement() {
	if len(c.Groups) == 0 {
		c.errorf("cluster.nodeGroups", "cluster %s has no node groups, so no pod can run", c.Env.Cluster.Name)
		return
	}
	if len(c.Untainted) == 0 {
		var names []string
		for _, p := range c.System {
			names = append(names, p.Name)
		}
		c.errorf("cluster.nodeGroups",
			"every node group of cluster %s is tainted (%s), so %s, which tolerate none of the taints, cannot run; add a node group without NoSchedule or NoExecute taints",
			c.Env.Cluster.Name, c.taints(), and(names))
	}
	for _, u := range c.Apps {
		if u.MissingGroup || len(u.Groups) > 0 {
			continue
		}
		c.reported[u] = true
		paths := []string{u.App.Path("nodeGroup")}
		if u.FromObject && len(u.App.Patches) > 0 {
			paths = append(paths, u.App.Path("patches"))
		}
		if len(u.Selector) == 0 && len(u.Tolerations) == 0 {
			if len(c.Untainted) > 0 {
				continue // cannot happen: an untainted group accepts it
			}
			c.errorAt(paths,
				"the app tolerates no taint, and every node group of cluster %s is tainted (%s); set nodeGroup, or add a node group without taints",
				c.Env.Cluster.Name, c.taints())
			continue
		}
		var why []string
		for _, g := range c.Groups {
			why = append(why, g.Accepts(c.Env, u.Selector, u.Tolerations))
		}
		c.errorAt(paths, "the pods' nodeSelector %s and tolerations %s match no node group: %s",
			selectorString(u.Selector), tolerationsString(u.Tolerations), strings.Join(why, "; "))
	}
}

// taints lists the taints of every node group, e.g. "ml: workload=ml:NoSchedule".
func (c *capacityChecker) taints() string {
	var parts []string
	for _, g := range c.Groups {
		var ts []string
		for _, t := range g.Blocking {
			ts = append(ts, capacity.FormatTaint(t))
		}
		parts = append(parts, g.Name+": "+strings.Join(ts, ", "))
	}
	return strings.Join(parts, "; ")
}

func selectorString(sel map[string]string) string {
	if len(sel) == 0 {
		return "{}"
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(sel)) {
		kv = append(kv, k+"="+sel[k])
	}
	return "{" + strings.Join(kv, ", ") + "}"
}

func tolerationsString(tols []capacity.Toleration) string {
	var s []string
	for _, t := range tols {
		switch {
		case t.Key == "" && t.Operator == "Exists":
			s = append(s, "*")
		case t.Operator == "Exists":
			s = append(s, t.Key+":"+t.Effect)
		default:
			s = append(s, t.Key+"="+t.Value+":"+t.Effect)
		}
	}
	return "[" + strings.Join(s, ", ") + "]"
}
