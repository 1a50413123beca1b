package capacity

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// Size is a state of the cluster that [Analysis.Place] simulates.
type Size int

const (
	// AtMin is the cluster at rest: every node group at minSize, every
	// HPA at minReplicas.
	AtMin Size = iota
	// AtMax is the cluster at peak: every node group at maxSize, every
	// HPA at maxReplicas.
	AtMax
)

// String returns "min" or "max".
func (s Size) String() string {
	if s == AtMax {
		return "max"
	}
	return "min"
}

// Node is one node of a simulated cluster.
type Node struct {
	// Name is "<group>-<n>", n counting from 1 in the group; it is the
	// node's kubernetes.io/hostname.
	Name string
	// Group is its node group, Index its place in it (from 0) and Zone
	// its zone: a node group's nodes are spread over its zones in turn,
	// as its Auto Scaling group balances them.
	Group *Group
	Index int
	Zone  string
	// Labels are the node's labels: its group's, its zone, region and
	// hostname.
	Labels map[string]string
	// Allocatable is what the node offers to pods, and Used the requests
	// of the pods on it (Pods: how many).
	Allocatable Resources
	Used        Resources
	// Pods are the pods placed on it, in the order they were placed.
	Pods []*Pod

	// scored is Used as the scheduler scores it: a pod's zero request
	// counts as 100m CPU or 200Mi of memory.
	scored Resources
	// owners counts the node's pods by workload, for spread and
	// anti-affinity.
	owners map[string]int64
	// pos is the node's place in [Placement.Nodes].
	pos int
}

// Free is what the node has left for pods.
func (n *Node) Free() Resources { return n.Allocatable.Sub(n.Used) }

// Pod is one pod of the simulation: a DaemonSet's on one node, a cluster
// add-on's or controller's, or an app's replica or Job run.
type Pod struct {
	// Workload names what runs it: the app, or the add-on's or
	// controller's workload (e.g. "coredns"); Kind is the app's kind,
	// "DaemonSet", or "" for an add-on's or controller's pod that runs
	// once per cluster.
	Workload string
	Kind     string
	// App is the app, nil for the pods of add-ons and controllers.
	App *Demand
	// Replica numbers the pod among the Of pods its workload runs at
	// this size, from 1 (for a DaemonSet, among its pods on one node).
	Replica, Of int64
	// Requests, Selector, Tolerations, Spread and AntiAffinity are what
	// the scheduler reads of the pod (see [Demand]).
	Requests     Resources
	Selector     map[string]string
	Tolerations  []Toleration
	Spread       []SpreadConstraint
	AntiAffinity []string

	// Node is where the pod runs, nil when it stays Pending; Reason then
	// says why, as kube-scheduler does (see [Analysis.Place]).
	Node *Node
	// Reason is kube-scheduler's message for a Pending pod, and Reasons
	// its parts: how many nodes gave each reason.
	Reason  string
	Reasons map[string]int

	// Target is the node a DaemonSet's pod is made for, nil for the
	// other pods.
	Target *Node

	phase phase
	wave  int
}

// Name names the pod for people: "ml 2/3", "koorde-node-4" (a
// StatefulSet's pods are numbered from 0), "ml-retrain run 1/1",
// "coredns 1/2", "aws-node".
func (p *Pod) Name() string {
	switch {
	case p.Kind == "DaemonSet" && p.Of == 1:
		return p.Workload
	case p.Kind == model.StatefulSet:
		return p.Workload + "-" + strconv.FormatInt(p.Replica-1, 10)
	case p.Kind == model.CronJob:
		return fmt.Sprintf("%s run %d/%d", p.Workload, p.Replica, p.Of)
	}
	return fmt.Sprintf("%s %d/%d", p.Workload, p.Replica, p.Of)
}

