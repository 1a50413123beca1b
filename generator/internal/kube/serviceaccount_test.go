package kube

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestServiceAccount(t *testing.T) {
	tests := []struct {
		name            string
		sa              model.ServiceAccount
		wantSA          bool
		wantAnnotations map[string]string
		wantPodSA       string
	}{
		{name: "created", sa: model.ServiceAccount{Create: true}, wantSA: true, wantPodSA: "web"},
		{
			name:            "with IAM role",
			sa:              model.ServiceAccount{Create: true, IAMRole: "web-reader"},
			wantSA:          true,
			wantAnnotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/web-reader"},
			wantPodSA:       "web",
		},
		{name: "namespace default", sa: model.ServiceAccount{Create: false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.ServiceAccount = tc.sa
			objs := buildApp(t, app)
			if got := has(objs, "ServiceAccount", "web"); got != tc.wantSA {
				t.Fatalf("ServiceAccount rendered = %v, want %v", got, tc.wantSA)
			}
			if tc.wantSA {
				sa := decode[corev1.ServiceAccount](t, find(t, objs, "ServiceAccount", "web"))
				if diff := cmp.Diff(tc.wantAnnotations, sa.Annotations); diff != "" {
					t.Errorf("annotations mismatch (-want +got):\n%s", diff)
				}
			}
			if got := podSpecOf(t, app).Spec.ServiceAccountName; got != tc.wantPodSA {
				t.Errorf("serviceAccountName = %q, want %q", got, tc.wantPodSA)
			}
		})
	}
}
