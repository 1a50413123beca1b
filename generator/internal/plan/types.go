package plan

import (
	"fmt"

	"github.com/gitops-gen/gen/generator/internal/capacity"
)

// Resources are amounts of CPU (millicores), memory (bytes) and pods, as
// the report states them.
type Resources = capacity.Resources

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
	// DaemonSets run on every node of their NodeGroups; their Replicas
	// is per node.
	DaemonSets []Overhead `json:"daemonSets"`
	// System are the cluster add-ons' and controllers' pods, which run
	// once per cluster on the untainted node groups.
	System []Overhead `json:"system"`
	// Addons are the cluster's EKS add-ons, sorted by name.
	Addons []Addon `json:"addons"`
	// Controllers are the controllers Argo CD installs from their charts,
	// sorted by name.
	Controllers []Controller `json:"controllers"`
	// Secrets are the Secrets the namespaces declare (those apps read),
	// each synced from a secret store or created by hand, sorted by
	// namespace and name.
	Secrets []Secret `json:"secrets"`
	// LoadBalancers are the AWS load balancers the AWS Load Balancer
	// Controller provisions: an ALB per ingress group that an app joins,
	// sorted by group, then an NLB per LoadBalancer Service, sorted by
	// namespace and name.
	LoadBalancers []LoadBalancer `json:"loadBalancers"`
	// Monitoring is, per app with metrics (sorted by app), its scrape
	// target, its objectives and the alerts that guard them.
	Monitoring []Monitoring `json:"monitoring"`
	// Throughput is, per app with a throughput objective or a capacity
	// (sorted by app), the objective's rate against what its replicas
	// carry at peak, and the margin between them.
	Throughput []Throughput `json:"throughput"`
	Totals     Totals       `json:"totals"`
	// Packing is where kube-scheduler would place every pod, node by
	// node, at rest and at peak.
	Packing Packing `json:"packing"`
	// Cost is null when gen has no prices for the cluster's region.
	Cost *Cost `json:"cost"`
	// Notes say what the numbers leave out.
	Notes []string `json:"notes"`
}

// Addon is an EKS add-on of the cluster at the version the ClusterConfig
// pins, with what it provides to the rendered objects and which rely on it.
type Addon struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Provides is the capability objects rely on, "" when none of them
	// needs one of it (coredns, kube-proxy...).
	Provides string `json:"provides,omitempty"`
	// ReliedOnBy are the objects that need it, as Kind/namespace/name.
	ReliedOnBy []string `json:"reliedOnBy"`
}

// LoadBalancer is an AWS load balancer of the environment.
type LoadBalancer struct {
	// Type is "ALB" or "NLB".
	Type string `json:"type"`
	// Name is the ingress group's (ALB) or the Service's, as
	// namespace/name (NLB).
	Name string `json:"name"`
	// Scheme is "internet-facing" or "internal".
	Scheme string `json:"scheme"`
	// Listeners are PROTOCOL:port, with "→HTTPS" when HTTP is redirected.
	Listeners []string `json:"listeners"`
	// Routes say where requests go: "host/path → app:port" (ALB, in
	// the order the load balancer tries them), "port → app:port" (NLB).
	Routes []string `json:"routes"`
}

// Secret is a Secret that apps read and something other than gen creates.
type Secret struct {
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Provided  string   `json:"provided"`
	Reason    string   `json:"reason"`
	Keys      []string `json:"keys"`
	// Store and RemoteKey are those of a Secret provided "external": the
	// secret store an ExternalSecret reads it from, and the secret there.
	Store     string `json:"store,omitempty"`
	RemoteKey string `json:"remoteKey,omitempty"`
}

// Reliance is what relies on an add-on or a controller (see
// check.Capabilities).
type Reliance struct {
	Addon, Controller, Capability string
	Objects                       []string
}

// Controller is a controller the environment installs from its Helm chart
// (platform.controllers), with what it provides to the rendered objects and
// which rely on it.
type Controller struct {
	Name      string `json:"name"`
	Chart     string `json:"chart"`
	Version   string `json:"version"`
	RepoURL   string `json:"repoURL"`
	Namespace string `json:"namespace"`
	// Pods and Requests are what its pods that run once per cluster take
	// (Requests as "cpu / memory").
	Pods     int64  `json:"pods"`
	Requests string `json:"requests"`
	// PodsPerNode and RequestsPerNode are what its DaemonSets' pods take
	// on each node they run on; 0 and "" when it has none.
	PodsPerNode     int64  `json:"podsPerNode,omitempty"`
	RequestsPerNode string `json:"requestsPerNode,omitempty"`
	// IAMRole is the IRSA role of its ServiceAccount, or "".
	IAMRole string `json:"iamRole,omitempty"`
	// Provides is the capability objects rely on, "" when none does.
	Provides string `json:"provides,omitempty"`
	// ReliedOnBy are the objects that need it, as Kind/namespace/name.
	ReliedOnBy []string `json:"reliedOnBy"`
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
	// Delivery is how a new version reaches its pods; absent for Jobs and
	// CronJobs.
	Delivery *Delivery `json:"delivery,omitempty"`
}

