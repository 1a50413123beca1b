package object

import (
	"maps"
	"slices"
)

// RefField says where in an object a [Ref] is written.
type RefField string

// Where references are written.
const (
	// ServiceAccountName is the pod spec's serviceAccountName (absent: the
	// namespace's "default").
	ServiceAccountName RefField = "serviceAccountName"
	// PriorityClassName is the pod spec's priorityClassName.
	PriorityClassName RefField = "priorityClassName"
	// ImagePullSecrets is an entry of the pod spec's imagePullSecrets.
	ImagePullSecrets RefField = "imagePullSecrets"
	// Env is a container's env entry Ref.Item, read from a ConfigMap or
	// Secret key (valueFrom).
	Env RefField = "env"
	// EnvFrom is an entry of a container's envFrom.
	EnvFrom RefField = "envFrom"
	// Volume is the pod volume Ref.Item: a configMap, secret or
	// persistentVolumeClaim volume, a source of a projected volume, or
	// the storage class of an ephemeral volume's claim.
	Volume RefField = "volume"
	// ClaimTemplate is the storage class of a StatefulSet's
	// volumeClaimTemplate Ref.Item.
	ClaimTemplate RefField = "volumeClaimTemplate"
	// StorageClassName is a PersistentVolumeClaim's own storageClassName.
	StorageClassName RefField = "storageClassName"
)

// Ref is a reference, by name, from an object to another object that its
// pods or volumes need: the ServiceAccount the pods run as, a ConfigMap or
// Secret they read, a claim they mount, the StorageClass a claim is
// provisioned from, a PriorityClass.
type Ref struct {
	// Kind is the kind of the object referenced: ServiceAccount,
	// ConfigMap, Secret, PersistentVolumeClaim, StorageClass or
	// PriorityClass. Name is its name, in the referencing object's
	// namespace for the namespaced kinds.
	Kind, Name string
	// Keys are the keys of the ConfigMap or Secret that are read, in
	// order; nil when all of them are (envFrom, a volume without items).
	Keys []string
	// Optional reports optional: true: the pod starts without the object
	// or its keys.
	Optional bool
	// Unset reports a claim without storageClassName, which the default
	// StorageClass provisions (Name is then "").
	Unset bool
	// Field is where the reference is written; Container is the
	// container of an Env or EnvFrom reference, and Item is the env
	// variable, volume or claim template.
	Field     RefField
	Container string
	Item      string
}

// Refs returns the references the object makes, in the order of its
// fields: for objects with pods, the pod spec's serviceAccountName (the
// namespace's "default" when absent), priorityClassName and
// imagePullSecrets, then each init container's and container's env and
// envFrom, then the volumes; then a StatefulSet's volumeClaimTemplates or
// a PersistentVolumeClaim's storage class. Other objects make none.
func (o Object) Refs() []Ref {
	var refs []Ref
	if spec, ok := o.PodSpec(); ok {
		refs = podRefs(spec, o.InitContainers(), o.Containers())
	}
	switch o.Kind() {
	case "StatefulSet":
		templates := Maps(o.Lookup("spec", "volumeClaimTemplates"))
		for _, t := range templates {
			ref := claimClass(Lookup(t, "spec"))
			ref.Field, ref.Item = ClaimTemplate, String(Lookup(t, "metadata", "name"))
			refs = append(refs, ref)
		}
	case "PersistentVolumeClaim":
		ref := claimClass(o.Lookup("spec"))
		ref.Field = StorageClassName
		refs = append(refs, ref)
	}
	return refs
}

