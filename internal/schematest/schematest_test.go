package schematest

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/internal/repotest"
)

// readObject reads testdata/<name>, a YAML object as gen renders it,
// into the JSON data model with exact numbers.
func readObject(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeObject(j)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// get returns the object at path (keys and indexes) under v.
func get(v any, path ...any) map[string]any {
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

// crd returns the path of Argo CD's CRD of kind in the shared folder.
func crd(t *testing.T, kind string) string {
	t.Helper()
	files := map[string]string{
		"Application": "argocd-application-crd.yaml",
		"AppProject":  "argocd-appproject-crd.yaml",
	}
	return repotest.SharedFile(t, "schemas", "crds", files[kind])
}

// eksctlSchema returns the path of eksctl's JSON schema in the shared folder.
func eksctlSchema(t *testing.T) string {
	t.Helper()
	return repotest.SharedFile(t, "schemas", "eksctl", "schema.json")
}