// Delivery is how a new version of an app replaces the old one.
type Delivery struct {
	// Strategy is "rollingUpdate" (the workload's own), "canary" or
	// "blueGreen" (an Argo Rollouts Rollout).
	Strategy string `json:"strategy"`
	// TrafficRouting is a canary's: "alb" or "replicas".
	TrafficRouting string `json:"trafficRouting,omitempty"`
	// Steps are a canary's, e.g. "10% 2m".
	Steps []string `json:"steps,omitempty"`
	// Analysis are the measurements that abort the release when they
	// fail.
	Analysis []Measurement `json:"analysis,omitempty"`
}

// Measurement is one query of a release's analysis.
type Measurement struct {
	Name             string `json:"name"`
	Query            string `json:"query"`
	SuccessCondition string `json:"successCondition"`
	// From is where the query's series come from: "objective" (the
	// app's objective of its kind) or "query" (the analysis' own fields);
	// Field is that objective's or field's CUE path under the app
	// ("objectives.availability", "delivery.analysis.latency").
	From  string `json:"from"`
	Field string `json:"field"`
	// Threshold is the bound the result must keep: the least success
	// rate, or the most latency in seconds at Quantile.
	Threshold float64 `json:"threshold"`
	Quantile  float64 `json:"quantile,omitempty"`
	// ThresholdFrom is "objective" when Threshold is the objective's
	// (its target or threshold), "analysis" when it is the analysis'
	// own (minimum, maximumSeconds).
	ThresholdFrom string `json:"thresholdFrom"`
	// ObjectiveThreshold is the bound of the app's objective of the same
	// kind (a latency objective's at the same quantile), when it declares
	// one; Looser says that Threshold passes what the objective would
	// fail (a lower success rate, a higher latency).
	ObjectiveThreshold float64 `json:"objectiveThreshold,omitempty"`
	Looser             bool    `json:"looser,omitempty"`
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
	// PerPod is the requests of one pod (estimates, see facts.go in
	// package capacity).
	PerPod Resources `json:"perPod"`
	// NodeGroups are the node groups a DaemonSet runs on, on every node
	// of each; absent for the pods that run once per cluster.
	NodeGroups []string `json:"nodeGroups,omitempty"`
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

// Packing is the placement of every pod at rest (node groups at
// minSize, HPAs at minReplicas) and at peak (maxSize, maxReplicas), each
// Job and CronJob run once, as check.Capacity simulates it.
type Packing struct {
	Min Packed `json:"min"`
	Max Packed `json:"max"`
}

// Packed is the cluster's nodes with the pods placed on them, and the
// pods no node takes.
type Packed struct {
	// Nodes are the nodes of the node groups whose instance types gen
	// knows, by node group and index.
	Nodes []Node `json:"nodes"`
	// Pending are the pods that no node takes, in the order they were
	// tried; a render refuses an environment that has any.
	Pending []PendingPod `json:"pending"`
}

// Node is one node and what its pods request of it.
type Node struct {
	// Name is "<group>-<n>", n from 1.
	Name  string `json:"name"`
	Group string `json:"group"`
	Zone  string `json:"zone"`
	// Pods name the pods on the node in the order they were placed,
	// DaemonSets' first: "aws-node", "coredns 1/2", "ml 2/3",
	// "koorde-node-4", "ml-retrain run 1/1".
	Pods []string `json:"pods"`
	// Used is the pods' requests (Pods: how many), Allocatable what the
	// node offers.
	Used        Resources `json:"used"`
	Allocatable Resources `json:"allocatable"`
}

// PendingPod is a pod that no node takes.
type PendingPod struct {
	// Pod names it as Node.Pods do.
	Pod string `json:"pod"`
	// App is its app, "" for an add-on's or controller's pod; Kind is
	// the app's kind.
	App  string `json:"app,omitempty"`
	Kind string `json:"kind,omitempty"`
	// Requests are the pod's.
	Requests Resources `json:"requests"`
	// Reason is kube-scheduler's, e.g. "0/4 nodes are available: 1
	// Insufficient cpu, 3 node(s) didn't match Pod's node
	// affinity/selector".
	Reason string `json:"reason"`
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

// String formats u with two decimals, e.g. "250.00".
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
	// Count is every load balancer, ALBs the Application Load Balancers
	// among them (the others are NLBs).
	Count   int `json:"count"`
	ALBs    int `json:"albs"`
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
