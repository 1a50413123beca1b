// Package kube builds the Kubernetes objects of one environment from the
// model: per namespace a Namespace, its default-deny NetworkPolicy and its
// ResourceQuota; from the cluster the Cluster Autoscaler (ServiceAccount,
// RBAC, Deployment) and the EBS StorageClasses; per isolated ingress
// group its IngressClass and IngressClassParams (ingressclass.go); and per
// enabled app its ServiceAccount, ConfigMaps, NetworkPolicy (its ingress
// allow-list, which admits its load balancers), workload (Deployment,
// StatefulSet, CronJob or Job), Services (an NLB for a LoadBalancer one),
// Ingress (its part of an ingress group's ALB, ingress.go),
// HorizontalPodAutoscaler (or KEDA ScaledObject) and PodDisruptionBudget. Objects of no app are
// rendered under platform/. Every pod runs under the restricted Pod
// Security Standard (securitycontext.go).
//
// Objects are built as typed k8s.io/api values and handed on in the
// unstructured form of package object. Build is pure: it performs no I/O,
// reads no clock and never lets map iteration order reach its output, so the
// same model always gives the same objects in the same order (see
// kindorder.go). It assumes the model passed the check stage, yet it never
// panics: an inconsistency it meets (an unknown node group, a quantity
// resource.ParseQuantity rejects) is returned as an error.
//
// Each file builds one kind or one component (autoscaler.go,
// storageclass.go, gathered by platform.go); podspec.go builds the pod
// template the workloads share, securitycontext.go its security settings,
// and labels.go the labels every object carries.
package kube
