package schematest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/eksctl.yaml is what gen renders for a cluster with three node
// groups (the second tainted) and IRSA roles for apps and controllers.

// TestValidateEksctl accepts what gen renders.
func TestValidateEksctl(t *testing.T) {
	if err := ValidateEksctl(eksctlSchema(t), readObject(t, "eksctl.yaml")); err != nil {
		t.Errorf("ValidateEksctl(eksctl.yaml) = %v", err)
	}
}

// TestValidateEksctlMutations breaks the ClusterConfig in ways eksctl
// would refuse, to show that the validation is not vacuous.
func TestValidateEksctlMutations(t *testing.T) {
	schema := eksctlSchema(t)
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
			mutate:  func(cfg map[string]any) { get(cfg, "managedNodeGroups", 0)["desiredSize"] = json.Number("3") },
			wantErr: "additional properties 'desiredSize' not allowed",
		},
		{
			name: "unknown well-known policy",
			mutate: func(cfg map[string]any) {
				get(cfg, "iam", "serviceAccounts", 2, "wellKnownPolicies")["loadBalancerController"] = true
			},
			wantErr: "additional properties 'loadBalancerController' not allowed",
		},
		{
			name:    "taint effect not a string",
			mutate:  func(cfg map[string]any) { get(cfg, "managedNodeGroups", 1, "taints", 0)["effect"] = json.Number("1") },
			wantErr: "at '/managedNodeGroups/1/taints/0/effect'",
		},
		{
			// eksctl's schema types a taint's effect as a plain string;
			// cluster.Build refuses unknown effects itself.
			name:   "taint effect Kubernetes does not know",
			mutate: func(cfg map[string]any) { get(cfg, "managedNodeGroups", 1, "taints", 0)["effect"] = "NoScheduling" },
		},
		{
			name:    "taint with a field eksctl does not have",
			mutate:  func(cfg map[string]any) { get(cfg, "managedNodeGroups", 1, "taints", 0)["name"] = "workload" },
			wantErr: "additional properties 'name' not allowed",
		},
		{
			name:    "AMI family eksctl does not know",
			mutate:  func(cfg map[string]any) { get(cfg, "managedNodeGroups", 0)["amiFamily"] = "AmazonLinux2025" },
			wantErr: "at '/managedNodeGroups/0/amiFamily'",
		},
		{
			name:    "NAT gateway mode eksctl does not know",
			mutate:  func(cfg map[string]any) { get(cfg, "vpc", "nat")["gateway"] = "PerZone" },
			wantErr: "at '/vpc/nat/gateway'",
		},
		{
			name:    "size as a string",
			mutate:  func(cfg map[string]any) { get(cfg, "managedNodeGroups", 0)["minSize"] = "2" },
			wantErr: "at '/managedNodeGroups/0/minSize'",
		},
		{
			name: "log type eksctl does not know",
			mutate: func(cfg map[string]any) {
				get(cfg, "cloudWatch", "clusterLogging")["enableTypes"] = []any{"api", "kubelet"}
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
			mutate:  func(cfg map[string]any) { delete(get(cfg, "metadata"), "region") },
			wantErr: "missing property 'region'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := readObject(t, "eksctl.yaml")
			tt.mutate(cfg)
			err := ValidateEksctl(schema, cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidateEksctl = %v, want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("ValidateEksctl = nil, want an error with %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("ValidateEksctl = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateEksctlFile(t *testing.T) {
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
		{name: "valid", path: tiny, content: map[string]any{"kind": "ClusterConfig", "n": 1, "tags": map[string]string{"a": "b"}}},
		{name: "invalid", path: tiny, content: map[string]any{}, wantErr: "ClusterConfig does not match eksctl's schema: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEksctl(tt.path, tt.content)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
				t.Errorf("ValidateEksctl(%s) = %v, want an error starting %q", tt.name, err, tt.wantErr)
			}
		})
	}
}
