package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gitops-gen/gen/generator/internal/addons"
	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/delivery"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/generator/model"
)

// Options configure Build.
type Options struct {
	// Today is the date that Kubernetes versions' support windows are
	// compared with; only its year, month and day count. The zero value
	// means the date of the embedded tables ([capacity.FactsDate]), so
	// that output does not depend on the clock; the CLI passes the real
	// date.
	Today time.Time
	// Objects are the environment's rendered objects after patches. When
	// given, the workloads' requests, nodeSelector and tolerations are
	// read from them, so that sidecars and placement added by patches
	// count, as the render gate check.Capacity does. The default (nil)
	// derives them from the model, as kube.Build does.
	Objects []object.Object
	// Reliances say which rendered objects rely on which add-on or
	// controller, for the Addons and Controllers sections. The default
	// (nil) leaves every ReliedOnBy empty.
	Reliances []Reliance
}

// Build returns env's plan. Build is pure: the date and the rendered
// objects, if any, come from opts.
func Build(env *model.Environment, opts Options) Plan {
	a := capacity.Analyze(env, opts.Objects, opts.Today)
	p := Plan{
		Env:       env.Name,
		Date:      a.Today.Format(time.DateOnly),
		FactsDate: capacity.FactsDate(),
		Cluster: Cluster{
			Name:    env.Cluster.Name,
			Region:  env.Cluster.Region,
			Version: env.Cluster.Version,
		},
		NodeGroups:  []NodeGroup{},
		Apps:        []App{},
		DaemonSets:  []Overhead{},
		System:      []Overhead{},
		Addons:      addonsOf(env, opts.Reliances),
		Controllers: controllersOf(env, a, opts.Reliances),
		Secrets:     secretsOf(env),
		Notes:       []string{},

		LoadBalancers: loadBalancersOf(env),
		Monitoring:    monitoringOf(env),
		Throughput:    throughputOf(env),
	}
	state, row := capacity.Support(env.Cluster.Version, a.Today)
	p.Cluster.Support.Status = state
	if row != nil {
		p.Cluster.Support.EndOfStandardSupport = row.EndOfStandardSupport
		p.Cluster.Support.EndOfExtendedSupport = row.EndOfExtendedSupport
		p.Cluster.Support.Projected = row.Projected
		if row.Projected {
			p.Notes = append(p.Notes, fmt.Sprintf("The support dates of Kubernetes %s are projected from EKS's policy, not taken from the EKS calendar.", env.Cluster.Version))
		}
	}

	var lo, hi Level
	for _, g := range a.Groups {
		ds := a.DaemonSetsOn(g.Name)
		lo.DaemonSets = lo.DaemonSets.Add(ds.Times(int64(g.NodeGroup.MinSize)))
		hi.DaemonSets = hi.DaemonSets.Add(ds.Times(int64(g.NodeGroup.MaxSize)))
		ng := NodeGroup{
			Name:          g.Name,
			InstanceTypes: g.NodeGroup.InstanceTypes,
			Spot:          g.NodeGroup.Spot,
			Zones:         g.Zones,
			MinSize:       g.NodeGroup.MinSize,
			MaxSize:       g.NodeGroup.MaxSize,
			Tainted:       len(g.Blocking) > 0,
		}
		lo.Nodes += int64(g.NodeGroup.MinSize)
		hi.Nodes += int64(g.NodeGroup.MaxSize)
		if g.Known() {
			per := g.PerNode
			ng.PerNode = &per
			ng.Capacity = &Range{Min: per.Times(int64(g.NodeGroup.MinSize)), Max: per.Times(int64(g.NodeGroup.MaxSize))}
			lo.Capacity = lo.Capacity.Add(ng.Capacity.Min)
			hi.Capacity = hi.Capacity.Add(ng.Capacity.Max)
		} else {
			p.Notes = append(p.Notes, fmt.Sprintf("Node group %s is left out of the capacity: gen does not know instance type %s.", g.Name, strings.Join(g.Unknown, ", ")))
		}
		p.NodeGroups = append(p.NodeGroups, ng)
	}
	for _, u := range a.Apps {
		app := App{
			Name:       u.App.Name,
			Namespace:  u.App.Namespace,
			Kind:       u.App.Kind,
			NodeGroups: u.Groups,
			Replicas:   Replicas{Min: u.Min, Max: u.Max},
			PerPod:     u.Pod,
			Requests:   Range{Min: u.Pod.Times(u.Min), Max: u.Pod.Times(u.Max)},
			Delivery:   deliveryOf(u.App),
		}
		if app.NodeGroups == nil {
			app.NodeGroups = []string{}
			p.Notes = append(p.Notes, fmt.Sprintf("App %s may land on no node group; its requests are counted anyway.", u.App.Name))
		}
		lo.Apps = lo.Apps.Add(app.Requests.Min)
		hi.Apps = hi.Apps.Add(app.Requests.Max)
		p.Apps = append(p.Apps, app)
	}
	for _, d := range a.DaemonSets {
		p.DaemonSets = append(p.DaemonSets, Overhead{Name: d.Name, Replicas: d.Replicas, PerPod: d.Requests, NodeGroups: d.Groups})
	}
	for _, s := range a.System {
		p.System = append(p.System, Overhead{Name: s.Name, Replicas: s.Replicas, PerPod: s.Requests})
	}
	for _, l := range []*Level{&lo, &hi} {
		l.System = a.SystemTotal
		l.Requested = l.Apps.Add(l.DaemonSets).Add(l.System)
		l.Headroom = l.Capacity.Sub(l.Requested)
		l.Used = Used{
			CPU:    roundPercent(capacity.Percent(l.Requested.CPU, l.Capacity.CPU)),
			Memory: roundPercent(capacity.Percent(l.Requested.Memory, l.Capacity.Memory)),
			Pods:   roundPercent(capacity.Percent(l.Requested.Pods, l.Capacity.Pods)),
		}
	}
	p.Totals = Totals{Min: lo, Max: hi}
	p.Packing = Packing{Min: packed(a.Place(capacity.AtMin)), Max: packed(a.Place(capacity.AtMax))}
	p.Cost = cost(a, state)
	if p.Cost == nil {
		p.Notes = append(p.Notes, fmt.Sprintf("gen has no prices for region %s (its tables cover %s).", env.Cluster.Region, strings.Join(slices.Sorted(maps.Keys(capacity.AWS().Regions)), ", ")))
	}
	return p
}

