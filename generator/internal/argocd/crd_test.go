package argocd

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// crdOf returns the path of the CRD that defines o's kind, in the shared
// folder.
func crdOf(t *testing.T, o object.Object) string {
	t.Helper()
	switch o.Kind() {
	case KindApplication:
		return repotest.SharedFile(t, "schemas", "crds", "argocd-application-crd.yaml")
	case KindAppProject:
		return repotest.SharedFile(t, "schemas", "crds", "argocd-appproject-crd.yaml")
	}
	t.Fatalf("no CRD for %s", o.ID())
	return ""
}

// TestTypesMatchCRD sets every field of application and appProject (so
// that omitempty hides none) and validates the result against Argo CD's
// CRDs, which schematest.ValidateCRD closes: every field name and JSON type of
// types.go must be Argo CD's.
func TestTypesMatchCRD(t *testing.T) {
	for _, tt := range []struct {
		crd  string
		v    any
		kind string
	}{
		{"argocd-application-crd.yaml", &application{}, KindApplication},
		{"argocd-appproject-crd.yaml", &appProject{}, KindAppProject},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			crd := repotest.SharedFile(t, "schemas", "crds", tt.crd)
			content := schematest.Filled(t, tt.v, map[string]string{"apiVersion": APIVersion, "kind": tt.kind})
			if err := schematest.ValidateCRD(crd, content); err != nil {
				t.Errorf("ValidateCRD(every field set) = %v\n%v", err, content)
			}
		})
	}
}

// TestBuildMatchesCRD validates every object Build returns, for the
// fixture and for the variants that add what it lacks (automated sync,
// ignoreDifferences, a named destination), against Argo CD's CRDs.
func TestBuildMatchesCRD(t *testing.T) {
	tests := []struct {
		name   string
		change func(*model.Environment, []object.Object) []object.Object
	}{
		{"prod", nil},
		{"auto sync", func(env *model.Environment, objs []object.Object) []object.Object {
			env.ArgoCD.AutoSync = true
			return objs
		}},
		{"replicas beside an HPA", func(env *model.Environment, objs []object.Object) []object.Object {
			for i, o := range objs {
				if o.App == "backend" && o.Kind() == "Deployment" {
					objs[i] = obj("backend", "apps/v1", "Deployment", "chatbot", "backend", replicas(3))
				}
			}
			return objs
		}},
		{"every controller", func(env *model.Environment, objs []object.Object) []object.Object {
			env.Platform.Controllers["keda"].Enabled = true
			env.Platform.Controllers["prometheus-adapter"].Enabled = true
			return objs
		}},
		{"named cluster, no retries", func(env *model.Environment, objs []object.Object) []object.Object {
			env.ArgoCD.Destination = "chatbot-prod"
			env.ArgoCD.Retry = model.Retry{}
			return objs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, objs := fixture(t), fixtureObjects()
			if tt.change != nil {
				objs = tt.change(env, objs)
			}
			for _, o := range build(t, env, objs) {
				if err := schematest.ValidateCRD(crdOf(t, o), o.Content); err != nil {
					t.Errorf("ValidateCRD(%s) = %v", o.ID(), err)
				}
			}
		})
	}
}
