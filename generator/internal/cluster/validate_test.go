package cluster

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestTypesMatchSchema sets every field of every type in types.go (so that
// omitempty hides none) and validates the result against eksctl's schema,
// which allows no property it does not define: each field name and JSON
// type must be eksctl's.
func TestTypesMatchSchema(t *testing.T) {
	schema := schemaFile(t)
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
	if err := ValidateSchema(schema, content); err != nil {
		t.Errorf("ValidateSchema(every field set) = %v\n%s", err, data)
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

// TestValidateSchema validates the fixture's ClusterConfig, and each of
// the fixture's variants, against eksctl's schema.
func TestValidateSchema(t *testing.T) {
	schema := schemaFile(t)
	t.Run("fixture", func(t *testing.T) {
		if err := ValidateSchema(schema, build(t, newEnv(false)).Content); err != nil {
			t.Errorf("ValidateSchema(prod) = %v", err)
		}
	})
	for _, tt := range variants {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(false)
			tt.change(env)
			if err := ValidateSchema(schema, build(t, env).Content); err != nil {
				t.Errorf("ValidateSchema = %v", err)
			}
		})
	}
}

// TestValidateSchemaMutations breaks the fixture's ClusterConfig in ways
// eksctl would refuse, to show that the validation above is not vacuous.
func TestValidateSchemaMutations(t *testing.T) {
	schema := schemaFile(t)
	tests := []struct {
		name   string
		mutate func(cfg map[string]any)
		// wantErr is part of the error, or "" when the schema must accept
		// the change.
		wantErr string
	}{
		{
			name:    "unknown top-level field",
			mutate:  func(cfg map[string]any) { cfg["nodegroups"] = []any{} },
			wantErr: "additional properties 'nodegroups' not allowed",
		},
		{
			name:    "unknown node group field",
			mutate:  func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 0)["desiredSize"] = json.Number("3") },
			wantErr: "additional properties 'desiredSize' not allowed",
		},
		{
			name: "unknown well-known policy",
			mutate: func(cfg map[string]any) {
				dig(cfg, "iam", "serviceAccounts", 2, "wellKnownPolicies")["loadBalancerController"] = true
			},
			wantErr: "additional properties 'loadBalancerController' not allowed",
		},
		{
			name:    "taint effect not a string",
			mutate:  func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 1, "taints", 0)["effect"] = json.Number("1") },
			wantErr: "at '/managedNodeGroups/1/taints/0/effect'",
		},
		{
			// eksctl's schema types a taint's effect as a plain string;
			// Build refuses unknown effects itself (TestBuildErrors).
			name:   "taint effect Kubernetes does not know",
			mutate: func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 1, "taints", 0)["effect"] = "NoScheduling" },
		},
		{
			name:    "taint with a field eksctl does not have",
			mutate:  func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 1, "taints", 0)["name"] = "workload" },
			wantErr: "additional properties 'name' not allowed",
		},
		{
			name:    "AMI family eksctl does not know",
			mutate:  func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 0)["amiFamily"] = "AmazonLinux2025" },
			wantErr: "at '/managedNodeGroups/0/amiFamily'",
		},
		{
			name:    "NAT gateway mode eksctl does not know",
			mutate:  func(cfg map[string]any) { dig(cfg, "vpc", "nat")["gateway"] = "PerZone" },
			wantErr: "at '/vpc/nat/gateway'",
		},
		{
			name:    "size as a string",
			mutate:  func(cfg map[string]any) { dig(cfg, "managedNodeGroups", 0)["minSize"] = "2" },
			wantErr: "at '/managedNodeGroups/0/minSize'",
		},
		{
			name: "log type eksctl does not know",
			mutate: func(cfg map[string]any) {
				dig(cfg, "cloudWatch", "clusterLogging")["enableTypes"] = []any{"api", "kubelet"}
			},
			wantErr: "at '/cloudWatch/clusterLogging/enableTypes/1'",
		},
		{
			name:    "another API version",
			mutate:  func(cfg map[string]any) { cfg["apiVersion"] = "eksctl.io/v1alpha4" },
			wantErr: "at '/apiVersion'",
		},
		{
			name:    "no region",
			mutate:  func(cfg map[string]any) { delete(dig(cfg, "metadata"), "region") },
			wantErr: "missing property 'region'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := build(t, newEnv(false)).Content
			tt.mutate(cfg)
			err := ValidateSchema(schema, cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateSchema = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateSchema = nil, want an error with %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateSchema = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

// dig returns the object at path (keys and indexes) under v.
func dig(v any, path ...any) map[string]any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	return v.(map[string]any)
}

func TestValidateSchemaFile(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "not-json.json")
	if err := os.WriteFile(notJSON, []byte("definitions: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notSchema := filepath.Join(dir, "not-schema.json")
	if err := os.WriteFile(notSchema, []byte(`{"$schema": "http://json-schema.org/draft-07/schema#", "type": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tiny := filepath.Join(dir, "tiny.json")
	if err := os.WriteFile(tiny, []byte(`{"type": "object", "required": ["kind"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		content map[string]any
		wantErr string
	}{
		{name: "missing", path: filepath.Join(dir, "missing.json"), wantErr: "reading eksctl schema: "},
		{name: "not JSON", path: notJSON, wantErr: "parsing eksctl schema " + notJSON + ": "},
		{name: "not a schema", path: notSchema, wantErr: "compiling eksctl schema " + notSchema + ": "},
		// A draft-07 default and content of any Go types.
		{name: "valid", path: tiny, content: map[string]any{"kind": Kind, "n": 1, "tags": map[string]string{"a": "b"}}},
		{name: "invalid", path: tiny, content: map[string]any{}, wantErr: "ClusterConfig does not match eksctl's schema: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateSchema(tt.path, tt.content)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
				t.Errorf("ValidateSchema(%s) = %v, want an error starting %q", tt.name, err, tt.wantErr)
			}
		})
	}
}

// TestValidateSchemaYAML validates what gen writes: the ClusterConfig
// encoded as YAML and read back, as the generator's tests read
// rendered/<env>/cluster/eksctl.yaml.
func TestValidateSchemaYAML(t *testing.T) {
	schema := schemaFile(t)
	content := build(t, newEnv(false)).Content
	data, err := yamlRoundTrip(content)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateSchema(schema, data); err != nil {
		t.Errorf("ValidateSchema(YAML round trip) = %v", err)
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
