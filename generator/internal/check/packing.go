package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

// warnAbove is the share of a node group's allocatable, in percent, that
// the pods placed on its nodes at max may request before it is a
// warning.
const warnAbove = 80

// packing places every pod as kube-scheduler would, node by node, with
// the node groups and HPAs at their minimum and at their maximum
// ([capacity.Analysis.Place]), and reports each workload whose pods stay
// Pending, at the fields that would make room for them. Apps that
// podFit or placement already refused are left out, and so is a cluster
// with an instance type gen does not know (nodeGroups refuses it): what
// its nodes offer is unknown. At max, a node group whose nodes are above
// warnAbove of their allocatable is a warning.
func (c *capacityChecker) packing() {
	for _, g := range c.Groups {
		if !g.Known() {
			return
		}
	}
	for _, size := range []capacity.Size{capacity.AtMin, capacity.AtMax} {
		p := c.Place(size)
		c.placed[size] = p
		c.pending(p)
	}
	c.busy(c.placed[capacity.AtMax])
}

// pending reports the Pending pods of p: one error per app, and one for
// the pods of the add-ons and controllers, whose fix is the same.
func (c *capacityChecker) pending(p *capacity.Placement) {
	var order []*capacity.Demand // nil: the add-ons' and controllers'
	byApp := map[*capacity.Demand][]*capacity.Pod{}
	for _, pod := range p.Pending() {
		if _, seen := byApp[pod.App]; !seen {
			order = append(order, pod.App)
		}
		byApp[pod.App] = append(byApp[pod.App], pod)
	}
	for _, u := range order {
		pods := byApp[u]
		if u != nil && c.reported[u] {
			continue
		}
		groups := c.landsOn(pods)
		if u == nil && len(groups) == 0 {
			continue // placement reports a cluster without untainted groups
		}
		reasons := map[string]bool{}
		for _, pod := range pods {
			for r := range pod.Reasons {
				reasons[r] = true
			}
		}
		disk := reasons[capacity.ReasonInsufficientDisk]
		c.errorAt(c.pendingPaths(p.Size, u, groups, reasons),
			"%s, %s %s: %s; %s; %s",
			atSize(p.Size), describePods(pods, disk), plural(len(pods), "stays Pending", "stay Pending"),
			pendingReasons(pods), c.room(p, groups, disk), fix(p.Size, pods[0], groups, reasons))
	}
}

// atSize says what a size means.
func atSize(s capacity.Size) string {
	if s == capacity.AtMax {
		return "at max (node groups at maxSize, HPAs at maxReplicas)"
	}
	return "at min (node groups at minSize, HPAs at minReplicas)"
}

// landsOn returns the node groups pods may land on: an app's; for the
// add-ons' and controllers', the groups of a DaemonSet pod's node and
// those whose labels and taints accept the others.
func (c *capacityChecker) landsOn(pods []*capacity.Pod) []*capacity.Group {
	var gs []*capacity.Group
	for _, g := range c.Groups {
		if slices.ContainsFunc(pods, func(pod *capacity.Pod) bool {
			switch {
			case pod.App != nil:
				return slices.Contains(pod.App.Groups, g.Name)
			case pod.Target != nil:
				return pod.Target.Group == g
			}
			return g.Accepts(c.Env, pod.Selector, pod.Tolerations) == ""
		}) {
			gs = append(gs, g)
		}
	}
	return gs
}

// describePods names the Pending pods of one app, or of the add-ons and
// controllers: "Deployment ml replica 2 of 2 (1 CPU / 2Gi)",
// "Deployment ml replicas 3-5 of 5 (1 CPU / 2Gi each)", "the add-ons'
// and controllers' pods eks-pod-identity-agent on general-1 (0 CPU / 0)
// and coredns × 2 (100m CPU / 70Mi each)". With disk, the sizes name the
// pods' ephemeral storage too ("1 CPU / 2Gi / 8Gi ephemeral storage").
func describePods(pods []*capacity.Pod, disk bool) string {
	first := pods[0]
	size := func(p *capacity.Pod) string {
		if disk {
			return p.Requests.CPUMemDisk()
		}
		return p.Requests.CPUMem()
	}
	if first.App == nil {
		var each []string
		for _, w := range byWorkload(pods) {
			p, name := w[0], w[0].Workload
			switch {
			case p.Target != nil:
				var nodes []string
				for _, q := range w {
					nodes = append(nodes, q.Target.Name)
				}
				name += " on " + and(nodes)
			case len(w) > 1:
				name += fmt.Sprintf(" × %d", len(w))
			}
			if len(w) > 1 {
				each = append(each, name+" ("+size(p)+" each)")
			} else {
				each = append(each, name+" ("+size(p)+")")
			}
		}
		return "the add-ons' and controllers' " + plural(len(pods), "pod ", "pods ") + and(each)
	}
	if len(pods) == 1 {
		return first.Describe() + " (" + size(first) + ")"
	}
	var nums []int64
	var names []string
	for _, pod := range pods {
		nums = append(nums, pod.Replica)
		names = append(names, pod.Name())
	}
	switch first.Kind {
	case model.Deployment:
		return fmt.Sprintf("Deployment %s replicas %s of %d (%s each)", first.Workload, ranges(nums), first.Of, size(first))
	case model.StatefulSet:
		return fmt.Sprintf("StatefulSet %s pods %s (%s each)", first.Workload, and(names), size(first))
	case model.CronJob:
		return fmt.Sprintf("CronJob %s run, pods %s of %d (%s each)", first.Workload, ranges(nums), first.Of, size(first))
	}
	return fmt.Sprintf("%s %s pods %s of %d (%s each)", first.Kind, first.Workload, ranges(nums), first.Of, size(first))
}

