package capacity_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// packEnv is the CUE the placement tests start from: [modeltest.Cluster]
// (two zones, eu-west-1a and eu-west-1b), the namespace shop that apps
// are in, a default image, and t3.medium nodes unless a node group says
// otherwise. A t3.medium node allocates 1930m CPU, 3246Mi and 17 pods.
// Of the controllers, only the AWS Load Balancer Controller runs, as two
// pods without requests ([modeltest.OneController]).
const packEnv = modeltest.Cluster + modeltest.OneController + `
namespaces: shop: {}
defaults: namespace: "shop"
apps: [Name=_]: image: *{repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/\(Name)", tag: "1.0.0"} | _
cluster: nodeGroups: [_]: instanceTypes: *["t3.medium"] | _
`

// analyze returns the analysis of packEnv and src. Unless overhead is
// set, the cluster runs no DaemonSet and no add-on or controller pod, so
// that only the apps' pods count.
func analyze(t *testing.T, src string, overhead bool) *capacity.Analysis {
	t.Helper()
	a := capacity.Analyze(modeltest.Env(t, "dev", packEnv+src), nil, time.Time{})
	if !overhead {
		a.DaemonSets, a.System = nil, nil
	}
	return a
}

// layout writes a placement as lines: each node with its pods, then each
// Pending pod with the scheduler's reason.
func layout(p *capacity.Placement) []string {
	var lines []string
	for _, n := range p.Nodes {
		var pods []string
		for _, pod := range n.Pods {
			pods = append(pods, pod.Name())
		}
		lines = append(lines, fmt.Sprintf("%s (%s): %s", n.Name, n.Zone, strings.Join(pods, ", ")))
	}
	for _, pod := range p.Pending() {
		lines = append(lines, "Pending "+pod.Name()+": "+pod.Reason)
	}
	return lines
}

