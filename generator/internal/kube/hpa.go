package kube

import (
	"errors"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// horizontalPodAutoscaler returns the app's HorizontalPodAutoscaler, or nil
// when the app has none (autoscaling disabled, or KEDA's ScaledObject
// makes it). It scales the app's workload on average CPU, then memory,
// utilisation of requests, then on its custom metrics by name.
func horizontalPodAutoscaler(in *instance) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	if !in.app.HPA() || in.app.KEDA() {
		return nil, nil
	}
	as := in.app.Autoscaling
	if as.MaxReplicas == nil {
		return nil, errors.New("autoscaling: no maxReplicas")
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta: hpaType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      in.app.Name,
			Namespace: in.app.Namespace,
			Labels:    in.labels,
		},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: scaleTarget(in.app),
			MinReplicas:    as.MinReplicas,
			MaxReplicas:    *as.MaxReplicas,
			Metrics: slices.Concat(
				utilization(corev1.ResourceCPU, as.CPU),
				utilization(corev1.ResourceMemory, as.Memory),
				customMetrics(as.Metrics),
			),
			Behavior: behavior(as),
		},
	}
	return hpa, nil
}

// scaleTarget is the app's workload as a scaler refers to it: with a
// delivery, its Rollout, which runs the pods (scaling the Deployment
// would scale nothing).
func scaleTarget(app *model.App) autoscalingv2.CrossVersionObjectReference {
	workload := deploymentType
	switch {
	case app.Kind == model.StatefulSet:
		workload = statefulSetType
	case app.Delivery != nil:
		workload = rolloutType
	}
	return autoscalingv2.CrossVersionObjectReference{APIVersion: workload.APIVersion, Kind: workload.Kind, Name: app.Name}
}

// behavior is the HPA's behavior from the model: nil when unset, so that
// Kubernetes' defaults apply. (The schema folds
// scaleDownStabilizationSeconds into behavior.scaleDown; a model built
// without the schema may still set it alone.)
func behavior(as *model.Autoscaling) *autoscalingv2.HorizontalPodAutoscalerBehavior {
	b := as.Behavior
	if b == nil && as.ScaleDownStabilizationSeconds != nil {
		b = &model.ScalingBehavior{ScaleDown: &model.ScalingRules{StabilizationWindowSeconds: as.ScaleDownStabilizationSeconds}}
	}
	if b == nil || (b.ScaleUp == nil && b.ScaleDown == nil) {
		return nil
	}
	return &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: scalingRules(b.ScaleUp), ScaleDown: scalingRules(b.ScaleDown)}
}

func scalingRules(r *model.ScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return nil
	}
	out := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds}
	if r.SelectPolicy != "" {
		out.SelectPolicy = new(autoscalingv2.ScalingPolicySelect(r.SelectPolicy))
	}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, autoscalingv2.HPAScalingPolicy{
			Type:          autoscalingv2.HPAScalingPolicyType(p.Type),
			Value:         p.Value,
			PeriodSeconds: p.PeriodSeconds,
		})
	}
	return out
}

// customMetrics are the Pods, Object and External metrics, by name.
func customMetrics(metrics map[string]model.CustomMetric) []autoscalingv2.MetricSpec {
	var out []autoscalingv2.MetricSpec
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		m := metrics[name]
		id := autoscalingv2.MetricIdentifier{Name: name}
		if len(m.Selector) > 0 {
			id.Selector = &metav1.LabelSelector{MatchLabels: m.Selector}
		}
		target := metricTarget(m)
		switch m.Type {
		case "Object":
			var obj model.MetricObject
			if m.Object != nil {
				obj = *m.Object
			}
			out = append(out, autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
				DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: obj.APIVersion, Kind: obj.Kind, Name: obj.Name},
				Metric:          id,
				Target:          target,
			}})
		case "External":
			out = append(out, autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{Metric: id, Target: target}})
		default:
			out = append(out, autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{Metric: id, Target: target}})
		}
	}
	return out
}

// metricTarget is a custom metric's target: its averageValue, else its
// value (quantities the check stage has parsed).
func metricTarget(m model.CustomMetric) autoscalingv2.MetricTarget {
	if m.AverageValue != "" || m.Value == "" {
		q, _ := resource.ParseQuantity(m.AverageValue)
		return autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &q}
	}
	q, _ := resource.ParseQuantity(m.Value)
	return autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: &q}
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