// byWorkload splits pods by workload, in the order of the first of each.
func byWorkload(pods []*capacity.Pod) [][]*capacity.Pod {
	var out [][]*capacity.Pod
	index := map[string]int{}
	for _, p := range pods {
		key := p.Kind + "/" + p.Workload
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], p)
	}
	return out
}

// pendingReasons is the scheduler's message; when the pods got different
// ones, each with the pods (an app's) or the workloads (the add-ons') that
// got it.
func pendingReasons(pods []*capacity.Pod) string {
	var reasons []string
	who := map[string][]string{}
	for _, pod := range pods {
		name := pod.Name()
		if pod.App == nil {
			name = pod.Workload
		}
		if _, seen := who[pod.Reason]; !seen {
			reasons = append(reasons, pod.Reason)
		}
		if !slices.Contains(who[pod.Reason], name) {
			who[pod.Reason] = append(who[pod.Reason], name)
		}
	}
	if len(reasons) == 1 {
		return reasons[0]
	}
	var each []string
	for _, r := range reasons {
		each = append(each, and(who[r])+": "+r)
	}
	return strings.Join(each, "; ")
}

// room says where the pods may land and what is left there once every
// other pod is placed: "it may land only on node group ml: 1 × m5.large
// (1.93 CPU / 6903Mi allocatable each), at most 750m CPU / 4735Mi / 24
// pods free on one node". With disk, it names the nodes' root volume and
// ephemeral storage too.
func (c *capacityChecker) room(p *capacity.Placement, groups []*capacity.Group, disk bool) string {
	var parts []string
	for _, g := range groups {
		nodes := p.GroupNodes(g.Name)
		if len(nodes) == 0 {
			parts = append(parts, fmt.Sprintf("%s: no node at %s", g.Name, sizeField(p.Size)))
			continue
		}
		var most capacity.Resources
		for _, n := range nodes {
			free := n.Free()
			most = capacity.Resources{
				CPU:              max(most.CPU, free.CPU),
				Memory:           max(most.Memory, free.Memory),
				EphemeralStorage: max(most.EphemeralStorage, free.EphemeralStorage),
				Pods:             max(most.Pods, free.Pods),
			}
		}
		show := capacity.Resources.CPUMem
		if disk {
			show = capacity.Resources.CPUMemDisk
		}
		parts = append(parts, fmt.Sprintf("%s: %d × %s (%s allocatable each), at most %s / %s free on one node",
			g.Name, len(nodes), nodeKind(g, disk), show(g.PerNode), show(most), count(most.Pods, "pod")))
	}
	if len(parts) == 1 {
		return "it may land only on node group " + parts[0]
	}
	return "it may land on node groups " + strings.Join(parts, "; ")
}

// sizeField is the node group field a size reads.
func sizeField(s capacity.Size) string {
	if s == capacity.AtMax {
		return "maxSize"
	}
	return "minSize"
}

// pendingPaths are the fields that would make room: the app's replicas
// at that size first, then its requests, anti-affinity or spread, then
// the node groups' size and instance types.
func (c *capacityChecker) pendingPaths(size capacity.Size, u *capacity.Demand, groups []*capacity.Group, reasons map[string]bool) []string {
	resources := reasons[capacity.ReasonInsufficientCPU] || reasons[capacity.ReasonInsufficientMemory]
	disk := reasons[capacity.ReasonInsufficientDisk]
	var paths []string
	if u != nil {
		paths = append(paths, u.ReplicasPath(size))
		if resources || disk {
			paths = append(paths, u.App.Path("resources.requests"))
		}
		if reasons[capacity.ReasonAntiAffinity] {
			paths = append(paths, u.App.Path("antiAffinity"))
		}
		if reasons[capacity.ReasonSpread] || reasons[capacity.ReasonSpreadLabel] {
			paths = append(paths, u.App.Path("spread"))
		}
		if u.FromObject && len(u.App.Patches) > 0 {
			paths = append(paths, u.App.Path("patches"))
		}
	}
	for _, g := range groups {
		paths = append(paths, groupPath(g.Name, sizeField(size)))
		if resources || reasons[capacity.ReasonTooManyPods] {
			paths = append(paths, groupPath(g.Name, "instanceTypes"))
		}
		if disk {
			paths = append(paths, groupPath(g.Name, "volumeSize"))
		}
		if reasons[capacity.ReasonTooManyPods] && g.NodeGroup.MaxPodsPerNode != nil {
			paths = append(paths, groupPath(g.Name, "maxPodsPerNode"))
		}
	}
	if len(paths) == 0 {
		paths = append(paths, "cluster.nodeGroups")
	}
	return paths
}

