package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// ValidateCRD validates obj, an object in the JSON data model (the Content
// of an Application or AppProject gen builds, or a decoded file of
// rendered/<env>/argocd/), against the CustomResourceDefinition at
// crdPath, e.g. Argo CD's manifests/crds/application-crd.yaml: the
// openAPIV3Schema of the version that obj's apiVersion names.
//
// It is stricter than a Kubernetes API server, which prunes unknown fields
// silently: every object schema that lists properties, and does not say
// x-kubernetes-preserve-unknown-fields, rejects any other property, so a
// misspelt field fails as surely as a wrong type. apiVersion and kind must
// be the CRD's. metadata is checked only where gen writes it: name and
// namespace are strings, labels and annotations map strings to strings,
// finalizers is a list of strings; other metadata fields are allowed.
//
// The compiled schema is cached per file and version for the life of the
// process. It is safe for parallel tests.
func ValidateCRD(crdPath string, obj map[string]any) error {
	apiVersion, _ := obj["apiVersion"].(string)
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return fmt.Errorf("object has apiVersion %q, not group/version", apiVersion)
	}
	sch, crd, err := compiled(crdPath, group, version)
	if err != nil {
		return err
	}
	inst, err := instance(obj)
	if err != nil {
		return fmt.Errorf("the object: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		md, _ := obj["metadata"].(map[string]any)
		return fmt.Errorf("%v %v does not match the CRD %s: %w", obj["kind"], md["name"], crd, err)
	}
	return nil
}

// instance returns v in the data model the validator expects. A JSON
// round trip turns whatever Go values v holds (ints, typed maps,
// json.Number) into it, with exact numbers.
func instance(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	return inst, nil
}

type schemaKey struct{ path, version string }

type schemaEntry struct {
	sch   *jsonschema.Schema
	crd   string // the CRD's name and version, for messages
	group string // the CRD's API group
	err   error
}

var (
	schemasMu sync.Mutex
	schemas   = map[schemaKey]schemaEntry{}
)

// compiled returns the JSON schema of version of the CRD at crdPath,
// compiling it on first use. group must be the CRD's.
func compiled(crdPath, group, version string) (*jsonschema.Schema, string, error) {
	abs, err := filepath.Abs(crdPath)
	if err != nil {
		return nil, "", fmt.Errorf("CRD %s: %w", crdPath, err)
	}
	key := schemaKey{abs, version}
	schemasMu.Lock()
	defer schemasMu.Unlock()
	e, ok := schemas[key]
	if !ok {
		e.sch, e.crd, e.group, e.err = compile(abs, version)
		schemas[key] = e
	}
	if e.err != nil {
		return nil, "", e.err
	}
	if e.group != group {
		return nil, "", fmt.Errorf("CRD %s is of API group %s, not %s", e.crd, e.group, group)
	}
	return e.sch, e.crd, nil
}

// crdDoc is the part of a CustomResourceDefinition that holds the schemas.
type crdDoc struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// compile reads the CRD at path and compiles the JSON schema of version.
// It also returns "<CRD name> <version>", for messages, and the CRD's API
// group.
func compile(path, version string) (sch *jsonschema.Schema, name, group string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", "", fmt.Errorf("reading CRD: %w", err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, "", "", fmt.Errorf("parsing CRD %s: %w", path, err)
	}
	var crd crdDoc
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&crd); err != nil {
		return nil, "", "", fmt.Errorf("parsing CRD %s: %w", path, err)
	}
	if crd.Kind != "CustomResourceDefinition" {
		return nil, "", "", fmt.Errorf("%s is a %q, not a CustomResourceDefinition", path, crd.Kind)
	}
	name = crd.Metadata.Name + " " + version
	var open map[string]any
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			open = v.Schema.OpenAPIV3Schema
		}
	}
	if open == nil {
		return nil, "", "", fmt.Errorf("CRD %s has no schema for version %s", crd.Metadata.Name, version)
	}
	root := convert(open)
	props, _ := root["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		root["properties"] = props
	}
	props["apiVersion"] = map[string]any{"const": crd.Spec.Group + "/" + version}
	props["kind"] = map[string]any{"const": crd.Spec.Names.Kind}
	props["metadata"] = objectMeta
	root["required"] = union(root["required"], "apiVersion", "kind", "metadata")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"

	// The compiler wants the document in its own data model.
	b, err := json.Marshal(root)
	if err != nil {
		return nil, "", "", fmt.Errorf("encoding the schema of CRD %s: %w", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, "", "", fmt.Errorf("decoding the schema of CRD %s: %w", name, err)
	}
	// A made-up location: the schema is not the file, and refers to nothing.
	url := "https://crd.gen.invalid/" + crd.Metadata.Name + "/" + version + ".json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, "", "", fmt.Errorf("loading the schema of CRD %s: %w", name, err)
	}
	if sch, err = c.Compile(url); err != nil {
		return nil, "", "", fmt.Errorf("compiling the schema of CRD %s: %w", name, err)
	}
	return sch, name, crd.Spec.Group, nil
}

