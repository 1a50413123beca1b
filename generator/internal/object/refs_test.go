package object_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
)

func TestRefs(t *testing.T) {
	obj := func(kind string, spec map[string]any) object.Object {
		return object.Object{Content: map[string]any{"kind": kind, "metadata": map[string]any{"name": "web"}, "spec": spec}}
	}
	template := func(pod map[string]any) map[string]any {
		return map[string]any{"template": map[string]any{"spec": pod}}
	}
	sa := func(name string) object.Ref {
		return object.Ref{Kind: "ServiceAccount", Name: name, Field: object.ServiceAccountName}
	}
	pod := map[string]any{
		"serviceAccountName": "web",
		"priorityClassName":  "high",
		"imagePullSecrets":   []any{map[string]any{"name": "pull"}},
		"initContainers": []any{map[string]any{"name": "migrate", "envFrom": []any{
			map[string]any{"secretRef": map[string]any{"name": "db", "optional": true}},
		}}},
		"containers": []any{map[string]any{"name": "web",
			"env": []any{
				map[string]any{"name": "LEVEL", "value": "info"},
				map[string]any{"name": "URL", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "web-env", "key": "url", "optional": true}}},
				map[string]any{"name": "PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}},
				map[string]any{"name": "POD", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}}},
			},
			"envFrom": []any{map[string]any{"configMapRef": map[string]any{"name": "web-env"}}},
		}},
		"volumes": []any{
			map[string]any{"name": "config", "configMap": map[string]any{"name": "web-files", "items": []any{map[string]any{"key": "app.yaml", "path": "app.yaml"}}}},
			map[string]any{"name": "tls", "secret": map[string]any{"secretName": "tls", "optional": true}},
			map[string]any{"name": "all", "projected": map[string]any{"sources": []any{
				map[string]any{"configMap": map[string]any{"name": "kube-root-ca.crt", "items": []any{map[string]any{"key": "ca.crt", "path": "ca.crt"}}}},
				map[string]any{"secret": map[string]any{"name": "token"}},
				map[string]any{"serviceAccountToken": map[string]any{"path": "token"}},
			}}},
			map[string]any{"name": "data", "persistentVolumeClaim": map[string]any{"claimName": "data"}},
			map[string]any{"name": "scratch", "ephemeral": map[string]any{"volumeClaimTemplate": map[string]any{"spec": map[string]any{"storageClassName": "gp3"}}}},
			map[string]any{"name": "tmp", "emptyDir": map[string]any{}},
		},
	}
	tests := []struct {
		name string
		obj  object.Object
		want []object.Ref
	}{{
		name: "every reference a pod spec makes, in order",
		obj:  obj("Deployment", template(pod)),
		want: []object.Ref{
			sa("web"),
			{Kind: "PriorityClass", Name: "high", Field: object.PriorityClassName},
			{Kind: "Secret", Name: "pull", Field: object.ImagePullSecrets},
			{Kind: "Secret", Name: "db", Optional: true, Field: object.EnvFrom, Container: "migrate"},
			{Kind: "ConfigMap", Name: "web-env", Keys: []string{"url"}, Optional: true, Field: object.Env, Container: "web", Item: "URL"},
			{Kind: "Secret", Name: "db", Keys: []string{"password"}, Field: object.Env, Container: "web", Item: "PASSWORD"},
			{Kind: "ConfigMap", Name: "web-env", Field: object.EnvFrom, Container: "web"},
			{Kind: "ConfigMap", Name: "web-files", Keys: []string{"app.yaml"}, Field: object.Volume, Item: "config"},
			{Kind: "Secret", Name: "tls", Optional: true, Field: object.Volume, Item: "tls"},
			{Kind: "ConfigMap", Name: "kube-root-ca.crt", Keys: []string{"ca.crt"}, Field: object.Volume, Item: "all"},
			{Kind: "Secret", Name: "token", Field: object.Volume, Item: "all"},
			{Kind: "PersistentVolumeClaim", Name: "data", Field: object.Volume, Item: "data"},
			{Kind: "StorageClass", Name: "gp3", Field: object.Volume, Item: "scratch"},
		},
	}, {
		name: "no serviceAccountName: the namespace's default",
		obj:  obj("CronJob", map[string]any{"jobTemplate": map[string]any{"spec": template(map[string]any{})}}),
		want: []object.Ref{sa("default")},
	}, {
		name: "a StatefulSet's claim templates, with and without a class",
		obj: obj("StatefulSet", map[string]any{
			"template": map[string]any{"spec": map[string]any{"serviceAccountName": "db"}},
			"volumeClaimTemplates": []any{
				map[string]any{"metadata": map[string]any{"name": "data"}, "spec": map[string]any{"storageClassName": "gp3"}},
				map[string]any{"metadata": map[string]any{"name": "logs"}, "spec": map[string]any{}},
				map[string]any{"metadata": map[string]any{"name": "static"}, "spec": map[string]any{"storageClassName": ""}},
			},
		}),
		want: []object.Ref{
			sa("db"),
			{Kind: "StorageClass", Name: "gp3", Field: object.ClaimTemplate, Item: "data"},
			{Kind: "StorageClass", Unset: true, Field: object.ClaimTemplate, Item: "logs"},
			{Kind: "StorageClass", Field: object.ClaimTemplate, Item: "static"},
		},
	}, {
		name: "a claim's class",
		obj:  obj("PersistentVolumeClaim", map[string]any{"storageClassName": "gp3"}),
		want: []object.Ref{{Kind: "StorageClass", Name: "gp3", Field: object.StorageClassName}},
	}, {
		name: "objects without pods or claims make none",
		obj:  obj("Service", map[string]any{"selector": map[string]any{"app": "web"}}),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.obj.Refs()); diff != "" {
				t.Errorf("Refs() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDataKeys(t *testing.T) {
	o := object.Object{Content: map[string]any{
		"kind":       "Secret",
		"data":       map[string]any{"b": "eA==", "a": "eA=="},
		"stringData": map[string]any{"c": "x", "a": "x"},
		"binaryData": map[string]any{"d": "eA=="},
	}}
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, o.DataKeys()); diff != "" {
		t.Errorf("DataKeys() mismatch (-want +got):\n%s", diff)
	}
	if got := (object.Object{Content: map[string]any{"kind": "ConfigMap"}}).DataKeys(); got != nil {
		t.Errorf("DataKeys() of an empty ConfigMap = %v, want nil", got)
	}
}
