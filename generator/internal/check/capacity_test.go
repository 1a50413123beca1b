package check_test

import (
	"strings"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// today is the date the tests check support windows at: the date of the
// embedded tables.
var today = time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)

// controllerRoles names the IAM roles of the Cluster Autoscaler, the AWS
// Load Balancer Controller and the EBS CSI driver without the cluster's
// prefix that the schema gives them, as the messages below name them.
const controllerRoles = `
cluster: {
	autoscaler: iamRole:   "cluster-autoscaler"
	ebsCSIDriver: iamRole: "ebs-csi-driver"
}
platform: controllers: "aws-load-balancer-controller": serviceAccount: iamRole: "aws-load-balancer-controller"
` + modeltest.OneController

// capacityEnv returns the environment prod of seed 003 in small
// ([modeltest.ChatbotProdApps], on which every check passes) with
// [controllerRoles] and src, more CUE of it, as the loader decodes it.
// Its cue.Value is the zero value: errors have no position.
func capacityEnv(t testing.TB, src string) *model.Environment {
	t.Helper()
	return modeltest.Env(t, "prod", modeltest.ChatbotProdApps+controllerRoles+src)
}

// workload returns a rendered workload of app with one container of the
// given requests, and the nodeSelector and tolerations given, as
// kube.Build and patches would leave it.
func workload(app, kind string, requests map[string]any, nodeSelector map[string]any, tolerations []any) object.Object {
	spec := map[string]any{
		"containers": []any{map[string]any{"name": app, "resources": map[string]any{"requests": requests}}},
	}
	if nodeSelector != nil {
		spec["nodeSelector"] = nodeSelector
	}
	if tolerations != nil {
		spec["tolerations"] = tolerations
	}
	return object.Object{App: app, Content: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       kind,
		"metadata":   map[string]any{"name": app, "namespace": "chatbot"},
		"spec":       map[string]any{"template": map[string]any{"spec": spec}},
	}}
}