func TestPlace(t *testing.T) {
	tests := []struct {
		name string
		// src is more CUE of packEnv.
		src string
		// overhead keeps the DaemonSets and the add-ons' pods.
		overhead bool
		size     capacity.Size
		want     []string
	}{
		{
			name: "insufficient cpu",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: web: {replicas: 3, resources: requests: {cpu: "800m", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/3, web 2/3",
				"Pending web 3/3: 0/1 nodes are available: 1 Insufficient cpu",
			},
		},
		{
			name: "insufficient memory",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: web: {replicas: 2, resources: requests: {cpu: "100m", memory: "2Gi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/2",
				"Pending web 2/2: 0/1 nodes are available: 1 Insufficient memory",
			},
		},
		{
			name: "insufficient ephemeral storage",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1, volumeSize: 30}
apps: web: {replicas: 3, resources: {
	requests: {cpu: "100m", memory: "128Mi", "ephemeral-storage": "10Gi"}
	limits: "ephemeral-storage": "10Gi"
}}`,
			// 30 GiB less 3 GiB (nodefs.available 10%) and 1 GiB
			// (kube-reserved): 26 GiB, room for two.
			want: []string{
				"general-1 (eu-west-1a): web 1/3, web 2/3",
				"Pending web 3/3: 0/1 nodes are available: 1 Insufficient ephemeral-storage",
			},
		},
		{
			name: "ephemeral storage larger than any node",
			src: `
cluster: nodeGroups: general: {minSize: 2, maxSize: 2}
apps: web: {resources: {
	requests: {cpu: "100m", memory: "128Mi", "ephemeral-storage": "18Gi"}
	limits: "ephemeral-storage": "18Gi"
}}`,
			want: []string{
				"general-1 (eu-west-1a): ",
				"general-2 (eu-west-1b): ",
				"Pending web 1/1: 0/2 nodes are available: 2 Insufficient ephemeral-storage",
			},
		},
		{
			name: "too many pods for maxPodsPerNode",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1, maxPodsPerNode: 2}
apps: web: {replicas: 3, resources: requests: {cpu: "10m", memory: "16Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/3, web 2/3",
				"Pending web 3/3: 0/1 nodes are available: 1 Too many pods",
			},
		},
		{
			name: "every reason of the resources fit, at once",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1, maxPodsPerNode: 1}
apps: web: {replicas: 2, resources: {
	requests: {cpu: "1", memory: "2Gi", "ephemeral-storage": "9Gi"}
	limits: "ephemeral-storage": "9Gi"
}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/2",
				"Pending web 2/2: 0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient ephemeral-storage, 1 Insufficient memory, 1 Too many pods",
			},
		},
		{
			name: "a nodeSelector that no node at min matches",
			src: `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 2}
	batch: {minSize: 0, maxSize: 2, labels: workload: "batch"}
}
apps: web: {nodeGroup: "batch", resources: requests: {cpu: "100m", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): ",
				"general-2 (eu-west-1b): ",
				"Pending web 1/1: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector",
			},
		},
		{
			name: "a taint the pod does not tolerate",
			src: `
cluster: nodeGroups: {
	general: {minSize: 1, maxSize: 1}
	ml: {minSize: 1, maxSize: 1, labels: workload: "ml", taints: [{key: "workload", value: "ml"}]}
}
apps: web: {replicas: 2, resources: requests: {cpu: "1", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/2",
				"ml-1 (eu-west-1a): ",
				"Pending web 2/2: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {workload: ml}",
			},
		},
		{
			name: "required anti-affinity: one pod per node",
			src: `
cluster: nodeGroups: general: {minSize: 2, maxSize: 2}
apps: web: {replicas: 3, antiAffinity: "required", resources: requests: {cpu: "100m", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/3",
				"general-2 (eu-west-1b): web 2/3",
				"Pending web 3/3: 0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules",
			},
		},
		{
			// The scheduler counts the hosts of every node that the pod's
			// nodeSelector matches, tainted or not: with no nodeSelector
			// the idle ML node is a host with none of web's pods, so no
			// other host may hold more than one.
			name: "required host spread counts the tainted nodes",
			src: `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 2}
	ml: {minSize: 1, maxSize: 1, labels: workload: "ml", taints: [{key: "workload", value: "ml"}]}
}
apps: web: {replicas: 3, spread: hosts: "required", resources: requests: {cpu: "100m", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/3",
				"general-2 (eu-west-1b): web 2/3",
				"ml-1 (eu-west-1a): ",
				"Pending web 3/3: 0/3 nodes are available: 1 node(s) had untolerated taint {workload: ml}, 2 node(s) didn't match pod topology spread constraints",
			},
		},
		{
			// Two nodes in eu-west-1a, one in eu-west-1b: once each zone
			// has one pod and 1a two, 1a may take no more until 1b has
			// two, and 1b's node is full.
			name: "required zone spread with maxSkew 1",
			src: `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 2, zones: ["eu-west-1a"]}
	small: {minSize: 1, maxSize: 1, zones: ["eu-west-1b"], maxPodsPerNode: 1}
}
apps: web: {replicas: 4, spread: zones: "required", resources: requests: {cpu: "100m", memory: "128Mi"}}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/4",
				"general-2 (eu-west-1a): web 3/4",
				"small-1 (eu-west-1b): web 2/4",
				"Pending web 4/4: 0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match pod topology spread constraints",
			},
		},
		{
			name: "preferred spread and anti-affinity only score",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: web: {replicas: 3, spread: {zones: "preferred", hosts: "preferred"}, antiAffinity: "preferred", resources: requests: {cpu: "100m", memory: "128Mi"}}`,
			want: []string{"general-1 (eu-west-1a): web 1/3, web 2/3, web 3/3"},
		},
		{
			name: "at min: minSize nodes, minReplicas",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 3}
apps: web: {replicas: 1, autoscaling: {minReplicas: 1, maxReplicas: 4, cpu: 70}, resources: requests: {cpu: "1", memory: "128Mi"}}`,
			want: []string{"general-1 (eu-west-1a): web 1/1"},
		},
		{
			// LeastAllocated sends each pod to the emptiest node; the
			// fourth finds none with a whole CPU left.
			name: "at max: maxSize nodes, maxReplicas",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 3}
apps: web: {replicas: 1, autoscaling: {minReplicas: 1, maxReplicas: 4, cpu: 70}, resources: requests: {cpu: "1", memory: "128Mi"}}`,
			size: capacity.AtMax,
			want: []string{
				"general-1 (eu-west-1a): web 1/4",
				"general-2 (eu-west-1b): web 2/4",
				"general-3 (eu-west-1a): web 3/4",
				"Pending web 4/4: 0/3 nodes are available: 3 Insufficient cpu",
			},
		},
		{
			// The CronJob is larger, but its run starts on a schedule,
			// once the Deployment's pods run.
			name: "a CronJob run after the apps at rest",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: {
	report: {kind: "CronJob", schedule: "@daily", resources: requests: {cpu: "1500m", memory: "128Mi"}}
	web: {replicas: 1, resources: requests: {cpu: "1", memory: "128Mi"}}
}`,
			want: []string{
				"general-1 (eu-west-1a): web 1/1",
				"Pending report run 1/1: 0/1 nodes are available: 1 Insufficient cpu",
			},
		},
		{
			// ... but before the replicas an HPA adds at peak.
			name: "a CronJob run before the HPA's scale-up",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 2}
