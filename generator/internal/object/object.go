package object

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
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
	v, err := unstructured(reflect.ValueOf(typed))
	if err != nil {
		return Object{}, fmt.Errorf("encoding %T: %w", typed, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Object{}, fmt.Errorf("decoding %T: not a JSON object", typed)
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

// strip removes "creationTimestamp": null and empty "status" and
// "metadata" maps anywhere in v.
func strip(v any) {
	switch v := v.(type) {
	case map[string]any:
		for _, c := range v {
			strip(c)
		}
		stripLocal(v)
	case []any:
		for _, c := range v {
			strip(c)
		}
	}
}

// stripLocal is strip of a map whose values are stripped already: it
// removes its "creationTimestamp": null, and its "status" and "metadata"
// when they are empty maps.
func stripLocal(m map[string]any) {
	if ts, ok := m["creationTimestamp"]; ok && ts == nil {
		delete(m, "creationTimestamp")
	}
	for _, k := range [...]string{"status", "metadata"} {
		if c, ok := m[k].(map[string]any); ok && len(c) == 0 {
			delete(m, k)
		}
	}
}

// APIVersion returns the object's apiVersion.
func (o Object) APIVersion() string { return String(o.Content["apiVersion"]) }

// Group returns the API group of the object's apiVersion: "apps" for
// apps/v1, "" for the core group (v1).
func (o Object) Group() string {
	group, _, ok := strings.Cut(o.APIVersion(), "/")
	if !ok {
		return ""
	}
	return group
}

// Kind returns the object's kind.
func (o Object) Kind() string { return String(o.Content["kind"]) }

// Name returns metadata.name.
func (o Object) Name() string { return String(o.meta()["name"]) }

// Namespace returns metadata.namespace, "" for cluster-scoped objects.
func (o Object) Namespace() string { return String(o.meta()["namespace"]) }

// ID names the object for messages: Kind/namespace/name or Kind/name.
func (o Object) ID() string {
	if ns := o.Namespace(); ns != "" {
		return o.Kind() + "/" + ns + "/" + o.Name()
	}
	return o.Kind() + "/" + o.Name()
}

func (o Object) meta() map[string]any {
	m, _ := o.Lookup("metadata").(map[string]any)
	return m
}

// CarriesSecretData reports whether o is a Secret (core v1) whose data or
// stringData holds a value: what must never be written into rendered/,
// which is committed to Git.
func CarriesSecretData(o Object) bool {
	if o.Group() != "" || o.Kind() != "Secret" {
		return false
	}
	for _, field := range []string{"data", "stringData"} {
		if m, ok := o.Content[field].(map[string]any); ok && len(m) > 0 {
			return true
		}
		if v, ok := o.Content[field]; ok && v != nil {
			if _, isMap := v.(map[string]any); !isMap {
				return true // not a map: malformed, and still data
			}
		}
	}
	return false
}
