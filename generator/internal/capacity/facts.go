package capacity

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The embedded tables; data/README.md names their sources and date.
var (
	//go:embed data/aws.json
	awsJSON []byte
	//go:embed data/kubernetes.json
	kubernetesJSON []byte
)

// Units of memory, in bytes.
const (
	MiB = 1 << 20
	GiB = 1 << 30
)

// Node reservations of the EKS AMIs (data/README.md, "Allocatable").
const (
	// evictionMiB is the kubelet's hard eviction threshold,
	// memory.available < 100Mi.
	evictionMiB = 100
	// kernelMemoryPermille is the part of an instance's nominal memory that
	// the node does not report as capacity, in thousandths: Karpenter's
	// default VM_MEMORY_OVERHEAD_PERCENT of 7.5%.
	kernelMemoryPermille = 75
	// kubeReservedEphemeral is the ephemeral storage the EKS AMIs reserve
	// for the kubelet and the container runtime (nodeadm's kubeReserved
	// ephemeral-storage: 1Gi).
	kubeReservedEphemeral = 1 * GiB
	// evictionNodefsPercent is the kubelet's hard eviction threshold on
	// the root filesystem, nodefs.available < 10%.
	evictionNodefsPercent = 10
)

// EphemeralAllocatable is the ephemeral storage the kubelet offers to pods
// on a node whose root volume is volumeGiB GiB: the volume, less
// kube-reserved ephemeral-storage and the nodefs.available eviction
// threshold, as the kubelet computes it (capacity − reserved − hard
// eviction). See data/README.md.
func EphemeralAllocatable(volumeGiB int) int64 {
	capacity := int64(volumeGiB) * GiB
	return max(capacity-capacity*evictionNodefsPercent/100-kubeReservedEphemeral, 0)
}

// Instance is one EC2 instance type of data/aws.json.
type Instance struct {
	// Type is the instance type's name, e.g. "t3.medium".
	Type string `json:"-"`
	// VCPU is the number of vCPUs.
	VCPU int `json:"vcpu"`
	// MemoryMiB is the nominal memory, as EC2 states it.
	MemoryMiB int64 `json:"memoryMiB"`
	// ENIs is how many network interfaces a node of the type takes, and
	// IPv4PerENI how many IPv4 addresses each of them.
	ENIs       int `json:"enis"`
	IPv4PerENI int `json:"ipv4PerENI"`
	// OnDemandPerHour is the Linux on-demand price in USD by region.
	OnDemandPerHour map[string]float64 `json:"onDemandPerHour"`
}

// MaxPods is the VPC CNI's default pod limit for the type: the first
// address of each ENI is the node's, and the two host-network pods
// (aws-node, kube-proxy) need none.
func (i Instance) MaxPods() int { return i.ENIs*(i.IPv4PerENI-1) + 2 }

// kubeReservedCPU is the CPU the EKS AMIs reserve for the kubelet and the
// container runtime, in millicores: 6% of the first core, 1% of the
// second, 0.5% of the third and fourth and 0.25% of every further core
// (nodeadm's getCPUMillicoresToReserve).
func kubeReservedCPU(vcpu int) int64 {
	total := int64(vcpu) * 1000
	bands := []struct{ upTo, permyriad int64 }{{1000, 600}, {2000, 100}, {4000, 50}, {-1, 25}}
	var reserved, start int64
	for _, b := range bands {
		end := b.upTo
		if end < 0 || end > total {
			end = total
		}
		if end > start {
			reserved += (end - start) * b.permyriad / 10000
		}
		start = max(start, end)
	}
	return reserved
}

// kubeReservedMemoryMiB is the memory the EKS AMIs reserve for the kubelet
// and the container runtime: 11 MiB per pod the node may run, plus 255 MiB
// (nodeadm's GetMemoryMebibytesToReserve).
func kubeReservedMemoryMiB(maxPods int) int64 { return 11*int64(maxPods) + 255 }

// Allocatable is what the kubelet of a node of this type offers to pods,
// with the ENI pod limit. See data/README.md for the formula.
func (i Instance) Allocatable() Resources {
	capacityMiB := i.MemoryMiB * (1000 - kernelMemoryPermille) / 1000
	memMiB := capacityMiB - kubeReservedMemoryMiB(i.MaxPods()) - evictionMiB
	return Resources{
		CPU:    int64(i.VCPU)*1000 - kubeReservedCPU(i.VCPU),
		Memory: memMiB * MiB,
		Pods:   int64(i.MaxPods()),
	}
}

// Region holds a region's prices other than instances', in USD.
type Region struct {
	// NLBPerHour is a Network Load Balancer's hourly charge, which is
	// also an Application Load Balancer's.
	NLBPerHour float64 `json:"nlbPerHour"`
	// EBSPerGiBMonth is the storage price by EBS volume type ("gp3").
	EBSPerGiBMonth map[string]float64 `json:"ebsPerGiBMonth"`
}

