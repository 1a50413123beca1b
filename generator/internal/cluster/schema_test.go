package cluster

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// eksctlSchema returns the path of eksctl's JSON schema in the shared
// folder.
func eksctlSchema(t *testing.T) string {
	t.Helper()
	return repotest.SharedFile(t, "schemas", "eksctl", "schema.json")
}

// TestTypesMatchSchema sets every field of every type in types.go (so that
// omitempty hides none) and validates the result against eksctl's schema,
// which allows no property it does not define: each field name and JSON
// type must be eksctl's.
func TestTypesMatchSchema(t *testing.T) {
	schema := eksctlSchema(t)
	var cfg ClusterConfig
	fill(reflect.ValueOf(&cfg).Elem(), "")
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var content map[string]any
	if err := json.Unmarshal(data, &content); err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateEksctl(schema, content); err != nil {
		t.Errorf("ValidateEksctl(every field set) = %v\n%s", err, data)
	}
}

// enumValues are values eksctl's schema accepts for the fields it
// restricts, by JSON name.
var enumValues = map[string]string{
	"apiVersion":  APIVersion,
	"kind":        Kind,
	"amiFamily":   "AmazonLinux2023",
	"volumeType":  "gp3",
	"gateway":     "HighlyAvailable",
	"enableTypes": "audit",
	"effect":      "PreferNoSchedule",
}

// fill sets v, and everything under it, to a value that is not zero.
func fill(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), name)
	case reflect.Struct:
		for i := range v.NumField() {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			fill(v.Field(i), tag)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), name)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("key"), reflect.ValueOf("value"))
		v.Set(m)
	case reflect.String:
		s, ok := enumValues[name]
		if !ok {
			s = "x"
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(7)
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// TestBuildMatchesSchema validates the fixture's ClusterConfig, and each of
// the fixture's variants, against eksctl's schema.
func TestBuildMatchesSchema(t *testing.T) {
	schema := eksctlSchema(t)
	t.Run("fixture", func(t *testing.T) {
		if err := schematest.ValidateEksctl(schema, build(t, newEnv(t, false)).Content); err != nil {
			t.Errorf("ValidateEksctl(prod) = %v", err)
		}
	})
	for _, tt := range variants {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, false)
			tt.change(env)
			if err := schematest.ValidateEksctl(schema, build(t, env).Content); err != nil {
				t.Errorf("ValidateSchema = %v", err)
			}
		})
	}
}

// TestBuildMatchesSchemaYAML validates what gen writes: the ClusterConfig
// encoded as YAML and read back, as the generator's tests read
// rendered/<env>/cluster/eksctl.yaml.
func TestBuildMatchesSchemaYAML(t *testing.T) {
	schema := eksctlSchema(t)
	content := build(t, newEnv(t, false)).Content
	data, err := yamlRoundTrip(content)
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.ValidateEksctl(schema, data); err != nil {
		t.Errorf("ValidateEksctl(YAML round trip) = %v", err)
	}
	if diff := cmp.Diff(encode(t, content), encode(t, data)); diff != "" {
		t.Errorf("YAML round trip mismatch (-want +got):\n%s", diff)
	}
}

func yamlRoundTrip(content map[string]any) (map[string]any, error) {
	b, err := yaml.Marshal(content)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, yaml.Unmarshal(b, &out)
}
