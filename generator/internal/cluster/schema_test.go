package cluster

import (
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
	content := schematest.Filled(t, &ClusterConfig{}, enumValues)
	if err := schematest.ValidateEksctl(schema, content); err != nil {
		t.Errorf("ValidateEksctl(every field set) = %v\n%v", err, content)
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