// AWSFacts is data/aws.json: instance types, prices and EKS's charges.
type AWSFacts struct {
	// Date is the date of the table.
	Date string `json:"date"`
	// HoursPerMonth is the month prices are multiplied by: 730.
	HoursPerMonth int `json:"hoursPerMonth"`
	// EKS is the control plane's charge per cluster-hour, in standard
	// and in extended support.
	EKS struct {
		StandardSupportPerHour float64 `json:"standardSupportPerHour"`
		ExtendedSupportPerHour float64 `json:"extendedSupportPerHour"`
	} `json:"eks"`
	// SpotDiscount is the assumed discount of spot over on-demand.
	SpotDiscount float64 `json:"spotDiscount"`
	// Regions are the regional prices by region name.
	Regions map[string]Region `json:"regions"`
	// Instances are the instance types by name.
	Instances map[string]*Instance `json:"instances"`
}

// EKSVersion is one row of the EKS release calendar.
type EKSVersion struct {
	// Released, EndOfStandardSupport and EndOfExtendedSupport are dates,
	// YYYY-MM-DD; support ends at the start of the day.
	Released             string `json:"released"`
	EndOfStandardSupport string `json:"endOfStandardSupport"`
	EndOfExtendedSupport string `json:"endOfExtendedSupport"`
	// Projected dates follow EKS's policy instead of the calendar.
	Projected bool `json:"projected"`
}

// Removal is an API version that a Kubernetes minor version removed.
type Removal struct {
	// RemovedIn is the first version without it, e.g. "1.25".
	RemovedIn string `json:"removedIn"`
	// Use is what to use instead, e.g. "policy/v1".
	Use string `json:"use"`
}

// kubernetesFacts is data/kubernetes.json.
type kubernetesFacts struct {
	Date string                `json:"date"`
	EKS  map[string]EKSVersion `json:"eks"`
	// RemovedAPIs is keyed by "group/version/Kind" ("v1/Kind" for the
	// core group).
	RemovedAPIs map[string]Removal `json:"removedAPIs"`
}

// tables are data/aws.json and data/kubernetes.json.
type tables struct {
	aws  AWSFacts
	kube kubernetesFacts
}

// facts are both tables, parsed once. Malformed embedded data is a bug
// that TestFacts catches, so it panics.
var facts = sync.OnceValue(func() *tables {
	f := &tables{}
	if err := json.Unmarshal(awsJSON, &f.aws); err != nil {
		panic(fmt.Sprintf("capacity: data/aws.json: %v", err))
	}
	if err := json.Unmarshal(kubernetesJSON, &f.kube); err != nil {
		panic(fmt.Sprintf("capacity: data/kubernetes.json: %v", err))
	}
	for name, i := range f.aws.Instances {
		i.Type = name
	}
	return f
})

// FactsDate is the date of the embedded instance, price and version
// tables (data/README.md).
func FactsDate() string { return facts().aws.Date }

// AWS returns the parsed data/aws.json. Callers must not modify it.
func AWS() *AWSFacts { return &facts().aws }

// LookupInstance returns the facts of an EC2 instance type.
func LookupInstance(name string) (*Instance, bool) {
	i, ok := facts().aws.Instances[name]
	return i, ok
}

// MinorVersion parses "1.35" into 35; ok is false for anything else.
func MinorVersion(v string) (int, bool) {
	major, minor, found := strings.Cut(v, ".")
	if !found || major != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(minor)
	return n, err == nil && n >= 0
}

// Support states of a Kubernetes version on EKS at a date.
const (
	SupportStandard = "standard"
	SupportExtended = "extended"
	SupportEnded    = "ended"
	// SupportUnknown is a version newer than the calendar knows.
	SupportUnknown = "unknown"
)

// Support returns the support state of Kubernetes version v on EKS at
// today, and the calendar row when there is one.
func Support(v string, today time.Time) (string, *EKSVersion) {
	cal := facts().kube.EKS
	if row, ok := cal[v]; ok {
		switch {
		case today.Before(day(row.EndOfStandardSupport)):
			return SupportStandard, &row
		case today.Before(day(row.EndOfExtendedSupport)):
			return SupportExtended, &row
		default:
			return SupportEnded, &row
		}
	}
	minor, ok := MinorVersion(v)
	if !ok {
		return SupportUnknown, nil
	}
	oldest, _ := CalendarRange()
	if minor < oldest {
		return SupportEnded, nil
	}
	return SupportUnknown, nil
}

// CalendarRange returns the oldest and newest minor versions of the
// calendar.
func CalendarRange() (oldest, newest int) {
	oldest = -1
	for v := range facts().kube.EKS {
		n, _ := MinorVersion(v)
		if oldest < 0 || n < oldest {
			oldest = n
		}
		newest = max(newest, n)
	}
	return oldest, newest
}

