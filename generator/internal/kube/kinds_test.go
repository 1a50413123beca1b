package kube

import (
	"fmt"
	"testing"
)

func TestNewTyped(t *testing.T) {
	tests := []struct {
		apiVersion, kind string
		want             string // the Go type, "" when unknown
	}{
		{"v1", "Namespace", "*v1.Namespace"},
		{"v1", "ResourceQuota", "*v1.ResourceQuota"},
		{"v1", "ServiceAccount", "*v1.ServiceAccount"},
		{"v1", "ConfigMap", "*v1.ConfigMap"},
		{"v1", "Service", "*v1.Service"},
		{"apps/v1", "Deployment", "*v1.Deployment"},
		{"apps/v1", "StatefulSet", "*v1.StatefulSet"},
		{"batch/v1", "CronJob", "*v1.CronJob"},
		{"batch/v1", "Job", "*v1.Job"},
		{"autoscaling/v2", "HorizontalPodAutoscaler", "*v2.HorizontalPodAutoscaler"},
		{"policy/v1", "PodDisruptionBudget", "*v1.PodDisruptionBudget"},
		{"storage.k8s.io/v1", "StorageClass", "*v1.StorageClass"},
		{"rbac.authorization.k8s.io/v1", "ClusterRole", "*v1.ClusterRole"},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "*v1.ClusterRoleBinding"},
		{"rbac.authorization.k8s.io/v1", "Role", "*v1.Role"},
		{"rbac.authorization.k8s.io/v1", "RoleBinding", "*v1.RoleBinding"},
		{"networking.k8s.io/v1", "NetworkPolicy", "*v1.NetworkPolicy"},
		{"extensions/v1beta1", "NetworkPolicy", ""},
		{"storage.k8s.io/v1beta1", "StorageClass", ""},
		{"v1", "StorageClass", ""},
		{"rbac.authorization.k8s.io/v1beta1", "Role", ""},
		{"apps/v1", "Service", ""},
		{"v1", "Deployment", ""},
		{"autoscaling/v1", "HorizontalPodAutoscaler", ""},
		{"v1", "Secret", ""},
		{"", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.apiVersion+"/"+tc.kind, func(t *testing.T) {
			v, ok := NewTyped(tc.apiVersion, tc.kind)
			if ok != (tc.want != "") {
				t.Fatalf("NewTyped(%q, %q) ok = %v, want %v", tc.apiVersion, tc.kind, ok, tc.want != "")
			}
			if got := fmt.Sprintf("%T", v); ok && got != tc.want {
				t.Errorf("NewTyped(%q, %q) = %s, want %s", tc.apiVersion, tc.kind, got, tc.want)
			}
			if ok {
				// Each call returns a fresh value.
				w, _ := NewTyped(tc.apiVersion, tc.kind)
				if fmt.Sprintf("%p", v) == fmt.Sprintf("%p", w) {
					t.Errorf("NewTyped(%q, %q) returned the same pointer twice", tc.apiVersion, tc.kind)
				}
			}
		})
	}
}
