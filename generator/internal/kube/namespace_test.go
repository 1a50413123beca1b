package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestNamespaces(t *testing.T) {
	env := envWith(t, `namespaces: {
	web: quota: {"requests.cpu": "0.5", pods: "100", "requests.memory": "20Gi"}
	data: annotations: owner: "dba"
	api: quota: {}
}`)
	objs := build(t, env)
	// Besides the namespaces and the one quota: the schema's gp3
	// StorageClass, and the default-deny and allow-dns NetworkPolicies of
	// each namespace (the schema's default).
	want := []string{
		"Namespace/api", "Namespace/data", "Namespace/web", "ResourceQuota/web", "StorageClass/gp3",
		"NetworkPolicy/allow-dns-api", "NetworkPolicy/default-deny-api",
		"NetworkPolicy/allow-dns-data", "NetworkPolicy/default-deny-data",
		"NetworkPolicy/allow-dns-web", "NetworkPolicy/default-deny-web",
	}
	if diff := cmp.Diff(want, kinds(objs)); diff != "" {
		t.Fatalf("objects mismatch (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		if o.App != "" {
			t.Errorf("%s belongs to app %q, want none", o.ID(), o.App)
		}
	}
	if got := decode[corev1.Namespace](t, objs[1]).Annotations; !cmp.Equal(got, map[string]string{"owner": "dba"}) {
		t.Errorf("Namespace data annotations = %v", got)
	}
	q := decode[corev1.ResourceQuota](t, objs[3])
	if q.Namespace != "web" {
		t.Errorf("ResourceQuota namespace = %q, want web", q.Namespace)
	}
	wantHard := corev1.ResourceList{
		"requests.cpu":    resource.MustParse("500m"),
		"requests.memory": resource.MustParse("20Gi"),
		"pods":            resource.MustParse("100"),
	}
	if diff := cmp.Diff(wantHard, q.Spec.Hard); diff != "" {
		t.Errorf("spec.hard mismatch (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{"app.kubernetes.io/managed-by": "gen", "environment": "prod"}
	if diff := cmp.Diff(wantLabels, q.Labels); diff != "" {
		t.Errorf("ResourceQuota labels mismatch (-want +got):\n%s", diff)
	}
}