func TestCapacity(t *testing.T) {
	tests := []struct {
		name string
		// src is more CUE of the environment of capacityEnv: node
		// groups, apps and roles it adds.
		src string
		// env changes, in Go, values the environment states already.
		env func(env *model.Environment)
		// objs returns rendered objects, after env.
		objs         func(env *model.Environment) []object.Object
		want         []problem
		wantWarnings []string
	}{
		{
			name: "clean",
		},

		// Per-pod requests against the nodes' allocatable.
		{
			name: "pod larger than every node it may land on",
			env: func(env *model.Environment) {
				env.Apps["ml"].Resources.Requests = model.ResourceList{CPU: "3", Memory: "2Gi"}
				env.Apps["ml"].Autoscaling.MaxReplicas = int32p(1) // keeps the ml pool within its capacity
			},
			want: []problem{{
				Path:  path("apps", "ml", "resources", "requests"),
				Error: "apps.ml.resources.requests: requests 3 CPU / 2Gi per pod, but node group ml (m5.large) has at most 1.75 CPU / 6783Mi per node for pods (allocatable 1.93 CPU / 6903Mi, less 180m CPU / 120Mi for DaemonSets)",
			}},
		},
		{
			// An m5.large of 50 GiB allocates 44Gi of ephemeral storage.
			name: "pod whose ephemeral storage is larger than every node's",
			env: func(env *model.Environment) {
				env.Apps["ml"].Resources.Requests.EphemeralStorage = "50Gi"
				env.Apps["ml"].Resources.Limits.EphemeralStorage = "50Gi"
			},
			want: []problem{{
				Path:  path("apps", "ml", "resources", "requests"),
				Error: "apps.ml.resources.requests: requests 1 CPU / 2Gi / 50Gi ephemeral storage per pod, but node group ml (m5.large, 50 GiB volume) has at most 1.75 CPU / 6783Mi / 44Gi ephemeral storage per node for pods (allocatable 1.93 CPU / 6903Mi / 44Gi ephemeral storage, less 180m CPU / 120Mi / 0 ephemeral storage for DaemonSets)",
			}},
		},
		{
			name: "pod that fits one of the node groups it may land on",
			// Apps without a node group may land on every untainted group.
			src: `cluster: nodeGroups: big: {instanceTypes: ["r5.large"], minSize: 2, maxSize: 3}`,
			env: func(env *model.Environment) {
				env.Apps["backend"].Resources.Requests = model.ResourceList{CPU: "1300m", Memory: "5Gi"}
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(2)
			},
		},
		{
			name: "pod larger than every node, with several node groups",
			src:  `cluster: nodeGroups: compute: {instanceTypes: ["c5.xlarge", "c6i.xlarge"], minSize: 0, maxSize: 2}`,
			env: func(env *model.Environment) {
				env.Apps["backend"].Resources.Requests = model.ResourceList{CPU: "250m", Memory: "8Gi"}
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(2)
			},
			want: []problem{{
				Path: path("apps", "backend", "resources", "requests"),
				Error: "apps.backend.resources.requests: requests 250m CPU / 8Gi per pod, but " +
					"node group compute (c5.xlarge/c6i.xlarge) has at most 3.74 CPU / 6464Mi per node for pods (allocatable 3.92 CPU / 6584Mi, less 180m CPU / 120Mi for DaemonSets); " +
					"node group general (t3.medium) has at most 1.75 CPU / 3126Mi per node for pods (allocatable 1.93 CPU / 3246Mi, less 180m CPU / 120Mi for DaemonSets)",
			}},
		},

		// Placement: nodeSelector and tolerations against the node groups.
		{
			name: "nodeSelector that matches no node group",
			objs: func(env *model.Environment) []object.Object {
				return []object.Object{workload("backend", model.Deployment,
					map[string]any{"cpu": "250m", "memory": "256Mi"},
					map[string]any{"workload": "gpu"}, nil)}
			},
			want: []problem{{
				Path:  path("apps", "backend", "nodeGroup"),
				Error: "apps.backend.nodeGroup: the pods' nodeSelector {workload=gpu} and tolerations [] match no node group: general has no label workload=gpu; ml has no label workload=gpu",
			}},
		},
		{
			name: "nodeSelector without the toleration of the tainted group it selects",
			objs: func(env *model.Environment) []object.Object {
				return []object.Object{workload("backend", model.Deployment,
					map[string]any{"cpu": "250m", "memory": "256Mi"},
					map[string]any{"workload": "ml"}, nil)}
			},
			want: []problem{{
				Path:  path("apps", "backend", "nodeGroup"),
				Error: "apps.backend.nodeGroup: the pods' nodeSelector {workload=ml} and tolerations [] match no node group: general has no label workload=ml; ml has taint workload=ml:NoSchedule, not tolerated",
			}},
		},
		{
			name: "nodeSelector on well-known labels and a toleration of every taint",
			objs: func(env *model.Environment) []object.Object {
				return []object.Object{workload("backend", model.Deployment,
					map[string]any{"cpu": "250m", "memory": "256Mi"},
					map[string]any{"kubernetes.io/os": "linux", "topology.kubernetes.io/zone": "ap-south-1b", "eks.amazonaws.com/capacityType": "ON_DEMAND"},
					[]any{map[string]any{"operator": "Exists"}})}
			},
		},
		{
			name: "an app that tolerates nothing on a tainted-only cluster",
			env: func(env *model.Environment) {
				delete(env.Cluster.NodeGroups, "general")
			},
			want: []problem{
				{
					Path:  path("cluster", "nodeGroups"),
					Error: "cluster.nodeGroups: every node group of cluster chatbot-prod is tainted (ml: workload=ml:NoSchedule), so coredns, ebs-csi-controller, metrics-server, cluster-autoscaler and aws-load-balancer-controller, which tolerate none of the taints, cannot run; add a node group without NoSchedule or NoExecute taints",
				},
				{
					Path:  path("apps", "backend", "nodeGroup"),
					Error: "apps.backend.nodeGroup: the app tolerates no taint, and every node group of cluster chatbot-prod is tainted (ml: workload=ml:NoSchedule); set nodeGroup, or add a node group without taints",
				},
				{
					Path:  path("apps", "mongodb", "nodeGroup"),
					Error: "apps.mongodb.nodeGroup: the app tolerates no taint, and every node group of cluster chatbot-prod is tainted (ml: workload=ml:NoSchedule); set nodeGroup, or add a node group without taints",
				},
			},
		},
		{
			name: "a node group that does not exist is left to check.Environment",
			env: func(env *model.Environment) {
				env.Apps["ml"].NodeGroup = "gpu"
			},
		},

		// Placement, pod by pod, at min and at max.
		{
			// The one m5.large ML node at min has 1750m beside the
			// DaemonSets: one ml pod and the retrain run, not two ml pods.
			name: "pods that stay Pending at min",
			env: func(env *model.Environment) {
				env.Apps["ml"].Autoscaling.MinReplicas = int32p(2)
			},
			want: []problem{
				{
					Path:  path("apps", "ml", "autoscaling", "minReplicas"),
					Error: "apps.ml.autoscaling.minReplicas: at min (node groups at minSize, HPAs at minReplicas), Deployment ml replica 2 of 2 (1 CPU / 2Gi) stays Pending: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector; it may land only on node group ml: 1 × m5.large (1.93 CPU / 6903Mi allocatable each), at most 250m CPU / 3711Mi / 23 pods free on one node; raise the minSize of node group ml, choose a larger instance type, or lower the requests or autoscaling.minReplicas",
				},
			},
		},
		{
			// A t3.medium of 20 GiB allocates 17Gi of ephemeral storage:
			// room for two backend pods of 6Gi, whatever its CPU.
			name: "pods that stay Pending for ephemeral storage",
			env: func(env *model.Environment) {
				env.Apps["backend"].Resources.Requests.EphemeralStorage = "6Gi"
				env.Apps["backend"].Resources.Limits.EphemeralStorage = "6Gi"
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(12)
			},
			want: []problem{
				{
					Path: path("apps", "backend", "autoscaling", "maxReplicas"),
					Error: "apps.backend.autoscaling.maxReplicas: at max (node groups at maxSize, HPAs at maxReplicas), Deployment backend replicas 11 and 12 of 12 (250m CPU / 256Mi / 6Gi ephemeral storage each) stay Pending: " +
						"0/8 nodes are available: 3 node(s) had untolerated taint {workload: ml}, 5 Insufficient ephemeral-storage; " +
						"it may land only on node group general: 5 × t3.medium, 20 GiB volume (1.93 CPU / 3246Mi / 17Gi ephemeral storage allocatable each), at most 1.19 CPU / 2544Mi / 5Gi ephemeral storage / 10 pods free on one node; " +
						"raise the maxSize or the volumeSize of node group general (ephemeral storage comes from the node's root volume), or lower the ephemeral-storage requests or autoscaling.maxReplicas",
				},
			},
		},
		{
			// Summed, the 5 general nodes have the CPU for 30 replicas
			// (9.42 of 9.65); placed pod by pod, what each node has left
			// is less than a pod.
			name: "pods that stay Pending at max",
			env: func(env *model.Environment) {
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(30)
			},
			want: []problem{
				{
					Path:  path("apps", "backend", "autoscaling", "maxReplicas"),
					Error: "apps.backend.autoscaling.maxReplicas: at max (node groups at maxSize, HPAs at maxReplicas), Deployment backend replicas 29 and 30 of 30 (250m CPU / 256Mi each) stay Pending: 0/8 nodes are available: 3 node(s) had untolerated taint {workload: ml}, 5 Insufficient cpu; it may land only on node group general: 5 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 190m CPU / 1520Mi / 7 pods free on one node; raise the maxSize of node group general, choose a larger instance type, or lower the requests or autoscaling.maxReplicas",
				},
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 5 × t3.medium take 92% of their CPU (8.92 of 9.65); gen warns above 80%",
			},
		},
		{
			name: "pods placed at max on more than 80% of a node group",
			env: func(env *model.Environment) {
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(24)
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 5 × t3.medium take 82% of their CPU (7.92 of 9.65); gen warns above 80%",
			},
		},
		{
			name: "pods that may land on two node groups",
			src:  `cluster: nodeGroups: spot: {instanceTypes: ["t3.medium"], spot: true, minSize: 0, maxSize: 2}`,
			env: func(env *model.Environment) {
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(40)
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 5 × t3.medium take 91% of their CPU (8.82 of 9.65); gen warns above 80%",
				"prod: cluster.nodeGroups.spot.maxSize: at max, the pods placed on node group spot's 2 × t3.medium take 90% of their CPU (3.46 of 3.86); gen warns above 80%",
			},
		},
		{
			// The run starts once ml runs: 750m left on the ML node.
			name: "a CronJob run that finds no room",
			env: func(env *model.Environment) {
				env.Apps["retrain"].Resources.Requests.CPU = "800m"
			},
			want: []problem{
				{
					Path:  path("apps", "retrain"),
					Error: "apps.retrain: at min (node groups at minSize, HPAs at minReplicas), CronJob retrain run, pod 1 of 1 (800m CPU / 1Gi) stays Pending: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector; it may land only on node group ml: 1 × m5.large (1.93 CPU / 6903Mi allocatable each), at most 750m CPU / 4735Mi / 24 pods free on one node; raise the minSize of node group ml, choose a larger instance type, or lower the requests or the run's parallelism",
				},
			},
		},
		{
			// The VPC CNI gives a t3.medium 17 pods: at min, 2 general
			// nodes hold 34, 8 of them DaemonSets' and 8 the add-ons'.
			name: "more pods than the node group's pod limit",
			src:  `apps: tiny: {replicas: 40, resources: requests: {cpu: "10m", memory: "16Mi"}}`,
			want: []problem{
				{
					Path:  path("apps", "tiny", "replicas"),
					Error: "apps.tiny.replicas: at min (node groups at minSize, HPAs at minReplicas), Deployment tiny replicas 16-40 of 40 (10m CPU / 16Mi each) stay Pending: 0/3 nodes are available: 1 node(s) had untolerated taint {workload: ml}, 2 Too many pods; it may land only on node group general: 2 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 930m CPU / 2008Mi / 0 pods free on one node; raise the minSize of node group general or choose an instance type with more ENIs (more pods per node)",
				},
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 5 × t3.medium take 87% of their pods (74 of 85: 17 per node, the VPC CNI limit of t3.medium); gen warns above 80%",
			},
		},
		{
			name: "maxPodsPerNode above the ENI limit",
			src:  `cluster: nodeGroups: general: maxPodsPerNode: 35 // seed 003's figure for t3.medium`,
			want: []problem{{
				Path:  path("cluster", "nodeGroups", "general", "maxPodsPerNode"),
				Error: "cluster.nodeGroups.general.maxPodsPerNode: maxPodsPerNode 35 is above what the VPC CNI can give a t3.medium node: 17 pods (3 ENIs × (6 IPv4 addresses − 1) + 2); pods above it would never get an IP address",
			}},
		},
		{
			// 8 pods a node: at min the DaemonSets and the add-ons take
			// all 16 of the two general nodes.
			name: "maxPodsPerNode below the ENI limit lowers the pod capacity",
			src:  `cluster: nodeGroups: general: maxPodsPerNode: 8`,
			want: []problem{
				{
					Path:  path("apps", "mongodb", "replicas"),
					Error: "apps.mongodb.replicas: at min (node groups at minSize, HPAs at minReplicas), StatefulSet mongodb pod mongodb-0 (500m CPU / 1Gi) stays Pending: 0/3 nodes are available: 1 node(s) had untolerated taint {workload: ml}, 2 Too many pods; it may land only on node group general: 2 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 1.49 CPU / 2616Mi / 0 pods free on one node; raise the minSize of node group general or choose an instance type with more ENIs (more pods per node)",
				},
				{
					Path:  path("apps", "backend", "autoscaling", "minReplicas"),
					Error: "apps.backend.autoscaling.minReplicas: at min (node groups at minSize, HPAs at minReplicas), Deployment backend replicas 1 and 2 of 2 (250m CPU / 256Mi each) stay Pending: 0/3 nodes are available: 1 node(s) had untolerated taint {workload: ml}, 2 Too many pods; it may land only on node group general: 2 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 1.49 CPU / 2616Mi / 0 pods free on one node; raise the minSize of node group general or choose an instance type with more ENIs (more pods per node)",
				},
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 5 × t3.medium take 85% of their pods (34 of 40: 8 per node, its maxPodsPerNode); gen warns above 80%",
			},
		},
		{
			// 3 pods a node: the fourth DaemonSet's pod finds no room on
			// the general nodes, nor do the add-ons' or the apps' pods.
			name: "the add-ons' and controllers' pods that stay Pending",
			src:  `cluster: nodeGroups: general: maxPodsPerNode: 3`,
			env: func(env *model.Environment) {
				ng := env.Cluster.NodeGroups["general"]
				ng.MinSize, ng.MaxSize = 1, 1
				env.Cluster.NodeGroups["general"] = ng
				env.Apps["backend"].Enabled = false
				env.Apps["mongodb"].Enabled = false
			},
			want: []problem{
				{
					Path:  path("cluster", "nodeGroups", "general", "minSize"),
					Error: "cluster.nodeGroups.general.minSize: at min (node groups at minSize, HPAs at minReplicas), the add-ons' and controllers' pods eks-pod-identity-agent on general-1 (0 CPU / 0), coredns × 2 (100m CPU / 70Mi each), ebs-csi-controller × 2 (60m CPU / 240Mi each), metrics-server (100m CPU / 200Mi), cluster-autoscaler (100m CPU / 600Mi) and aws-load-balancer-controller × 2 (0 CPU / 0 each) stay Pending: eks-pod-identity-agent: 0/2 nodes are available: 1 Too many pods, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]; coredns, ebs-csi-controller, metrics-server, cluster-autoscaler and aws-load-balancer-controller: 0/2 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {workload: ml}; it may land only on node group general: 1 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 1.75 CPU / 3126Mi / 0 pods free on one node; raise the minSize of node group general or choose an instance type with more ENIs (more pods per node)",
				},
				{
					Path:  path("cluster", "nodeGroups", "general", "maxSize"),
					Error: "cluster.nodeGroups.general.maxSize: at max (node groups at maxSize, HPAs at maxReplicas), the add-ons' and controllers' pods eks-pod-identity-agent on general-1 (0 CPU / 0), coredns × 2 (100m CPU / 70Mi each), ebs-csi-controller × 2 (60m CPU / 240Mi each), metrics-server (100m CPU / 200Mi), cluster-autoscaler (100m CPU / 600Mi) and aws-load-balancer-controller × 2 (0 CPU / 0 each) stay Pending: eks-pod-identity-agent: 0/4 nodes are available: 1 Too many pods, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]; coredns, ebs-csi-controller, metrics-server, cluster-autoscaler and aws-load-balancer-controller: 0/4 nodes are available: 1 Too many pods, 3 node(s) had untolerated taint {workload: ml}; it may land only on node group general: 1 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 1.75 CPU / 3126Mi / 0 pods free on one node; raise the maxSize of node group general or choose an instance type with more ENIs (more pods per node)",
				},
			},
			wantWarnings: []string{
				"prod: cluster.nodeGroups.general.maxSize: at max, the pods placed on node group general's 1 × t3.medium take 100% of their pods (3 of 3: 3 per node, its maxPodsPerNode); gen warns above 80%",
			},
		},
		{
			name: "an instance type gen does not know",
			env: func(env *model.Environment) {
				ng := env.Cluster.NodeGroups["general"]
				ng.InstanceTypes = []string{"t3.medium", "m7i.large"}
				env.Cluster.NodeGroups["general"] = ng
			},
			want: []problem{{
				Path:  path("cluster", "nodeGroups", "general", "instanceTypes", "1"),
				Error: "cluster.nodeGroups.general.instanceTypes.1: instance type m7i.large is not in gen's instance table (generator/internal/capacity/data/aws.json, 2026-11-21), so gen cannot check what fits on node group general; add it there",
			}},
		},

		// Zone spread and anti-affinity.
		{
			name: "required zone spread on a node group in one zone",
			env: func(env *model.Environment) {
				ng := env.Cluster.NodeGroups["ml"]
				ng.Zones = []string{"ap-south-1a"}
				env.Cluster.NodeGroups["ml"] = ng
				env.Apps["ml"].Spread.Zones = "required"
			},
			want: []problem{{
				Path:  path("apps", "ml", "spread", "zones"),
				Error: `apps.ml.spread.zones: spread.zones is "required" for up to 2 replicas, but the pods may land only on node group ml, which runs in only one zone (ap-south-1a); give the node group more zones or use "preferred"`,
			}},
		},
		{
			name: "required zone spread on a node group of one node",
			env: func(env *model.Environment) {
				ng := env.Cluster.NodeGroups["ml"]
				ng.MinSize, ng.MaxSize = 1, 1
				env.Cluster.NodeGroups["ml"] = ng
				env.Apps["ml"].Spread.Zones = "required"
				// Two ml pods and a small retrain fit the one node.
				env.Apps["ml"].Resources.Requests.CPU = "500m"
				env.Apps["retrain"].Resources.Requests = model.ResourceList{CPU: "100m", Memory: "256Mi"}
			},
			want: []problem{{
				Path:  path("apps", "ml", "spread", "zones"),
				Error: `apps.ml.spread.zones: spread.zones is "required" for up to 2 replicas, but the pods may land only on node group ml, which has at most 1 node, so one zone; raise maxSize or use "preferred"`,
			}},
		},
		{
			name: "required zone spread and anti-affinity that the node groups can give",
			env: func(env *model.Environment) {
				env.Apps["ml"].Spread.Zones = "required"
				env.Apps["ml"].AntiAffinity = "required"
				env.Apps["ml"].Autoscaling.MaxReplicas = int32p(3)
				// A single replica needs no spread.
				env.Apps["mongodb"].Spread.Zones = "required"
				ng := env.Cluster.NodeGroups["general"]
				ng.Zones = []string{"ap-south-1a"}
				env.Cluster.NodeGroups["general"] = ng
			},
		},
		{
			name: "required anti-affinity with more replicas than nodes",
			env: func(env *model.Environment) {
				env.Apps["ml"].AntiAffinity = "required"
				env.Apps["ml"].Autoscaling.MaxReplicas = int32p(4)
				env.Apps["ml"].Resources.Requests.CPU = "500m"
			},
			want: []problem{
				{
					Path:  path("apps", "ml", "autoscaling", "maxReplicas"),
					Error: `apps.ml.autoscaling.maxReplicas: at max (node groups at maxSize, HPAs at maxReplicas), Deployment ml replica 4 of 4 (500m CPU / 2Gi) stays Pending: 0/8 nodes are available: 3 node(s) didn't match pod anti-affinity rules, 5 node(s) didn't match Pod's node affinity/selector; it may land only on node group ml: 3 × m5.large (1.93 CPU / 6903Mi allocatable each), at most 1.25 CPU / 4735Mi / 24 pods free on one node; antiAffinity "required" puts at most one of its pods on a node: raise the maxSize of node group ml, lower autoscaling.maxReplicas or use "preferred"`,
				},
			},
		},
		{
			name: "required anti-affinity with fixed replicas",
			env: func(env *model.Environment) {
				env.Apps["mongodb"].AntiAffinity = "required"
				env.Apps["mongodb"].Replicas = 3
			},
			want: []problem{
				{
					Path:  path("apps", "mongodb", "replicas"),
					Error: `apps.mongodb.replicas: at min (node groups at minSize, HPAs at minReplicas), StatefulSet mongodb pod mongodb-2 (500m CPU / 1Gi) stays Pending: 0/3 nodes are available: 1 node(s) had untolerated taint {workload: ml}, 2 node(s) didn't match pod anti-affinity rules; it may land only on node group general: 2 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 740m CPU / 1336Mi / 8 pods free on one node; antiAffinity "required" puts at most one of its pods on a node: raise the minSize of node group general, lower the replicas or use "preferred"`,
				},
			},
		},
		{
			// The ml nodes count as hosts without a backend pod, so that
			// no general node may hold two.
			name: "required host spread over the nodes of a tainted group",
			env: func(env *model.Environment) {
				env.Apps["backend"].Spread.Hosts = "required"
				env.Apps["backend"].Autoscaling.MaxReplicas = int32p(6)
			},
			want: []problem{
				{
					Path:  path("apps", "backend", "autoscaling", "maxReplicas"),
					Error: `apps.backend.autoscaling.maxReplicas: at max (node groups at maxSize, HPAs at maxReplicas), Deployment backend replica 6 of 6 (250m CPU / 256Mi) stays Pending: 0/8 nodes are available: 3 node(s) had untolerated taint {workload: ml}, 5 node(s) didn't match pod topology spread constraints; it may land only on node group general: 5 × t3.medium (1.93 CPU / 3246Mi allocatable each), at most 1.44 CPU / 2800Mi / 11 pods free on one node; its "required" spread counts every node its nodeSelector matches, tainted or not: raise the maxSize of node group general, lower autoscaling.maxReplicas or use "preferred"`,
				},
			},
		},

		// Disruption budgets.
		{
			name: "minAvailable equal to the HPA's minReplicas",
			env: func(env *model.Environment) {
				env.Apps["backend"].Disruption = &model.Disruption{MinAvailable: &model.IntOrString{Int: 2}}
			},
			wantWarnings: []string{
				"prod: apps.backend.disruption.minAvailable: minAvailable 2 with autoscaling minReplicas 2 leaves no pod to evict, so draining node general-1 (an upgrade, a scale-down) blocks; keep minAvailable below 2 or use maxUnavailable",
			},
		},
		{
			name: "minAvailable 100%",
			env: func(env *model.Environment) {
				env.Apps["mongodb"].Replicas = 3
				env.Apps["mongodb"].Disruption = &model.Disruption{MinAvailable: &model.IntOrString{String: "100%", IsStr: true}}
			},
			wantWarnings: []string{
				"prod: apps.mongodb.disruption.minAvailable: minAvailable 100% (3 pods) with 3 replicas leaves no pod to evict, so draining nodes general-1 and general-2 (upgrades, scale-down) blocks; keep minAvailable below 3 or use maxUnavailable",
			},
		},
		{
			name: "minAvailable 50% of one replica rounds up to it",
			env: func(env *model.Environment) {
				env.Apps["mongodb"].Disruption = &model.Disruption{MinAvailable: &model.IntOrString{String: "50%", IsStr: true}}
			},
			wantWarnings: []string{
				"prod: apps.mongodb.disruption.minAvailable: minAvailable 50% (1 pod) with 1 replica leaves no pod to evict, so draining node general-2 (an upgrade, a scale-down) blocks; keep minAvailable below 1 or use maxUnavailable",
			},
		},
		{
			name: "maxUnavailable 0",
			env: func(env *model.Environment) {
				env.Apps["ml"].Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{Int: 0}}
				env.Apps["backend"].Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{String: "0%", IsStr: true}}
			},
			wantWarnings: []string{
				"prod: apps.backend.disruption.maxUnavailable: maxUnavailable 0% (0 pods) with autoscaling minReplicas 2 allows no eviction, so draining node general-1 (an upgrade, a scale-down) blocks; allow at least 1",
				"prod: apps.ml.disruption.maxUnavailable: maxUnavailable 0 with autoscaling minReplicas 1 allows no eviction, so draining node ml-1 (an upgrade, a scale-down) blocks; allow at least 1",
			},
		},
		{
			// Seed 003's prod on m5.large ML nodes: the one ML node
			// holds one of the two ml replicas, and the budget counts the
			// Pending one as unavailable.
			name: "maxUnavailable 1 with a replica that stays Pending",
			env: func(env *model.Environment) {
				env.Apps["ml"].Autoscaling.MinReplicas = int32p(2)
				env.Apps["ml"].Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{Int: 1}}
			},
			want: []problem{
				{
					Path:  path("apps", "ml", "autoscaling", "minReplicas"),
					Error: "apps.ml.autoscaling.minReplicas: at min (node groups at minSize, HPAs at minReplicas), Deployment ml replica 2 of 2 (1 CPU / 2Gi) stays Pending: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector; it may land only on node group ml: 1 × m5.large (1.93 CPU / 6903Mi allocatable each), at most 250m CPU / 3711Mi / 23 pods free on one node; raise the minSize of node group ml, choose a larger instance type, or lower the requests or autoscaling.minReplicas",
				},
			},
			wantWarnings: []string{
				"prod: apps.ml.disruption.maxUnavailable: maxUnavailable 1 with autoscaling minReplicas 2 allows no eviction while only 1 of them can be scheduled at min (see the Pending pods), so draining node ml-1 (an upgrade, a scale-down) blocks; make room for every replica",
			},
		},
		{
			name: "disruption budgets that allow a drain",
			env: func(env *model.Environment) {
				env.Apps["backend"].Disruption = &model.Disruption{MinAvailable: &model.IntOrString{Int: 1}}
				env.Apps["ml"].Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{String: "10%", IsStr: true}}
				env.Apps["mongodb"].Replicas = 3
				env.Apps["mongodb"].Disruption = &model.Disruption{MinAvailable: &model.IntOrString{String: "60%", IsStr: true}}
			},
		},

		// IRSA roles.
		{
			name: "roles that are used but not declared",
			env: func(env *model.Environment) {
				env.Apps["backend"].ServiceAccount.IAMRole = "chatbot-backend"
				delete(env.Cluster.IAM.Roles, "cluster-autoscaler")
			},
			want: []problem{
				{
					Path:  path("apps", "backend", "serviceAccount", "iamRole"),
					Error: `apps.backend.serviceAccount.iamRole: the app's ServiceAccount uses IAM role "chatbot-backend", which cluster.iam.roles does not declare (declared: aws-load-balancer-controller, chatbot-ml, chatbot-retrain, ebs-csi-driver); declare it so the ClusterConfig creates it`,
				},
				{
					Path:  path("cluster", "autoscaler", "iamRole"),
					Error: `cluster.autoscaler.iamRole: the Cluster Autoscaler uses IAM role "cluster-autoscaler", which cluster.iam.roles does not declare (declared: aws-load-balancer-controller, chatbot-ml, chatbot-retrain, ebs-csi-driver); declare it so the ClusterConfig creates it`,
				},
			},
		},
		{
			name: "roles that are declared but not used",
			src:  `cluster: iam: roles: "chatbot-backend": {}`,
			env: func(env *model.Environment) {
				// Its role stays declared: the schema declares it only
				// for an autoscaler enabled in CUE.
				env.Cluster.Autoscaler.Enabled = false
				// A ServiceAccount that is not created binds no role.
				env.Apps["retrain"].ServiceAccount.Create = false
				env.Apps["ml"].ServiceAccount.Create = false
			},
			want: []problem{
				{
					Path:  path("cluster", "iam", "roles", `"chatbot-backend"`),
					Error: `cluster.iam.roles."chatbot-backend": IAM role "chatbot-backend" is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole, a controller's iamRole or a secret store's aws.iamRole, or remove it`,
				},
				{
					Path:  path("cluster", "iam", "roles", `"chatbot-ml"`),
					Error: `cluster.iam.roles."chatbot-ml": IAM role "chatbot-ml" is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole, a controller's iamRole or a secret store's aws.iamRole, or remove it`,
				},
				{
					Path:  path("cluster", "iam", "roles", `"chatbot-retrain"`),
					Error: `cluster.iam.roles."chatbot-retrain": IAM role "chatbot-retrain" is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole, a controller's iamRole or a secret store's aws.iamRole, or remove it`,
				},
				{
					Path:  path("cluster", "iam", "roles", `"cluster-autoscaler"`),
					Error: `cluster.iam.roles."cluster-autoscaler": IAM role "cluster-autoscaler" is declared but no ServiceAccount uses it: name it in an app's serviceAccount.iamRole, a controller's iamRole or a secret store's aws.iamRole, or remove it`,
				},
			},
		},
		{
			// ML is off in dev, its roles stay declared for the other
			// environments: neither an error nor a warning.
			name: "a role used only by disabled apps",
			env: func(env *model.Environment) {
				env.Apps["ml"].Enabled = false
				env.Apps["retrain"].Enabled = false
			},
		},

		// Kubernetes versions and removed APIs.
		{
			name: "a version past the end of extended support",
			env: func(env *model.Environment) {
				env.Cluster.Version = "1.30" // seed 003's
			},
			want: []problem{{
				Path:  path("cluster", "version"),
				Error: "cluster.version: Kubernetes 1.30 reached the end of EKS extended support on 2026-07-23, so EKS no longer runs it; upgrade to 1.34 or later",
			}},
		},
		{
			name: "a version older than the calendar",
			env: func(env *model.Environment) {
				env.Cluster.Version = "1.27"
			},
			want: []problem{{
				Path:  path("cluster", "version"),
				Error: "cluster.version: Kubernetes 1.27 is older than every version EKS supports (gen's calendar of 2026-11-21 starts at 1.28); upgrade to 1.34 or later",
			}},
		},
		{
			name: "a version in extended support",
			env: func(env *model.Environment) {
				env.Cluster.Version = "1.31"
			},
			wantWarnings: []string{
				"prod: cluster.version: Kubernetes 1.31 left EKS standard support on 2025-11-26: extended support costs $0.60 instead of $0.10 per cluster-hour and ends on 2026-11-26; upgrade to 1.34 or later",
			},
		},
		{
			name: "a version newer than the calendar",
			env: func(env *model.Environment) {
				env.Cluster.Version = "1.37"
			},
			wantWarnings: []string{
				"prod: cluster.version: Kubernetes 1.37 is not in gen's EKS calendar (2026-11-21, 1.28 to 1.36); check that EKS offers it",
			},
		},
		{
			name: "objects whose apiVersion the cluster's version removed",
			env: func(env *model.Environment) {
				env.Apps["backend"].Patches = []model.Patch{{Patch: "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n..."}}
			},
			objs: func(env *model.Environment) []object.Object {
				return []object.Object{
					{App: "backend", Content: map[string]any{
						"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
						"metadata": map[string]any{"name": "backend", "namespace": "chatbot"},
					}},
					{App: "", Content: map[string]any{
						"apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "kind": "FlowSchema",
						"metadata": map[string]any{"name": "platform"},
					}},
					// Still served by 1.35.
					{App: "backend", Content: map[string]any{
						"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
						"metadata": map[string]any{"name": "backend", "namespace": "chatbot"},
					}},
				}
			},
			want: []problem{
				{
					Path:  path("apps", "backend", "patches"),
					Error: "apps.backend.patches: PodDisruptionBudget/chatbot/backend is policy/v1beta1 PodDisruptionBudget, which Kubernetes 1.25 removed (the cluster runs 1.35); use policy/v1",
				},
				{
					Path:  path("cluster", "version"),
					Error: "cluster.version: FlowSchema/platform is flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema, which Kubernetes 1.32 removed (the cluster runs 1.35); use flowcontrol.apiserver.k8s.io/v1",
				},
			},
		},
		{
			name: "an apiVersion removed after the cluster's version",
			env: func(env *model.Environment) {
				env.Cluster.Version = "1.31"
			},
			objs: func(env *model.Environment) []object.Object {
				return []object.Object{{App: "", Content: map[string]any{
					"apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3", "kind": "FlowSchema",
					"metadata": map[string]any{"name": "platform"},
				}}}
			},
			wantWarnings: []string{
				"prod: cluster.version: Kubernetes 1.31 left EKS standard support on 2025-11-26: extended support costs $0.60 instead of $0.10 per cluster-hour and ends on 2026-11-26; upgrade to 1.34 or later",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := capacityEnv(t, tt.src)
			if tt.env != nil {
				tt.env(env)
			}
			var objs []object.Object
			if tt.objs != nil {
				objs = tt.objs(env)
			}
			warnings, err := check.Capacity(env, objs, today)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Capacity() errors mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWarnings, warnings); diff != "" {
				t.Errorf("Capacity() warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCapacityToday checks that the date is an input: the same cluster is
// fine before its support ends and an error after.
func TestCapacityToday(t *testing.T) {
	env := capacityEnv(t, "")
	env.Cluster.Version = "1.32"
	for _, tt := range []struct {
		today    time.Time
		errors   int
		warnings int
	}{
		{time.Date(2026, 3, 22, 0, 0, 0, 0, time.UTC), 0, 0},
		{time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), 0, 1},
		{time.Date(2027, 3, 23, 0, 0, 0, 0, time.UTC), 1, 0},
		// The zero date is the date of the embedded tables, 2026-11-21.
		{time.Time{}, 0, 1},
	} {
		warnings, err := check.Capacity(env, nil, tt.today)
		if got := len(cueerrors.Errors(err)); got != tt.errors || len(warnings) != tt.warnings {
			t.Errorf("Capacity(1.32 on %s) = %d errors, %d warnings, want %d and %d: %v %v",
				tt.today.Format(time.DateOnly), got, len(warnings), tt.errors, tt.warnings, err, warnings)
		}
	}
}

// TestCapacityPendingPositions checks that a Pending pod's error points
// at the fields that make room: the app's replicas at that size and
// requests, the node group's size and instance types.
func TestCapacityPendingPositions(t *testing.T) {
	env := capacityEnv(t, "")
	env.Apps["ml"].Autoscaling.MinReplicas = int32p(2)
	env.Source = cuecontext.New().CompileString(`apps: ml: {
	autoscaling: minReplicas: 2
	resources: requests: {cpu: "1", memory: "2Gi"}
}
cluster: nodeGroups: ml: {instanceTypes: ["m5.large"], minSize: 1}
`, cue.Filename("environments/prod/prod.cue"))
	_, err := check.Capacity(env, nil, today)
	var got []string
	for _, e := range cueerrors.Errors(err) {
		got = append(got, strings.Join(e.Path(), "."))
		for _, p := range cueerrors.Positions(e) {
			got = append(got, p.String())
		}
	}
	want := []string{
		"apps.ml.autoscaling.minReplicas",
		"environments/prod/prod.cue:2:28",
		"environments/prod/prod.cue:3:23",
		"environments/prod/prod.cue:5:42",
		"environments/prod/prod.cue:5:65",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Capacity() paths and positions mismatch (-want +got):\n%s", diff)
	}
}

// TestCapacityPositions checks that errors point at the user's CUE.
func TestCapacityPositions(t *testing.T) {
	env := capacityEnv(t, "")
	env.Apps["ml"].Resources.Requests.CPU = "3"
	env.Apps["ml"].Autoscaling.MaxReplicas = int32p(1)
	env.Cluster.Version = "1.30"
	env.Source = cuecontext.New().CompileString(`cluster: version: "1.30"
apps: ml: resources: requests: {cpu: "3", memory: "2Gi"}
`, cue.Filename("environments/prod/prod.cue"))
	_, err := check.Capacity(env, nil, today)
	var got []string
	for _, e := range cueerrors.Errors(err) {
		got = append(got, e.Position().String())
	}
	want := []string{"environments/prod/prod.cue:2:32", "environments/prod/prod.cue:1:19"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Capacity() positions mismatch (-want +got):\n%s", diff)
	}
}

// TestCapacityPerNode checks that a controller's DaemonSet pod is counted
// on every node it runs on: one that a node has no room for is an error
// naming the node group, its nodes and what is left on them, at the
// controller's requests and the node group's fields.
func TestCapacityPerNode(t *testing.T) {
	base := modeltest.ChatbotProdApps + controllerRoles + modeltest.NodeAgent
	for _, tt := range []struct {
		name string
		src  string
		want []problem
	}{
		{
			name: "fits",
		},
		{
			// 1800m does not fit beside the add-ons' 180m on a t3.medium
			// (1930m) nor on the ml group's m5.large, which node-agent's
			// toleration of every taint takes it to.
			name: "larger than what a node has left",
			src:  `platform: controllers: "node-agent": pods: controller: requests: cpu: "1800m"`,
			want: []problem{
				{
					Path:  path("platform", "controllers", `"node-agent"`, "pods", "controller", "requests"),
					Error: `platform.controllers."node-agent".pods.controller.requests: node group general (t3.medium) allocates 1.93 CPU / 3246Mi / 17 pods per node, but the DaemonSets on each of its nodes request 1.98 CPU / 184Mi / 5 pods (aws-node 50m CPU / 0, kube-proxy 100m CPU / 0, ebs-csi-node 30m CPU / 120Mi, eks-pod-identity-agent 0 CPU / 0, node-agent 1.8 CPU / 64Mi): not enough CPU, so each node would leave one of them Pending; lower the controllers' per-node requests or choose a larger instance type`,
				},
				{
					Path:  path("platform", "controllers", `"node-agent"`, "pods", "controller", "requests"),
					Error: `platform.controllers."node-agent".pods.controller.requests: node group ml (m5.large) allocates 1.93 CPU / 6903Mi / 29 pods per node, but the DaemonSets on each of its nodes request 1.98 CPU / 184Mi / 5 pods (aws-node 50m CPU / 0, kube-proxy 100m CPU / 0, ebs-csi-node 30m CPU / 120Mi, eks-pod-identity-agent 0 CPU / 0, node-agent 1.8 CPU / 64Mi): not enough CPU, so each node would leave one of them Pending; lower the controllers' per-node requests or choose a larger instance type`,
				},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := modeltest.Env(t, "prod", base+tt.src)
			_, err := check.Capacity(env, nil, today)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Capacity() errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
