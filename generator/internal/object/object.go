// Package object defines Object, the unstructured form in which rendered
// Kubernetes objects travel between the build, patch, check and write
// stages, and the conversion from typed k8s.io/api values into it.
//
// The conversion strips what typed objects add by default and what must
// never reach the rendered tree: the object's status, and
// "creationTimestamp: null" and empty "status" maps at any depth (pod
// templates and volumeClaimTemplates carry them too).
package object

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Object is one rendered object in unstructured (JSON data model) form:
// maps, slices, strings, bools, nil and json.Number.
type Object struct {
	// App is the app that produced the object, or "" for environment-wide
	// objects such as Namespaces (rendered under platform/).
	App string
	// Content is the object itself.
	Content map[string]any
}

// FromTyped converts a typed object (a k8s.io/api struct with TypeMeta
// set) into an Object owned by app.
func FromTyped(app string, typed any) (Object, error) {
	b, err := json.Marshal(typed)
	if err != nil {
		return Object{}, fmt.Errorf("encoding %T: %w", typed, err)
	}
	m, err := Decode(b)
	if err != nil {
		return Object{}, fmt.Errorf("decoding %T: %w", typed, err)
	}
	if m["apiVersion"] == nil || m["kind"] == nil {
		return Object{}, fmt.Errorf("%T has no apiVersion or kind", typed)
	}
	// A typed object always carries its status struct, often with zero
	// counters ({replicas: 0} on a StatefulSet); the observed state is
	// never part of desired state.
	delete(m, "status")
	return Object{App: app, Content: m}, nil
}

// Decode parses one JSON object into the unstructured form, keeping numbers
// exact (json.Number) and stripping null creationTimestamps and empty
// status maps.
func Decode(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if d.More() {
		return nil, fmt.Errorf("data after the JSON object")
	}
	strip(m)
	return m, nil
}

// strip removes "creationTimestamp": null and empty "status" maps anywhere
// in v.
func strip(v any) {
	switch v := v.(type) {
	case map[string]any:
		if ts, ok := v["creationTimestamp"]; ok && ts == nil {
			delete(v, "creationTimestamp")
		}
		if st, ok := v["status"].(map[string]any); ok {
			strip(st)
			if len(st) == 0 {
				delete(v, "status")
			}
		}
		for k, c := range v {
			if k == "metadata" {
				if md, ok := c.(map[string]any); ok {
					strip(md)
					if len(md) == 0 {
						delete(v, k)
					}
					continue
				}
			}
			strip(c)
		}
	case []any:
		for _, c := range v {
			strip(c)
		}
	}
}

// APIVersion returns the object's apiVersion.
func (o Object) APIVersion() string { return str(o.Content["apiVersion"]) }

// Kind returns the object's kind.
func (o Object) Kind() string { return str(o.Content["kind"]) }

// Name returns metadata.name.
func (o Object) Name() string { return str(o.meta()["name"]) }

// Namespace returns metadata.namespace, "" for cluster-scoped objects.
func (o Object) Namespace() string { return str(o.meta()["namespace"]) }

// ID names the object for messages: Kind/namespace/name or Kind/name.
func (o Object) ID() string {
	if ns := o.Namespace(); ns != "" {
		return o.Kind() + "/" + ns + "/" + o.Name()
	}
	return o.Kind() + "/" + o.Name()
}

func (o Object) meta() map[string]any {
	m, _ := o.Content["metadata"].(map[string]any)
	return m
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

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