apps: {
	report: {kind: "CronJob", schedule: "@daily", resources: requests: {cpu: "1", memory: "128Mi"}}
	web: {replicas: 1, autoscaling: {minReplicas: 1, maxReplicas: 2, cpu: 70}, resources: requests: {cpu: "1", memory: "128Mi"}}
}`,
			size: capacity.AtMax,
			want: []string{
				"general-1 (eu-west-1a): web 1/2",
				"general-2 (eu-west-1b): report run 1/1",
				"Pending web 2/2: 0/2 nodes are available: 2 Insufficient cpu",
			},
		},
		{
			// aws-node 50m, kube-proxy 100m, ebs-csi-node 30m / 120Mi and
			// eks-pod-identity-agent on each node, then the add-ons' pods
			// that run once, spread by LeastAllocated, leave 1490m of the
			// 1930m on each node.
			name: "DaemonSets first on every node, then the add-ons",
			src: `
cluster: nodeGroups: general: {minSize: 2, maxSize: 2}
apps: web: {replicas: 1, resources: requests: {cpu: "1500m", memory: "128Mi"}}`,
			overhead: true,
			want: []string{
				"general-1 (eu-west-1a): aws-node, kube-proxy, ebs-csi-node, eks-pod-identity-agent, coredns 1/2, ebs-csi-controller 1/2, metrics-server 1/1, aws-load-balancer-controller 1/2, aws-load-balancer-controller 2/2",
				"general-2 (eu-west-1b): aws-node, kube-proxy, ebs-csi-node, eks-pod-identity-agent, coredns 2/2, ebs-csi-controller 2/2, cluster-autoscaler 1/1",
				"Pending web 1/1: 0/2 nodes are available: 2 Insufficient cpu",
			},
		},
		{
			// A DaemonSet's pod belongs on one node: the others are left
			// out before the filters, with the scheduler's reason.
			name: "a DaemonSet pod its node has no room for",
			src: `
cluster: nodeGroups: general: {minSize: 2, maxSize: 2, maxPodsPerNode: 3}
cluster: addons: {coredns: enabled: false, "metrics-server": enabled: false}
cluster: autoscaler: enabled: false`,
			overhead: true,
			want: []string{
				"general-1 (eu-west-1a): aws-node, kube-proxy, ebs-csi-node",
				"general-2 (eu-west-1b): aws-node, kube-proxy, ebs-csi-node",
				"Pending eks-pod-identity-agent: 0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]",
				"Pending eks-pod-identity-agent: 0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]",
				"Pending ebs-csi-controller 1/2: 0/2 nodes are available: 2 Too many pods",
				"Pending ebs-csi-controller 2/2: 0/2 nodes are available: 2 Too many pods",
				"Pending aws-load-balancer-controller 1/2: 0/2 nodes are available: 2 Too many pods",
				"Pending aws-load-balancer-controller 2/2: 0/2 nodes are available: 2 Too many pods",
			},
		},
		{
			// A controller's per-node pod comes with every node its
			// tolerations admit, after the add-ons' DaemonSets: node-agent
			// tolerates every taint, so ml's node has one too.
			name: "a controller's DaemonSet on every node it tolerates",
			src: `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 2}
	ml: {minSize: 1, maxSize: 1, taints: [{key: "workload", value: "ml"}]}
}
cluster: addons: {coredns: enabled: false, "metrics-server": enabled: false, "aws-ebs-csi-driver": enabled: false}
cluster: autoscaler: enabled: false
platform: controllers: "aws-load-balancer-controller": enabled: false
` + modeltest.NodeAgent,
			overhead: true,
			want: []string{
				"general-1 (eu-west-1a): aws-node, kube-proxy, eks-pod-identity-agent, node-agent",
				"general-2 (eu-west-1b): aws-node, kube-proxy, eks-pod-identity-agent, node-agent",
				"ml-1 (eu-west-1a): aws-node, kube-proxy, eks-pod-identity-agent, node-agent",
			},
		},
		{
			// Without a toleration it stays off the tainted group, as
			// kube-scheduler's DaemonSet controller keeps it.
			name: "a controller's DaemonSet only where it may land",
			src: `
