package kube

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// roleARNAnnotation binds a ServiceAccount to an IAM role (IRSA):
// https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
const roleARNAnnotation = "eks.amazonaws.com/role-arn"

// serviceAccount returns the app's ServiceAccount, named after the app, or
// nil when the app runs as its namespace's default ServiceAccount.
func serviceAccount(in *instance) *corev1.ServiceAccount {
	sa := in.app.ServiceAccount
	if !sa.Create {
		return nil
	}
	var annotations map[string]string
	if sa.IAMRole != "" {
		annotations = map[string]string{
			roleARNAnnotation: in.env.Cluster.RoleARN(sa.IAMRole),
		}
	}
	return &corev1.ServiceAccount{
		TypeMeta: serviceAccountType,
		ObjectMeta: metav1.ObjectMeta{
			Name:        in.app.Name,
			Namespace:   in.app.Namespace,
			Labels:      in.labels,
			Annotations: annotations,
		},
	}
}

// serviceAccountName is the pod's serviceAccountName: the app's own
// ServiceAccount when it is created, else "" (the namespace's default).
func serviceAccountName(in *instance) string {
	if in.app.ServiceAccount.Create {
		return in.app.Name
	}
	return ""
}
