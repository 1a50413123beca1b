package kube

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestHorizontalPodAutoscaler(t *testing.T) {
	target := func(res corev1.ResourceName, percent int32) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name:   res,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: new(percent)},
			},
		}
	}
	tests := []struct {
		name        string
		kind        string
		autoscaling model.Autoscaling
		want        autoscalingv2.HorizontalPodAutoscalerSpec
	}{
		{
			name:        "cpu then memory",
			kind:        model.Deployment,
			autoscaling: model.Autoscaling{Enabled: true, MinReplicas: new(int32(5)), MaxReplicas: new(int32(50)), CPU: new(int32(70)), Memory: new(int32(80))},
			want: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    new(int32(5)),
				MaxReplicas:    50,
				Metrics:        []autoscalingv2.MetricSpec{target(corev1.ResourceCPU, 70), target(corev1.ResourceMemory, 80)},
			},
		},
		{
			name:        "memory only, with scale-down window, on a StatefulSet",
			kind:        model.StatefulSet,
			autoscaling: model.Autoscaling{Enabled: true, MaxReplicas: new(int32(3)), Memory: new(int32(75)), ScaleDownStabilizationSeconds: new(int32(600))},
			want: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "web"},
				MaxReplicas:    3,
				Metrics:        []autoscalingv2.MetricSpec{target(corev1.ResourceMemory, 75)},
				Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
					ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: new(int32(600))},
				},
			},
		},
	}
	tests = append(tests, struct {
		name        string
		kind        string
		autoscaling model.Autoscaling
		want        autoscalingv2.HorizontalPodAutoscalerSpec
	}{
		name: "custom metrics by name, with behavior both ways",
		kind: model.Deployment,
		autoscaling: model.Autoscaling{
			Enabled: true, MinReplicas: new(int32(2)), MaxReplicas: new(int32(20)), CPU: new(int32(70)),
			Metrics: map[string]model.CustomMetric{
				"http_requests_per_second": {Type: "Pods", AverageValue: "50"},
				"queue_messages_ready":     {Type: "External", Selector: map[string]string{"queue": "tasks"}, Value: "100"},
				"requests_per_second":      {Type: "Object", Value: "2k", Object: &model.MetricObject{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "web"}},
			},
			Behavior: &model.ScalingBehavior{
				ScaleUp: &model.ScalingRules{StabilizationWindowSeconds: new(int32(0)), Policies: []model.ScalingPolicy{{Type: "Percent", Value: 100, PeriodSeconds: 15}}},
				ScaleDown: &model.ScalingRules{StabilizationWindowSeconds: new(int32(300)), SelectPolicy: "Min",
					Policies: []model.ScalingPolicy{{Type: "Pods", Value: 1, PeriodSeconds: 60}}},
			},
		},
		want: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    new(int32(2)),
			MaxReplicas:    20,
			Metrics: []autoscalingv2.MetricSpec{
				target(corev1.ResourceCPU, 70),
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "http_requests_per_second"},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: new(resource.MustParse("50"))},
				}},
				{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "queue_messages_ready", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"queue": "tasks"}}},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: new(resource.MustParse("100"))},
				}},
				{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
					DescribedObject: autoscalingv2.CrossVersionObjectReference{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Name: "web"},
					Metric:          autoscalingv2.MetricIdentifier{Name: "requests_per_second"},
					Target:          autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: new(resource.MustParse("2k"))},
				}},
			},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleUp: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: new(int32(0)),
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}},
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: new(int32(300)), SelectPolicy: new(autoscalingv2.MinChangePolicySelect),
					Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}},
			},
		},
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", tc.kind)
			app.Autoscaling = &tc.autoscaling
			hpa := decode[autoscalingv2.HorizontalPodAutoscaler](t, find(t, buildApp(t, app), "HorizontalPodAutoscaler", "web"))
			if diff := cmp.Diff(tc.want, hpa.Spec); diff != "" {
				t.Errorf("spec mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoHorizontalPodAutoscaler(t *testing.T) {
	for _, tc := range []struct {
		name        string
		autoscaling *model.Autoscaling
	}{
		{"no autoscaling", nil},
		{"autoscaling disabled", &model.Autoscaling{Enabled: false, MaxReplicas: new(int32(3))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Autoscaling = tc.autoscaling
			if objs := buildApp(t, app); has(objs, "HorizontalPodAutoscaler", "web") {
				t.Errorf("objects = %v, want no HorizontalPodAutoscaler", kinds(objs))
			}
		})
	}
}
