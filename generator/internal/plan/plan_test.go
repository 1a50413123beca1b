package plan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/plan"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/golden"
)

const (
	mi = 1 << 20
	gi = 1 << 30
)

// today is the date the tests check support windows at: the date of the
// embedded tables.
var today = time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)

// newEnv returns the environment prod of [modeltest.ChatbotProdApps] and
// src, more CUE of it, as the loader decodes it: seed 003's prod in small,
// with one controller ([modeltest.OneController]).
// Its ml node group has the schema's 20 GiB disks rather than seed 003's
// 50 GiB of [modeltest.ChatbotProd]: the costs of these tests and of the
// goldens were worked out with them. Its cue.Value is the zero value.
func newEnv(t testing.TB, src string) *model.Environment {
	t.Helper()
	env := modeltest.Env(t, "prod", modeltest.ChatbotProdApps+modeltest.OneController+src)
	ml := env.Cluster.NodeGroups["ml"]
	ml.VolumeSize = 20
	env.Cluster.NodeGroups["ml"] = ml
	return env
}

// TestBuild pins the numbers of the fixture's plan, worked out by hand:
// t3.medium nodes allocate 1930m / 3246Mi / 17 pods, m5.large nodes
// 1930m / 6903Mi / 29 pods, both 17Gi of ephemeral storage (20 GiB
// volumes less 10% and 1Gi); the DaemonSets take 180m / 120Mi / 4 pods
// per node (aws-node 50m, kube-proxy 100m, ebs-csi-node 30m / 120Mi,
// eks-pod-identity-agent) and the system pods 520m / 1420Mi / 8 pods
// (coredns 2 × 100m / 70Mi, ebs-csi-controller 2 × 60m / 240Mi,
// metrics-server 100m / 200Mi, cluster-autoscaler 100m / 600Mi and
// 256Mi of ephemeral storage, aws-load-balancer-controller 2 ×
// nothing). Every app pod requests the schema's 256Mi of ephemeral
// storage.
func TestBuild(t *testing.T) {
	p := plan.Build(newEnv(t, ""), plan.Options{Today: today})

	perNode := func(p plan.NodeGroup) plan.Resources { return *p.PerNode }
	if diff := cmp.Diff(
		[]plan.Resources{{CPU: 1930, Memory: 3246 * mi, EphemeralStorage: 17 * gi, Pods: 17}, {CPU: 1930, Memory: 6903 * mi, EphemeralStorage: 17 * gi, Pods: 29}},
		[]plan.Resources{perNode(p.NodeGroups[0]), perNode(p.NodeGroups[1])},
	); diff != "" {
		t.Errorf("per node mismatch (-want +got):\n%s", diff)
	}

	wantApps := []plan.Replicas{{Min: 2, Max: 5}, {Min: 1, Max: 2}, {Min: 1, Max: 1}, {Min: 1, Max: 1}}
	var gotApps []plan.Replicas
	for _, a := range p.Apps {
		gotApps = append(gotApps, a.Replicas)
	}
	if diff := cmp.Diff(wantApps, gotApps); diff != "" {
		t.Errorf("replicas of backend, ml, mongodb, retrain mismatch (-want +got):\n%s", diff)
	}

	want := plan.Totals{
		Min: plan.Level{
			Nodes: 3,
			// backend 2 × 250m/256Mi, ml 1 × 1/2Gi, mongodb 500m/1Gi, retrain 500m/1Gi.
			Apps:       plan.Resources{CPU: 2500, Memory: 4608 * mi, EphemeralStorage: 5 * 256 * mi, Pods: 5},
			DaemonSets: plan.Resources{CPU: 540, Memory: 360 * mi, Pods: 12},
			System:     plan.Resources{CPU: 520, Memory: 1420 * mi, EphemeralStorage: 256 * mi, Pods: 8},
			Requested:  plan.Resources{CPU: 3560, Memory: 6388 * mi, EphemeralStorage: 6 * 256 * mi, Pods: 25},
			// 2 × t3.medium + 1 × m5.large.
			Capacity: plan.Resources{CPU: 5790, Memory: 13395 * mi, EphemeralStorage: 3 * 17 * gi, Pods: 63},
			Headroom: plan.Resources{CPU: 2230, Memory: 7007 * mi, EphemeralStorage: 3*17*gi - 6*256*mi, Pods: 38},
			Used:     plan.Used{CPU: 61.5, Memory: 47.7, Pods: 39.7},
		},
		Max: plan.Level{
			Nodes:      8,
			Apps:       plan.Resources{CPU: 4250, Memory: 7424 * mi, EphemeralStorage: 9 * 256 * mi, Pods: 9},
			DaemonSets: plan.Resources{CPU: 1440, Memory: 960 * mi, Pods: 32},
			System:     plan.Resources{CPU: 520, Memory: 1420 * mi, EphemeralStorage: 256 * mi, Pods: 8},
			Requested:  plan.Resources{CPU: 6210, Memory: 9804 * mi, EphemeralStorage: 10 * 256 * mi, Pods: 49},
			Capacity:   plan.Resources{CPU: 15440, Memory: 36939 * mi, EphemeralStorage: 8 * 17 * gi, Pods: 172},
			Headroom:   plan.Resources{CPU: 9230, Memory: 27135 * mi, EphemeralStorage: 8*17*gi - 10*256*mi, Pods: 123},
			Used:       plan.Used{CPU: 40.2, Memory: 26.5, Pods: 28.5},
		},
	}
	if diff := cmp.Diff(want, p.Totals); diff != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", diff)
	}

	// ap-south-1, 730 hours: t3.medium $0.0448/h, m5.large $0.101/h, an
	// NLB $0.0239/h, gp3 $0.0912/GiB-month.
	type bill struct {
		ControlPlane, General, ML, LoadBalancers, EBS, Total plan.USD
		NodeGiB, VolumeGiB                                   int64
	}
	got := func(b plan.Bill) bill {
		return bill{b.ControlPlane, b.Nodes[0].Monthly, b.Nodes[1].Monthly, b.LoadBalancers.Monthly, b.EBS.Monthly, b.Total, b.EBS.NodeGiB, b.EBS.VolumeGiB}
	}
	wantMin := bill{ControlPlane: 73, General: 65.41, ML: 73.73, LoadBalancers: 17.45, EBS: 6.38, Total: 235.97, NodeGiB: 60, VolumeGiB: 10}
	wantMax := bill{ControlPlane: 73, General: 163.52, ML: 221.19, LoadBalancers: 17.45, EBS: 15.50, Total: 490.66, NodeGiB: 160, VolumeGiB: 10}
	if diff := cmp.Diff(wantMin, got(p.Cost.Min)); diff != "" {
		t.Errorf("cost at min mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMax, got(p.Cost.Max)); diff != "" {
		t.Errorf("cost at max mismatch (-want +got):\n%s", diff)
	}
	if p.Cost.Budget != nil {
		t.Errorf("budget = %+v, want none: the environment states none", p.Cost.Budget)
	}
	env := newEnv(t, `cluster: budget: {monthly: 250, source: "seed 003"}`)
	if b := plan.Build(env, plan.Options{}).Cost.Budget; b == nil || b.Monthly != 250 || b.Source != "seed 003" {
		t.Errorf("budget = %+v, want $250 from seed 003", b)
	}
}

