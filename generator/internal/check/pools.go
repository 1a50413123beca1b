package check

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/capacity"
)

// warnAbove is the share of a node pool's capacity, in percent, above
// which peak demand is a warning.
const warnAbove = 80

// maxSubsetGroups bounds the node groups whose every combination
// Capacity examines (2^n pools); with more, it examines each group alone and
// all of them together.
const maxSubsetGroups = 12

// pools checks peak demand against the node groups' capacity at maxSize.
// A pool is a set of node groups; the apps confined to it (every group
// they may land on is in it) must fit it, with the DaemonSets on every
// node and, when every untainted group is in it, the system pods. This is
// Hall's condition for the apps' placement, so it holds for every pool
// exactly when the requests can be shared out (bin packing aside). Only
// the smallest failing pools are reported.
func (c *capacityChecker) pools() {
	var gs []*capacity.Group
	for _, g := range c.Groups {
		if g.Known() {
			gs = append(gs, g)
		}
	}
	var masks []uint
	if len(gs) <= maxSubsetGroups {
		for m := uint(1); m < 1<<len(gs); m++ {
			masks = append(masks, m)
		}
	} else {
		for i := range gs {
			masks = append(masks, 1<<i)
		}
		masks = append(masks, 1<<len(gs)-1)
	}
	slices.SortStableFunc(masks, func(a, b uint) int { return bits.OnesCount(a) - bits.OnesCount(b) })
	var resErr, resWarn, podErr, podWarn []uint
	covers := func(found []uint, m uint) bool {
		return slices.ContainsFunc(found, func(f uint) bool { return f&m == f })
	}
	for _, m := range masks {
		var pool []*capacity.Group
		for i, g := range gs {
			if m&(1<<i) != 0 {
				pool = append(pool, g)
			}
		}
		p := c.peak(pool)
		if p.empty() {
			continue
		}
		cpu, mem := capacity.Percent(p.demand.CPU, p.capacity.CPU), capacity.Percent(p.demand.Memory, p.capacity.Memory)
		switch {
		case covers(resErr, m):
		case p.demand.CPU > p.capacity.CPU || p.demand.Memory > p.capacity.Memory:
			resErr = append(resErr, m)
			c.errorAt(p.paths(),
				"at peak, %s %s %s of requests, more than %s allocate (%s): %s; raise maxSize, choose a larger instance type or lower the replicas",
				p.name(), p.verb("needs", "need"), p.demand.CPUMem(), p.nodes(), p.capacity.CPUMem(), p.breakdown())
		case covers(resWarn, m):
		case cpu > warnAbove || mem > warnAbove:
			resWarn = append(resWarn, m)
			var over []string
			if cpu > warnAbove {
				over = append(over, fmt.Sprintf("%s of the CPU (%s of %s)", formatPercent(cpu), capacity.ExactCPU(p.demand.CPU), capacity.ExactCPU(p.capacity.CPU)))
			}
			if mem > warnAbove {
				over = append(over, fmt.Sprintf("%s of the memory (%s of %s)", formatPercent(mem), capacity.ExactMemory(p.demand.Memory), capacity.ExactMemory(p.capacity.Memory)))
			}
			c.warnf(p.paths()[0], "at peak, %s %s %s that %s allocate; gen warns above %d%%",
				p.name(), p.verb("needs", "need"), and(over), p.nodes(), warnAbove)
		}
		pods := capacity.Percent(p.demand.Pods, p.capacity.Pods)
		switch {
		case covers(podErr, m):
		case p.demand.Pods > p.capacity.Pods:
			podErr = append(podErr, m)
			c.errorAt(p.paths(),
				"at peak, %s may have to run %d pods, more than %s hold (%d: %s): %s; raise maxSize or choose an instance type with more ENIs",
				p.name(), p.demand.Pods, p.nodes(), p.capacity.Pods, p.podLimits(), p.podBreakdown())
		case covers(podWarn, m):
		case pods > warnAbove:
			podWarn = append(podWarn, m)
			c.warnf(p.paths()[0], "at peak, %s may have to run %d pods, %s of the %d that %s hold (%s); gen warns above %d%%",
				p.name(), p.demand.Pods, formatPercent(pods), p.capacity.Pods, p.nodes(), p.podLimits(), warnAbove)
		}
	}
}

