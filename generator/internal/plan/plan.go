package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gitops-gen/gen/generator/model"
)

// Plan is the capacity and cost report of one environment: what its node
// groups offer, what its apps request at rest (every HPA at minReplicas,
// every node group at minSize) and at peak (maxReplicas, maxSize), and
// what that costs a month. Its JSON form (Plan.JSON) is the stable shape
// for CI; fields are only ever added.
type Plan struct {
	// Env is the environment's name.
	Env string `json:"env"`
	// Date is the day the support status and control-plane price were
	// computed for (Options.Today), YYYY-MM-DD.
	Date string `json:"date"`
	// FactsDate is the date of gen's instance, price and version tables.
	FactsDate  string      `json:"factsDate"`
	Cluster    Cluster     `json:"cluster"`
	NodeGroups []NodeGroup `json:"nodeGroups"`
	Apps       []App       `json:"apps"`
	// DaemonSets run on every node; their Replicas is per node.
	DaemonSets []Overhead `json:"daemonSets"`
	// System are the cluster add-ons' and controllers' pods, which run
	// once per cluster on the untainted node groups.
	System []Overhead `json:"system"`
	Totals Totals     `json:"totals"`
	// Cost is null when gen has no prices for the cluster's region.
	Cost *Cost `json:"cost"`
	// Notes say what the numbers leave out.
	Notes []string `json:"notes"`
}

// Cluster is the environment's EKS cluster.
type Cluster struct {
	Name    string  `json:"name"`
	Region  string  `json:"region"`
	Version string  `json:"version"`
	Support Support `json:"support"`
}

// Support is where the cluster's Kubernetes version stands in the EKS
// calendar on the plan's date.
type Support struct {
	// Status is "standard", "extended", "ended" or "unknown" (a version
	// newer than the calendar).
	Status               string `json:"status"`
	EndOfStandardSupport string `json:"endOfStandardSupport,omitempty"`
	EndOfExtendedSupport string `json:"endOfExtendedSupport,omitempty"`
	// Projected dates follow EKS's policy rather than the calendar.
	Projected bool `json:"projected,omitempty"`
}

// NodeGroup is a node group and what it offers to pods.
type NodeGroup struct {
	Name          string   `json:"name"`
	InstanceTypes []string `json:"instanceTypes"`
	Spot          bool     `json:"spot"`
	Zones         []string `json:"zones"`
	MinSize       int      `json:"minSize"`
	MaxSize       int      `json:"maxSize"`
	// Tainted groups take only the pods that tolerate their taints.
	Tainted bool `json:"tainted"`
	// PerNode is the allocatable of one node (the least over the
	// instance types) and its pod limit; null when gen does not know an
	// instance type.
	PerNode *Resources `json:"perNode"`
	// Capacity is PerNode times minSize and maxSize; null with PerNode.
	Capacity *Range `json:"capacity"`
}

// Range is an amount at rest and at peak.
type Range struct {
	Min Resources `json:"min"`
	Max Resources `json:"max"`
}

// App is one enabled app's replicas and requests.
type App struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	// NodeGroups are the node groups its pods may land on.
	NodeGroups []string `json:"nodeGroups"`
	// Replicas: the HPA's range, or the fixed count; 1 for Jobs and
	// CronJobs.
	Replicas Replicas `json:"replicas"`
	// PerPod is the requests of one pod.
	PerPod Resources `json:"perPod"`
	// Requests is PerPod times the replicas.
	Requests Range `json:"requests"`
}

// Replicas is a replica range.
type Replicas struct {
	Min int64 `json:"min"`
	Max int64 `json:"max"`
}

// Overhead is a DaemonSet or system workload gen accounts for.
type Overhead struct {
	Name     string `json:"name"`
	Replicas int64  `json:"replicas"`
	// PerPod is the requests of one pod (estimates, see facts.go).
	PerPod Resources `json:"perPod"`
}