// Describe names the pod with its workload's kind, for messages:
// "Deployment ml replica 2 of 3", "StatefulSet koorde-node pod
// koorde-node-4", "CronJob ml-retrain run, pod 1 of 1", "coredns pod 1 of
// 2".
func (p *Pod) Describe() string {
	switch p.Kind {
	case model.Deployment:
		return fmt.Sprintf("Deployment %s replica %d of %d", p.Workload, p.Replica, p.Of)
	case model.StatefulSet:
		return fmt.Sprintf("StatefulSet %s pod %s", p.Workload, p.Name())
	case model.CronJob:
		return fmt.Sprintf("CronJob %s run, pod %d of %d", p.Workload, p.Replica, p.Of)
	case "":
		return fmt.Sprintf("%s pod %d of %d", p.Workload, p.Replica, p.Of)
	}
	return fmt.Sprintf("%s %s pod %d of %d", p.Kind, p.Workload, p.Replica, p.Of)
}

// owner identifies the pod's workload, whose pods its spread and
// anti-affinity keep apart.
func (p *Pod) owner() string { return p.Kind + "/" + p.Workload }

// phase is when a pod reaches the scheduler; see [Analysis.Place].
type phase int

const (
	phaseNode     phase = iota // DaemonSets: they come with each node
	phaseCluster               // add-ons and controllers: installed with the cluster
	phaseSync                  // apps at rest and Jobs: created by the sync, wave by wave
	phaseSchedule              // CronJob runs: on their schedule, once the apps run
	phaseScaleUp               // HPA replicas above minReplicas: as load comes (at max)
)

// Placement is where the scheduler puts every pod of an environment's
// cluster at one [Size].
type Placement struct {
	Size Size
	// Nodes are the nodes, by node group name and then index.
	Nodes []*Node
	// Pods are every pod, in the order they were scheduled (see
	// [Analysis.Place]); those without a Node stay Pending.
	Pods []*Pod
	// Unknown names the node groups left out: gen does not know one of
	// their instance types, so not what a node offers.
	Unknown []string

	// alike holds the nodes of each node group by their state, for the
	// pods whose filters and score read nothing else (see best).
	alike map[*Group]map[nodeState][]int
	// exhaustive tries every node for every pod, as the scheduler does,
	// for the tests that hold the shortcut of best to it.
	exhaustive bool
}

// nodeState is what the filters and the score read of a node of a given
// node group for a pod without a node of its own, spread constraints,
// anti-affinity or a nodeSelector on the node's zone, region or
// hostname: what its pods use and request as the scheduler scores them.
type nodeState struct {
	used                    Resources
	scoredCPU, scoredMemory int64
}

func (n *Node) state() nodeState {
	return nodeState{used: n.Used, scoredCPU: n.scored.CPU, scoredMemory: n.scored.Memory}
}

// Pending returns the pods that could not be placed, in the order they
// were tried.
func (p *Placement) Pending() []*Pod {
	var out []*Pod
	for _, pod := range p.Pods {
		if pod.Node == nil {
			out = append(out, pod)
		}
	}
	return out
}

// GroupNodes returns the nodes of node group name.
func (p *Placement) GroupNodes(name string) []*Node {
	var out []*Node
	for _, n := range p.Nodes {
		if n.Group.Name == name {
			out = append(out, n)
		}
	}
	return out
}

