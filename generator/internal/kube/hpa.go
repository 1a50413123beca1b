package kube

import (
	"errors"

	"github.com/gitops-gen/gen/generator/model"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// horizontalPodAutoscaler returns the app's HorizontalPodAutoscaler, or nil
// when the app has none (or autoscaling is disabled). It scales the app's
// workload on average CPU, then memory, utilisation of requests.
func horizontalPodAutoscaler(in *instance) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	if !in.app.HPA() {
		return nil, nil
	}
	as := in.app.Autoscaling
	if as.MaxReplicas == nil {
		return nil, errors.New("autoscaling: no maxReplicas")
	}
	workload := deploymentType
	switch {
	case in.app.Kind == model.StatefulSet:
		workload = statefulSetType
	case in.app.Delivery != nil:
		// The Rollout runs the pods: scaling the Deployment would scale
		// nothing.
		workload = rolloutType
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta: hpaType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      in.app.Name,
			Namespace: in.app.Namespace,
			Labels:    in.labels,
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				APIVersion: workload.APIVersion,
				Kind:       workload.Kind,
				Name:       in.app.Name,
			},
			MinReplicas: as.MinReplicas,
			MaxReplicas: *as.MaxReplicas,
			Metrics: append(
				utilization(corev1.ResourceCPU, as.CPU),
				utilization(corev1.ResourceMemory, as.Memory)...,
			),
		},
	}
	if as.ScaleDownStabilizationSeconds != nil {
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleDown: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: as.ScaleDownStabilizationSeconds,
			},
		}
	}
	return hpa, nil
}

// utilization is a resource metric targeting an average utilisation of
// percent; none when percent is nil.
func utilization(res corev1.ResourceName, percent *int32) []autoscalingv2.MetricSpec {
	if percent == nil {
		return nil
	}
	return []autoscalingv2.MetricSpec{{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name: res,
			Target: autoscalingv2.MetricTarget{
				Type:               autoscalingv2.UtilizationMetricType,
				AverageUtilization: percent,
			},
		},
	}}
}
