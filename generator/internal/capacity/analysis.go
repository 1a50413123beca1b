package capacity

import (
	"maps"
	"slices"
	"time"

	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Analysis is an environment's cluster as the scheduler sees it: the node
// groups with what a node of each offers, the enabled apps with their
// requests, replicas and the node groups they may land on, and the pods
// of the add-ons and controllers the cluster runs. The render gates
// (package check) and the report of "gen plan" (package plan) both read
// it.
type Analysis struct {
	// Env is the environment analysed.
	Env *model.Environment
	// Today is the date that support windows are compared with (see
	// [Today]).
	Today time.Time
	// Groups are the node groups, sorted by name; ByName indexes them.
	Groups []*Group
	ByName map[string]*Group
	// Apps are the enabled apps, sorted by name.
	Apps []*Demand

	// DaemonSets and System are the pods of the add-ons and controllers
	// (facts.go, platform.controllers) that this cluster runs: on every
	// node of the node groups each DaemonSet runs on (its Groups), and
	// once per cluster on the node groups that admit them.
	DaemonSets []OverheadPod
	System     []OverheadPod
	// SystemTotal is the system pods' requests (Pods: how many).
	SystemTotal Resources
	// Untainted names the node groups the system pods may land on.
	Untainted []string
}

// Demand is one enabled app as the scheduler sees it.
type Demand struct {
	// App is the app.
	App *model.App
	// Pod is the requests of one pod (Pods: 1).
	Pod Resources
	// Min and Max are the replicas at rest and at peak ([Replicas]).
	Min, Max int64
	// Selector and Tolerations are the pod template's nodeSelector and
	// tolerations.
	Selector    map[string]string
	Tolerations []Toleration
	// Spread are the topology spread constraints that refuse to
	// schedule (whenUnsatisfiable: DoNotSchedule), and AntiAffinity the
	// topology keys of the required pod anti-affinity terms; both keep
	// the app's pods apart from each other.
	Spread       []SpreadConstraint
	AntiAffinity []string
	// Wave is the app's Argo CD sync wave (argocd.Waves): apps of an
	// earlier wave are synced, and their pods scheduled, first.
	Wave int
	// FromObject reports that Selector, Tolerations and Pod come from
	// the rendered workload (patches included), not from the model.
	FromObject bool
	// MissingGroup reports that the app names a node group that does
	// not exist (check.Environment reports it); it is left out of
	// placement.
	MissingGroup bool
	// Groups are the node groups the pods may land on, sorted.
	Groups []string
}

// ReplicasPath is the field that sets how many pods the app runs at
// size: its replicas, or its HPA's minReplicas or maxReplicas; the app
// itself for a Job or CronJob, whose run is one pod unless a patch says
// otherwise.
func (d *Demand) ReplicasPath(size Size) string {
	bound := d.App.Autoscaling != nil && d.App.Autoscaling.MinReplicas != nil
	field := "autoscaling.minReplicas"
	if size == AtMax {
		bound = d.App.Autoscaling != nil && d.App.Autoscaling.MaxReplicas != nil
		field = "autoscaling.maxReplicas"
	}
	switch {
	case d.App.Kind == model.Job || d.App.Kind == model.CronJob:
		return d.App.Path("")
	case d.App.HPA() && bound:
		return d.App.Path(field)
	}
	return d.App.Path("replicas")
}

// Today returns the date that Kubernetes versions' support windows are
// compared with: t's year, month and day, or the date of the embedded
// tables ([FactsDate]) when t is zero, so that output does not depend on
// the clock unless the caller passes the real date.
func Today(t time.Time) time.Time {
	if t.IsZero() {
		return day(FactsDate())
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Analyze returns env's analysis at today (see [Today]). objs are the
// environment's rendered objects after patches, or nil: when an app's
// workload is among them, its requests, nodeSelector and tolerations are
// read from it, so that sidecars and placement added by patches count;
// otherwise they are derived from the model, as kube.Build does.
func Analyze(env *model.Environment, objs []object.Object, today time.Time) *Analysis {
	a := &Analysis{Env: env, Today: Today(today), ByName: map[string]*Group{}}
	for _, name := range slices.Sorted(maps.Keys(env.Cluster.NodeGroups)) {
		g := newGroup(env, name, env.Cluster.NodeGroups[name])
		a.Groups = append(a.Groups, g)
		a.ByName[name] = g
		if len(g.Blocking) == 0 {
			a.Untainted = append(a.Untainted, name)
		}
	}
	everywhere := slices.Sorted(maps.Keys(a.ByName))
	for _, p := range daemonSets {
		if _, ok := env.Cluster.Addon(p.Addon); ok {
			p.Groups = everywhere
			a.DaemonSets = append(a.DaemonSets, p)
		}
	}
	for _, p := range systemPods {
		if _, ok := env.Cluster.Addon(p.Addon); (p.Addon != "" && !ok) || (p.autoscaler && !env.Cluster.Autoscaler.Enabled) {
			continue
		}
		a.addSystem(p)
	}
	for _, p := range controllerPods(env) {
		if p.PerNode {
			p.Groups = a.accepting(p.Selector, p.Tolerations)
			a.DaemonSets = append(a.DaemonSets, p)
			continue
		}
		a.addSystem(p)
	}
	// Waves are undefined only when dependsOn is wrong, which
	// check.DependsOn reports first; every app is then in wave 0.
	waves, _ := argocd.Waves(env)
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
		d := &Demand{App: app, Pod: appRequests(app), Wave: waves[name]}
		d.Pod.Pods = 1
		d.Min, d.Max = Replicas(app)
		d.Selector, d.Tolerations, d.MissingGroup = modelPlacement(env, app)
		d.Spread, d.AntiAffinity = modelConstraints(app)
		if o, ok := workloads[app.Name+"/"+app.Kind]; ok {
			if spec, ok := o.PodSpec(); ok {
				d.FromObject = true
				d.Pod = podRequests(o)
				d.Selector, d.Tolerations = objectPlacement(spec)
				d.Spread, d.AntiAffinity = objectConstraints(spec)
				if app.Kind == model.Job || app.Kind == model.CronJob {
					d.Min = runPods(o)
					d.Max = d.Min
				}
			}
		}
		if !d.MissingGroup {
			for _, g := range a.Groups {
				if g.Accepts(env, d.Selector, d.Tolerations) == "" {
					d.Groups = append(d.Groups, g.Name)
				}
			}
		}
		a.Apps = append(a.Apps, d)
	}
	return a
}

// DaemonSetsOn is what the DaemonSets request on each node of node group
// name (Pods: how many).
func (a *Analysis) DaemonSetsOn(name string) Resources {
	var sum Resources
	for _, d := range a.DaemonSets {
		if slices.Contains(d.Groups, name) {
			sum = sum.Add(d.Requests.Times(d.Replicas))
			sum.Pods += d.Replicas
		}
	}
	return sum
}

// accepting returns the node groups whose nodes a pod with selector and
// tolerations may land on, sorted.
func (a *Analysis) accepting(selector map[string]string, tolerations []Toleration) []string {
	var out []string
	for _, g := range a.Groups {
		if g.Accepts(a.Env, selector, tolerations) == "" {
			out = append(out, g.Name)
		}
	}
	return out
}

func (a *Analysis) addSystem(p OverheadPod) {
	a.System = append(a.System, p)
	a.SystemTotal = a.SystemTotal.Add(p.Requests.Times(p.Replicas))
	a.SystemTotal.Pods += p.Replicas
}

// controllerPods are the pods of env's controllers (platform.controllers),
// by controller and pod name: "<controller>" for a pod named controller,
// "<controller>-<pod>" for the others. A per-node pod has one replica
// (per node).
func controllerPods(env *model.Environment) []OverheadPod {
	var out []OverheadPod
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		for _, pod := range slices.Sorted(maps.Keys(c.Pods)) {
			p := c.Pods[pod]
			full := name
			if pod != "controller" {
				full += "-" + pod
			}
			replicas := p.Count()
			if p.PerNode {
				replicas = 1
			}
			var sum Resources
			for _, r := range p.AllRequests() {
				sum = sum.Add(requests(model.Resources{Requests: r}))
			}
			out = append(out, OverheadPod{
				Controller:  name,
				Pod:         pod,
				Name:        full,
				PerNode:     p.PerNode,
				Replicas:    replicas,
				Requests:    sum,
				Selector:    c.NodeSelector,
				Tolerations: tolerations(c.Tolerations),
			})
		}
	}
	return out
}

// tolerations converts the model's tolerations; an empty operator is
// the API's default, Equal.
func tolerations(ts []model.Toleration) []Toleration {
	var out []Toleration
	for _, t := range ts {
		out = append(out, Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect})
	}
	return out
}