// Place simulates kube-scheduler placing every pod of the environment's
// cluster at size, one pod at a time, on nodes made from each node group
// at minSize or maxSize (a group's nodes offer the least allocatable of
// its instance types, as [Group.PerNode]).
//
// The pods, in the order they are scheduled:
//
//  1. on every node, the DaemonSets' pods: they come with the node. The
//     add-ons' tolerate every taint; a controller's per-node pod comes
//     with the nodes of the node groups its nodeSelector and tolerations
//     admit ([OverheadPod.Groups]);
//  2. the add-ons' and controllers' pods that run once per cluster
//     ([Analysis.System], in its order): the cluster runs them before Argo
//     CD syncs any app;
//  3. the apps' pods at rest (replicas, or the HPA's minReplicas) and one
//     run of each Job, by sync wave: Argo CD syncs a wave once the
//     earlier ones are healthy, so their pods are placed first;
//  4. one run of each CronJob (its parallelism's pods): runs start on a
//     schedule, on a cluster whose apps already run;
//  5. at max only, the replicas the HPAs add up to maxReplicas, by sync
//     wave: they come with load, onto a running cluster, and the
//     scheduler never moves the pods already placed.
//
// Within a step and a wave, larger pods go first (by CPU, then memory
// request), then by workload name and replica. In a real sync the pods of
// one wave reach the scheduler in no set order; larger-first is the order
// that packs best (first-fit decreasing), so a pod that stays Pending here
// is not an accident of the order, and the result never depends on map
// order.
//
// Each pod goes through kube-scheduler's filters, in its default order,
// node by node; the first filter a node fails is the node's reason:
// TaintToleration (NoSchedule and NoExecute taints), NodeAffinity (the
// nodeSelector), NodeResourcesFit (pods, CPU, memory and ephemeral
// storage), PodTopologySpread (the constraints that refuse to schedule,
// over the nodes that match the pod's nodeSelector, tainted or not: the
// scheduler's default node inclusion policies) and InterPodAffinity
// (required anti-affinity). Among the nodes that pass, the pod goes to the
// one with the highest LeastAllocated score, the first in node order on a
// tie (the scheduler picks one of them at random). A pod no node passes
// stays Pending, with the reason kube-scheduler gives, e.g. "0/4 nodes are
// available: 1 Insufficient cpu, 3 node(s) didn't match Pod's node
// affinity/selector" (the scheduler adds a period and a line about
// preemption).
//
// Not simulated: preferred affinities and ScheduleAnyway spread (they only
// score), node affinity other than the nodeSelector, pod affinity, ports,
// volume limits and the zone of an existing volume, pod priority and
// preemption, and the Cluster Autoscaler adding nodes beyond the size.
func (a *Analysis) Place(size Size) *Placement {
	return a.place(size, false)
}

func (a *Analysis) place(size Size, exhaustive bool) *Placement {
	p := &Placement{Size: size, exhaustive: exhaustive, alike: map[*Group]map[nodeState][]int{}}
	for _, g := range a.Groups {
		if !g.Known() {
			p.Unknown = append(p.Unknown, g.Name)
			continue
		}
		count := g.NodeGroup.MinSize
		if size == AtMax {
			count = g.NodeGroup.MaxSize
		}
		for i := range count {
			p.Nodes = append(p.Nodes, a.newNode(g, i))
		}
	}
	for i, n := range p.Nodes {
		n.pos = i
		if p.alike[n.Group] == nil {
			p.alike[n.Group] = map[nodeState][]int{}
		}
		p.alike[n.Group][n.state()] = append(p.alike[n.Group][n.state()], i)
	}
	p.Pods = a.pods(size, p.Nodes)
	for _, pod := range p.Pods {
		p.schedule(pod)
	}
	return p
}

func (a *Analysis) newNode(g *Group, i int) *Node {
	n := &Node{
		Name:        fmt.Sprintf("%s-%d", g.Name, i+1),
		Group:       g,
		Index:       i,
		Allocatable: g.PerNode,
		owners:      map[string]int64{},
	}
	n.Labels = make(map[string]string, len(g.Labels)+3)
	for k, v := range g.Labels {
		n.Labels[k] = v
	}
	if len(g.Zones) > 0 {
		n.Zone = g.Zones[i%len(g.Zones)]
		n.Labels[zoneLabel] = n.Zone
	}
	n.Labels[regionLabel] = a.Env.Cluster.Region
	n.Labels[hostnameLabel] = n.Name
	return n
}

