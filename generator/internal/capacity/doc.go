// Package capacity knows what an environment's cluster can hold and what
// its workloads ask of it: the facts of EC2 instance types (vCPU, memory,
// ENIs, from which the VPC CNI's pod limit and the EKS AMIs' allocatable
// are computed) and their approximate prices, the EKS support calendar
// and the APIs Kubernetes removed, all from tables embedded in the binary
// (data/aws.json and data/kubernetes.json, dated, with their sources in
// data/README.md); [Resources] and their arithmetic; the node groups with
// their capacity per node; each enabled app's requests per pod and
// replicas at rest and at peak ([Replicas]); which node groups accept a
// pod ([Group.Accepts]); and where kube-scheduler would place every pod,
// node by node, with the node groups and HPAs at their minimum and at
// their maximum ([Analysis.Place]). [Analyze] puts it together for one
// environment. What each namespace's pods need at their peak, as a
// ResourceQuota counts them ([Peak], [ControllerPeak]: maximum replicas,
// rolling-update surge, LimitRange defaults), and the quota derived from
// it ([WithHeadroom]) are in quota.go; an app's throughput objective
// against the rate its replicas carry at peak ([ThroughputOf]) in
// throughput.go.
//
// The render gates (package check) and the report of "gen plan" (package
// plan) both read an [Analysis]; this package decides nothing itself: it
// reports no errors and formats no report. It is pure: no I/O, no
// network, no clock. The date that support windows are compared with is
// an input ([Today]).
package capacity