// packed is a placement as the report states it.
func packed(pl *capacity.Placement) Packed {
	out := Packed{Nodes: []Node{}, Pending: []PendingPod{}}
	for _, n := range pl.Nodes {
		node := Node{Name: n.Name, Group: n.Group.Name, Zone: n.Zone, Pods: []string{}, Used: n.Used, Allocatable: n.Allocatable}
		for _, pod := range n.Pods {
			node.Pods = append(node.Pods, pod.Name())
		}
		out.Nodes = append(out.Nodes, node)
	}
	for _, pod := range pl.Pending() {
		pp := PendingPod{Pod: pod.Name(), Requests: Resources{CPU: pod.Requests.CPU, Memory: pod.Requests.Memory, EphemeralStorage: pod.Requests.EphemeralStorage, Pods: 1}, Reason: pod.Reason}
		if pod.App != nil {
			pp.App, pp.Kind = pod.App.App.Name, pod.Kind
		}
		out.Pending = append(out.Pending, pp)
	}
	return out
}

func roundPercent(p float64) Percent { return Percent(math.Round(p*10) / 10) }

// JSON writes the plan as indented JSON.
func (p Plan) JSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// addonsOf lists the cluster's enabled add-ons with their pinned
// versions (the environment's, else gen's table's) and what relies on
// each.
func addonsOf(env *model.Environment, reliances []Reliance) []Addon {
	out := []Addon{}
	for _, name := range slices.Sorted(maps.Keys(env.Cluster.Addons)) {
		spec, ok := env.Cluster.Addon(name)
		if !ok {
			continue
		}
		a := Addon{Name: name, Version: spec.Version, ReliedOnBy: []string{}}
		if a.Version == "" {
			a.Version, _ = addons.Default(name, env.Cluster.Version)
		}
		for _, r := range reliances {
			if r.Addon == name && r.Controller == "" {
				a.Provides = r.Capability
				a.ReliedOnBy = append(a.ReliedOnBy, r.Objects...)
			}
		}
		out = append(out, a)
	}
	return out
}

// controllersOf lists the enabled controllers with their charts, their
// pods (from the analysis) and what relies on each.
func controllersOf(env *model.Environment, a *capacity.Analysis, reliances []Reliance) []Controller {
	out := []Controller{}
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		ctl := Controller{
			Name:       name,
			Chart:      c.Chart.Name,
			Version:    c.Chart.Version,
			RepoURL:    c.Chart.RepoURL,
			Namespace:  c.Namespace,
			IAMRole:    c.ServiceAccount.IAMRole,
			ReliedOnBy: []string{},
		}
		var sum, perNode capacity.Resources
		for _, p := range a.System {
			if p.Controller == name {
				sum = sum.Add(p.Requests.Times(p.Replicas))
				ctl.Pods += p.Replicas
			}
		}
		for _, p := range a.DaemonSets {
			if p.Controller == name {
				perNode = perNode.Add(p.Requests.Times(p.Replicas))
				ctl.PodsPerNode += p.Replicas
			}
		}
		ctl.Requests = capacity.FormatCPU(sum.CPU) + " / " + capacity.FormatMemory(sum.Memory)
		if ctl.PodsPerNode > 0 {
			ctl.RequestsPerNode = capacity.FormatCPU(perNode.CPU) + " / " + capacity.FormatMemory(perNode.Memory)
		}
		for _, r := range reliances {
			if r.Controller == name {
				ctl.Provides = r.Capability
				ctl.ReliedOnBy = append(ctl.ReliedOnBy, r.Objects...)
			}
		}
		out = append(out, ctl)
	}
	return out
}