// pods returns every pod to place at size, in the order they are
// scheduled (see [Analysis.Place]).
func (a *Analysis) pods(size Size, nodes []*Node) []*Pod {
	var pods []*Pod
	everything := []Toleration{{Operator: "Exists"}}
	for _, n := range nodes {
		for _, d := range a.DaemonSets {
			if !slices.Contains(d.Groups, n.Group.Name) {
				continue
			}
			selector, tols := d.Selector, d.Tolerations
			if !d.PerNode {
				selector, tols = nil, everything
			}
			for r := range d.Replicas {
				pods = append(pods, &Pod{
					Workload: d.Name, Kind: "DaemonSet", Replica: r + 1, Of: d.Replicas,
					Requests: d.Requests, Selector: selector, Tolerations: tols, phase: phaseNode, Target: n,
				})
			}
		}
	}
	for _, s := range a.System {
		for r := range s.Replicas {
			pods = append(pods, &Pod{
				Workload: s.Name, Replica: r + 1, Of: s.Replicas, Requests: s.Requests,
				Selector: s.Selector, Tolerations: s.Tolerations, phase: phaseCluster,
			})
		}
	}
	for _, u := range a.Apps {
		if u.MissingGroup {
			continue
		}
		of := u.Min
		if size == AtMax {
			of = u.Max
		}
		for r := range of {
			pod := &Pod{
				Workload: u.App.Name, Kind: u.App.Kind, App: u, Replica: r + 1, Of: of,
				Requests: u.Pod, Selector: u.Selector, Tolerations: u.Tolerations,
				Spread: u.Spread, AntiAffinity: u.AntiAffinity, phase: phaseSync, wave: u.Wave,
			}
			switch {
			case u.App.Kind == model.CronJob:
				pod.phase = phaseSchedule
			case r >= u.Min:
				pod.phase = phaseScaleUp
			}
			pods = append(pods, pod)
		}
	}
	slices.SortStableFunc(pods, func(x, y *Pod) int {
		if c := cmp.Compare(x.phase, y.phase); c != 0 || x.phase < phaseSync {
			return c // DaemonSets node by node; System in its order
		}
		return cmp.Or(
			cmp.Compare(x.wave, y.wave),
			-cmp.Compare(x.Requests.CPU, y.Requests.CPU),
			-cmp.Compare(x.Requests.Memory, y.Requests.Memory),
			strings.Compare(x.Workload, y.Workload),
			strings.Compare(x.Kind, y.Kind),
			cmp.Compare(x.Replica, y.Replica),
		)
	})
	return pods
}

// The scheduler's defaults for a pod's zero request when it scores nodes
// (DefaultMilliCPURequest, DefaultMemoryRequest): 0.1 core and 200 MB.
const (
	scoreZeroCPU    = 100
	scoreZeroMemory = 200 * MiB
)

// schedule places pod on the feasible node with the best score, or
// leaves it Pending with the scheduler's reason. Most pods find a node, so
// the nodes' reasons are only gathered, in a second pass, for one that
// does not.
func (p *Placement) schedule(pod *Pod) {
	pre := p.preFilter(pod)
	best := p.best(pre)
	if best == nil {
		pod.Reasons = map[string]int{}
		for _, n := range p.Nodes {
			pre.filter(n, pod.Reasons)
		}
		pod.Reason = fitError(len(p.Nodes), pod.Reasons)
		return
	}
	was := best.state()
	pod.Node = best
	best.Pods = append(best.Pods, pod)
	best.Used = best.Used.Add(Resources{CPU: pod.Requests.CPU, Memory: pod.Requests.Memory, EphemeralStorage: pod.Requests.EphemeralStorage, Pods: 1})
	best.scored = best.scored.Add(scored(pod.Requests))
	best.owners[pod.owner()]++
	alike := p.alike[best.Group]
	if rest := removeSorted(alike[was], best.pos); len(rest) > 0 {
		alike[was] = rest
	} else {
		delete(alike, was)
	}
	alike[best.state()] = insertSorted(alike[best.state()], best.pos)
}

