package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Options configure Check and Build.
type Options struct {
	// Today is the date that Kubernetes versions' support windows are
	// compared with; only its year, month and day count. The zero value
	// means the date of the embedded tables ([FactsDate]), so that output
	// does not depend on the clock; the CLI passes the real date.
	Today time.Time
	// Objects are the environment's rendered objects after patches, for
	// Build. When given, the workloads' requests, nodeSelector and
	// tolerations are read from them, so that sidecars and placement
	// added by patches count, as Check does with its objs argument. The
	// default (nil) derives them from the model, as kube.Build does.
	Objects []object.Object
}

func (o Options) today() time.Time {
	if o.Today.IsZero() {
		return day(FactsDate())
	}
	y, m, d := o.Today.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Labels EKS puts on every node of a managed node group, and the
// well-known labels a nodeSelector may use.
const (
	nodeGroupLabel    = "eks.amazonaws.com/nodegroup"
	capacityTypeLabel = "eks.amazonaws.com/capacityType"
	instanceTypeLabel = "node.kubernetes.io/instance-type"
	zoneLabel         = "topology.kubernetes.io/zone"
	regionLabel       = "topology.kubernetes.io/region"
	osLabel           = "kubernetes.io/os"
	archLabel         = "kubernetes.io/arch"
)

// analysis is what Check and Build share: the node groups with their
// capacity, and the enabled apps with their requests and the node groups
// they may land on.
type analysis struct {
	env    *model.Environment
	today  time.Time
	groups []*group // sorted by name
	byName map[string]*group
	apps   []*appUse // enabled apps, sorted by name

	// daemonSets and system are the pods of the add-ons and controllers
	// (facts.go) that this cluster runs.
	daemonSets []overheadPod
	system     []overheadPod
	// perNode is the DaemonSets' requests on each node (Pods: how many).
	perNode Resources
	// systemTotal is the system pods' requests (Pods: how many).
	systemTotal Resources
	// untainted names the node groups the system pods may land on.
	untainted []string
}

// group is one node group and what a node of it offers.
type group struct {
	name    string
	ng      model.NodeGroup
	types   []*instance // the listed types gen knows, in order
	unknown []string    // the listed types gen does not know
	// perNode is the allocatable of a node, the least over the listed
	// types (the autoscaler may start any of them); Pods is the
	// effective pod limit.
	perNode Resources
	// eniPods is the smallest VPC CNI pod limit of the listed types and
	// eniType the type that has it.
	eniPods int64
	eniType *instance
	zones   []string
	labels  map[string]string
	// blocking are the NoSchedule and NoExecute taints.
	blocking []model.Taint
}

// known reports whether gen knows every instance type of the group, so
// that its capacity is known.
func (g *group) known() bool { return len(g.unknown) == 0 && len(g.types) > 0 }

// typeList names the group's instance types, e.g. "t3.medium" or
// "m5.large/m6i.large".
func (g *group) typeList() string { return strings.Join(g.ng.InstanceTypes, "/") }

// podLimit explains the group's pods per node, e.g. "17 per node, the VPC
// CNI limit of t3.medium".
func (g *group) podLimit() string {
	if g.perNode.Pods < g.eniPods {
		return fmt.Sprintf("%d per node, its maxPodsPerNode", g.perNode.Pods)
	}
	return fmt.Sprintf("%d per node, the VPC CNI limit of %s", g.perNode.Pods, g.eniType.Type)
}

// appUse is one enabled app as the scheduler sees it.
type appUse struct {
	app *model.App
	// pod is the requests of one pod (Pods: 1).
	pod Resources
	// min and max are the replicas at rest and at peak.
	min, max int64
	// selector and tolerations of the pod template.
	selector    map[string]string
	tolerations []toleration
	// fromObject: selector, tolerations and requests come from the
	// rendered workload (patches included), not from the model.
	fromObject bool
	// missingGroup: the app names a node group that does not exist
	// (check.Environment reports it); it is left out of placement.
	missingGroup bool
	// groups are the node groups the pods may land on, sorted.
	groups []string
}

// scalePath is the field that sets the app's peak replicas.
func (u *appUse) scalePath() string {
	switch {
	case u.app.Kind == model.Job || u.app.Kind == model.CronJob:
		return u.app.Path("")
	case u.app.HPA() && u.app.Autoscaling.MaxReplicas != nil:
		return u.app.Path("autoscaling.maxReplicas")
	}
	return u.app.Path("replicas")
}

// toleration is a pod toleration.
type toleration struct {
	Key, Operator, Value, Effect string
}

// tolerates follows Kubernetes' Toleration.ToleratesTaint.
func (t toleration) tolerates(taint model.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key == "" {
		return t.Operator == "Exists"
	}
	if t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "Exists":
		return true
	case "", "Equal":
		return t.Value == taint.Value
	}
	return false
}

