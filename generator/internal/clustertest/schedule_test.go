package clustertest_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/clustertest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/kubetest"
)

// requireCommittedFit makes TestScheduleCommitted fail when kube-scheduler
// leaves pods of a committed environment Pending at its node groups'
// minimum or maximum size: gen's own placement (capacity.Place) refuses a
// render that leaves any, so the two must agree that every pod fits.
const requireCommittedFit = true

// checkCommittedPending logs the pods the scheduler left Pending in a
// committed environment, or, with requireCommittedFit, fails t on them.
func checkCommittedPending(t *testing.T, what string, pending map[string]string) {
	t.Helper()
	report := fmt.Sprintf("%s: kube-scheduler left %d pods Pending: %s", what, len(pending), clustertest.PendingReport(pending))
	if requireCommittedFit && len(pending) > 0 {
		t.Error(report)
		return
	}
	t.Log(report)
}

// TestScheduleCommitted schedules every committed environment, at its node
// groups' minSize and at their maxSize, with the real kube-scheduler, and
// checks that it decided on every pod (see requireCommittedFit for what
// it does with those left Pending).
func TestScheduleCommitted(t *testing.T) {
	for _, e := range clustertest.Committed(t) {
		for _, atMax := range []bool{false, true} {
			size := sizeName(atMax)
			t.Run(e.Name+"/"+size, func(t *testing.T) {
				f, err := clustertest.NewFixture(e.Model, e.Objects, atMax)
				if err != nil {
					t.Fatal(err)
				}
				placed, pending := clustertest.ScheduleEnv(t, e.Model, e.Objects, atMax)
				checkDecided(t, f, placed, pending)
				if ours := place(e.Model, e.Objects, atMax).Pending(); len(ours) > 0 {
					t.Errorf("gen's placement leaves %d pods Pending, e.g. %s: %s", len(ours), ours[0].Name(), ours[0].Reason)
				}
				t.Logf("%s at %s: %d nodes, %d pods placed", e.Name, size, len(f.Nodes), len(placed))
				checkCommittedPending(t, e.Name+" at "+size, pending)
			})
		}
	}
}

// TestSchedulePending is the negative control: prod with its ML node
// group cut to one m5.large node and the ml app at one pod more than
// that node's CPU holds. The scheduler must leave ml pods Pending and
// say why, in its own words.
func TestSchedulePending(t *testing.T) {
	e := committedEnv(t, "chatbot/prod")
	env := *e.Model
	env.Cluster.NodeGroups = maps.Clone(env.Cluster.NodeGroups)
	ml, ok := env.Cluster.NodeGroups["ml"]
	if !ok {
		t.Fatal("prod has no ml node group")
	}
	ml.InstanceTypes, ml.MinSize, ml.MaxSize = []string{"m5.large"}, 1, 1
	env.Cluster.NodeGroups["ml"] = ml

	a := capacity.Analyze(&env, e.Objects, time.Time{})
	var podCPU int64
	for _, d := range a.Apps {
		if d.App.Name == "ml" {
			podCPU = d.Pod.CPU
		}
	}
	if podCPU <= 0 {
		t.Fatalf("prod's ml app requests no CPU (%d millicores)", podCPU)
	}
	replicas := a.ByName["ml"].PerNode.CPU/podCPU + 1
	objs := withReplicas(t, e.Objects, "ml", replicas)

	placed, pending := clustertest.ScheduleEnv(t, &env, objs, false)
	t.Logf("prod with one m5.large ML node and %d ml pods: %d placed; pending: %s", replicas, len(placed), clustertest.PendingReport(pending))
	var nodes int
	for _, g := range a.Groups {
		nodes += g.NodeGroup.MinSize
	}
	want := regexp.MustCompile(fmt.Sprintf(`^0/%d nodes are available: .*Insufficient cpu`, nodes))
	var mlPending int
	for pod, msg := range pending {
		if !strings.HasPrefix(pod, "chatbot/ml-") {
			continue
		}
		mlPending++
		if !want.MatchString(msg) {
			t.Errorf("%s pending with %q, want a message matching %s", pod, msg, want)
		}
	}
	if mlPending == 0 {
		t.Errorf("no ml pod Pending with %d ml pods of %s CPU on one m5.large node (placed: %v)",
			replicas, capacity.ExactCPU(podCPU), placed)
	}

	// gen's own placement agrees: as many pods Pending (the ml replica
	// and the ml-retrain run), each for the reason the scheduler gives.
	ours := place(&env, objs, false).Pending()
	for _, p := range ours {
		if !want.MatchString(p.Reason) {
			t.Errorf("gen: %s pending with %q, want a message matching %s", p.Name(), p.Reason, want)
		}
	}
	if len(ours) != len(pending) {
		var names []string
		for _, p := range ours {
			names = append(names, p.Name())
		}
		t.Errorf("gen's placement leaves %d pods Pending (%s), kube-scheduler %d:%s", len(ours), strings.Join(names, ", "), len(pending), clustertest.PendingReport(pending))
	}
}