// Totals are the whole cluster at rest and at peak.
type Totals struct {
	Min Level `json:"min"`
	Max Level `json:"max"`
}

// Level is the cluster's requests against its capacity at one node count.
type Level struct {
	// Nodes is the sum of the node groups' minSize (or maxSize).
	Nodes      int64     `json:"nodes"`
	Apps       Resources `json:"apps"`
	DaemonSets Resources `json:"daemonSets"`
	System     Resources `json:"system"`
	// Requested is Apps + DaemonSets + System.
	Requested Resources `json:"requested"`
	// Capacity is the allocatable of the nodes whose instance types gen
	// knows.
	Capacity Resources `json:"capacity"`
	// Headroom is Capacity − Requested; negative at rest means the
	// Cluster Autoscaler adds nodes beyond minSize.
	Headroom Resources `json:"headroom"`
	Used     Used      `json:"used"`
}

// Used is Requested as a percentage of Capacity.
type Used struct {
	CPU    Percent `json:"cpu"`
	Memory Percent `json:"memory"`
	Pods   Percent `json:"pods"`
}

// Percent is a percentage, encoded with one decimal.
type Percent float64

// MarshalJSON encodes p with one decimal.
func (p Percent) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%.1f", float64(p)), nil }

// USD is an amount of US dollars, encoded with two decimals.
type USD float64

// MarshalJSON encodes u with two decimals.
func (u USD) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%.2f", float64(u)), nil }

func usd(x float64) USD { return USD(math.Round(x*100) / 100) }

func (u USD) String() string { return fmt.Sprintf("%.2f", float64(u)) }

// Cost is the monthly cost at rest and at peak.
type Cost struct {
	Currency      string `json:"currency"`
	HoursPerMonth int    `json:"hoursPerMonth"`
	// PricesDate is the date of the prices, which are approximate list
	// prices (Approximate).
	PricesDate  string `json:"pricesDate"`
	Approximate bool   `json:"approximate"`
	// SpotDiscount is the assumed discount of spot over on-demand.
	SpotDiscount float64 `json:"spotDiscount"`
	Min          Bill    `json:"min"`
	Max          Bill    `json:"max"`
	// Budget is the environment's reference monthly cost
	// (cluster.budget), for comparison; null when it states none.
	Budget *Budget `json:"budget"`
}

// Bill is one month's cost, split by what is paid for.
type Bill struct {
	ControlPlane  USD           `json:"controlPlane"`
	Nodes         []NodeCost    `json:"nodes"`
	LoadBalancers LoadBalancers `json:"loadBalancers"`
	EBS           EBS           `json:"ebs"`
	Total         USD           `json:"total"`
	// Missing lists what could not be priced.
	Missing []string `json:"missing,omitempty"`
}

// NodeCost is one node group's nodes.
type NodeCost struct {
	Group string `json:"group"`
	Nodes int    `json:"nodes"`
	// InstanceType is the type the nodes are priced at: the first listed.
	InstanceType string `json:"instanceType"`
	// PerHour is one node's price, after the spot discount.
	PerHour float64 `json:"perHour"`
	Monthly USD     `json:"monthly"`
}

// LoadBalancers are the NLBs of the LoadBalancer Services, at their hourly
// charge (capacity units left out).
type LoadBalancers struct {
	Count   int `json:"count"`
	Monthly USD `json:"monthly"`
}

// EBS is the nodes' root volumes and the StatefulSets' volumes.
type EBS struct {
	NodeGiB   int64 `json:"nodeGiB"`
	VolumeGiB int64 `json:"volumeGiB"`
	Monthly   USD   `json:"monthly"`
}

// Budget is a reference monthly cost and its source.
type Budget struct {
	Monthly USD    `json:"monthly"`
	Source  string `json:"source"`
}

