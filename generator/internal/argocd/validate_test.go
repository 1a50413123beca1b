package argocd

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// TestTypesMatchCRD sets every field of application and appProject (so
// that omitempty hides none) and validates the result against Argo CD's
// CRDs, which ValidateCRD closes: every field name and JSON type of
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
			crd := crdFile(t, tt.crd)
			fill(reflect.ValueOf(tt.v).Elem(), "")
			reflect.ValueOf(tt.v).Elem().FieldByName("Kind").SetString(tt.kind)
			content := toMap(t, tt.v)
			if err := ValidateCRD(crd, content); err != nil {
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
			env, objs := fixture(), fixtureObjects()
			if tt.change != nil {
				objs = tt.change(env, objs)
			}
			for _, o := range build(t, env, objs) {
				if err := ValidateCRD(crdOf(t, o), o.Content); err != nil {
					t.Errorf("ValidateCRD(%s) = %v", o.ID(), err)
				}
			}
		})
	}
}

// TestValidateCRDRejects shows that the schema ValidateCRD compiles catches
// what a Kubernetes API server would prune or refuse: unknown fields at
// any depth, wrong types, a missing required field, the wrong kind or
// version.
func TestValidateCRDRejects(t *testing.T) {
	env, objs := fixture(), fixtureObjects()
	env.ArgoCD.AutoSync = true
	built := build(t, env, objs)
	app := find(t, built, KindApplication, "backend")
	project := find(t, built, KindAppProject, "prod")

	tests := []struct {
		name   string
		of     object.Object
		mutate func(m map[string]any)
		want   string // in the error
	}{
		{"unknown field in spec", app, func(m map[string]any) {
			object.Lookup(m, "spec").(map[string]any)["syncPolicyy"] = map[string]any{}
		}, "syncPolicyy"},
		{"unknown field deep down", app, func(m map[string]any) {
			object.Lookup(m, "spec", "syncPolicy", "automated").(map[string]any)["pruneLast"] = true
		}, "pruneLast"},
		{"unknown field at the top", app, func(m map[string]any) {
			m["specs"] = map[string]any{}
		}, "specs"},
		{"string for an integer", app, func(m map[string]any) {
			object.Lookup(m, "spec", "syncPolicy", "retry").(map[string]any)["limit"] = "5"
		}, "limit"},
		{"string for a boolean", app, func(m map[string]any) {
			object.Lookup(m, "spec", "source", "directory").(map[string]any)["recurse"] = "yes"
		}, "recurse"},
		{"list for a string", app, func(m map[string]any) {
			object.Lookup(m, "spec").(map[string]any)["project"] = []any{"prod"}
		}, "project"},
		{"number as a label value", app, func(m map[string]any) {
			object.Lookup(m, "metadata", "labels").(map[string]any)["tier"] = json.Number("1")
		}, "tier"},
		{"number as a sync wave", app, func(m map[string]any) {
			object.Lookup(m, "metadata", "annotations").(map[string]any)[SyncWave] = json.Number("1")
		}, "sync-wave"},
		{"no destination", app, func(m map[string]any) {
			delete(object.Lookup(m, "spec").(map[string]any), "destination")
		}, "destination"},
		{"no name", app, func(m map[string]any) {
			delete(object.Lookup(m, "metadata").(map[string]any), "name")
		}, "name"},
		{"wrong kind", app, func(m map[string]any) {
			m["kind"] = "ApplicationSet"
		}, "kind"},
		{"unserved version", app, func(m map[string]any) {
			m["apiVersion"] = "argoproj.io/v1beta1"
		}, "v1beta1"},
		{"other API group", app, func(m map[string]any) {
			m["apiVersion"] = "apps/v1alpha1"
		}, "argoproj.io"},
		{"project: unknown field in a destination", project, func(m map[string]any) {
			d := object.Lookup(m, "spec").(map[string]any)["destinations"].([]any)[0].(map[string]any)
			d["cluster"] = "in-cluster"
		}, "cluster"},
		{"project: whitelist entry without its group", project, func(m map[string]any) {
			w := object.Lookup(m, "spec").(map[string]any)["clusterResourceWhitelist"].([]any)[0].(map[string]any)
			delete(w, "group")
		}, "group"},
		{"project: string for a list", project, func(m map[string]any) {
			object.Lookup(m, "spec").(map[string]any)["sourceRepos"] = "https://github.com/gitops-gen/platform.git"
		}, "sourceRepos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clone(t, []object.Object{tt.of})[0].Content
			if err := ValidateCRD(crdOf(t, tt.of), m); err != nil {
				t.Fatalf("ValidateCRD(%s) before the change = %v", tt.of.ID(), err)
			}
			tt.mutate(m)
			err := ValidateCRD(crdOf(t, tt.of), m)
			if err == nil {
				t.Fatalf("ValidateCRD(%s, %s) = nil, want an error", tt.of.ID(), tt.name)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ValidateCRD(%s, %s) = %v, want it to mention %q", tt.of.ID(), tt.name, err, tt.want)
			}
		})
	}
}

// TestValidateCRDAllows shows what stays open: metadata fields gen does
// not write (an object read back from a cluster has them), and the fields
// the CRD itself leaves open.
func TestValidateCRDAllows(t *testing.T) {
	env, objs := fixture(), fixtureObjects()
	app := find(t, build(t, env, objs), KindApplication, "backend")
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"metadata from the cluster", func(m map[string]any) {
			md := object.Lookup(m, "metadata").(map[string]any)
			md["uid"] = "0d9c3b1e-2b49-4d55-9f0e-3c7b1b7f1d2a"
			md["generation"] = json.Number("3")
			md["managedFields"] = []any{map[string]any{"manager": "argocd-controller"}}
		}},
		{"int-or-string as either", func(m map[string]any) {
			spec := object.Lookup(m, "spec").(map[string]any)
			spec["source"].(map[string]any)["kustomize"] = map[string]any{"replicas": []any{
				map[string]any{"name": "backend", "count": json.Number("3")},
				map[string]any{"name": "worker", "count": "2"},
			}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := clone(t, []object.Object{app})[0].Content
			tt.mutate(m)
			if err := ValidateCRD(crdOf(t, app), m); err != nil {
				t.Errorf("ValidateCRD(%s, %s) = %v, want nil", app.ID(), tt.name, err)
			}
		})
	}
}

// TestValidateCRDFiles reports a missing or foreign file as an error.
func TestValidateCRDFiles(t *testing.T) {
	app := map[string]any{"apiVersion": APIVersion, "kind": KindApplication, "metadata": map[string]any{"name": "x"}}
	if err := ValidateCRD("testdata/no-such-crd.yaml", app); err == nil {
		t.Error("ValidateCRD(missing file) = nil, want an error")
	}
	if err := ValidateCRD("testdata/build.txtar", app); err == nil {
		t.Error("ValidateCRD(not a CRD) = nil, want an error")
	}
	if err := ValidateCRD(crdFile(t, "argocd-application-crd.yaml"), map[string]any{"apiVersion": "v1"}); err == nil {
		t.Error("ValidateCRD(apiVersion v1) = nil, want an error")
	}
}