func analyze(env *model.Environment, objs []object.Object, opts Options) *analysis {
	a := &analysis{env: env, today: opts.today(), byName: map[string]*group{}}
	for _, name := range slices.Sorted(maps.Keys(env.Cluster.NodeGroups)) {
		g := newGroup(env, name, env.Cluster.NodeGroups[name])
		a.groups = append(a.groups, g)
		a.byName[name] = g
		if len(g.blocking) == 0 {
			a.untainted = append(a.untainted, name)
		}
	}
	for _, p := range daemonSets {
		if _, ok := env.Cluster.Addons[p.Addon]; ok {
			a.daemonSets = append(a.daemonSets, p)
			a.perNode = a.perNode.Add(p.Requests.Times(p.Replicas))
			a.perNode.Pods += p.Replicas
		}
	}
	for _, p := range systemPods {
		if _, ok := env.Cluster.Addons[p.Addon]; (p.Addon != "" && !ok) || (p.autoscaler && !env.Cluster.Autoscaler.Enabled) {
			continue
		}
		a.system = append(a.system, p)
		a.systemTotal = a.systemTotal.Add(p.Requests.Times(p.Replicas))
		a.systemTotal.Pods += p.Replicas
	}
	workloads := map[string]object.Object{}
	for _, o := range objs {
		if o.App != "" && o.Name() == o.App {
			if _, seen := workloads[o.App+"/"+o.Kind()]; !seen {
				workloads[o.App+"/"+o.Kind()] = o
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled {
			continue
		}
		u := &appUse{app: app, pod: requests(app.Resources)}
		u.pod.Pods = 1
		u.min, u.max = replicaRange(app)
		u.selector, u.tolerations, u.missingGroup = modelPlacement(env, app)
		if o, ok := workloads[app.Name+"/"+app.Kind]; ok {
			if spec, ok := podSpec(o); ok {
				u.fromObject = true
				u.pod = podRequests(spec)
				u.selector, u.tolerations = objectPlacement(spec)
			}
		}
		if !u.missingGroup {
			for _, g := range a.groups {
				if g.accepts(env, u.selector, u.tolerations) == "" {
					u.groups = append(u.groups, g.name)
				}
			}
		}
		a.apps = append(a.apps, u)
	}
	return a
}

func newGroup(env *model.Environment, name string, ng model.NodeGroup) *group {
	g := &group{name: name, ng: ng, zones: ng.Zones}
	if len(g.zones) == 0 {
		g.zones = env.Cluster.Zones
	}
	for _, t := range ng.InstanceTypes {
		i, ok := lookupInstance(t)
		if !ok {
			g.unknown = append(g.unknown, t)
			continue
		}
		g.types = append(g.types, i)
	}
	for n, i := range g.types {
		alloc := i.allocatable()
		if n == 0 {
			g.perNode, g.eniPods, g.eniType = alloc, alloc.Pods, i
			continue
		}
		g.perNode.CPU = min(g.perNode.CPU, alloc.CPU)
		g.perNode.Memory = min(g.perNode.Memory, alloc.Memory)
		if alloc.Pods < g.eniPods {
			g.eniPods, g.eniType = alloc.Pods, i
		}
	}
	g.perNode.Pods = g.eniPods
	if ng.MaxPodsPerNode != nil && int64(*ng.MaxPodsPerNode) < g.eniPods {
		g.perNode.Pods = int64(*ng.MaxPodsPerNode)
	}
	capacity := "ON_DEMAND"
	if ng.Spot {
		capacity = "SPOT"
	}
	g.labels = map[string]string{
		nodeGroupLabel:    name,
		capacityTypeLabel: capacity,
		osLabel:           "linux",
		// Every type in data/aws.json is x86_64.
		archLabel: "amd64",
	}
	if len(ng.InstanceTypes) == 1 {
		g.labels[instanceTypeLabel] = ng.InstanceTypes[0]
	}
	maps.Copy(g.labels, ng.Labels)
	for _, t := range ng.Taints {
		if t.Effect == "NoSchedule" || t.Effect == "NoExecute" || t.Effect == "" {
			g.blocking = append(g.blocking, t)
		}
	}
	return g
}

// accepts returns "" when a pod with selector and tolerations may land on
// the group's nodes, or why not.
func (g *group) accepts(env *model.Environment, selector map[string]string, tolerations []toleration) string {
	for _, k := range slices.Sorted(maps.Keys(selector)) {
		v := selector[k]
		switch k {
		case zoneLabel:
			if !slices.Contains(g.zones, v) {
				return fmt.Sprintf("%s is not in zone %s", g.name, v)
			}
		case regionLabel:
			if v != env.Cluster.Region {
				return fmt.Sprintf("%s is not in region %s", g.name, v)
			}
		default:
			if got, ok := g.labels[k]; !ok || got != v {
				return fmt.Sprintf("%s has no label %s=%s", g.name, k, v)
			}
		}
	}
	for _, t := range g.blocking {
		if !slices.ContainsFunc(tolerations, func(tol toleration) bool { return tol.tolerates(t) }) {
			return fmt.Sprintf("%s has taint %s, not tolerated", g.name, taintString(t))
		}
	}
	return ""
}

func taintString(t model.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + t.Effect
}

// replicaRange returns the app's replicas at rest and at peak: the HPA's
// range when it has one, else the fixed count; one for Jobs and CronJobs.
func replicaRange(app *model.App) (lo, hi int64) {
	if app.Kind == model.Job || app.Kind == model.CronJob {
		return 1, 1
	}
	lo, hi = int64(app.Replicas), int64(app.Replicas)
	if app.HPA() {
		if a := app.Autoscaling; a.MinReplicas != nil {
			lo = int64(*a.MinReplicas)
		}
		if a := app.Autoscaling; a.MaxReplicas != nil {
			hi = int64(*a.MaxReplicas)
		}
	}
	return lo, max(lo, hi)
}

// requests parses the app's requests; a quantity that does not parse
// counts as zero (the schema's #Quantity reports it).
func requests(r model.Resources) Resources {
	return Resources{CPU: milliValue(r.Requests.CPU), Memory: byteValue(r.Requests.Memory)}
}

func milliValue(s string) int64 {
	q, err := resource.ParseQuantity(s)
	if s == "" || err != nil {
		return 0
	}
	return q.MilliValue()
}

func byteValue(s string) int64 {
	q, err := resource.ParseQuantity(s)
	if s == "" || err != nil {
		return 0
	}
	return q.Value()
}

// modelPlacement is the nodeSelector and tolerations that kube.Build gives
// the app's pods: the labels of its node group (EKS's node group label
// when the group has none) and a toleration per taint. missing reports a
// nodeGroup that does not exist.
func modelPlacement(env *model.Environment, app *model.App) (selector map[string]string, tols []toleration, missing bool) {
	if app.NodeGroup == "" {
		return nil, nil, false
	}
	ng, ok := env.Cluster.NodeGroups[app.NodeGroup]
	if !ok {
		return nil, nil, true
	}
	selector = ng.Labels
	if len(selector) == 0 {
		selector = map[string]string{nodeGroupLabel: app.NodeGroup}
	}
	for _, t := range ng.Taints {
		tol := toleration{Key: t.Key, Operator: "Equal", Value: t.Value, Effect: t.Effect}
		if t.Value == "" {
			tol.Operator = "Exists"
		}
		tols = append(tols, tol)
	}
	return selector, tols, false
}

// podSpec returns the pod spec of a rendered workload.
func podSpec(o object.Object) (map[string]any, bool) {
	path := []string{"spec", "template", "spec"}
	if o.Kind() == model.CronJob {
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	var v any = o.Content
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v = m[k]
	}
	spec, ok := v.(map[string]any)
	return spec, ok
}

// podRequests returns a pod's effective requests: its containers' and
// sidecars' (restartable init containers') sum, or the largest other init
// container's, whichever is larger, as the scheduler counts them.
func podRequests(spec map[string]any) Resources {
	var sum, initMax Resources
	for _, c := range list(spec["containers"]) {
		sum = sum.Add(containerRequests(c))
	}
	for _, c := range list(spec["initContainers"]) {
		r := containerRequests(c)
		if c["restartPolicy"] == "Always" {
			sum = sum.Add(r)
			continue
		}
		initMax.CPU = max(initMax.CPU, r.CPU)
		initMax.Memory = max(initMax.Memory, r.Memory)
	}
	return Resources{CPU: max(sum.CPU, initMax.CPU), Memory: max(sum.Memory, initMax.Memory), Pods: 1}
}

func containerRequests(c map[string]any) Resources {
	res, _ := c["resources"].(map[string]any)
	req, _ := res["requests"].(map[string]any)
	return Resources{CPU: milliValue(scalar(req["cpu"])), Memory: byteValue(scalar(req["memory"]))}
}

// objectPlacement reads a pod spec's nodeSelector and tolerations.
func objectPlacement(spec map[string]any) (map[string]string, []toleration) {
	var selector map[string]string
	if m, ok := spec["nodeSelector"].(map[string]any); ok {
		selector = make(map[string]string, len(m))
		for k, v := range m {
			selector[k] = scalar(v)
		}
	}
	var tols []toleration
	for _, t := range list(spec["tolerations"]) {
		tols = append(tols, toleration{
			Key: scalar(t["key"]), Operator: scalar(t["operator"]),
			Value: scalar(t["value"]), Effect: scalar(t["effect"]),
		})
	}
	return selector, tols
}

func list(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// scalar returns a string or number of the unstructured form as a string.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return fmt.Sprint(v)
	case int64:
		return fmt.Sprint(v)
	}
	return ""
}