// peakPool is a pool of node groups at peak.
type peakPool struct {
	groups    []*capacity.Group
	apps      []*capacity.Demand // confined to the pool
	perNode   capacity.Resources // DaemonSets per node
	nodeCount int64
	system    capacity.Resources // zero unless the system pods are confined to it
	demand    capacity.Resources
	capacity  capacity.Resources
}

func (c *capacityChecker) peak(pool []*capacity.Group) *peakPool {
	p := &peakPool{groups: pool, perNode: c.PerNode}
	in := map[string]bool{}
	for _, g := range pool {
		in[g.Name] = true
		n := int64(g.NodeGroup.MaxSize)
		p.nodeCount += n
		p.capacity = p.capacity.Add(g.PerNode.Times(n))
	}
	for _, u := range c.Apps {
		if len(u.Groups) > 0 && !slices.ContainsFunc(u.Groups, func(g string) bool { return !in[g] }) {
			p.apps = append(p.apps, u)
			p.demand = p.demand.Add(u.Pod.Times(u.Max))
		}
	}
	if len(c.Untainted) > 0 && !slices.ContainsFunc(c.Untainted, func(g string) bool { return !in[g] }) {
		p.system = c.SystemTotal
	}
	p.demand = p.demand.Add(c.PerNode.Times(p.nodeCount)).Add(p.system)
	return p
}

// empty reports a pool nothing is confined to but DaemonSets: those
// always fit a node on their own.
func (p *peakPool) empty() bool { return len(p.apps) == 0 && p.system == (capacity.Resources{}) }

func (p *peakPool) name() string {
	if len(p.groups) == 1 {
		return "node group " + p.groups[0].Name
	}
	var names []string
	for _, g := range p.groups {
		names = append(names, g.Name)
	}
	return "node groups " + and(names) + " together"
}

func (p *peakPool) verb(one, many string) string {
	if len(p.groups) == 1 {
		return one
	}
	return many
}

// nodes describes the pool at maxSize, e.g. "5 × t3.medium".
func (p *peakPool) nodes() string {
	var parts []string
	for _, g := range p.groups {
		parts = append(parts, fmt.Sprintf("%d × %s", g.NodeGroup.MaxSize, g.TypeList()))
	}
	return strings.Join(parts, " + ")
}

func (p *peakPool) podLimits() string {
	var parts []string
	for _, g := range p.groups {
		parts = append(parts, g.PodLimit())
	}
	return strings.Join(parts, "; ")
}

// paths are the pool's maxSize fields, then the peak replicas of its apps.
func (p *peakPool) paths() []string {
	var paths []string
	for _, g := range p.groups {
		paths = append(paths, groupPath(g.Name, "maxSize"))
	}
	for _, u := range p.apps {
		paths = append(paths, u.ScalePath())
	}
	return paths
}

func (p *peakPool) breakdown() string {
	var apps capacity.Resources
	var each []string
	for _, u := range p.apps {
		apps = apps.Add(u.Pod.Times(u.Max))
		each = append(each, fmt.Sprintf("%s %d × %s", u.App.Name, u.Max, capacity.ExactCPU(u.Pod.CPU)+" / "+capacity.ExactMemory(u.Pod.Memory)))
	}
	parts := []string{fmt.Sprintf("apps at peak %s (%s)", apps.CPUMem(), strings.Join(each, ", "))}
	parts = append(parts, fmt.Sprintf("DaemonSets %d × %s", p.nodeCount, p.perNode.CPUMem()))
	if p.system != (capacity.Resources{}) {
		parts = append(parts, "system pods "+p.system.CPUMem())
	}
	return strings.Join(parts, ", ")
}

func (p *peakPool) podBreakdown() string {
	var n int64
	var each []string
	for _, u := range p.apps {
		n += u.Max
		each = append(each, fmt.Sprintf("%s %d", u.App.Name, u.Max))
	}
	s := fmt.Sprintf("app pods %d (%s), DaemonSet pods %d (%d per node)", n, strings.Join(each, ", "), p.perNode.Pods*p.nodeCount, p.perNode.Pods)
	if p.system.Pods > 0 {
		s += fmt.Sprintf(", system pods %d", p.system.Pods)
	}
	return s
}