// secretsOf lists the Secrets the namespaces declare, with what provides
// each.
func secretsOf(env *model.Environment) []Secret {
	out := []Secret{}
	for _, ns := range slices.Sorted(maps.Keys(env.Namespaces)) {
		declared := env.Namespaces[ns].Secrets
		for _, name := range slices.Sorted(maps.Keys(declared)) {
			s := declared[name]
			out = append(out, Secret{Namespace: ns, Name: name, Provided: s.Provided, Reason: s.Reason, Keys: s.Keys,
				Store: s.Store, RemoteKey: s.RemoteKey})
		}
	}
	return out
}

// loadBalancersOf lists the environment's load balancers: each ingress
// group that an enabled app joins, with its members' routes by order and
// app, each app's paths the longest first; then each LoadBalancer Service
// of an enabled app.
func loadBalancersOf(env *model.Environment) []LoadBalancer {
	out := []LoadBalancer{}
	apps := slices.Sorted(maps.Keys(env.Apps))
	for _, name := range slices.Sorted(maps.Keys(env.IngressGroups)) {
		g := env.IngressGroups[name]
		var members []*model.App
		for _, a := range apps {
			if app := env.Apps[a]; app.Enabled && app.Ingress != nil && app.Ingress.Group == name {
				members = append(members, app)
			}
		}
		if len(members) == 0 {
			continue
		}
		slices.SortStableFunc(members, func(a, b *model.App) int { return cmp.Compare(a.Ingress.Order, b.Ingress.Order) })
		lb := LoadBalancer{Type: "ALB", Name: name, Scheme: g.Scheme, Listeners: []string{}, Routes: []string{}}
		if l := g.Listen; l.HTTP != nil {
			http := fmt.Sprintf("HTTP:%d", *l.HTTP)
			if g.SSLRedirect && l.HTTPS != nil {
				http += "→HTTPS"
			}
			lb.Listeners = append(lb.Listeners, http)
		}
		if l := g.Listen; l.HTTPS != nil {
			lb.Listeners = append(lb.Listeners, fmt.Sprintf("HTTPS:%d", *l.HTTPS))
		}
		for _, app := range members {
			paths := slices.SortedFunc(maps.Keys(app.Ingress.Paths), func(a, b string) int {
				return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a, b))
			})
			for _, host := range app.Ingress.Hosts {
				for _, p := range paths {
					lb.Routes = append(lb.Routes, fmt.Sprintf("%s%s → %s:%s", host, p, app.Name, app.Ingress.Paths[p].Port))
				}
			}
		}
		out = append(out, lb)
	}
	var nlbs []LoadBalancer
	for _, a := range apps {
		app := env.Apps[a]
		if !app.Enabled || app.Kind == model.Job || app.Kind == model.CronJob {
			continue
		}
		for _, svcName := range slices.Sorted(maps.Keys(app.Services)) {
			svc := app.Services[svcName]
			if svc.Type != model.LoadBalancer {
				continue
			}
			lb := LoadBalancer{Type: "NLB", Name: app.Namespace + "/" + svcName, Scheme: svc.Scheme, Listeners: []string{}, Routes: []string{}}
			ports := svc.Ports
			if ports == nil {
				ports = slices.Sorted(maps.Keys(app.Ports))
			}
			for _, p := range ports {
				port, ok := app.Ports[p]
				if !ok {
					continue
				}
				n := port.Port
				if sp, ok := svc.ServicePorts[p]; ok {
					n = sp
				}
				lb.Listeners = append(lb.Listeners, fmt.Sprintf("%s:%d", port.Protocol, n))
				lb.Routes = append(lb.Routes, fmt.Sprintf("%d → %s:%s", n, app.Name, p))
			}
			nlbs = append(nlbs, lb)
		}
	}
	slices.SortStableFunc(nlbs, func(a, b LoadBalancer) int { return cmp.Compare(a.Name, b.Name) })
	return append(out, nlbs...)
}

// deliveryOf returns how a new version of app replaces the old one; nil
// for Jobs and CronJobs, which run to completion.
func deliveryOf(app *model.App) *Delivery {
	if app.Kind == model.Job || app.Kind == model.CronJob {
		return nil
	}
	d := app.Delivery
	if d.Strategy() == "" {
		return &Delivery{Strategy: "rollingUpdate"}
	}
	out := &Delivery{Strategy: d.Strategy(), TrafficRouting: app.CanaryRouting()}
	if d.Canary != nil {
		for _, s := range d.Canary.Steps {
			step := fmt.Sprintf("%d%%", s.Weight)
			if s.Pause != "" {
				step += " " + s.Pause
			}
			out.Steps = append(out.Steps, step)
		}
	}
	objs, _ := slo.Objectives(app) // the render gate has refused any error
	for _, q := range delivery.Queries(app, objs) {
		m := Measurement{Name: q.Name, Query: q.Query, SuccessCondition: q.SuccessCondition,
			From: q.From, Field: q.Field, Threshold: q.Threshold, Quantile: q.Quantile, ThresholdFrom: "objective",
			ObjectiveThreshold: q.Objective, Looser: q.Looser()}
		if q.Explicit {
			m.ThresholdFrom = "analysis"
		}
		out.Analysis = append(out.Analysis, m)
	}
	return out
}
