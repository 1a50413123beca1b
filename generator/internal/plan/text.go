package plan

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/delivery"
	"github.com/gitops-gen/gen/generator/model"
)

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
			if d.NodeGroups != nil && len(d.NodeGroups) < len(p.NodeGroups) {
				n += " (on " + strings.Join(d.NodeGroups, ", ") + ")"
			}
			names = append(names, n)
			sum = sum.Add(d.PerPod.Times(d.Replicas))
			sum.Pods += d.Replicas
		}
		fmt.Fprintf(tw, "%s: %s: %s, %d pods\n", o.name, strings.Join(names, ", "), pair(sum), sum.Pods)
	}
	deliveries(tw, p.Apps)
	if len(p.Addons) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "ADD-ON\tVERSION\tPROVIDES\tRELIED ON BY")
		for _, a := range p.Addons {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.Version, dash(a.Provides), reliedOn(a.ReliedOnBy))
		}
	}
	if len(p.Controllers) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "CONTROLLER\tCHART\tNAMESPACE\tPODS\tPROVIDES\tRELIED ON BY")
		for _, c := range p.Controllers {
			pods := fmt.Sprintf("%d, %s", c.Pods, c.Requests)
			switch {
			case c.PodsPerNode > 0 && c.Pods == 0:
				pods = fmt.Sprintf("%d per node, %s", c.PodsPerNode, c.RequestsPerNode)
			case c.PodsPerNode > 0:
				pods += fmt.Sprintf("; %d per node, %s", c.PodsPerNode, c.RequestsPerNode)
			}
			fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", c.Name, c.Chart, c.Version, c.Namespace, pods, dash(c.Provides), reliedOn(c.ReliedOnBy))
		}
	}
	if len(p.LoadBalancers) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "LOAD BALANCER\tTYPE\tSCHEME\tLISTENERS\tROUTES")
		for _, lb := range p.LoadBalancers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", lb.Name, lb.Type, lb.Scheme, strings.Join(lb.Listeners, ", "), strings.Join(lb.Routes, ", "))
		}
	}
	for _, s := range p.Secrets {
		if s.Store != "" {
			fmt.Fprintf(tw, "Secret %s/%s (%s), from secret store %s: %s\n", s.Namespace, s.Name, strings.Join(s.Keys, ", "), s.Store, s.RemoteKey)
			continue
		}
		fmt.Fprintf(tw, "Secret %s/%s (%s), created outside gen (%s): %s\n", s.Namespace, s.Name, strings.Join(s.Keys, ", "), s.Provided, s.Reason)
	}
	if len(p.Monitoring) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "APP\tOBJECTIVE\tTARGET\tALERTS")
		for _, m := range p.Monitoring {
			for _, o := range m.Objectives {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.App, o.Name, o.text(), alertsText(guarding(m.Alerts, o.Name)))
			}
			fmt.Fprintf(tw, "%s\tresources\t-\t%s\n", m.App, alertsText(guarding(m.Alerts, "")))
		}
		for _, m := range p.Monitoring {
			via := m.Scrape.Kind
			if m.Scrape.Service != "" {
				via += " through Service " + m.Scrape.Service
			}
			fmt.Fprintf(tw, "Scrape %s: port %s, %s every %s (%s); alerts to %s\n", m.App, m.Scrape.Port, m.Scrape.Path, m.Scrape.Interval, via, dash(strings.Join(m.Receivers, ", ")))
		}
	}
	throughputs(tw, p.Throughput)
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
	for _, l := range []struct {
		name   string
		packed Packed
	}{{"AT MIN", p.Packing.Min}, {"AT MAX", p.Packing.Max}} {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "NODE %s\tGROUP\tZONE\tPODS\tCPU used/allocatable\tMEMORY used/allocatable\n", l.name)
		for _, n := range l.packed.Nodes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\n", n.Name, n.Group, n.Zone, n.Used.Pods, n.Allocatable.Pods,
				share(capacity.FormatCPU(n.Used.CPU), capacity.FormatCPU(n.Allocatable.CPU), n.Used.CPU, n.Allocatable.CPU),
				share(capacity.FormatMemory(n.Used.Memory), capacity.FormatMemory(n.Allocatable.Memory), n.Used.Memory, n.Allocatable.Memory))
		}
		for _, pod := range l.packed.Pending {
			what := pod.Pod
			if pod.Kind != "" {
				what += " (" + pod.Kind + ")"
			}
			fmt.Fprintf(tw, "Pending %s: %s, %s\n", strings.ToLower(l.name), what, pod.Reason)
		}
	}
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
			fmt.Fprintf(tw, "nodes %s\t%s\t%s\t%s x %s%s at $%s/h\n", n.Group, n.Monthly, m.Monthly, span(n.Nodes, m.Nodes), n.InstanceType, kind, strconv.FormatFloat(n.PerHour, 'f', -1, 64))
		}
		lbs := c.Min.LoadBalancers
		fmt.Fprintf(tw, "load balancers\t%s\t%s\t%s\n", lbs.Monthly, c.Max.LoadBalancers.Monthly, lbCounts(lbs))
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
	case capacity.SupportStandard:
		status = "standard support until " + s.EndOfStandardSupport
	case capacity.SupportExtended:
		status = "extended support until " + s.EndOfExtendedSupport
	case capacity.SupportEnded:
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
			fmt.Fprintf(w, "  (budget $%s)", strconv.FormatFloat(float64(c.Budget.Monthly), 'f', -1, 64))
		}
		fmt.Fprintln(w)
	}
}