cluster: nodeGroups: {
	general: {minSize: 1, maxSize: 1}
	ml: {minSize: 1, maxSize: 1, taints: [{key: "workload", value: "ml"}]}
}
cluster: addons: {coredns: enabled: false, "metrics-server": enabled: false, "aws-ebs-csi-driver": enabled: false}
cluster: autoscaler: enabled: false
platform: controllers: "aws-load-balancer-controller": enabled: false
platform: controllers: "node-agent": tolerations: []` + modeltest.NodeAgent,
			overhead: true,
			want: []string{
				"general-1 (eu-west-1a): aws-node, kube-proxy, eks-pod-identity-agent, node-agent",
				"ml-1 (eu-west-1a): aws-node, kube-proxy, eks-pod-identity-agent",
			},
		},
		{
			// The pod limit is full before node-agent's pod comes: it
			// stays Pending on each node, with the scheduler's reason.
			name: "a controller's DaemonSet pod its node has no room for",
			src: `
cluster: nodeGroups: general: {minSize: 2, maxSize: 2, maxPodsPerNode: 4}
cluster: addons: {coredns: enabled: false, "metrics-server": enabled: false}
cluster: autoscaler: enabled: false
platform: controllers: "aws-load-balancer-controller": enabled: false
` + modeltest.NodeAgent,
			overhead: true,
			want: []string{
				"general-1 (eu-west-1a): aws-node, kube-proxy, ebs-csi-node, eks-pod-identity-agent",
				"general-2 (eu-west-1b): aws-node, kube-proxy, ebs-csi-node, eks-pod-identity-agent",
				"Pending node-agent: 0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]",
				"Pending node-agent: 0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]",
				"Pending ebs-csi-controller 1/2: 0/2 nodes are available: 2 Too many pods",
				"Pending ebs-csi-controller 2/2: 0/2 nodes are available: 2 Too many pods",
			},
		},
		{
			// Both in wave 0: the larger goes first and takes the node.
			name: "larger pods first within a wave",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: {
	a: resources: requests: {cpu: "1", memory: "128Mi"}
	b: resources: requests: {cpu: "1200m", memory: "128Mi"}
}`,
			want: []string{
				"general-1 (eu-west-1a): b 1/1",
				"Pending a 1/1: 0/1 nodes are available: 1 Insufficient cpu",
			},
		},
		{
			// b depends on a: a's wave is synced first.
			name: "earlier sync waves first",
			src: `
cluster: nodeGroups: general: {minSize: 1, maxSize: 1}
apps: {
	a: resources: requests: {cpu: "1", memory: "128Mi"}
	b: {dependsOn: ["a"], resources: requests: {cpu: "1200m", memory: "128Mi"}}
}`,
			want: []string{
				"general-1 (eu-west-1a): a 1/1",
				"Pending b 1/1: 0/1 nodes are available: 1 Insufficient cpu",
			},
		},
		{
			name: "no node at all",
			src: `
cluster: nodeGroups: general: {minSize: 0, maxSize: 1}
apps: web: resources: requests: {cpu: "100m", memory: "128Mi"}`,
			want: []string{"Pending web 1/1: no nodes available to schedule pods"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := analyze(t, tt.src, tt.overhead).Place(tt.size)
			if p.Size != tt.size {
				t.Errorf("Place(%v).Size = %v", tt.size, p.Size)
			}
			if diff := cmp.Diff(tt.want, layout(p)); diff != "" {
				t.Errorf("Place(%v) mismatch (-want +got):\n%s", tt.size, diff)
			}
			if diff := cmp.Diff(layout(analyze(t, tt.src, tt.overhead).PlaceExhaustive(tt.size)), layout(p)); diff != "" {
				t.Errorf("Place(%v) differs from trying every node for every pod (-every node +Place):\n%s", tt.size, diff)
			}
		})
	}
}

