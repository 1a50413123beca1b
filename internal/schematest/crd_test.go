package schematest

import (
	"encoding/json"
	"strings"
	"testing"
)

// The objects of testdata/ are what gen renders for an Application with
// automated sync (application.yaml, the app backend of environment prod)
// and for an AppProject (appproject.yaml).

// TestValidateCRDRejects shows that the schema ValidateCRD compiles catches
// what a Kubernetes API server would prune or refuse: unknown fields at
// any depth, wrong types, a missing required field, the wrong kind or
// version.
func TestValidateCRDRejects(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		mutate func(m map[string]any)
		want   string // in the error
	}{
		{"unknown field in spec", "application.yaml", func(m map[string]any) {
			get(m, "spec")["syncPolicyy"] = map[string]any{}
		}, "syncPolicyy"},
		{"unknown field deep down", "application.yaml", func(m map[string]any) {
			get(m, "spec", "syncPolicy", "automated")["pruneLast"] = true
		}, "pruneLast"},
		{"unknown field at the top", "application.yaml", func(m map[string]any) {
			m["specs"] = map[string]any{}
		}, "specs"},
		{"string for an integer", "application.yaml", func(m map[string]any) {
			get(m, "spec", "syncPolicy", "retry")["limit"] = "5"
		}, "limit"},
		{"string for a boolean", "application.yaml", func(m map[string]any) {
			get(m, "spec", "source", "directory")["recurse"] = "yes"
		}, "recurse"},
		{"list for a string", "application.yaml", func(m map[string]any) {
			get(m, "spec")["project"] = []any{"prod"}
		}, "project"},
		{"number as a label value", "application.yaml", func(m map[string]any) {
			get(m, "metadata", "labels")["tier"] = json.Number("1")
		}, "tier"},
		{"number as a sync wave", "application.yaml", func(m map[string]any) {
			get(m, "metadata", "annotations")["argocd.argoproj.io/sync-wave"] = json.Number("1")
		}, "sync-wave"},
		{"no destination", "application.yaml", func(m map[string]any) {
			delete(get(m, "spec"), "destination")
		}, "destination"},
		{"no name", "application.yaml", func(m map[string]any) {
			delete(get(m, "metadata"), "name")
		}, "name"},
		{"wrong kind", "application.yaml", func(m map[string]any) {
			m["kind"] = "ApplicationSet"
		}, "kind"},
		{"unserved version", "application.yaml", func(m map[string]any) {
			m["apiVersion"] = "argoproj.io/v1beta1"
		}, "v1beta1"},
		{"other API group", "application.yaml", func(m map[string]any) {
			m["apiVersion"] = "apps/v1alpha1"
		}, "argoproj.io"},
		{"project: unknown field in a destination", "appproject.yaml", func(m map[string]any) {
			get(m, "spec", "destinations", 0)["cluster"] = "in-cluster"
		}, "cluster"},
		{"project: whitelist entry without its group", "appproject.yaml", func(m map[string]any) {
			delete(get(m, "spec", "clusterResourceWhitelist", 0), "group")
		}, "group"},
		{"project: string for a list", "appproject.yaml", func(m map[string]any) {
			get(m, "spec")["sourceRepos"] = "https://github.com/gitops-gen/platform.git"
		}, "sourceRepos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := readObject(t, tt.file)
			path := crd(t, m["kind"].(string))
			if err := ValidateCRD(path, m); err != nil {
				t.Fatalf("ValidateCRD(%s) before the change = %v", tt.file, err)
			}
			tt.mutate(m)
			err := ValidateCRD(path, m)
			if err == nil {
				t.Fatalf("ValidateCRD(%s, %s) = nil, want an error", tt.file, tt.name)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidateCRD(%s, %s) = %v, want it to mention %q", tt.file, tt.name, err, tt.want)
			}
		})
	}
}

// TestValidateCRDAllows shows what stays open: metadata fields gen does
// not write (an object read back from a cluster has them), and the fields
// the CRD itself leaves open.
func TestValidateCRDAllows(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"metadata from the cluster", func(m map[string]any) {
			md := get(m, "metadata")
			md["uid"] = "0d9c3b1e-2b49-4d55-9f0e-3c7b1b7f1d2a"
			md["generation"] = json.Number("3")
			md["managedFields"] = []any{map[string]any{"manager": "argocd-controller"}}
		}},
		{"int-or-string as either", func(m map[string]any) {
			get(m, "spec", "source")["kustomize"] = map[string]any{"replicas": []any{
				map[string]any{"name": "backend", "count": json.Number("3")},
				map[string]any{"name": "worker", "count": "2"},
			}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := readObject(t, "application.yaml")
			tt.mutate(m)
			if err := ValidateCRD(crd(t, "Application"), m); err != nil {
				t.Errorf("ValidateCRD(application.yaml, %s) = %v, want nil", tt.name, err)
			}
		})
	}
}

// TestValidateCRDFiles reports a missing or foreign file as an error.
func TestValidateCRDFiles(t *testing.T) {
	app := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": map[string]any{"name": "x"}}
	if err := ValidateCRD("testdata/no-such-crd.yaml", app); err == nil {
		t.Error("ValidateCRD(missing file) = nil, want an error")
	}
	if err := ValidateCRD("testdata/application.yaml", app); err == nil {
		t.Error("ValidateCRD(not a CRD) = nil, want an error")
	}
	if err := ValidateCRD(crd(t, "Application"), map[string]any{"apiVersion": "v1"}); err == nil {
		t.Error("ValidateCRD(apiVersion v1) = nil, want an error")
	}
}