// Build returns env's plan. Build is pure: the date and the rendered
// objects, if any, come from opts.
func Build(env *model.Environment, opts Options) Plan {
	a := analyze(env, opts.Objects, opts)
	p := Plan{
		Env:       env.Name,
		Date:      a.today.Format(time.DateOnly),
		FactsDate: FactsDate(),
		Cluster: Cluster{
			Name:    env.Cluster.Name,
			Region:  env.Cluster.Region,
			Version: env.Cluster.Version,
		},
		NodeGroups: []NodeGroup{},
		Apps:       []App{},
		DaemonSets: []Overhead{},
		System:     []Overhead{},
		Notes:      []string{},
	}
	state, row := support(env.Cluster.Version, a.today)
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
	for _, g := range a.groups {
		ng := NodeGroup{
			Name:          g.name,
			InstanceTypes: g.ng.InstanceTypes,
			Spot:          g.ng.Spot,
			Zones:         g.zones,
			MinSize:       g.ng.MinSize,
			MaxSize:       g.ng.MaxSize,
			Tainted:       len(g.blocking) > 0,
		}
		lo.Nodes += int64(g.ng.MinSize)
		hi.Nodes += int64(g.ng.MaxSize)
		if g.known() {
			per := g.perNode
			ng.PerNode = &per
			ng.Capacity = &Range{Min: per.Times(int64(g.ng.MinSize)), Max: per.Times(int64(g.ng.MaxSize))}
			lo.Capacity = lo.Capacity.Add(ng.Capacity.Min)
			hi.Capacity = hi.Capacity.Add(ng.Capacity.Max)
		} else {
			p.Notes = append(p.Notes, fmt.Sprintf("Node group %s is left out of the capacity: gen does not know instance type %s.", g.name, strings.Join(g.unknown, ", ")))
		}
		p.NodeGroups = append(p.NodeGroups, ng)
	}
	for _, u := range a.apps {
		app := App{
			Name:       u.app.Name,
			Namespace:  u.app.Namespace,
			Kind:       u.app.Kind,
			NodeGroups: u.groups,
			Replicas:   Replicas{Min: u.min, Max: u.max},
			PerPod:     u.pod,
			Requests:   Range{Min: u.pod.Times(u.min), Max: u.pod.Times(u.max)},
		}
		if app.NodeGroups == nil {
			app.NodeGroups = []string{}
			p.Notes = append(p.Notes, fmt.Sprintf("App %s may land on no node group; its requests are counted anyway.", u.app.Name))
		}
		lo.Apps = lo.Apps.Add(app.Requests.Min)
		hi.Apps = hi.Apps.Add(app.Requests.Max)
		p.Apps = append(p.Apps, app)
	}
	for _, d := range a.daemonSets {
		p.DaemonSets = append(p.DaemonSets, Overhead{Name: d.Name, Replicas: d.Replicas, PerPod: d.Requests})
	}
	for _, s := range a.system {
		p.System = append(p.System, Overhead{Name: s.Name, Replicas: s.Replicas, PerPod: s.Requests})
	}
	for _, l := range []*Level{&lo, &hi} {
		l.DaemonSets = a.perNode.Times(l.Nodes)
		l.System = a.systemTotal
		l.Requested = l.Apps.Add(l.DaemonSets).Add(l.System)
		l.Headroom = l.Capacity.Sub(l.Requested)
		l.Used = Used{
			CPU:    roundPercent(percent(l.Requested.CPU, l.Capacity.CPU)),
			Memory: roundPercent(percent(l.Requested.Memory, l.Capacity.Memory)),
			Pods:   roundPercent(percent(l.Requested.Pods, l.Capacity.Pods)),
		}
	}
	p.Totals = Totals{Min: lo, Max: hi}
	p.Cost = cost(a, state)
	if p.Cost == nil {
		p.Notes = append(p.Notes, fmt.Sprintf("gen has no prices for region %s (its tables cover %s).", env.Cluster.Region, strings.Join(slices.Sorted(maps.Keys(facts().aws.Regions)), ", ")))
	}
	return p
}