// TestSchedulePendingEphemeral is the negative control for ephemeral
// storage: prod with its ML node group cut to one m5.large node of a
// 1 GiB root volume, which the kubelet's reservation (1Gi) and eviction
// threshold (10%) leave no ephemeral storage to pods. The ml pods and the
// ml-retrain run request the schema's 256Mi: all must stay Pending for
// it, for the scheduler as for gen.
func TestSchedulePendingEphemeral(t *testing.T) {
	e := committedEnv(t, "chatbot/prod")
	env := *e.Model
	env.Cluster.NodeGroups = maps.Clone(env.Cluster.NodeGroups)
	ml, ok := env.Cluster.NodeGroups["ml"]
	if !ok {
		t.Fatal("prod has no ml node group")
	}
	ml.InstanceTypes, ml.MinSize, ml.MaxSize, ml.VolumeSize = []string{"m5.large"}, 1, 1, 1
	env.Cluster.NodeGroups["ml"] = ml
	objs := e.Objects

	placed, pending := clustertest.ScheduleEnv(t, &env, objs, false)
	t.Logf("prod with one m5.large ML node of 1 GiB: %d placed; pending: %s", len(placed), clustertest.PendingReport(pending))
	a := capacity.Analyze(&env, objs, time.Time{})
	var nodes int
	for _, g := range a.Groups {
		nodes += g.NodeGroup.MinSize
	}
	want := regexp.MustCompile(fmt.Sprintf(`^0/%d nodes are available: 1 Insufficient ephemeral-storage, `, nodes))
	var mlPending int
	for pod, msg := range pending {
		if !strings.HasPrefix(pod, "chatbot/ml-") {
			continue
		}
		mlPending++
		if !want.MatchString(msg) {
			t.Errorf("%s pending with %q, want a message matching %s", pod, msg, want)
		}
	}
	ours := place(&env, objs, false).Pending()
	if mlPending == 0 || mlPending != len(ours) {
		t.Errorf("%d ml pods Pending, want every ml pod and the ml-retrain run (%d for gen); placed: %v", mlPending, len(ours), placed)
	}
	for _, p := range ours {
		if !want.MatchString(p.Reason) {
			t.Errorf("gen: %s pending with %q, want a message matching %s", p.Name(), p.Reason, want)
		}
	}
	if len(ours) != len(pending) {
		var names []string
		for _, p := range ours {
			names = append(names, p.Name())
		}
		t.Errorf("gen's placement leaves %d pods Pending (%s), kube-scheduler %d:%s", len(ours), strings.Join(names, ", "), len(pending), clustertest.PendingReport(pending))
	}
}

// place is gen's own placement of env at min or at max.
func place(env *model.Environment, objs []object.Object, atMax bool) *capacity.Placement {
	size := capacity.AtMin
	if atMax {
		size = capacity.AtMax
	}
	return capacity.Analyze(env, objs, time.Time{}).Place(size)
}

// TestNewFixture checks the cluster built for prod without starting one:
// the nodes of every node group at min and max, with their zones and
// taints, the add-ons' pods, and each app's pods at rest and at peak.
func TestNewFixture(t *testing.T) {
	e := committedEnv(t, "chatbot/prod")
	a := capacity.Analyze(e.Model, e.Objects, time.Time{})
	for _, atMax := range []bool{false, true} {
		f, err := clustertest.NewFixture(e.Model, e.Objects, atMax)
		if err != nil {
			t.Fatal(err)
		}
		nodes := map[string]int{}
		for _, n := range f.Nodes {
			group := n.Labels["eks.amazonaws.com/nodegroup"]
			nodes[group]++
			g := a.ByName[group]
			if g == nil {
				t.Fatalf("node %s of unknown group %q", n.Name, group)
			}
			if got, want := n.Labels["kubernetes.io/hostname"], n.Name; got != want {
				t.Errorf("node %s: hostname label %q", n.Name, got)
			}
			if want := g.Zones[(nodes[group]-1)%len(g.Zones)]; n.Labels["topology.kubernetes.io/zone"] != want {
				t.Errorf("node %s: zone %q, want %q", n.Name, n.Labels["topology.kubernetes.io/zone"], want)
			}
			if len(n.Spec.Taints) != len(g.NodeGroup.Taints) {
				t.Errorf("node %s: taints %v, want those of %v", n.Name, n.Spec.Taints, g.NodeGroup.Taints)
			}
			if got := n.Status.Allocatable.Cpu().MilliValue(); got != g.PerNode.CPU {
				t.Errorf("node %s: %dm CPU allocatable, want %dm", n.Name, got, g.PerNode.CPU)
			}
		}
		for _, g := range a.Groups {
			want := g.NodeGroup.MinSize
			if atMax {
				want = g.NodeGroup.MaxSize
			}
			if nodes[g.Name] != want {
				t.Errorf("%s at %s: %d nodes of %s, want %d", e.Name, sizeName(atMax), nodes[g.Name], g.Name, want)
			}
		}

		for _, ds := range a.DaemonSets {
			var n int64
			for _, p := range f.Pods {
				if strings.HasPrefix(p.Name, ds.Name+"-") && p.Spec.Affinity != nil {
					n++
				}
			}
			if want := ds.Replicas * int64(len(f.Nodes)); n != want {
				t.Errorf("%s: %d pods, want %d", ds.Name, n, want)
			}
		}
		for _, d := range a.Apps {
			if d.App.Kind == model.Job || d.App.Kind == model.CronJob {
				continue
			}
			want := d.Min
			if atMax {
				want = d.Max
			}
			if got := podsOf(f, d.App.Namespace, d.App.Name); got != want {
				t.Errorf("%s at %s: %d pods of %s, want %d", e.Name, sizeName(atMax), got, d.App.Name, want)
			}
		}
	}
}