// objectMeta checks the metadata fields gen writes and allows the others
// (uid, resourceVersion, managedFields … in objects read back from a
// cluster). The CRDs say only "type: object": the API server validates
// metadata itself.
var objectMeta = map[string]any{
	"type":     "object",
	"required": []any{"name"},
	"properties": map[string]any{
		"name":        map[string]any{"type": "string", "minLength": 1},
		"namespace":   map[string]any{"type": "string"},
		"labels":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		"annotations": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		"finalizers":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	},
}

// keywords are the JSON Schema keywords of a structural schema that carry
// over as they are. Everything else (description, default, example,
// format, the x-kubernetes-* extensions) is dropped: format values such as
// int64 are not JSON Schema formats, and defaults are applied by the API
// server, not checked.
var keywords = []string{
	"type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems",
	"uniqueItems", "minProperties", "maxProperties", "required",
}

// convert turns one node of an OpenAPI v3 structural schema into JSON
// Schema that rejects unknown fields (see ValidateCRD).
func convert(n map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range keywords {
		if v, ok := n[k]; ok {
			out[k] = v
		}
	}
	if n["nullable"] == true {
		if t, ok := out["type"].(string); ok {
			out["type"] = []any{t, "null"}
		}
	}
	if props, ok := n["properties"].(map[string]any); ok {
		conv := make(map[string]any, len(props))
		for name, p := range props {
			if pm, ok := p.(map[string]any); ok {
				conv[name] = convert(pm)
			}
		}
		out["properties"] = conv
	}
	switch ap := n["additionalProperties"].(type) {
	case map[string]any:
		out["additionalProperties"] = convert(ap)
	case bool:
		out["additionalProperties"] = ap
	default:
		if _, ok := n["properties"]; ok && n["x-kubernetes-preserve-unknown-fields"] != true {
			out["additionalProperties"] = false
		}
	}
	if items, ok := n["items"].(map[string]any); ok {
		out["items"] = convert(items)
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := n[k].([]any); ok {
			conv := make([]any, 0, len(list))
			for _, s := range list {
				if sm, ok := s.(map[string]any); ok {
					conv = append(conv, convert(sm))
				}
			}
			out[k] = conv
		}
	}
	if not, ok := n["not"].(map[string]any); ok {
		out["not"] = convert(not)
	}
	// An int-or-string field has no type; in these CRDs it comes with the
	// anyOf that says so, but the extension alone means the same.
	if n["x-kubernetes-int-or-string"] == true {
		if _, ok := out["anyOf"]; !ok {
			out["anyOf"] = []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}
		}
	}
	return out
}

// union returns the strings of list (a []any of strings, or nil) and add,
// without duplicates, in that order.
func union(list any, add ...string) []any {
	var out []any
	seen := map[string]bool{}
	l, _ := list.([]any)
	for _, v := range l {
		if s, ok := v.(string); ok && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range add {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