func roundPercent(p float64) Percent { return Percent(math.Round(p*10) / 10) }

// cost prices the cluster at minSize and maxSize, or returns nil when the
// region has no prices.
func cost(a *analysis, state string) *Cost {
	f := facts().aws
	reg, ok := f.Regions[a.env.Cluster.Region]
	if !ok {
		return nil
	}
	hours := float64(f.HoursPerMonth)
	c := &Cost{
		Currency:      "USD",
		HoursPerMonth: f.HoursPerMonth,
		PricesDate:    f.Date,
		Approximate:   true,
		SpotDiscount:  f.SpotDiscount,
	}
	if b := a.env.Cluster.Budget; b != nil {
		c.Budget = &Budget{Monthly: usd(b.Monthly), Source: b.Source}
	}
	controlPlane := f.EKS.StandardSupportPerHour
	if state == SupportExtended || state == SupportEnded {
		controlPlane = f.EKS.ExtendedSupportPerHour
	}
	lbs := 0
	for _, u := range a.apps {
		for _, svc := range u.app.Services {
			if svc.Type == model.LoadBalancer {
				lbs++
			}
		}
	}
	for _, at := range []struct {
		bill *Bill
		size func(model.NodeGroup) int
		reps func(*appUse) int64
	}{
		{&c.Min, func(ng model.NodeGroup) int { return ng.MinSize }, func(u *appUse) int64 { return u.min }},
		{&c.Max, func(ng model.NodeGroup) int { return ng.MaxSize }, func(u *appUse) int64 { return u.max }},
	} {
		b := at.bill
		b.Nodes = []NodeCost{}
		b.ControlPlane = usd(controlPlane * hours)
		total := b.ControlPlane
		ebs := 0.0
		for _, g := range a.groups {
			n := at.size(g.ng)
			if len(g.ng.InstanceTypes) == 0 {
				continue
			}
			t := g.ng.InstanceTypes[0]
			i, ok := lookupInstance(t)
			price, priced := 0.0, false
			if ok {
				price, priced = i.OnDemandPerHour[a.env.Cluster.Region]
			}
			if !priced {
				b.Missing = append(b.Missing, fmt.Sprintf("node group %s: no price for %s in %s", g.name, t, a.env.Cluster.Region))
				continue
			}
			if g.ng.Spot {
				price *= 1 - f.SpotDiscount
			}
			price = math.Round(price*1e6) / 1e6
			nc := NodeCost{Group: g.name, Nodes: n, InstanceType: t, PerHour: price, Monthly: usd(float64(n) * price * hours)}
			b.Nodes = append(b.Nodes, nc)
			total += nc.Monthly
			size := int64(n) * int64(g.ng.VolumeSize)
			b.EBS.NodeGiB += size
			ebs += float64(size) * ebsPrice(reg, g.ng.VolumeType, b)
		}
		for _, u := range a.apps {
			for _, name := range slices.Sorted(maps.Keys(u.app.Storage)) {
				v := u.app.Storage[name]
				// EBS volumes come in whole GiB.
				size := (byteValue(v.Size) + gib - 1) / gib * at.reps(u)
				b.EBS.VolumeGiB += size
				ebs += float64(size) * ebsPrice(reg, volumeType(a.env, v.StorageClass), b)
			}
		}
		b.EBS.Monthly = usd(ebs)
		b.LoadBalancers = LoadBalancers{Count: lbs, Monthly: usd(float64(lbs) * reg.NLBPerHour * hours)}
		b.Total = total + b.EBS.Monthly + b.LoadBalancers.Monthly
		b.Total = usd(float64(b.Total))
	}
	return c
}

// volumeType is the EBS type of a StorageClass: the cluster's class of
// that name, else the name itself (the schema's default class "gp3").
func volumeType(env *model.Environment, class string) string {
	if sc, ok := env.Cluster.StorageClasses[class]; ok && sc.Type != "" {
		return sc.Type
	}
	return class
}

