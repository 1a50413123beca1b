package argocd

import (
	"encoding/json"
	"reflect"
	"strings"
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
			fill(reflect.ValueOf(tt.v).Elem(), "")
			reflect.ValueOf(tt.v).Elem().FieldByName("Kind").SetString(tt.kind)
			content := toMap(t, tt.v)
			if err := schematest.ValidateCRD(crd, content); err != nil {
				t.Errorf("ValidateCRD(every field set) = %v\n%v", err, content)
			}
		})
	}
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
		if name == "apiVersion" {
			v.SetString(APIVersion)
			return
		}
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int64:
		v.SetInt(7)
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// toMap encodes v into the JSON data model.
func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	m, err := object.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
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