func triple(r Resources) string {
	return fmt.Sprintf("%s / %s / %d", capacity.FormatCPU(r.CPU), capacity.FormatMemory(r.Memory), r.Pods)
}

func pair(r Resources) string {
	return capacity.FormatCPU(r.CPU) + " / " + capacity.FormatMemory(r.Memory)
}

// share writes an amount of a whole with its percentage: "1.34 / 1.93
// (69%)".
func share(part, whole string, p, w int64) string {
	return fmt.Sprintf("%s / %s (%.0f%%)", part, whole, capacity.Percent(p, w))
}

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

// span formats a range, "3-10", or "3" when both ends are equal.
func span[T int | int64](lo, hi T) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

// reliedOn names up to three objects, and how many more.
func reliedOn(objs []string) string {
	const shown = 3
	switch {
	case len(objs) == 0:
		return "-"
	case len(objs) <= shown:
		return strings.Join(objs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(objs[:shown], ", "), len(objs)-shown)
}

// dash is s, or "-" when it is empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lbCounts says how many NLBs and ALBs: "2 NLB", "1 NLB, 2 ALB".
func lbCounts(lbs LoadBalancers) string {
	var parts []string
	if n := lbs.Count - lbs.ALBs; n > 0 || lbs.ALBs == 0 {
		parts = append(parts, fmt.Sprintf("%d NLB", n))
	}
	if lbs.ALBs > 0 {
		parts = append(parts, fmt.Sprintf("%d ALB", lbs.ALBs))
	}
	return strings.Join(parts, ", ")
}

// deliveries writes how each long-running app's new versions roll out:
// its strategy, a canary's steps, and what aborts a release, a row per
// measurement with its bound and where it comes from.
func deliveries(w io.Writer, apps []App) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "APP\tDELIVERY\tSTEPS\tABORTS WHEN\tFROM")
	for _, a := range apps {
		if a.Delivery == nil {
			continue
		}
		strategy, steps := a.Delivery.Strategy, "-"
		if r := a.Delivery.TrafficRouting; r != "" {
			strategy += " (" + r + ")"
		}
		if len(a.Delivery.Steps) > 0 {
			steps = strings.Join(a.Delivery.Steps, ", ")
		}
		if len(a.Delivery.Analysis) == 0 {
			fmt.Fprintf(w, "%s\t%s\t%s\t-\t-\n", a.Name, strategy, steps)
			continue
		}
		for i, m := range a.Delivery.Analysis {
			if i > 0 {
				a.Name, strategy, steps = "", "", ""
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", a.Name, strategy, steps, m.abortsWhen(), m.from())
		}
	}
}

// abortsWhen states the failing result of m: "success-rate < 99.9%",
// "latency p99 > 100ms".
func (m Measurement) abortsWhen() string {
	if m.Name == delivery.Latency {
		return fmt.Sprintf("%s p%s > %s", m.Name, percent(m.Quantile), seconds(m.Threshold))
	}
	return fmt.Sprintf("%s < %s%%", m.Name, percent(m.Threshold))
}

// from states where m and its bound come from, as CUE paths under the
// app: "objectives.availability", "objectives.latency, maximumSeconds
// from delivery.analysis", "delivery.analysis.successRate"; with the
// objective's own bound when m's is looser.
func (m Measurement) from() string {
	s := m.Field
	if m.From == model.AnalysisFromObjective && m.ThresholdFrom == "analysis" {
		bound := "minimum"
		if m.Name == delivery.Latency {
			bound = "maximumSeconds"
		}
		s += ", " + bound + " from delivery.analysis"
	}
	if m.Looser {
		objective := "availability"
		bound := percent(m.ObjectiveThreshold) + "%"
		if m.Name == delivery.Latency {
			objective, bound = "latency", seconds(m.ObjectiveThreshold)
		}
		s += fmt.Sprintf(" (looser than objectives.%s: %s)", objective, bound)
	}
	return s
}

// seconds formats a latency in seconds as a duration: "100ms", "1.5s".
func seconds(s float64) string {
	return time.Duration(math.Round(s * float64(time.Second))).String()
}
