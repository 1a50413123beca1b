package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Capacity cross-checks env's workloads against its cluster: that each pod
// fits a node of a node group it may land on, that the scheduler can place
// every pod with the node groups and HPAs at their minimum and at their
// maximum (every Job and CronJob run once), that spread can be met, that
// disruption budgets let nodes drain, that the IRSA roles and their users
// agree, and that the Kubernetes version is supported and serves every
// object's apiVersion. objs are the environment's rendered objects after
// patches, or nil: the workloads' requests, nodeSelector, tolerations,
// spread and anti-affinity are read from them when present, so that
// sidecars and placement added by patches count.
//
// today is the date that support windows are compared with (see
// [capacity.Today]: the zero value means the date of gen's tables).
//
// err is a list of CUE errors, each positioned at the field to change
// (wrap it in a [model.EnvError], as generator does for [Environment]).
// warnings are problems that do not stop a render, each "env: path:
// message". Capacity is pure: the date is an input.
func Capacity(env *model.Environment, objs []object.Object, today time.Time) (warnings []string, err error) {
	c := &capacityChecker{Analysis: capacity.Analyze(env, objs, today), reported: map[*capacity.Demand]bool{}}
	c.nodeGroups()
	c.placement()
	if c.daemonSetFit() {
		c.podFit()
		c.packing()
	}
	c.spread()
	c.disruption()
	c.irsa()
	c.version(objs)
	if c.errs == nil {
		return c.warnings, nil
	}
	return c.warnings, c.errs
}

// capacityChecker runs the checks of [Capacity] over an analysis.
type capacityChecker struct {
	*capacity.Analysis
	errs     cueerrors.Error
	warnings []string
	// reported are the apps whose pods placement or podFit refused
	// already; packing does not report them again.
	reported map[*capacity.Demand]bool
	// placed are the placements at min and at max, nil when packing did
	// not run.
	placed [2]*capacity.Placement
}

func (c *capacityChecker) errorf(path, format string, args ...any) {
	c.errs = cueerrors.Append(c.errs, c.Env.Errorf(path, format, args...))
}

func (c *capacityChecker) errorAt(paths []string, format string, args ...any) {
	c.errs = cueerrors.Append(c.errs, c.Env.ErrorAt(paths, format, args...))
}

func (c *capacityChecker) warnf(path, format string, args ...any) {
	c.warnings = append(c.warnings, c.Env.Name+": "+path+": "+fmt.Sprintf(format, args...))
}

func groupPath(name, field string) string {
	p := "cluster.nodeGroups." + model.Label(name)
	if field != "" {
		p += "." + field
	}
	return p
}

// nodeGroups reports instance types gen has no facts for, and pod limits
// above what the instance type's ENIs allow.
func (c *capacityChecker) nodeGroups() {
	for _, g := range c.Groups {
		for i, t := range g.NodeGroup.InstanceTypes {
			if slices.Contains(g.Unknown, t) {
				c.errorf(groupPath(g.Name, fmt.Sprintf("instanceTypes[%d]", i)),
					"instance type %s is not in gen's instance table (generator/internal/capacity/data/aws.json, %s), so gen cannot check what fits on node group %s; add it there",
					t, capacity.FactsDate(), g.Name)
			}
		}
		if m := g.NodeGroup.MaxPodsPerNode; m != nil && g.ENIType != nil && int64(*m) > g.ENIPods {
			i := g.ENIType
			c.errorf(groupPath(g.Name, "maxPodsPerNode"),
				"maxPodsPerNode %d is above what the VPC CNI can give a %s node: %d pods (%d ENIs × (%d IPv4 addresses − 1) + 2); pods above it would never get an IP address",
				*m, i.Type, g.ENIPods, i.ENIs, i.IPv4PerENI)
		}
	}
}

// knownGroups returns the groups u may land on, and false when gen does
// not know the capacity of one of them.
func (c *capacityChecker) knownGroups(u *capacity.Demand) ([]*capacity.Group, bool) {
	var gs []*capacity.Group
	for _, name := range u.Groups {
		g := c.ByName[name]
		if !g.Known() {
			return nil, false
		}
		gs = append(gs, g)
	}
	return gs, len(gs) > 0
}