// TestPlaceAsExhaustive checks that Place, which asks one node of a
// group's nodes in the same state, places every pod where trying every
// node does, with the same reasons: on random pods of random sizes, with
// and without selectors (of a group's label, a zone, a hostname) and
// tolerations, with DaemonSets, on node groups of three sizes, one
// tainted, at min and at max.
func TestPlaceAsExhaustive(t *testing.T) {
	a := analyze(t, `
cluster: nodeGroups: {
	general: {minSize: 3, maxSize: 7}
	big: {instanceTypes: ["m6i.xlarge"], minSize: 1, maxSize: 4, labels: role: "big"}
	infra: {instanceTypes: ["t3.large"], minSize: 1, maxSize: 2, labels: role: "infra", taints: [{key: "role", value: "infra"}]}
}
apps: {
	api: {replicas: 3, autoscaling: {minReplicas: 3, maxReplicas: 12, cpu: 70}, resources: requests: {cpu: "300m", memory: "512Mi"}}
	web: {replicas: 2, spread: zones: "required", resources: requests: {cpu: "200m", memory: "256Mi"}}
	db: {kind: "StatefulSet", replicas: 3, antiAffinity: "required", resources: requests: {cpu: "500m", memory: "1Gi"}}
}`, true)
	daemonSets := a.DaemonSets
	r := rand.New(rand.NewPCG(1, 2))
	selectors := []map[string]string{nil, nil, {"role": "big"}, {"role": "infra"}, {"role": "none"},
		{"topology.kubernetes.io/zone": "eu-west-1b"}, {"kubernetes.io/hostname": "general-2"}}
	tolerations := [][]capacity.Toleration{nil, nil, {{Key: "role", Operator: "Exists"}}}
	for trial := range 300 {
		a.DaemonSets = nil
		if trial%2 == 0 {
			a.DaemonSets = daemonSets
		}
		a.System = nil
		for i := range 1 + r.IntN(12) {
			a.System = append(a.System, capacity.OverheadPod{
				Name: fmt.Sprintf("pod-%d", i), Replicas: 1 + r.Int64N(25),
				Requests: capacity.Resources{
					CPU:              []int64{0, 50, 100, 250, 300, 700, 1500}[r.IntN(7)],
					Memory:           []int64{0, 64, 128, 200, 512, 2048}[r.IntN(6)] * capacity.MiB,
					EphemeralStorage: []int64{0, 0, 1, 5}[r.IntN(4)] * capacity.GiB,
				},
				Selector: selectors[r.IntN(len(selectors))], Tolerations: tolerations[r.IntN(len(tolerations))],
			})
		}
		for _, size := range []capacity.Size{capacity.AtMin, capacity.AtMax} {
			want, got := a.PlaceExhaustive(size), a.Place(size)
			if diff := cmp.Diff(layout(want), layout(got)); diff != "" {
				t.Fatalf("trial %d: Place(%v) differs from trying every node for every pod (-every node +Place):\n%s", trial, size, diff)
			}
		}
	}
}

// TestPlaceSystemSelector checks that a pod that runs once per cluster
// goes where its nodeSelector and tolerations let it, and only there.
func TestPlaceSystemSelector(t *testing.T) {
	a := analyze(t, `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 2}
	infra: {minSize: 1, maxSize: 1, labels: role: "infra", taints: [{key: "role", value: "infra"}]}
}`, false)
	a.System = []capacity.OverheadPod{
		{Name: "controller", Replicas: 2, Requests: capacity.Resources{CPU: 1000},
			Selector: map[string]string{"role": "infra"}, Tolerations: []capacity.Toleration{{Key: "role", Operator: "Exists"}}},
		{Name: "dns", Replicas: 1, Requests: capacity.Resources{CPU: 100}},
	}
	want := []string{
		"general-1 (eu-west-1a): dns 1/1",
		"general-2 (eu-west-1b): ",
		"infra-1 (eu-west-1a): controller 1/2",
		"Pending controller 2/2: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector",
	}
	if diff := cmp.Diff(want, layout(a.Place(capacity.AtMin))); diff != "" {
		t.Errorf("Place() mismatch (-want +got):\n%s", diff)
	}
}