func ebsPrice(reg region, volumeType string, b *Bill) float64 {
	if volumeType == "" {
		volumeType = "gp3"
	}
	p, ok := reg.EBSPerGiBMonth[volumeType]
	if !ok {
		msg := "EBS volume type " + volumeType + " has no price"
		if !slices.Contains(b.Missing, msg) {
			b.Missing = append(b.Missing, msg)
		}
	}
	return p
}

// JSON writes the plan as indented JSON.
func (p Plan) JSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Text writes the plan as a report for people: the cluster, the node
// groups, the apps, the totals and the monthly cost, in aligned tables.
func (p Plan) Text(w io.Writer) error {
	ew := &errWriter{w: w}
	p.header(ew)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "NODE GROUP\tINSTANCE TYPES\tCAPACITY\tZONES\tNODES\tPER NODE cpu/mem/pods\tAT MIN\tAT MAX")
	for _, g := range p.NodeGroups {
		capacity := "on-demand"
		if g.Spot {
			capacity = "spot"
		}
		if g.Tainted {
			capacity += ", tainted"
		}
		per, lo, hi := "unknown", "unknown", "unknown"
		if g.PerNode != nil {
			per, lo, hi = triple(*g.PerNode), triple(g.Capacity.Min), triple(g.Capacity.Max)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", g.Name, strings.Join(g.InstanceTypes, ", "), capacity,
			len(g.Zones), span(g.MinSize, g.MaxSize), per, lo, hi)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "APP\tKIND\tNODE GROUPS\tREPLICAS\tPER POD cpu/mem\tAT MIN\tAT MAX")
	for _, a := range p.Apps {
		groups := strings.Join(a.NodeGroups, ", ")
		if groups == "" {
			groups = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, a.Kind, groups, span(a.Replicas.Min, a.Replicas.Max),
			pair(a.PerPod), pair(a.Requests.Min), pair(a.Requests.Max))
	}
	for _, o := range []struct {
		name string
		list []Overhead
	}{{"DaemonSets, on every node", p.DaemonSets}, {"System pods, once", p.System}} {
		if len(o.list) == 0 {
			continue
		}
		var names []string
		var sum Resources
		for _, d := range o.list {
			n := d.Name
			if d.Replicas > 1 {
				n += fmt.Sprintf(" x%d", d.Replicas)
			}
			names = append(names, n)
			sum = sum.Add(d.PerPod.Times(d.Replicas))
			sum.Pods += d.Replicas
		}
		fmt.Fprintf(tw, "%s: %s: %s, %d pods\n", o.name, strings.Join(names, ", "), pair(sum), sum.Pods)
	}
	fmt.Fprintln(tw)
	t := p.Totals
	fmt.Fprintf(tw, "TOTAL cpu/mem/pods\tAT MIN (%d nodes)\tAT MAX (%d nodes)\n", t.Min.Nodes, t.Max.Nodes)
	for _, row := range []struct {
		name     string
		min, max Resources
	}{
		{"apps", t.Min.Apps, t.Max.Apps},
		{"DaemonSets", t.Min.DaemonSets, t.Max.DaemonSets},
		{"system", t.Min.System, t.Max.System},
		{"requested", t.Min.Requested, t.Max.Requested},
		{"capacity", t.Min.Capacity, t.Max.Capacity},
		{"headroom", t.Min.Headroom, t.Max.Headroom},
	} {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row.name, triple(row.min), triple(row.max))
	}
	fmt.Fprintf(tw, "used\t%s\t%s\n", used(t.Min.Used), used(t.Max.Used))
	if c := p.Cost; c != nil {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "MONTHLY COST (%s)\tAT MIN\tAT MAX\n", c.Currency)
		fmt.Fprintf(tw, "control plane\t%s\t%s\t%s\n", c.Min.ControlPlane, c.Max.ControlPlane, p.Cluster.Support.Status+" support")
		for i, n := range c.Min.Nodes {
			m := c.Max.Nodes[i]
			kind := ""
			if slices.ContainsFunc(p.NodeGroups, func(g NodeGroup) bool { return g.Name == n.Group && g.Spot }) {
				kind = " spot"
			}
			fmt.Fprintf(tw, "nodes %s\t%s\t%s\t%s x %s%s at $%s/h\n", n.Group, n.Monthly, m.Monthly, span(n.Nodes, m.Nodes), n.InstanceType, kind, trimZeros(fmt.Sprintf("%.6f", n.PerHour)))
		}
		fmt.Fprintf(tw, "load balancers\t%s\t%s\t%d NLB\n", c.Min.LoadBalancers.Monthly, c.Max.LoadBalancers.Monthly, c.Min.LoadBalancers.Count)
		fmt.Fprintf(tw, "EBS\t%s\t%s\t%s GiB of node volumes, %s GiB of StatefulSet volumes\n", c.Min.EBS.Monthly, c.Max.EBS.Monthly,
			span(c.Min.EBS.NodeGiB, c.Max.EBS.NodeGiB), span(c.Min.EBS.VolumeGiB, c.Max.EBS.VolumeGiB))
		seed := ""
		if c.Budget != nil {
			seed = fmt.Sprintf("budget %s (%s)", c.Budget.Monthly, c.Budget.Source)
		}
		fmt.Fprintf(tw, "total\t%s\t%s\t%s\n", c.Min.Total, c.Max.Total, seed)
	}
	tw.Flush()
	if c := p.Cost; c != nil {
		fmt.Fprintf(ew, "\nPrices: approximate AWS list prices of %s for %s, %d hours a month", c.PricesDate, p.Cluster.Region, c.HoursPerMonth)
		if slices.ContainsFunc(p.NodeGroups, func(g NodeGroup) bool { return g.Spot }) {
			fmt.Fprintf(ew, ", spot at %.0f%% off on-demand", c.SpotDiscount*100)
		}
		fmt.Fprintln(ew, ". Not included: NAT gateways, data transfer, load balancer capacity units, EBS snapshots and IOPS, CloudWatch.")
		for _, m := range c.Max.Missing {
			fmt.Fprintf(ew, "Not priced: %s.\n", m)
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintln(ew, n)
	}
	return ew.err
}