// fix suggests what would make room, after what the nodes said.
func fix(size capacity.Size, first *capacity.Pod, groups []*capacity.Group, reasons map[string]bool) string {
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	target := "node group " + and(names)
	if len(names) > 1 {
		target = "node groups " + and(names)
	}
	field := sizeField(size)
	replicas := "the replicas"
	switch {
	case first.Kind == model.Job || first.Kind == model.CronJob:
		replicas = "the run's parallelism"
	case first.App != nil && first.App.App.HPA():
		replicas = "autoscaling." + strings.Replace(field, "Size", "Replicas", 1)
	}
	var fixes []string
	if reasons[capacity.ReasonAntiAffinity] {
		fixes = append(fixes, fmt.Sprintf(`antiAffinity "required" puts at most one of its pods on a node: raise the %s of %s, lower %s or use "preferred"`, field, target, replicas))
	}
	if reasons[capacity.ReasonSpread] || reasons[capacity.ReasonSpreadLabel] {
		fixes = append(fixes, fmt.Sprintf(`its "required" spread counts every node its nodeSelector matches, tainted or not: raise the %s of %s, lower %s or use "preferred"`, field, target, replicas))
	}
	if reasons[capacity.ReasonTooManyPods] {
		fixes = append(fixes, fmt.Sprintf("raise the %s of %s or choose an instance type with more ENIs (more pods per node)", field, target))
	}
	if reasons[capacity.ReasonInsufficientCPU] || reasons[capacity.ReasonInsufficientMemory] {
		fixes = append(fixes, fmt.Sprintf("raise the %s of %s, choose a larger instance type, or lower the requests or %s", field, target, replicas))
	}
	if reasons[capacity.ReasonInsufficientDisk] {
		fixes = append(fixes, fmt.Sprintf("raise the %s or the volumeSize of %s (ephemeral storage comes from the node's root volume), or lower the ephemeral-storage requests or %s", field, target, replicas))
	}
	if len(fixes) == 0 {
		fixes = append(fixes, fmt.Sprintf("raise the %s of %s", field, target))
	}
	return strings.Join(fixes, "; ")
}

// busy warns about node groups whose nodes are above warnAbove of their
// CPU, memory, ephemeral storage or pods at max.
func (c *capacityChecker) busy(p *capacity.Placement) {
	for _, g := range c.Groups {
		nodes := p.GroupNodes(g.Name)
		if len(nodes) == 0 {
			continue
		}
		var used, alloc capacity.Resources
		for _, n := range nodes {
			used, alloc = used.Add(n.Used), alloc.Add(n.Allocatable)
		}
		var over []string
		if pct := capacity.Percent(used.CPU, alloc.CPU); pct > warnAbove {
			over = append(over, fmt.Sprintf("%s of their CPU (%s of %s)", formatPercent(pct), capacity.ExactCPU(used.CPU), capacity.ExactCPU(alloc.CPU)))
		}
		if pct := capacity.Percent(used.Memory, alloc.Memory); pct > warnAbove {
			over = append(over, fmt.Sprintf("%s of their memory (%s of %s)", formatPercent(pct), capacity.ExactMemory(used.Memory), capacity.ExactMemory(alloc.Memory)))
		}
		if pct := capacity.Percent(used.EphemeralStorage, alloc.EphemeralStorage); pct > warnAbove {
			over = append(over, fmt.Sprintf("%s of their ephemeral storage (%s of %s)", formatPercent(pct), capacity.ExactMemory(used.EphemeralStorage), capacity.ExactMemory(alloc.EphemeralStorage)))
		}
		if pct := capacity.Percent(used.Pods, alloc.Pods); pct > warnAbove {
			over = append(over, fmt.Sprintf("%s of their pods (%d of %d: %s)", formatPercent(pct), used.Pods, alloc.Pods, g.PodLimit()))
		}
		if len(over) > 0 {
			c.warnf(groupPath(g.Name, "maxSize"), "at max, the pods placed on node group %s's %d × %s take %s; gen warns above %d%%",
				g.Name, len(nodes), g.TypeList(), and(over), warnAbove)
		}
	}
}
