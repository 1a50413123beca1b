package object

import "slices"

// podSpecPaths are where the kinds with pods keep their pod spec; the pod
// template's metadata is beside it.
var podSpecPaths = map[string][]string{
	"Pod":         {"spec"},
	"Deployment":  {"spec", "template", "spec"},
	"StatefulSet": {"spec", "template", "spec"},
	"DaemonSet":   {"spec", "template", "spec"},
	"ReplicaSet":  {"spec", "template", "spec"},
	"Job":         {"spec", "template", "spec"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
}

// PodSpecPath returns the path of the pod spec in objects of kind, e.g.
// [spec template spec] for a Deployment, or nil for kinds without pods.
// The caller may not modify it.
func PodSpecPath(kind string) []string { return podSpecPaths[kind] }

// PodSpec returns the pod spec of a workload (or a Pod's spec), at
// [PodSpecPath]; false for kinds without pods and for an object whose pod
// spec is missing. The map is the object's own: callers must not modify
// it.
func (o Object) PodSpec() (map[string]any, bool) {
	path := PodSpecPath(o.Kind())
	if path == nil {
		return nil, false
	}
	spec, ok := o.Lookup(path...).(map[string]any)
	return spec, ok
}

// PodLabels returns the labels of a workload's pods: its pod template's,
// or a Pod's own; nil for kinds without pods.
func (o Object) PodLabels() map[string]any {
	path := PodSpecPath(o.Kind())
	if path == nil {
		return nil
	}
	labels, _ := o.Lookup(append(slices.Clone(path[:len(path)-1]), "metadata", "labels")...).(map[string]any)
	return labels
}

// Containers returns the containers of the pod spec, in order (see
// [Maps]); nil for kinds without pods.
func (o Object) Containers() []map[string]any { return o.podList("containers") }

// InitContainers returns the init containers of the pod spec, sidecars
// (restartPolicy Always) included, in order (see [Maps]); nil for kinds
// without pods.
func (o Object) InitContainers() []map[string]any { return o.podList("initContainers") }

func (o Object) podList(key string) []map[string]any {
	spec, _ := o.PodSpec()
	return Maps(spec[key])
}