// header writes the first lines: the cluster and the cost in one glance.
func (p Plan) header(w io.Writer) {
	s := p.Cluster.Support
	status := ""
	switch s.Status {
	case SupportStandard:
		status = "standard support until " + s.EndOfStandardSupport
	case SupportExtended:
		status = "extended support until " + s.EndOfExtendedSupport
	case SupportEnded:
		status = "EKS support ended"
		if s.EndOfExtendedSupport != "" {
			status += " " + s.EndOfExtendedSupport
		}
	default:
		status = "not in gen's EKS calendar"
	}
	fmt.Fprintf(w, "%s  cluster %s (%s, Kubernetes %s, %s)\n", p.Env, p.Cluster.Name, p.Cluster.Region, p.Cluster.Version, status)
	if c := p.Cost; c != nil {
		fmt.Fprintf(w, "%s  monthly cost  min $%s  max $%s", p.Env, c.Min.Total, c.Max.Total)
		if c.Budget != nil {
			fmt.Fprintf(w, "  (budget $%s)", trimZeros(c.Budget.Monthly.String()))
		}
		fmt.Fprintln(w)
	}
}

func triple(r Resources) string {
	return fmt.Sprintf("%s / %s / %d", formatCPU(r.CPU), formatMemory(r.Memory), r.Pods)
}

func pair(r Resources) string { return formatCPU(r.CPU) + " / " + formatMemory(r.Memory) }

func used(u Used) string {
	return fmt.Sprintf("%.0f%% / %.0f%% / %.0f%%", float64(u.CPU), float64(u.Memory), float64(u.Pods))
}

// errWriter keeps the first write error, so Text can write freely.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}