// best returns the feasible node with the highest score, the first in
// node order on a tie, or nil when no node is feasible.
//
// That is every node's filters and score, as the scheduler computes
// them, unless the pod's filters and score read nothing of a node but its
// node group and state (nodeState): then the nodes of a group in one state
// give one answer, and only the first of them is asked. A DaemonSet's pod
// names its node, which is the only one asked.
func (p *Placement) best(pre *preFiltered) *Node {
	pod := pre.pod
	var best *Node
	var bestScore int64
	switch {
	case p.exhaustive || len(pod.Spread) > 0 || len(pod.AntiAffinity) > 0 || nodeSelector(pod.Selector):
		for _, n := range p.Nodes {
			if !pre.filter(n, nil) {
				continue
			}
			if s := leastAllocated(pod, n); best == nil || s > bestScore {
				best, bestScore = n, s
			}
		}
	case pod.Target != nil:
		// Every other node fails the first filter.
		if pre.filter(pod.Target, nil) {
			best = pod.Target
		}
	default:
		for _, alike := range p.alike {
			for _, nodes := range alike {
				n := p.Nodes[nodes[0]]
				if !pre.filter(n, nil) {
					continue
				}
				if s := leastAllocated(pod, n); best == nil || s > bestScore || s == bestScore && n.pos < best.pos {
					best, bestScore = n, s
				}
			}
		}
	}
	return best
}

// nodeSelector reports whether selector reads a label that differs
// between the nodes of a node group: the zone, region or hostname.
func nodeSelector(selector map[string]string) bool {
	for k := range selector {
		if k == zoneLabel || k == regionLabel || k == hostnameLabel {
			return true
		}
	}
	return false
}

// insertSorted inserts i into the increasing list s.
func insertSorted(s []int, i int) []int {
	at, _ := slices.BinarySearch(s, i)
	return slices.Insert(s, at, i)
}

// removeSorted removes i from the increasing list s.
func removeSorted(s []int, i int) []int {
	if at, ok := slices.BinarySearch(s, i); ok {
		return slices.Delete(s, at, at+1)
	}
	return s
}

// Reasons of kube-scheduler's filters (pkg/scheduler/framework/plugins)
// that [Pod.Reasons] holds, besides the taint's, "node(s) had untolerated
// taint {key: value}".
const (
	// ReasonNodeName is a DaemonSet pod's on the nodes it does not
	// belong to.
	ReasonNodeName           = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
	ReasonSelector           = "node(s) didn't match Pod's node affinity/selector"
	ReasonTooManyPods        = "Too many pods"
	ReasonInsufficientCPU    = "Insufficient cpu"
	ReasonInsufficientMemory = "Insufficient memory"
	ReasonInsufficientDisk   = "Insufficient ephemeral-storage"
	ReasonSpread             = "node(s) didn't match pod topology spread constraints"
	ReasonSpreadLabel        = ReasonSpread + " (missing required label)"
	ReasonAntiAffinity       = "node(s) didn't match pod anti-affinity rules"
)

// preFiltered is what the filters need to know of the cluster for one
// pod, computed once for all nodes, as the scheduler's PreFilter does.
type preFiltered struct {
	pod *Pod
	// spread holds, for each of the pod's spread constraints, the pods of
	// its workload per domain and the least of them.
	spread []spreadDomains
	// taken holds, for each anti-affinity topology key, the domains that
	// already run a pod of the workload.
	taken []map[string]bool
}

type spreadDomains struct {
	counts map[string]int64
	least  int64
}

// preFilter counts the pod's workload per topology domain. The domains of
// a spread constraint are those of the nodes that match the pod's
// nodeSelector, whatever their taints (nodeAffinityPolicy Honor,
// nodeTaintsPolicy Ignore: the scheduler's defaults).
func (p *Placement) preFilter(pod *Pod) *preFiltered {
	pre := &preFiltered{pod: pod}
	owner := pod.owner()
	for _, c := range pod.Spread {
		d := spreadDomains{counts: map[string]int64{}}
		for _, n := range p.Nodes {
			if v, ok := n.Labels[c.TopologyKey]; ok && matches(pod.Selector, n) {
				d.counts[v] += n.owners[owner]
			}
		}
		first := true
		for _, c := range d.counts {
			if first || c < d.least {
				d.least, first = c, false
			}
		}
		pre.spread = append(pre.spread, d)
	}
	for _, key := range pod.AntiAffinity {
		taken := map[string]bool{}
		for _, n := range p.Nodes {
			if v, ok := n.Labels[key]; ok && n.owners[owner] > 0 {
				taken[v] = true
			}
		}
		pre.taken = append(pre.taken, taken)
	}
	return pre
}

