// Package object defines Object, the unstructured form in which rendered
// Kubernetes objects travel between the build, patch, check and write
// stages, the conversion from typed k8s.io/api values into it, and typed
// access to the fields other stages read: the pod spec and its
// containers, the pod template's labels, spec.replicas, how many pods a
// workload runs at rest and at peak ([Scale]), and the objects it names
// (ServiceAccounts, ConfigMaps, Secrets, claims, StorageClasses,
// PriorityClasses: [Object.Refs]).
//
// The conversion strips what typed objects add by default and what must
// never reach the rendered tree: the object's status, and
// "creationTimestamp: null" and empty "status" maps at any depth (pod
// templates and volumeClaimTemplates carry them too).
//
// Reading never modifies an object and never fails: a field that is
// missing or of another type reads as its zero value. The package knows
// the shape of Kubernetes objects, not what gen renders or why; it must
// not import the other stages.
package object
