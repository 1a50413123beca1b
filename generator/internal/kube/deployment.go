package kube

import (
	"github.com/gitops-gen/gen/generator/model"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// deployment returns the app's Deployment; checksum is its config checksum.
func deployment(in *instance, checksum string) (*appsv1.Deployment, error) {
	tmpl, err := podTemplate(in, checksum, "")
	if err != nil {
		return nil, err
	}
	ru := in.app.RollingUpdate
	return &appsv1.Deployment{
		TypeMeta:   deploymentType,
		ObjectMeta: in.workloadMeta(),
		Spec: appsv1.DeploymentSpec{
			Replicas: deploymentReplicas(in.app),
			Selector: &metav1.LabelSelector{MatchLabels: in.selector},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge:       intOrString(ru.MaxSurge),
					MaxUnavailable: intOrString(ru.MaxUnavailable),
				},
			},
			Template: tmpl,
		},
	}, nil
}

// replicas is the workload's spec.replicas: nil when a
// HorizontalPodAutoscaler owns the count, so that Argo CD and the HPA do not
// fight over it.
func replicas(app *model.App) *int32 {
	if app.HPA() {
		return nil
	}
	return new(app.Replicas)
}

// deploymentReplicas is the Deployment's spec.replicas: nil when a
// Rollout runs its pods (the Rollout has the count, and scales the
// Deployment down) or an HPA owns the count.
func deploymentReplicas(app *model.App) *int32 {
	if app.Delivery != nil {
		return nil
	}
	return replicas(app)
}

// intOrString converts a count or a percentage.
func intOrString(v model.IntOrString) *intstr.IntOrString {
	if v.IsStr {
		return new(intstr.FromString(v.String))
	}
	return new(intstr.FromInt32(v.Int))
}