// OldestInStandardSupport returns the oldest version in standard support
// at today, or "".
func OldestInStandardSupport(today time.Time) string {
	best, bestMinor := "", -1
	for v, row := range facts().kube.EKS {
		n, _ := MinorVersion(v)
		if today.Before(day(row.EndOfStandardSupport)) && (bestMinor < 0 || n < bestMinor) {
			best, bestMinor = v, n
		}
	}
	return best
}

// day parses a calendar date; the tables' dates are checked by TestFacts.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(fmt.Sprintf("capacity: bad date %q in the embedded tables", s))
	}
	return t
}

// RemovedAPI returns the removal of apiVersion/kind, if any.
func RemovedAPI(apiVersion, kind string) (Removal, bool) {
	r, ok := facts().kube.RemovedAPIs[apiVersion+"/"+kind]
	return r, ok
}

// Per-node and cluster-wide pods that are not the environment's apps. The
// requests are estimates from the default manifests of the EKS add-ons
// and controllers as of the facts' date; they reduce what a node offers to
// the apps.
var (
	// daemonSets run on every node, tainted or not (they tolerate every
	// taint), keyed by the EKS add-on that installs them. Add-ons not
	// listed here are assumed to add no pods.
	daemonSets = []OverheadPod{
		// vpc-cni: the aws-node container and its network policy agent
		// (aws-eks-nodeagent) request 25m each; the agent has had the
		// same requests as aws-node since the chart's
		// `default .Values.resources .Values.nodeAgent.resources`
		// (aws/amazon-vpc-cni-k8s PR #2623, 2023).
		{Addon: "vpc-cni", Name: "aws-node", Replicas: 1, Requests: Resources{CPU: 50}},
		// kube-proxy requests 100m.
		{Addon: "kube-proxy", Name: "kube-proxy", Replicas: 1, Requests: Resources{CPU: 100}},
		// aws-ebs-csi-driver's node plugin: three containers (ebs-plugin,
		// node-driver-registrar, liveness-probe) of 10m / 40Mi each.
		{Addon: "aws-ebs-csi-driver", Name: "ebs-csi-node", Replicas: 1, Requests: Resources{CPU: 30, Memory: 120 * MiB}},
		// eks-pod-identity-agent requests nothing (the upstream chart's
		// resources: {}), but takes a pod slot on every node.
		{Addon: "eks-pod-identity-agent", Name: "eks-pod-identity-agent", Replicas: 1},
	}
	// systemPods run once per cluster, on nodes without taints (they
	// tolerate none of the node groups' taints).
	systemPods = []OverheadPod{
		// coredns: two replicas of 100m / 70Mi.
		{Addon: "coredns", Name: "coredns", Replicas: 2, Requests: Resources{CPU: 100, Memory: 70 * MiB}},
		// aws-ebs-csi-driver's controller: two replicas of six containers
		// of 10m / 40Mi each.
		{Addon: "aws-ebs-csi-driver", Name: "ebs-csi-controller", Replicas: 2, Requests: Resources{CPU: 60, Memory: 240 * MiB}},
		// metrics-server: one replica of 100m / 200Mi, the upstream
		// manifest's (kubernetes-sigs/metrics-server
		// manifests/base/deployment.yaml); the EKS add-on's own default
		// is not published.
		{Addon: "metrics-server", Name: "metrics-server", Replicas: 1, Requests: Resources{CPU: 100, Memory: 200 * MiB}},
		// The Cluster Autoscaler as gen renders it (kube/autoscaler.go):
		// 100m / 600Mi / 256Mi of ephemeral storage, when
		// cluster.autoscaler.enabled.
		{Name: "cluster-autoscaler", Replicas: 1, Requests: Resources{CPU: 100, Memory: 600 * MiB, EphemeralStorage: 256 * MiB}, autoscaler: true},
	}
)

// OverheadPod is a DaemonSet or a cluster add-on's workload.
type OverheadPod struct {
	// Addon is the EKS add-on that installs it; "" for the pods of gen's
	// own components.
	Addon string
	// Controller is the controller (platform.controllers) whose chart
	// runs it, or "", and Pod its key in the controller's pods.
	Controller string
	Pod        string
	// Name is the workload's name, e.g. "coredns".
	Name string
	// PerNode marks a controller's DaemonSet (the add-ons' DaemonSets are
	// those of the daemonSets table).
	PerNode bool
	// Replicas is how many pods it runs: per node for a DaemonSet, per
	// cluster otherwise.
	Replicas int64
	// Requests per pod; Requests.Pods is unused.
	Requests Resources
	// Selector and Tolerations are the pods' nodeSelector and
	// tolerations: nil lands on the untainted node groups. The add-ons'
	// DaemonSets tolerate every taint and run on every node whatever
	// these say; a controller's DaemonSet runs on every node of the node
	// groups they admit.
	Selector    map[string]string
	Tolerations []Toleration
	// Groups are the node groups a DaemonSet runs on, every node of
	// each, sorted; nil for a workload that runs once per cluster.
	Groups []string
	// autoscaler: it runs only when cluster.autoscaler.enabled.
	autoscaler bool
}