func TestBuildCost(t *testing.T) {
	tests := []struct {
		name string
		// src is more CUE of the environment; env changes what the
		// fixture states already (nil: nothing).
		src string
		env func(env *model.Environment)
		// check inspects the cost.
		check func(t *testing.T, c *plan.Cost, notes []string)
	}{
		{
			name: "spot nodes at 70% off",
			src:  `cluster: nodeGroups: general: spot: true`,
			check: func(t *testing.T, c *plan.Cost, _ []string) {
				// 5 × $0.0448 × 0.3 × 730 = $49.06.
				if n := c.Max.Nodes[0]; n.PerHour != 0.01344 || n.Monthly != 49.06 {
					t.Errorf("spot general = $%v/h, $%v a month, want $0.01344/h, $49.06", n.PerHour, n.Monthly)
				}
			},
		},
		{
			name: "control plane in extended support",
			env:  func(env *model.Environment) { env.Cluster.Version = "1.31" },
			check: func(t *testing.T, c *plan.Cost, _ []string) {
				if c.Min.ControlPlane != 438 {
					t.Errorf("control plane = $%v, want $438 (730 h × $0.60)", c.Min.ControlPlane)
				}
			},
		},
		{
			name: "StatefulSet volumes per replica, in whole GiB, at the class's type",
			src: `
cluster: storageClasses: slow: type: "sc1"
apps: mongodb: {
	replicas: 3
	storage: logs: {size: "1500M", storageClass: "slow", mountPath: "/var/log/mongodb"}
}`,
			check: func(t *testing.T, c *plan.Cost, _ []string) {
				// 3 × (10 GiB gp3 + 2 GiB sc1): 30 × $0.0912 + 6 × $0.0174, + 160 GiB of gp3 nodes.
				if c.Max.EBS.VolumeGiB != 36 || c.Max.EBS.Monthly != 17.43 {
					t.Errorf("EBS = %d GiB, $%v, want 36 GiB, $17.43", c.Max.EBS.VolumeGiB, c.Max.EBS.Monthly)
				}
			},
		},
		{
			name: "the budget comes from the environment, not its name",
			env:  func(env *model.Environment) { env.Name = "dev" },
			check: func(t *testing.T, c *plan.Cost, _ []string) {
				if c.Budget != nil {
					t.Errorf("budget = %+v, want none", c.Budget)
				}
			},
		},
		{
			name: "a region without prices",
			env:  func(env *model.Environment) { env.Cluster.Region = "eu-central-1" },
			check: func(t *testing.T, c *plan.Cost, notes []string) {
				if c != nil {
					t.Errorf("cost = %+v, want none", c)
				}
				want := "gen has no prices for region eu-central-1 (its tables cover ap-south-1, eu-west-1, us-east-1)."
				if len(notes) == 0 || notes[len(notes)-1] != want {
					t.Errorf("notes = %q, want one that says %q", notes, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, tt.src)
			if tt.env != nil {
				tt.env(env)
			}
			p := plan.Build(env, plan.Options{Today: today})
			tt.check(t, p.Cost, p.Notes)
		})
	}
}

// TestBuildObjects checks that requests come from the rendered workload
// when there is one: a sidecar added by a patch counts.
func TestBuildObjects(t *testing.T) {
	env := newEnv(t, "")
	objs, err := kube.Build(env)
	if err != nil {
		t.Fatalf("kube.Build() = %v", err)
	}
	var sidecar bool
	for _, o := range objs {
		if o.App == "backend" && o.Kind() == model.Deployment {
			spec, _ := o.PodSpec()
			spec["containers"] = append(spec["containers"].([]any), map[string]any{
				"name": "fluent-bit", "resources": map[string]any{"requests": map[string]any{"cpu": json.Number("0.05"), "memory": "64Mi"}},
			})
			sidecar = true
		}
	}
	if !sidecar {
		t.Fatal("kube.Build() rendered no Deployment backend")
	}
	p := plan.Build(env, plan.Options{Today: today, Objects: objs})
	// The sidecar requests no ephemeral storage; backend's container the
	// schema's 256Mi.
	if got, want := p.Apps[0].PerPod, (plan.Resources{CPU: 300, Memory: 320 * mi, EphemeralStorage: 256 * mi, Pods: 1}); got != want {
		t.Errorf("backend per pod = %+v, want %+v", got, want)
	}
}

// TestBuildPacking checks the packing at min and at max: the nodes with
// their pods and requests, and the pods no node takes, with the
// scheduler's reason, in the report and its text.
func TestBuildPacking(t *testing.T) {
	env := newEnv(t, "")
	// A second ml replica at rest finds the one m5.large ML node taken
	// by the first and the retrain run: 1.93 CPU, 180m of it for the
	// DaemonSets.
	min := int32(2)
	env.Apps["ml"].Autoscaling.MinReplicas = &min
	p := plan.Build(env, plan.Options{Today: today})

	var nodes []string
	for _, n := range p.Packing.Min.Nodes {
		nodes = append(nodes, fmt.Sprintf("%s %s %s %v %d/%d", n.Name, n.Group, n.Zone, n.Pods, n.Used.CPU, n.Allocatable.CPU))
	}
	want := []string{
		"general-1 general ap-south-1a [aws-node kube-proxy ebs-csi-node eks-pod-identity-agent coredns 1/2 ebs-csi-controller 1/2 metrics-server 1/1 aws-load-balancer-controller 1/2 aws-load-balancer-controller 2/2 backend 1/2 backend 2/2] 940/1930",
		"general-2 general ap-south-1b [aws-node kube-proxy ebs-csi-node eks-pod-identity-agent coredns 2/2 ebs-csi-controller 2/2 cluster-autoscaler 1/1 mongodb-0] 940/1930",
		"ml-1 ml ap-south-1a [aws-node kube-proxy ebs-csi-node eks-pod-identity-agent ml 1/2 retrain run 1/1] 1680/1930",
	}
	if diff := cmp.Diff(want, nodes); diff != "" {
		t.Errorf("nodes at min mismatch (-want +got):\n%s", diff)
	}
	wantPending := []plan.PendingPod{{
		Pod: "ml 2/2", App: "ml", Kind: "Deployment",
		Requests: plan.Resources{CPU: 1000, Memory: 2048 * mi, EphemeralStorage: 256 * mi, Pods: 1},
		Reason:   "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector",
	}}
	if diff := cmp.Diff(wantPending, p.Packing.Min.Pending); diff != "" {
		t.Errorf("pending at min mismatch (-want +got):\n%s", diff)
	}
	if len(p.Packing.Max.Nodes) != 8 || len(p.Packing.Max.Pending) != 0 {
		t.Errorf("at max: %d nodes, %d pending; want 8 and none", len(p.Packing.Max.Nodes), len(p.Packing.Max.Pending))
	}
	var text bytes.Buffer
	if err := p.Text(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ml-1         ml       ap-south-1a  6/29   1.68 / 1.93 (87%)     3.12Gi / 6.74Gi (46%)",
		"Pending at min: ml 2/2 (Deployment), 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector",
	} {
		if !strings.Contains(text.String(), line+"\n") {
			t.Errorf("Text() has no line %q:\n%s", line, text.String())
		}
	}
}

// TestGolden compares the fixture's plan, as JSON and as text, with
// testdata/plan.json and testdata/plan.txt. Run with -update (or
// GEN_UPDATE=1) to rewrite them.
func TestGolden(t *testing.T) {
	env := newEnv(t, `cluster: nodeGroups: spot: {instanceTypes: ["m6i.large", "m5.large"], spot: true, minSize: 0, maxSize: 4}
apps: backend: {metrics: port: "http", objectives: throughput: rps: 500, capacity: rps: 150}
apps: ml: capacity: {rps: 20, headroom: 0.3}`)
	ng := env.Cluster.NodeGroups["general"]
	ng.InstanceTypes = []string{"t3.medium", "t3a.medium"}
	env.Cluster.NodeGroups["general"] = ng
	p := plan.Build(env, plan.Options{Today: today})
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"plan.json", func(b *bytes.Buffer) error { return p.JSON(b) }},
		{"plan.txt", func(b *bytes.Buffer) error { return p.Text(b) }},
	} {
		var got bytes.Buffer
		if err := f.write(&got); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.name)
		if golden.Update() {
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./generator/plan -update)", err)
		}
		if diff := cmp.Diff(string(want), got.String()); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
		}
	}
}

