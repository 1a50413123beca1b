// Package argocd builds the Argo CD objects that point Argo CD at an
// environment's rendered tree, rendered/<env>/argocd/:
//
//   - an AppProject (named after the environment unless argocd.project says
//     otherwise) that allows this repository as the only source, the
//     environment's namespaces (and kube-system) on its cluster plus the
//     Argo CD namespace on Argo CD's own cluster as the only destinations,
//     the cluster-scoped kinds of clusterResourceWhitelist (Namespace,
//     StorageClass, PriorityClass, ClusterRole, ClusterRoleBinding,
//     IngressClass, IngressClassParams, ClusterSecretStore) and the
//     namespaced kinds the tree holds;
//   - the root Application, "root", the app of apps: it syncs argocd/,
//     itself included, and is the one object applied by hand;
//   - "platform", which syncs platform/ (Namespaces, quotas, storage
//     classes, the Cluster Autoscaler);
//   - "secrets", which syncs secrets/ (the secret stores and the
//     ExternalSecrets), and "ingress", which syncs ingress/ (the
//     IngressClasses of isolated ingress groups and their
//     IngressClassParams), both after the controllers whose charts bring
//     their kinds and before the apps;
//   - one Application per enabled app, named after it, which syncs
//     apps/<app>/ into the app's namespace.
//
// Nothing points at cluster/: eksctl.yaml is not a Kubernetes object.
//
// # Sync policy
//
// Every Application is automated, with prune and self-heal, when the
// environment's argocd.autoSync is true (an app's argocd.autoSync
// overrides it for that app; root and platform follow the environment),
// and manual otherwise. Failed syncs are retried with the environment's
// backoff. The sync options are CreateNamespace=false (gen renders every
// Namespace), PruneLast=true and ServerSideApply=true; see syncOptions in
// build.go for why, and for why ApplyOutOfSyncOnly is not set.
//
// Every Application but the root carries the resources finalizer, so that
// deleting it deletes what it synced; the AppProject carries it too, which
// keeps it while Applications use it. The root has none: deleting it
// orphans the Applications instead of cascading to every workload of the
// environment.
//
// ignoreDifferences is set only where a controller owns a field gen
// renders: spec.replicas of a Deployment or StatefulSet that an HPA (gen's
// or KEDA's) scales
// and that still carries it (gen leaves it out; a patch may put it back).
// Such an Application also gets RespectIgnoreDifferences=true, so that a
// sync does not reset the replicas either.
//
// # Ordering
//
// Sync waves (the argocd.argoproj.io/sync-wave annotation) order two
// levels. In argocd/, which the root syncs: the AppProjects in wave -4, the
// platform Application in -3, the controllers' in -2, secrets and ingress
// in -1, then
// the apps from wave 0, each app one wave
// after the latest of the enabled apps in its dependsOn (a database before
// its clients). In platform/, [Annotate] puts Namespaces in wave -2 and
// quotas, storage classes, RBAC, ServiceAccounts and ConfigMaps in -1,
// before the workloads in wave 0. Objects inside an app carry no wave.
//
// Argo CD only waits for an Application of one wave to be healthy before
// the next wave when it has a health check for Applications, which it
// dropped in 1.8. Without one, waves still order when the Applications are
// created and synced, but not their readiness. To have the root wait, add
// the documented resource.customizations.health.argoproj.io_Application
// check to argocd-cm:
// https://argo-cd.readthedocs.io/en/stable/operator-manual/health/#argocd-app
// In a manual environment, the root then waits for a person to sync each
// Application in wave order.
//
// # Assumptions about the Argo CD installation
//
// One Argo CD per environment, running in the environment's cluster (seed
// 003): the defaults are destination "in-cluster" and namespace "argocd".
// With a named destination, the apps go to that cluster while the root
// still creates the Applications in Argo CD's own ("in-cluster"). Two
// environments cannot share one Argo CD: their Applications have the same
// names. Resource tracking must be by annotation (Argo CD 3's default):
// gen's objects use app.kubernetes.io/instance for themselves.
//
// Bootstrap: apply the AppProject and the root Application once, e.g.
//
//	kubectl apply -f rendered/prod/argocd/appproject-prod.yaml -f rendered/prod/argocd/application-root.yaml
//
// The root needs its project to exist before it can sync anything.
//
// Build is pure: no I/O, and the same model and objects give the same
// objects. The tests hold the local types of types.go to Argo CD's by
// validating what Build returns against Argo CD's CRD schemas, with
// unknown fields rejected (internal/schematest.ValidateCRD).
package argocd