// TestPlaceObjects checks that the pods are read from the rendered
// workloads: a CronJob's run is its parallelism's pods, and a patched
// maxSkew or anti-affinity counts.
func TestPlaceObjects(t *testing.T) {
	env := modeltest.Env(t, "dev", packEnv+`
cluster: nodeGroups: general: {minSize: 2, maxSize: 2}
apps: {
	report: {kind: "CronJob", schedule: "@daily", resources: requests: {cpu: "500m", memory: "128Mi"}}
	web: {replicas: 3, resources: requests: {cpu: "100m", memory: "128Mi"}}
}`)
	pod := func(extra map[string]any) map[string]any {
		spec := map[string]any{"containers": []any{map[string]any{
			"name": "c", "resources": map[string]any{"requests": map[string]any{"cpu": "500m", "memory": "128Mi"}},
		}}}
		for k, v := range extra {
			spec[k] = v
		}
		return map[string]any{"spec": spec}
	}
	objs := []object.Object{
		{App: "report", Content: map[string]any{
			"apiVersion": "batch/v1", "kind": model.CronJob,
			"metadata": map[string]any{"name": "report", "namespace": "shop"},
			"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{
				"parallelism": int64(3), "template": pod(nil),
			}}},
		}},
		{App: "web", Content: map[string]any{
			"apiVersion": "apps/v1", "kind": model.Deployment,
			"metadata": map[string]any{"name": "web", "namespace": "shop"},
			"spec": map[string]any{"template": pod(map[string]any{
				"affinity": map[string]any{"podAntiAffinity": map[string]any{
					"requiredDuringSchedulingIgnoredDuringExecution": []any{map[string]any{"topologyKey": "kubernetes.io/hostname"}},
				}},
			})},
		}},
	}
	a := capacity.Analyze(env, objs, time.Time{})
	a.DaemonSets, a.System = nil, nil
	want := []string{
		"general-1 (eu-west-1a): web 1/3, report run 1/3, report run 3/3",
		"general-2 (eu-west-1b): web 2/3, report run 2/3",
		"Pending web 3/3: 0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules",
	}
	if diff := cmp.Diff(want, layout(a.Place(capacity.AtMin))); diff != "" {
		t.Errorf("Place() mismatch (-want +got):\n%s", diff)
	}
}

// TestPlaceDeterministic checks that the result does not depend on the
// order of the apps: it is the same after reversing them.
func TestPlaceDeterministic(t *testing.T) {
	src := `
cluster: nodeGroups: {
	general: {minSize: 2, maxSize: 4}
	spot: {minSize: 1, maxSize: 3, spot: true}
}
apps: {
	api: {replicas: 3, autoscaling: {minReplicas: 3, maxReplicas: 9, cpu: 70}, resources: requests: {cpu: "300m", memory: "512Mi"}}
	cache: {kind: "StatefulSet", replicas: 4, resources: requests: {cpu: "300m", memory: "512Mi"}}
	db: {kind: "StatefulSet", resources: requests: {cpu: "700m", memory: "1Gi"}}
	report: {kind: "CronJob", schedule: "@daily", resources: requests: {cpu: "300m", memory: "256Mi"}}
	web: {replicas: 2, dependsOn: ["api"], resources: requests: {cpu: "300m", memory: "512Mi"}}
}`
	for _, size := range []capacity.Size{capacity.AtMin, capacity.AtMax} {
		want := layout(analyze(t, src, true).Place(size))
		a := analyze(t, src, true)
		slices.Reverse(a.Apps)
		if diff := cmp.Diff(want, layout(a.Place(size))); diff != "" {
			t.Errorf("Place(%v) with the apps reversed mismatch (-want +got):\n%s", size, diff)
		}
	}
}

// TestPlaceNodes checks the nodes a placement is made of: each group's
// at the size, over its zones in turn, with its labels, the zone's, the
// region's and the hostname; a group gen does not know is left out.
func TestPlaceNodes(t *testing.T) {
	a := analyze(t, `
cluster: nodeGroups: {
	general: {minSize: 1, maxSize: 3, labels: workload: "general"}
	odd: {instanceTypes: ["x9.huge"], minSize: 1, maxSize: 1}
}`, false)
	p := a.Place(capacity.AtMax)
	var got []string
	for _, n := range p.Nodes {
		got = append(got, fmt.Sprintf("%s %d %s %s %s %s", n.Name, n.Index, n.Zone, n.Labels["workload"], n.Labels["topology.kubernetes.io/region"], n.Labels["kubernetes.io/hostname"]))
	}
	want := []string{
		"general-1 0 eu-west-1a general eu-west-1 general-1",
		"general-2 1 eu-west-1b general eu-west-1 general-2",
		"general-3 2 eu-west-1a general eu-west-1 general-3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes mismatch (-want +got):\n%s", diff)
	}
	if !slices.Equal(p.Unknown, []string{"odd"}) {
		t.Errorf("Unknown = %v, want [odd]", p.Unknown)
	}
	// 20 GiB, the schema's volumeSize, less 10% and 1Gi: 17Gi.
	if n := p.Nodes[0]; n.Allocatable != (capacity.Resources{CPU: 1930, Memory: 3246 * capacity.MiB, EphemeralStorage: 17 * capacity.GiB, Pods: 17}) || n.Free() != n.Allocatable {
		t.Errorf("general-1 allocates %+v, free %+v; want 1930m / 3246Mi / 17Gi / 17 pods, all free", n.Allocatable, n.Free())
	}
}

