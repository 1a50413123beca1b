package plan

import (
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// warnAbove is the share of a node pool's capacity, in percent, above
// which peak demand is a warning.
const warnAbove = 80

// maxSubsetGroups bounds the node groups whose every combination
// Check examines (2^n pools); with more, it examines each group alone and
// all of them together.
const maxSubsetGroups = 12

// Check cross-checks env's workloads against its cluster: that each pod
// fits a node of a node group it may land on, that at peak (every HPA at
// maxReplicas) the node groups hold the requests and the pods, that
// spread, anti-affinity and disruption budgets can be met, that the IRSA
// roles and their users agree, and that the Kubernetes version is
// supported and serves every object's apiVersion. objs are the
// environment's rendered objects after patches, or nil: the workloads'
// requests, nodeSelector and tolerations are read from them when present,
// so that sidecars and placement added by patches count.
//
// err is a list of CUE errors, each positioned at the field to change
// (wrap it in a [model.EnvError], as generator does for check.Environment).
// warnings are problems that do not stop a render, each "env: path:
// message". Check is pure: the date comes from opts.
func Check(env *model.Environment, objs []object.Object, opts Options) (warnings []string, err error) {
	c := &checker{analysis: analyze(env, objs, opts)}
	c.nodeGroups()
	c.placement()
	c.podFit()
	c.pools()
	c.spread()
	c.disruption()
	c.irsa()
	c.version(objs)
	if c.errs == nil {
		return c.warnings, nil
	}
	return c.warnings, c.errs
}

type checker struct {
	*analysis
	errs     cueerrors.Error
	warnings []string
}

func (c *checker) errorf(path, format string, args ...any) {
	c.errs = cueerrors.Append(c.errs, c.env.Errorf(path, format, args...))
}

func (c *checker) errorAt(paths []string, format string, args ...any) {
	c.errs = cueerrors.Append(c.errs, c.env.ErrorAt(paths, format, args...))
}

func (c *checker) warnf(path, format string, args ...any) {
	c.warnings = append(c.warnings, c.env.Name+": "+path+": "+fmt.Sprintf(format, args...))
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
func (c *checker) nodeGroups() {
	for _, g := range c.groups {
		for i, t := range g.ng.InstanceTypes {
			if slices.Contains(g.unknown, t) {
				c.errorf(groupPath(g.name, fmt.Sprintf("instanceTypes[%d]", i)),
					"instance type %s is not in gen's instance table (generator/plan/data/aws.json, %s), so gen cannot check what fits on node group %s; add it there",
					t, FactsDate(), g.name)
			}
		}
		if m := g.ng.MaxPodsPerNode; m != nil && g.eniType != nil && int64(*m) > g.eniPods {
			i := g.eniType
			c.errorf(groupPath(g.name, "maxPodsPerNode"),
				"maxPodsPerNode %d is above what the VPC CNI can give a %s node: %d pods (%d ENIs × (%d IPv4 addresses − 1) + 2); pods above it would never get an IP address",
				*m, i.Type, g.eniPods, i.ENIs, i.IPv4PerENI)
		}
	}
}

// placement reports apps whose nodeSelector and tolerations match no node
// group, and a cluster whose every node group is tainted.
func (c *checker) placement() {
	if len(c.groups) == 0 {
		c.errorf("cluster.nodeGroups", "cluster %s has no node groups, so no pod can run", c.env.Cluster.Name)
		return
	}
	if len(c.untainted) == 0 {
		var names []string
		for _, p := range c.system {
			names = append(names, p.Name)
		}
		c.errorf("cluster.nodeGroups",
			"every node group of cluster %s is tainted (%s), so %s, which tolerate none of the taints, cannot run; add a node group without NoSchedule or NoExecute taints",
			c.env.Cluster.Name, c.taints(), and(names))
	}
	for _, u := range c.apps {
		if u.missingGroup || len(u.groups) > 0 {
			continue
		}
		paths := []string{u.app.Path("nodeGroup")}
		if u.fromObject && len(u.app.Patches) > 0 {
			paths = append(paths, u.app.Path("patches"))
		}
		if len(u.selector) == 0 && len(u.tolerations) == 0 {
			if len(c.untainted) > 0 {
				continue // cannot happen: an untainted group accepts it
			}
			c.errorAt(paths,
				"the app tolerates no taint, and every node group of cluster %s is tainted (%s); set nodeGroup, or add a node group without taints",
				c.env.Cluster.Name, c.taints())
			continue
		}
		var why []string
		for _, g := range c.groups {
			why = append(why, g.accepts(c.env, u.selector, u.tolerations))
		}
		c.errorAt(paths, "the pods' nodeSelector %s and tolerations %s match no node group: %s",
			selectorString(u.selector), tolerationsString(u.tolerations), strings.Join(why, "; "))
	}
}

// taints lists the taints of every node group, e.g. "ml: workload=ml:NoSchedule".
func (c *checker) taints() string {
	var parts []string
	for _, g := range c.groups {
		var ts []string
		for _, t := range g.blocking {
			ts = append(ts, taintString(t))
		}
		parts = append(parts, g.name+": "+strings.Join(ts, ", "))
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

func tolerationsString(tols []toleration) string {
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

// knownGroups returns the groups u may land on, and false when gen does
// not know the capacity of one of them.
func (c *checker) knownGroups(u *appUse) ([]*group, bool) {
	var gs []*group
	for _, name := range u.groups {
		g := c.byName[name]
		if !g.known() {
			return nil, false
		}
		gs = append(gs, g)
	}
	return gs, len(gs) > 0
}

// podFit reports apps whose pod is larger than what any node it may land
// on offers, next to the DaemonSets.
func (c *checker) podFit() {
	for _, u := range c.apps {
		gs, ok := c.knownGroups(u)
		if !ok {
			continue
		}
		var room []string
		fits := false
		for _, g := range gs {
			free := g.perNode.Sub(c.perNode)
			if u.pod.CPU <= free.CPU && u.pod.Memory <= free.Memory {
				fits = true
				break
			}
			room = append(room, fmt.Sprintf("node group %s (%s) has at most %s per node for pods (allocatable %s, less %s for DaemonSets)",
				g.name, g.typeList(), free.cpuMem(), g.perNode.cpuMem(), c.perNode.cpuMem()))
		}
		if fits {
			continue
		}
		c.errorf(u.app.Path("resources.requests"), "requests %s per pod, but %s", u.pod.cpuMem(), strings.Join(room, "; "))
	}
}

// pools checks peak demand against the node groups' capacity at maxSize.
// A pool is a set of node groups; the apps confined to it (every group
// they may land on is in it) must fit it, with the DaemonSets on every
// node and, when every untainted group is in it, the system pods. This is
// Hall's condition for the apps' placement, so it holds for every pool
// exactly when the requests can be shared out (bin packing aside). Only
// the smallest failing pools are reported.
func (c *checker) pools() {
	var gs []*group
	for _, g := range c.groups {
		if g.known() {
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
		var pool []*group
		for i, g := range gs {
			if m&(1<<i) != 0 {
				pool = append(pool, g)
			}
		}
		p := c.peak(pool)
		if p.empty() {
			continue
		}
		cpu, mem := percent(p.demand.CPU, p.capacity.CPU), percent(p.demand.Memory, p.capacity.Memory)
		switch {
		case covers(resErr, m):
		case p.demand.CPU > p.capacity.CPU || p.demand.Memory > p.capacity.Memory:
			resErr = append(resErr, m)
			c.errorAt(p.paths(),
				"at peak, %s %s %s of requests, more than %s allocate (%s): %s; raise maxSize, choose a larger instance type or lower the replicas",
				p.name(), p.verb("needs", "need"), p.demand.cpuMem(), p.nodes(), p.capacity.cpuMem(), p.breakdown())
		case covers(resWarn, m):
		case cpu > warnAbove || mem > warnAbove:
			resWarn = append(resWarn, m)
			var over []string
			if cpu > warnAbove {
				over = append(over, fmt.Sprintf("%s of the CPU (%s of %s)", formatPercent(cpu), exactCPU(p.demand.CPU), exactCPU(p.capacity.CPU)))
			}
			if mem > warnAbove {
				over = append(over, fmt.Sprintf("%s of the memory (%s of %s)", formatPercent(mem), exactMemory(p.demand.Memory), exactMemory(p.capacity.Memory)))
			}
			c.warnf(p.paths()[0], "at peak, %s %s %s that %s allocate; gen warns above %d%%",
				p.name(), p.verb("needs", "need"), and(over), p.nodes(), warnAbove)
		}
		pods := percent(p.demand.Pods, p.capacity.Pods)
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
	groups    []*group
	apps      []*appUse // confined to the pool
	perNode   Resources // DaemonSets per node
	nodeCount int64
	system    Resources // zero unless the system pods are confined to it
	demand    Resources
	capacity  Resources
}

func (c *checker) peak(pool []*group) *peakPool {
	p := &peakPool{groups: pool, perNode: c.perNode}
	in := map[string]bool{}
	for _, g := range pool {
		in[g.name] = true
		n := int64(g.ng.MaxSize)
		p.nodeCount += n
		p.capacity = p.capacity.Add(g.perNode.Times(n))
	}
	for _, u := range c.apps {
		if len(u.groups) > 0 && !slices.ContainsFunc(u.groups, func(g string) bool { return !in[g] }) {
			p.apps = append(p.apps, u)
			p.demand = p.demand.Add(u.pod.Times(u.max))
		}
	}
	if len(c.untainted) > 0 && !slices.ContainsFunc(c.untainted, func(g string) bool { return !in[g] }) {
		p.system = c.systemTotal
	}
	p.demand = p.demand.Add(c.perNode.Times(p.nodeCount)).Add(p.system)
	return p
}

// empty reports a pool nothing is confined to but DaemonSets: those
// always fit a node on their own.
func (p *peakPool) empty() bool { return len(p.apps) == 0 && p.system == (Resources{}) }

func (p *peakPool) name() string {
	if len(p.groups) == 1 {
		return "node group " + p.groups[0].name
	}
	var names []string
	for _, g := range p.groups {
		names = append(names, g.name)
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
		parts = append(parts, fmt.Sprintf("%d × %s", g.ng.MaxSize, g.typeList()))
	}
	return strings.Join(parts, " + ")
}

func (p *peakPool) podLimits() string {
	var parts []string
	for _, g := range p.groups {
		parts = append(parts, g.podLimit())
	}
	return strings.Join(parts, "; ")
}

// paths are the pool's maxSize fields, then the peak replicas of its apps.
func (p *peakPool) paths() []string {
	var paths []string
	for _, g := range p.groups {
		paths = append(paths, groupPath(g.name, "maxSize"))
	}
	for _, u := range p.apps {
		paths = append(paths, u.scalePath())
	}
	return paths
}

func (p *peakPool) breakdown() string {
	var apps Resources
	var each []string
	for _, u := range p.apps {
		apps = apps.Add(u.pod.Times(u.max))
		each = append(each, fmt.Sprintf("%s %d × %s", u.app.Name, u.max, exactCPU(u.pod.CPU)+" / "+exactMemory(u.pod.Memory)))
	}
	parts := []string{fmt.Sprintf("apps at peak %s (%s)", apps.cpuMem(), strings.Join(each, ", "))}
	parts = append(parts, fmt.Sprintf("DaemonSets %d × %s", p.nodeCount, p.perNode.cpuMem()))
	if p.system != (Resources{}) {
		parts = append(parts, "system pods "+p.system.cpuMem())
	}
	return strings.Join(parts, ", ")
}

func (p *peakPool) podBreakdown() string {
	var n int64
	var each []string
	for _, u := range p.apps {
		n += u.max
		each = append(each, fmt.Sprintf("%s %d", u.app.Name, u.max))
	}
	s := fmt.Sprintf("app pods %d (%s), DaemonSet pods %d (%d per node)", n, strings.Join(each, ", "), p.perNode.Pods*p.nodeCount, p.perNode.Pods)
	if p.system.Pods > 0 {
		s += fmt.Sprintf(", system pods %d", p.system.Pods)
	}
	return s
}

// spread reports zone spread that the node groups' zones cannot give,
// and required anti-affinity (one pod per node) with more replicas at
// peak than nodes.
func (c *checker) spread() {
	for _, u := range c.apps {
		if len(u.groups) == 0 {
			continue
		}
		var zones []string
		var nodes int64
		var names []string
		for _, name := range u.groups {
			g := c.byName[name]
			names = append(names, name)
			nodes += int64(g.ng.MaxSize)
			for _, z := range g.zones {
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
		if u.app.Spread.Zones == "required" && u.max > 1 {
			switch {
			case len(zones) < 2:
				where := "no zone"
				if len(zones) == 1 {
					where = "one zone (" + zones[0] + ")"
				}
				c.errorf(u.app.Path("spread.zones"),
					"spread.zones is \"required\" for up to %d replicas, but %s %s only %s; give the node group more zones or use \"preferred\"",
					u.max, onlyOn, plural(len(names), "runs in", "run in"), where)
			case nodes < 2:
				c.errorf(u.app.Path("spread.zones"),
					"spread.zones is \"required\" for up to %d replicas, but %s %s at most %d node, so one zone; raise maxSize or use \"preferred\"",
					u.max, onlyOn, plural(len(names), "has", "have"), nodes)
			}
		}
		if u.app.AntiAffinity == "required" && u.max > nodes {
			c.errorf(u.scalePath(),
				"antiAffinity \"required\" allows one pod per node: %d replicas at peak need %d nodes, but %s %s at most %d; raise maxSize, lower the replicas or use \"preferred\"",
				u.max, u.max, onlyOn, plural(len(names), "has", "have"), nodes)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// disruption reports disruption budgets that allow no eviction at the
// app's lowest replica count: node drains (upgrades, scale-down) then
// wait forever.
func (c *checker) disruption() {
	for _, u := range c.apps {
		d, app := u.app.Disruption, u.app
		if d == nil || app.Kind == model.Job || app.Kind == model.CronJob || u.min == 0 {
			continue
		}
		replicas, replicasPath := count(u.min, "replica"), app.Path("replicas")
		if app.HPA() && app.Autoscaling.MinReplicas != nil {
			replicas, replicasPath = fmt.Sprintf("autoscaling minReplicas %d", u.min), app.Path("autoscaling.minReplicas")
		}
		switch {
		case d.MinAvailable != nil && d.MaxUnavailable == nil:
			v := d.MinAvailable
			if n := scaled(*v, u.min); n >= u.min {
				c.errorAt([]string{app.Path("disruption.minAvailable"), replicasPath},
					"minAvailable %s with %s leaves no pod to evict, so every node drain (upgrades, scale-down) blocks; keep it below %d or use maxUnavailable",
					describe(*v, n), replicas, u.min)
			}
		case d.MaxUnavailable != nil && d.MinAvailable == nil:
			v := d.MaxUnavailable
			if scaled(*v, u.min) == 0 {
				c.errorAt([]string{app.Path("disruption.maxUnavailable"), replicasPath},
					"maxUnavailable %s with %s allows no eviction, so every node drain (upgrades, scale-down) blocks; allow at least 1",
					describe(*v, 0), replicas)
			}
		}
	}
}

// scaled resolves a count or percentage of replicas as the disruption
// controller does (percentages round up).
func scaled(v model.IntOrString, replicas int64) int64 {
	if !v.IsStr {
		return int64(v.Int)
	}
	var p int64
	fmt.Sscanf(strings.TrimSuffix(v.String, "%"), "%d", &p)
	return int64(math.Ceil(float64(p) * float64(replicas) / 100))
}

func describe(v model.IntOrString, n int64) string {
	if !v.IsStr {
		return fmt.Sprint(v.Int)
	}
	return fmt.Sprintf("%s (%s)", v.String, count(n, "pod"))
}

// count formats a number of things: "1 pod", "3 pods".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// irsa checks that every IAM role a ServiceAccount uses is declared in
// cluster.iam.roles, and that every declared role is used.
func (c *checker) irsa() {
	roles := c.env.Cluster.IAM.Roles
	declared := strings.Join(slices.Sorted(maps.Keys(roles)), ", ")
	if declared == "" {
		declared = "none"
	}
	used := map[string]bool{}
	use := func(role, path, who string) {
		if role == "" {
			return
		}
		used[role] = true
		if _, ok := roles[role]; !ok {
			c.errorf(path, "%s uses IAM role %q, which cluster.iam.roles does not declare (declared: %s); declare it so the ClusterConfig creates it",
				who, role, declared)
		}
	}
	disabled := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(c.env.Apps)) {
		app := c.env.Apps[name]
		if !app.ServiceAccount.Create || app.ServiceAccount.IAMRole == "" {
			continue
		}
		if !app.Enabled {
			disabled[app.ServiceAccount.IAMRole] = append(disabled[app.ServiceAccount.IAMRole], name)
			continue
		}
		use(app.ServiceAccount.IAMRole, app.Path("serviceAccount.iamRole"), "the app's ServiceAccount")
	}
	cl := c.env.Cluster
	if cl.Autoscaler.Enabled {
		use(cl.Autoscaler.IAMRole, "cluster.autoscaler.iamRole", "the Cluster Autoscaler")
	}
	use(cl.LoadBalancerController.IAMRole, "cluster.loadBalancerController.iamRole", "the AWS Load Balancer Controller")
	use(cl.EBSCSIDriver.IAMRole, "cluster.ebsCSIDriver.iamRole", "the EBS CSI driver")
	for _, role := range slices.Sorted(maps.Keys(roles)) {
		if used[role] {
			continue
		}
		path := "cluster.iam.roles." + model.Label(role)
		if len(disabled[role]) > 0 {
			// An app turned off in this environment (ML in dev) keeps its
			// role declared for the environments where it runs; the
			// ClusterConfig simply leaves it out.
			continue
		}
		c.errorf(path, "IAM role %q is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole or a controller's iamRole, or remove it", role)
	}
}

// version checks the cluster's Kubernetes version against the EKS
// calendar at opts.Today, and the objects' apiVersions against the
// removals up to that version.
func (c *checker) version(objs []object.Object) {
	v := c.env.Cluster.Version
	state, row := support(v, c.today)
	upgrade := ""
	if to := oldestInStandardSupport(c.today); to != "" {
		upgrade = fmt.Sprintf("; upgrade to %s or later", to)
	}
	oldest, newest := calendarRange()
	switch {
	case state == SupportEnded && row != nil:
		c.errorf("cluster.version", "Kubernetes %s reached the end of EKS extended support on %s, so EKS no longer runs it%s",
			v, row.EndOfExtendedSupport, upgrade)
	case state == SupportEnded:
		c.errorf("cluster.version", "Kubernetes %s is older than every version EKS supports (gen's calendar of %s starts at 1.%d)%s",
			v, FactsDate(), oldest, upgrade)
	case state == SupportExtended:
		prices := facts().aws.EKS
		c.warnf("cluster.version", "Kubernetes %s left EKS standard support on %s: extended support costs $%.2f instead of $%.2f per cluster-hour and ends on %s%s",
			v, row.EndOfStandardSupport, prices.ExtendedSupportPerHour, prices.StandardSupportPerHour, row.EndOfExtendedSupport, upgrade)
	case state == SupportUnknown:
		c.warnf("cluster.version", "Kubernetes %s is not in gen's EKS calendar (%s, 1.%d to 1.%d); check that EKS offers it",
			v, FactsDate(), oldest, newest)
	}
	minor, ok := minorVersion(v)
	if !ok {
		return
	}
	for _, o := range objs {
		r, found := removedAPI(o.APIVersion(), o.Kind())
		if !found {
			continue
		}
		if in, _ := minorVersion(r.RemovedIn); in > minor {
			continue
		}
		paths := []string{"cluster.version"}
		if app, ok := c.env.Apps[o.App]; ok {
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