// daemonSetFit reports node groups whose nodes cannot hold their own
// DaemonSets' pods once a controller adds a per-node pod to the add-ons',
// at the requests of the controllers' per-node pods there and the group's
// instance types, and reports whether every group can: when one cannot,
// each of its nodes leaves a DaemonSet's pod Pending and no app's pod
// counts what is left, so podFit and packing would only repeat it. (The
// add-ons' DaemonSets alone are packing's to report, as Pending pods.)
func (c *capacityChecker) daemonSetFit() bool {
	ok := true
	for _, g := range c.Groups {
		if !g.Known() || !slices.ContainsFunc(c.DaemonSets, func(d capacity.OverheadPod) bool {
			return d.Controller != "" && slices.Contains(d.Groups, g.Name)
		}) {
			continue
		}
		ds := c.DaemonSetsOn(g.Name)
		var short []string
		if ds.CPU > g.PerNode.CPU {
			short = append(short, "CPU")
		}
		if ds.Memory > g.PerNode.Memory {
			short = append(short, "memory")
		}
		if ds.Pods > g.PerNode.Pods {
			short = append(short, "pods")
		}
		if len(short) == 0 {
			continue
		}
		ok = false
		var paths, each []string
		for _, d := range c.DaemonSets {
			if !slices.Contains(d.Groups, g.Name) {
				continue
			}
			each = append(each, d.Name+" "+d.Requests.CPUMem())
			if d.Controller != "" {
				paths = append(paths, "platform.controllers."+model.Label(d.Controller)+".pods."+model.Label(d.Pod)+".requests")
			}
		}
		paths = append(paths, groupPath(g.Name, "instanceTypes"))
		if short[len(short)-1] == "pods" && g.NodeGroup.MaxPodsPerNode != nil {
			paths = append(paths, groupPath(g.Name, "maxPodsPerNode"))
		}
		fix := "lower the controllers' per-node requests or choose a larger instance type"
		if short[len(short)-1] == "pods" {
			fix = "choose an instance type with more ENIs (more pods per node)"
			if g.NodeGroup.MaxPodsPerNode != nil {
				fix = "raise maxPodsPerNode or choose an instance type with more ENIs (more pods per node)"
			}
			if len(short) > 1 {
				fix = "lower the controllers' per-node requests and " + fix
			}
		}
		c.errorAt(paths, "node group %s (%s) allocates %s / %s per node, but the DaemonSets on each of its nodes request %s / %s (%s): not enough %s, so each node would leave one of them Pending; %s",
			g.Name, g.TypeList(), g.PerNode.CPUMem(), count(g.PerNode.Pods, "pod"), ds.CPUMem(), count(ds.Pods, "pod"), strings.Join(each, ", "), and(short), fix)
	}
	return ok
}

// podFit reports apps whose pod is larger than what any node it may land
// on offers, next to the DaemonSets.
func (c *capacityChecker) podFit() {
	for _, u := range c.Apps {
		gs, ok := c.knownGroups(u)
		if !ok {
			continue
		}
		fits, disk := false, false
		for _, g := range gs {
			free := g.PerNode.Sub(c.DaemonSetsOn(g.Name))
			if u.Pod.CPU <= free.CPU && u.Pod.Memory <= free.Memory && u.Pod.EphemeralStorage <= free.EphemeralStorage {
				fits = true
				break
			}
			disk = disk || u.Pod.EphemeralStorage > free.EphemeralStorage
		}
		if fits {
			continue
		}
		// Ephemeral storage is named when it is what does not fit
		// somewhere: the node's root volume (volumeSize), not its type.
		show := capacity.Resources.CPUMem
		if disk {
			show = capacity.Resources.CPUMemDisk
		}
		var room []string
		for _, g := range gs {
			ds := c.DaemonSetsOn(g.Name)
			free := g.PerNode.Sub(ds)
			room = append(room, fmt.Sprintf("node group %s (%s) has at most %s per node for pods (allocatable %s, less %s for DaemonSets)",
				g.Name, nodeKind(g, disk), show(free), show(g.PerNode), show(ds)))
		}
		c.reported[u] = true
		c.errorf(u.App.Path("resources.requests"), "requests %s per pod, but %s", show(u.Pod), strings.Join(room, "; "))
	}
}

// nodeKind names what a node of the group is: its instance types, and
// with disk its root volume too ("t3.medium, 20 GiB volume").
func nodeKind(g *capacity.Group, disk bool) string {
	if !disk {
		return g.TypeList()
	}
	return fmt.Sprintf("%s, %d GiB volume", g.TypeList(), g.NodeGroup.VolumeSize)
}
