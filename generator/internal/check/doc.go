// Package check holds the render gates: every check that can refuse a
// render, one file per concern.
//
//   - [Environment] validates a loaded environment beyond what the CUE
//     schema can say: names that must be DNS-1123 labels, references
//     between fields (probe and Service ports, node groups, namespaces),
//     numbers that must agree (limits at least requests, autoscaling min
//     at most max), settings that only make sense for some workload kinds
//     (check.go), the cluster section on its own (cluster.go), the
//     controllers' chart versions and IAM roles, and prometheus-adapter's
//     Prometheus and the custom metrics its rules must serve
//     ([custommetrics.Derive], controllers.go), what
//     NetworkPolicies are built from: dependsOn on apps that serve a
//     port, egress CIDRs (network.go), LimitRanges and the
//     containers they bound (quota.go), and throughput objectives that
//     the replicas at peak cannot carry at capacity.rps (throughput.go).
//   - [Capacity] cross-checks the workloads against the cluster, over a
//     [capacity.Analysis]: instance types and pods per node and pods that
//     fit no node (capacity.go), node groups that match no pod
//     (placement.go), pods the scheduler would leave Pending with the
//     node groups and HPAs at their minimum or maximum, and busy node
//     groups (packing.go), zone spread (spread.go), disruption budgets
//     that block drains (disruption.go), IRSA roles (irsa.go), and the
//     Kubernetes version's support window and removed APIs (version.go).
//   - [DependsOn] reports dependsOn entries that name no app, dependency
//     cycles and apps named like gen's own Argo CD Applications
//     (dependson.go), from the computation that orders the Applications
//     ([argocd.Waves]).
//   - [Objects] reports objects that two apps render (objects.go).
//   - [Quotas] reports ResourceQuotas below what their namespace's pods
//     need at their peak (quota.go).
//   - [References] reports references in the rendered objects that
//     resolve to nothing: ServiceAccounts, ConfigMaps and their keys,
//     Secrets and their keys (rendered or declared by the namespace),
//     claims, StorageClasses and PriorityClasses, at the app's field or at
//     its patches (refs.go, with the cluster's StorageClasses in
//     classes.go).
//   - [Credentials] reports credentials in any string of the rendered
//     objects (AWS keys, private keys, JWTs, GitHub and Slack tokens,
//     passwords in flags, configuration lines and URLs, the same in
//     base64, random values under secret-like names), redacted, at the
//     app's field or at its patches, except in fields the app allows
//     (credentials.go, with the detectors in detect.go).
//   - [Capabilities] reports objects that need what the cluster does not
//     run: the capability table (capabilities.go).
//
// Every problem is a CUE error positioned at the field that causes it, and
// every problem is reported, not only the first. The checks are pure: no
// I/O, no clock (the date is an input). They decide; they build nothing
// and compute no capacity or report themselves (package capacity and
// package plan do).
package check