// TestJSONShape checks that the JSON keeps its documented shape: the
// top-level keys, and the units in the key names.
func TestJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := plan.Build(newEnv(t, ""), plan.Options{}).JSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range []string{"env", "date", "factsDate", "cluster", "nodeGroups", "apps", "daemonSets", "system", "addons", "controllers", "secrets", "loadBalancers", "monitoring", "throughput", "totals", "packing", "cost", "notes"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) != len(m) || len(m) != 18 {
		t.Errorf("top-level keys = %d of the 18 documented (%v)", len(m), keys)
	}
	if string(m["date"]) != `"2026-11-21"` {
		t.Errorf("date with the zero Today = %s, want the facts' date", m["date"])
	}
}

// TestBuildLoadBalancers lists an ALB per ingress group that an enabled
// app joins, its routes by order then app, and an NLB per LoadBalancer
// Service.
func TestBuildLoadBalancers(t *testing.T) {
	env := newEnv(t, `ingressGroups: {
	edge: certificateARNs: ["arn:aws:acm:ap-south-1:123456789012:certificate/0b1c2d3e"]
	inside: {scheme: "internal", listen: http: 8080}
	unused: {}
}
apps: {
	b: {ports: http: port: 8080, services: b: {}, ingress: {group: "edge", order: 10, hosts: ["x.example.com"], paths: {"/": port: "http", "/api": port: "http"}}}
	a: {ports: http: port: 8080, services: a: {}, ingress: {group: "edge", order: 20, hosts: ["x.example.com", "y.example.com"], paths: "/a": port: "http"}}
	c: {ports: http: port: 8080, services: c: {}, ingress: {group: "inside", hosts: ["c.internal"], paths: "/": port: "http"}}
	n: {ports: {tcp: port: 7000, dns: {port: 53, protocol: "UDP"}}, services: {"n-lb": {type: "LoadBalancer", servicePorts: tcp: 70, scheme: "internal"}, n: {}}}
}`)
	p := plan.Build(env, plan.Options{Today: today})
	got := p.LoadBalancers
	// The cost counts them all: two ALBs and two NLBs.
	if p.Cost == nil || p.Cost.Min.LoadBalancers.Count != 4 || p.Cost.Max.LoadBalancers.Count != 4 {
		t.Errorf("cost counts %+v load balancers, want 4", p.Cost)
	}
	want := []plan.LoadBalancer{
		{Type: "ALB", Name: "edge", Scheme: "internet-facing", Listeners: []string{"HTTP:80→HTTPS", "HTTPS:443"}, Routes: []string{
			"x.example.com/api → b:http", "x.example.com/ → b:http", "x.example.com/a → a:http", "y.example.com/a → a:http",
		}},
		{Type: "ALB", Name: "inside", Scheme: "internal", Listeners: []string{"HTTP:8080"}, Routes: []string{"c.internal/ → c:http"}},
		// The fixture's backend has an NLB; every app has the port http.
		{Type: "NLB", Name: "chatbot/backend-public", Scheme: "internet-facing", Listeners: []string{"TCP:8080"}, Routes: []string{"8080 → backend:http"}},
		{Type: "NLB", Name: "chatbot/n-lb", Scheme: "internal", Listeners: []string{"UDP:53", "TCP:8080", "TCP:70"}, Routes: []string{"53 → n:dns", "8080 → n:http", "70 → n:tcp"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadBalancers mismatch (-want +got):\n%s", diff)
	}
}

// TestBuildThroughput lists each enabled app that declares a throughput
// objective or a capacity, with the rate its replicas carry at peak and
// the margin when both are declared.
func TestBuildThroughput(t *testing.T) {
	env := newEnv(t, `apps: {
	backend: {metrics: port: "http", objectives: throughput: rps: 500, capacity: rps: 150}
	mongodb: {replicas: 3, capacity: {rps: 40, headroom: 0}}
	ml: {metrics: port: "http", objectives: throughput: rps: 30}
	retrain: enabled: false
}`)
	got := plan.Build(env, plan.Options{Today: today}).Throughput
	pct := func(p plan.Percent) *plan.Percent { return &p }
	want := []plan.Throughput{
		// 5 × 150 × 0.8 = 600 rps, 20% above 500.
		{App: "backend", ObjectiveRPS: 500, PerReplicaRPS: 150, Headroom: 0.2, MaxReplicas: 5, CapacityRPS: 600, MarginPercent: pct(20)},
		// An objective alone: nothing to hold it to.
		{App: "ml", ObjectiveRPS: 30, Headroom: 0, MaxReplicas: 2},
		// A capacity alone: what it carries, no margin.
		{App: "mongodb", PerReplicaRPS: 40, MaxReplicas: 3, CapacityRPS: 120},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Throughput mismatch (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := (plan.Plan{Throughput: got}).Text(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"THROUGHPUT  OBJECTIVE  PER REPLICA            CAPACITY AT MAX        MARGIN",
		"backend     500 rps    150 rps, 20% headroom  5 × 120 rps = 600 rps  +20.0%",
		"ml          30 rps     -                      -                      not checked: no capacity.rps",
		"mongodb     -          40 rps                 3 × 40 rps = 120 rps   not checked: no throughput objective",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("Text() lacks the line\n%s\nin\n%s", line, b.String())
		}
	}
}
