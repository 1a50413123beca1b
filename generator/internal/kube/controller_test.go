package kube

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
)

// TestControllerPolicies: a controller with ingressPorts in a namespace
// with default-deny gets a NetworkPolicy that opens those ports of its
// release's pods to anyone; none in kube-system (no default-deny there),
// in a namespace without default-deny, or for a controller without ports
// or turned off.
func TestControllerPolicies(t *testing.T) {
	env := modeltest.Env(t, "prod", cluster+`
namespaces: open: defaultDeny: false
platform: controllers: {
	"external-secrets": ingressPorts: [10250, 8443, 10250]
	"argo-rollouts": {}
	"prometheus-operator": namespace: "open"
	keda: enabled: true
}
`)
	var got []any
	for _, obj := range build(t, env) {
		if obj.Kind() != "NetworkPolicy" || !strings.HasPrefix(obj.Name(), "allow-") {
			continue
		}
		got = append(got, map[string]any{
			"id":     obj.ID(),
			"labels": obj.Lookup("metadata", "labels"),
			"spec":   obj.Lookup("spec"),
		})
	}
	port := func(p int) any { return map[string]any{"protocol": "TCP", "port": json.Number(strconv.Itoa(p))} }
	labels := func(name string) any {
		return map[string]any{"app.kubernetes.io/managed-by": "gen", "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "platform", "environment": "prod"}
	}
	want := []any{
		map[string]any{
			"id":     "NetworkPolicy/external-secrets/allow-external-secrets",
			"labels": labels("external-secrets"),
			"spec": map[string]any{
				"podSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/instance": "external-secrets"}},
				"policyTypes": []any{"Ingress"},
				"ingress":     []any{map[string]any{"ports": []any{port(8443), port(10250)}}},
			},
		},
		map[string]any{
			"id":     "NetworkPolicy/keda/allow-keda",
			"labels": labels("keda"),
			"spec": map[string]any{
				"podSelector": map[string]any{"matchLabels": map[string]any{"app.kubernetes.io/instance": "keda"}},
				"policyTypes": []any{"Ingress"},
				"ingress":     []any{map[string]any{"ports": []any{port(6443), port(9443), port(9666)}}},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("controllerPolicies mismatch (-want +got):\n%s", diff)
	}
}