func podRefs(spec map[string]any, lists ...[]map[string]any) []Ref {
	sa := String(spec["serviceAccountName"])
	if sa == "" {
		sa = "default"
	}
	refs := []Ref{{Kind: "ServiceAccount", Name: sa, Field: ServiceAccountName}}
	if pc := String(spec["priorityClassName"]); pc != "" {
		refs = append(refs, Ref{Kind: "PriorityClass", Name: pc, Field: PriorityClassName})
	}
	for _, s := range Maps(spec["imagePullSecrets"]) {
		refs = append(refs, Ref{Kind: "Secret", Name: String(s["name"]), Field: ImagePullSecrets})
	}
	for _, containers := range lists {
		for _, c := range containers {
			refs = append(refs, containerRefs(c)...)
		}
	}
	for _, v := range Maps(spec["volumes"]) {
		refs = append(refs, volumeRefs(v)...)
	}
	return refs
}

// sources are the kinds a container reads its env from, with the field
// of an env entry's valueFrom and of an envFrom entry that names each.
var sources = []struct{ kind, keyRef, ref string }{
	{"ConfigMap", "configMapKeyRef", "configMapRef"},
	{"Secret", "secretKeyRef", "secretRef"},
}

func containerRefs(c map[string]any) []Ref {
	var refs []Ref
	container := String(c["name"])
	for _, e := range Maps(c["env"]) {
		for _, s := range sources {
			if sel, ok := Lookup(e, "valueFrom", s.keyRef).(map[string]any); ok {
				refs = append(refs, Ref{Kind: s.kind, Name: String(sel["name"]), Keys: []string{String(sel["key"])},
					Optional: sel["optional"] == true, Field: Env, Container: container, Item: String(e["name"])})
			}
		}
	}
	for _, e := range Maps(c["envFrom"]) {
		for _, s := range sources {
			if src, ok := e[s.ref].(map[string]any); ok {
				refs = append(refs, Ref{Kind: s.kind, Name: String(src["name"]), Optional: src["optional"] == true,
					Field: EnvFrom, Container: container})
			}
		}
	}
	return refs
}

// volumeRefs returns the references of one pod volume.
func volumeRefs(v map[string]any) []Ref {
	name := String(v["name"])
	ref := func(kind, nameKey string, src map[string]any) Ref {
		r := Ref{Kind: kind, Name: String(src[nameKey]), Optional: src["optional"] == true, Field: Volume, Item: name}
		for _, item := range Maps(src["items"]) {
			r.Keys = append(r.Keys, String(item["key"]))
		}
		return r
	}
	var refs []Ref
	if src, ok := v["configMap"].(map[string]any); ok {
		refs = append(refs, ref("ConfigMap", "name", src))
	}
	if src, ok := v["secret"].(map[string]any); ok {
		refs = append(refs, ref("Secret", "secretName", src))
	}
	for _, s := range Maps(Lookup(v, "projected", "sources")) {
		if src, ok := s["configMap"].(map[string]any); ok {
			refs = append(refs, ref("ConfigMap", "name", src))
		}
		if src, ok := s["secret"].(map[string]any); ok {
			refs = append(refs, ref("Secret", "name", src))
		}
	}
	if src, ok := v["persistentVolumeClaim"].(map[string]any); ok {
		refs = append(refs, Ref{Kind: "PersistentVolumeClaim", Name: String(src["claimName"]), Field: Volume, Item: name})
	}
	if tmpl, ok := Lookup(v, "ephemeral", "volumeClaimTemplate").(map[string]any); ok {
		r := claimClass(tmpl["spec"])
		r.Field, r.Item = Volume, name
		refs = append(refs, r)
	}
	return refs
}

// claimClass returns the StorageClass reference of a claim's spec.
func claimClass(spec any) Ref {
	m, _ := spec.(map[string]any)
	class, set := m["storageClassName"]
	return Ref{Kind: "StorageClass", Name: String(class), Unset: !set || class == nil}
}

// DataKeys returns the keys of a ConfigMap's or Secret's data, binaryData
// and stringData, sorted.
func (o Object) DataKeys() []string {
	var keys []string
	for _, field := range []string{"data", "binaryData", "stringData"} {
		if m, ok := o.Content[field].(map[string]any); ok {
			keys = append(keys, slices.Collect(maps.Keys(m))...)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
