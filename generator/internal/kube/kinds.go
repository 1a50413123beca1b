package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The TypeMeta of every kind Build produces.
var (
	namespaceType      = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
	resourceQuotaType  = metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"}
	limitRangeType     = metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"}
	serviceAccountType = metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}
	configMapType      = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
	serviceType        = metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}
	deploymentType     = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
	statefulSetType    = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}
	cronJobType        = metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"}
	jobType            = metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"}
	hpaType            = metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"}
	pdbType            = metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"}
	storageClassType   = metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"}
	clusterRoleType    = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}
	clusterBindingType = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}
	roleType           = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}
	roleBindingType    = metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}
	networkPolicyType  = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"}
	ingressType        = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}
	ingressClassType   = metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"}
	ingressParamsType  = metav1.TypeMeta{APIVersion: "elbv2.k8s.aws/v1beta1", Kind: "IngressClassParams"}
	rolloutType        = metav1.TypeMeta{APIVersion: RolloutsAPIVersion, Kind: KindRollout}
)

// typed maps the TypeMeta of every kind Build produces to a constructor of
// its k8s.io/api type (for a CRD's kind, of gen's own type with the CRD's
// field names, tested against the CRD's schema).
var typed = map[metav1.TypeMeta]func() any{
	namespaceType:          func() any { return new(corev1.Namespace) },
	resourceQuotaType:      func() any { return new(corev1.ResourceQuota) },
	limitRangeType:         func() any { return new(corev1.LimitRange) },
	serviceAccountType:     func() any { return new(corev1.ServiceAccount) },
	configMapType:          func() any { return new(corev1.ConfigMap) },
	serviceType:            func() any { return new(corev1.Service) },
	deploymentType:         func() any { return new(appsv1.Deployment) },
	statefulSetType:        func() any { return new(appsv1.StatefulSet) },
	cronJobType:            func() any { return new(batchv1.CronJob) },
	jobType:                func() any { return new(batchv1.Job) },
	hpaType:                func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	pdbType:                func() any { return new(policyv1.PodDisruptionBudget) },
	storageClassType:       func() any { return new(storagev1.StorageClass) },
	clusterRoleType:        func() any { return new(rbacv1.ClusterRole) },
	clusterBindingType:     func() any { return new(rbacv1.ClusterRoleBinding) },
	roleType:               func() any { return new(rbacv1.Role) },
	roleBindingType:        func() any { return new(rbacv1.RoleBinding) },
	networkPolicyType:      func() any { return new(networkingv1.NetworkPolicy) },
	ingressType:            func() any { return new(networkingv1.Ingress) },
	ingressClassType:       func() any { return new(networkingv1.IngressClass) },
	ingressParamsType:      func() any { return new(IngressClassParams) },
	serviceMonitorType:     func() any { return new(ServiceMonitor) },
	podMonitorType:         func() any { return new(PodMonitor) },
	prometheusRuleType:     func() any { return new(PrometheusRule) },
	alertmanagerConfigType: func() any { return new(AlertmanagerConfig) },
	scaledObjectType:       func() any { return new(ScaledObject) },
}

// NewTyped returns a pointer to a new, zero k8s.io/api value for apiVersion
// and kind (for example *appsv1.Deployment for "apps/v1", "Deployment"), and
// false when Build never produces that kind. Tests use it to decode rendered
// objects strictly into their Go types.
func NewTyped(apiVersion, kind string) (any, bool) {
	newT, ok := typed[metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}]
	if !ok {
		return nil, false
	}
	return newT(), true
}
