// Package plan knows what an environment's cluster can hold and what it
// costs. [Check] cross-checks the workloads against the node groups (a pod
// larger than any node it may land on, placement that matches no node
// group, peak demand and pods per node above what the node groups hold at
// maxSize, zone spread and anti-affinity the node groups cannot give,
// disruption budgets that block every drain), the IRSA roles against
// their users, and the Kubernetes version against the EKS calendar and
// the APIs it removed. [Build] makes the report of "gen plan": capacity,
// requests at rest and at peak, headroom and monthly cost, as text or
// JSON.
//
// The facts come from tables embedded in the binary (data/aws.json and
// data/kubernetes.json, dated, with their sources in data/README.md):
// instance types' vCPU, memory and ENIs, from which the VPC CNI's pod
// limit and the EKS AMIs' allocatable are computed; approximate list
// prices; the EKS support calendar and Kubernetes' API removals.
//
// The package is pure: no I/O, no network, no clock. The date that
// support windows are compared with is an input ([Options.Today]), so that
// only warnings, never rendered files, depend on it.
package plan