// podsOf counts the pods of f named <workload>-<n> in namespace.
func podsOf(f *clustertest.Fixture, namespace, workload string) int64 {
	var n int64
	for _, p := range f.Pods {
		i, ok := strings.CutPrefix(p.Name, workload+"-")
		if _, err := strconv.Atoi(i); ok && err == nil && p.Namespace == namespace {
			n++
		}
	}
	return n
}

// checkDecided fails t unless every pod of f was placed on a node of f or
// left Pending.
func checkDecided(t *testing.T, f *clustertest.Fixture, placed, pending map[string]string) {
	t.Helper()
	nodes := map[string]bool{}
	for _, n := range f.Nodes {
		nodes[n.Name] = true
	}
	for _, p := range f.Pods {
		id := p.Namespace + "/" + p.Name
		node, isPlaced := placed[id]
		_, isPending := pending[id]
		switch {
		case isPlaced && !nodes[node]:
			t.Errorf("%s placed on %q, not a node of the fixture", id, node)
		case !isPlaced && !isPending:
			t.Errorf("%s neither placed nor pending", id)
		}
	}
	if got, want := len(placed)+len(pending), len(f.Pods); got != want {
		t.Errorf("%d pods placed or pending, want the fixture's %d", got, want)
	}
}

func sizeName(atMax bool) string {
	if atMax {
		return "max"
	}
	return "min"
}

// committedEnv returns the committed environment name.
func committedEnv(t *testing.T, name string) clustertest.Env {
	t.Helper()
	for _, e := range clustertest.Committed(t) {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no committed environment %s", name)
	return clustertest.Env{}
}

// withReplicas returns objs with app's workload at n replicas: its
// spec.replicas and its HPA's minReplicas and maxReplicas.
func withReplicas(t *testing.T, objs []object.Object, app string, n int64) []object.Object {
	t.Helper()
	out := make([]object.Object, len(objs))
	var changed bool
	for i, o := range objs {
		out[i] = o
		if o.App != app {
			continue
		}
		var fields []string
		switch o.Kind() {
		case "Deployment", "StatefulSet":
			fields = []string{"replicas"}
		case "HorizontalPodAutoscaler":
			fields = []string{"minReplicas", "maxReplicas"}
		default:
			continue
		}
		out[i] = clone(t, o)
		spec := out[i].Content["spec"].(map[string]any)
		for _, f := range fields {
			spec[f] = json.Number(fmt.Sprint(n))
		}
		changed = true
	}
	if !changed {
		t.Fatalf("no workload of app %s to scale", app)
	}
	return out
}

// TestScheduleQuota is the negative control of the quotas: the fixture
// creates the rendered ResourceQuotas and LimitRanges before the pods, so
// the API server's admission holds every pod to its namespace's quota.
// Dev's chatbot quota cut to one pod must refuse the second, in the API
// server's words.
func TestScheduleQuota(t *testing.T) {
	e := committedEnv(t, "chatbot/dev")
	objs := make([]object.Object, len(e.Objects))
	var cut bool
	for i, o := range e.Objects {
		objs[i] = o
		if o.Kind() == "ResourceQuota" && o.Namespace() == "chatbot" {
			objs[i] = clone(t, o)
			objs[i].Content["spec"].(map[string]any)["hard"].(map[string]any)["pods"] = "1"
			cut = true
		}
	}
	if !cut {
		t.Fatal("dev renders no ResourceQuota in namespace chatbot")
	}
	f, err := clustertest.NewFixture(e.Model, objs, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ResourceQuotas) == 0 || len(f.LimitRanges) == 0 {
		t.Fatalf("the fixture has %d ResourceQuotas and %d LimitRanges, want those of every namespace", len(f.ResourceQuotas), len(f.LimitRanges))
	}
	c := kubetest.Start(t, kubetest.Options{})
	err = f.Create(t.Context(), c)
	if err == nil || !strings.Contains(err.Error(), "exceeded quota: chatbot") {
		t.Fatalf("Create() = %v, want a pod of chatbot refused for exceeding its quota", err)
	}
	t.Log(err)
}