// filter runs the scheduler's filters on node n, in the default profile's
// order, and reports whether the pod fits. When it does not and reasons
// is not nil, the first failing filter's reasons are counted in it.
func (pre *preFiltered) filter(n *Node, reasons map[string]int) bool {
	pod := pre.pod
	fail := func(why string) bool {
		if reasons != nil {
			reasons[why]++
		}
		return false
	}
	if pod.Target != nil && pod.Target != n {
		// A DaemonSet's pod names its node; the scheduler's PreFilter
		// leaves the other nodes out with this reason.
		return fail(ReasonNodeName)
	}
	for _, t := range n.Group.Blocking {
		if !slices.ContainsFunc(pod.Tolerations, func(tol Toleration) bool { return tol.Tolerates(t) }) {
			if reasons != nil {
				return fail(fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
			}
			return false
		}
	}
	if !matches(pod.Selector, n) {
		return fail(ReasonSelector)
	}
	free := n.Free()
	pods := free.Pods < 1
	cpu := pod.Requests.CPU > 0 && pod.Requests.CPU > free.CPU
	memory := pod.Requests.Memory > 0 && pod.Requests.Memory > free.Memory
	disk := pod.Requests.EphemeralStorage > 0 && pod.Requests.EphemeralStorage > free.EphemeralStorage
	if pods || cpu || memory || disk {
		// NodeResourcesFit gives every shortage at once, in this order.
		for _, r := range []struct {
			short bool
			why   string
		}{{pods, ReasonTooManyPods}, {cpu, ReasonInsufficientCPU}, {memory, ReasonInsufficientMemory}, {disk, ReasonInsufficientDisk}} {
			if r.short {
				fail(r.why)
			}
		}
		return false
	}
	for i, c := range pod.Spread {
		v, ok := n.Labels[c.TopologyKey]
		if !ok {
			return fail(ReasonSpreadLabel)
		}
		if d := pre.spread[i]; d.counts[v]+1-d.least > c.MaxSkew {
			return fail(ReasonSpread)
		}
	}
	for i, key := range pod.AntiAffinity {
		if v, ok := n.Labels[key]; ok && pre.taken[i][v] {
			return fail(ReasonAntiAffinity)
		}
	}
	return true
}

// matches reports whether node n's labels hold every entry of selector.
func matches(selector map[string]string, n *Node) bool {
	for k, v := range selector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// leastAllocated is the scheduler's default score of node n for pod
// (NodeResourcesFit's LeastAllocated, CPU and memory weighed alike): the
// share of the node left free once the pod is on it, 0 to 100.
func leastAllocated(pod *Pod, n *Node) int64 {
	req := n.scored.Add(scored(pod.Requests))
	var sum, weights int64
	for _, r := range [...][2]int64{{req.CPU, n.Allocatable.CPU}, {req.Memory, n.Allocatable.Memory}} {
		requested, capacity := r[0], r[1]
		if capacity == 0 {
			continue
		}
		weights++
		if requested <= capacity {
			sum += (capacity - requested) * 100 / capacity
		}
	}
	if weights == 0 {
		return 0
	}
	return sum / weights
}

// scored is a pod's requests as the scheduler scores them: a zero request
// counts as the scheduler's default.
func scored(r Resources) Resources {
	if r.CPU == 0 {
		r.CPU = scoreZeroCPU
	}
	if r.Memory == 0 {
		r.Memory = scoreZeroMemory
	}
	return r
}

// fitError is kube-scheduler's message for a pod no node passes: each
// reason with the number of nodes that gave it, sorted as strings.
func fitError(nodes int, reasons map[string]int) string {
	if nodes == 0 {
		return "no nodes available to schedule pods"
	}
	parts := make([]string, 0, len(reasons))
	for r, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	slices.Sort(parts)
	return fmt.Sprintf("0/%d nodes are available: %s", nodes, strings.Join(parts, ", "))
}
