package kube

import (
	"cmp"
	"slices"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// kindOrder is the order of kinds within one app (and within the
// environment-wide objects): what an object refers to comes before it, as in
// Helm's install order and kustomize's legacy sort order. Cluster-scoped
// objects and RBAC come before the workloads that need them: StorageClasses
// before the StatefulSets whose claims name them, and the Cluster
// Autoscaler's ServiceAccount, (Cluster)Roles and their bindings before its
// Deployment, in the order of Helm's InstallOrder
// (https://github.com/helm/helm/blob/main/pkg/releaseutil/kind_sorter.go).
// NetworkPolicies come before the workloads too (Helm puts them right after
// Namespaces): pods start with their ingress and egress rules in place,
// rather than cut off by the namespace's default-deny until their app's
// policy arrives. The LimitRange comes before any pod, whose missing
// requests and limits it fills in when the pod is created. Secret stores
// come before the ExternalSecrets that read from them. A Rollout comes
// after what it names (its AnalysisTemplate, the Deployment, the
// Services and the Ingress it switches) and before the HPA that scales it.
// Monitoring comes last: it watches what came before.
//
// Changing this list reorders the output of every environment, and with it
// every rendered tree and every golden file: do not change it casually.
var kindOrder = []string{
	"Namespace",
	"ResourceQuota",
	"LimitRange",
	"ServiceAccount",
	"ConfigMap",
	"StorageClass",
	"IngressClassParams",
	"IngressClass",
	"ClusterRole",
	"ClusterRoleBinding",
	"Role",
	"RoleBinding",
	"ClusterSecretStore",
	"SecretStore",
	"ExternalSecret",
	"NetworkPolicy",
	"AnalysisTemplate",
	"Deployment",
	"StatefulSet",
	"CronJob",
	"Job",
	"Service",
	"Ingress",
	"Rollout",
	"HorizontalPodAutoscaler",
	"ScaledObject",
	"PodDisruptionBudget",
	"ServiceMonitor",
	"PodMonitor",
	"PrometheusRule",
	"AlertmanagerConfig",
}

// kindRank is the position of kind in kindOrder; unknown kinds go last.
func kindRank(kind string) int {
	if i := slices.Index(kindOrder, kind); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// sortObjects orders objs: environment-wide objects (App == "") first, then
// apps by name, within an app by kindOrder, then by kind, namespace and name.
func sortObjects(objs []object.Object) {
	slices.SortStableFunc(objs, func(a, b object.Object) int {
		return cmp.Or(
			cmp.Compare(a.App, b.App),
			cmp.Compare(kindRank(a.Kind()), kindRank(b.Kind())),
			cmp.Compare(a.Kind(), b.Kind()),
			cmp.Compare(a.Namespace(), b.Namespace()),
			cmp.Compare(a.Name(), b.Name()),
		)
	})
}