// TestPodNames checks how pods are named for people.
func TestPodNames(t *testing.T) {
	for _, tt := range []struct {
		pod            capacity.Pod
		name, describe string
	}{
		{capacity.Pod{Workload: "ml", Kind: model.Deployment, Replica: 2, Of: 3}, "ml 2/3", "Deployment ml replica 2 of 3"},
		{capacity.Pod{Workload: "cache", Kind: model.StatefulSet, Replica: 5, Of: 5}, "cache-4", "StatefulSet cache pod cache-4"},
		{capacity.Pod{Workload: "report", Kind: model.CronJob, Replica: 1, Of: 1}, "report run 1/1", "CronJob report run, pod 1 of 1"},
		{capacity.Pod{Workload: "load", Kind: model.Job, Replica: 1, Of: 2}, "load 1/2", "Job load pod 1 of 2"},
		{capacity.Pod{Workload: "coredns", Replica: 1, Of: 2}, "coredns 1/2", "coredns pod 1 of 2"},
		{capacity.Pod{Workload: "aws-node", Kind: "DaemonSet", Replica: 1, Of: 1}, "aws-node", "DaemonSet aws-node pod 1 of 1"},
	} {
		if got := tt.pod.Name(); got != tt.name {
			t.Errorf("Name() = %q, want %q", got, tt.name)
		}
		if got := tt.pod.Describe(); got != tt.describe {
			t.Errorf("Describe() = %q, want %q", got, tt.describe)
		}
	}
}

// BenchmarkPlace places 1,000 apps at min and at max on a thousand
// nodes at most: Place, and for comparison every node tried for every pod.
func BenchmarkPlace(b *testing.B) {
	var src strings.Builder
	src.WriteString(`
cluster: nodeGroups: {
	general: {instanceTypes: ["m6i.2xlarge"], minSize: 100, maxSize: 1000, labels: workload: "general"}
	batch: {instanceTypes: ["c6i.xlarge"], minSize: 40, maxSize: 100, labels: workload: "batch", taints: [{key: "workload", value: "batch"}]}
}
apps: {
`)
	for i := range 1000 {
		switch {
		case i%10 == 9:
			fmt.Fprintf(&src, "\t\"app-%04d\": {kind: \"StatefulSet\", replicas: 3, nodeGroup: \"general\", resources: requests: {cpu: \"500m\", memory: \"1Gi\"}}\n", i)
		case i%10 == 8:
			fmt.Fprintf(&src, "\t\"app-%04d\": {kind: \"CronJob\", schedule: \"@daily\", nodeGroup: \"batch\", resources: requests: {cpu: \"1\", memory: \"2Gi\"}}\n", i)
		default:
			fmt.Fprintf(&src, "\t\"app-%04d\": {nodeGroup: \"general\", autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 70}, resources: requests: {cpu: \"250m\", memory: \"512Mi\"}}\n", i)
		}
	}
	src.WriteString("}\n")
	a := capacity.Analyze(modeltest.Env(b, "prod", packEnv+src.String()), nil, time.Time{})
	for _, bc := range []struct {
		name  string
		place func(capacity.Size) *capacity.Placement
	}{{"alike", a.Place}, {"exhaustive", a.PlaceExhaustive}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, size := range []capacity.Size{capacity.AtMin, capacity.AtMax} {
					if p := bc.place(size); len(p.Pending()) > 0 {
						b.Fatalf("Place(%v) left %d pods Pending: %s", size, len(p.Pending()), p.Pending()[0].Reason)
					}
				}
			}
		})
	}
}
