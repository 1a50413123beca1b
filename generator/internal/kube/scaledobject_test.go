package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// TestScaledObject: KEDA scales the app instead of an HPA, on cpu, then
// its Prometheus triggers by name, with the behavior of the HPA KEDA
// makes; the Deployment has no replicas, and the ScaledObject satisfies
// KEDA's CRD with unknown fields rejected.
func TestScaledObject(t *testing.T) {
	app := newApp(t, "worker", model.Deployment, `
resources: requests: {cpu: "250m", memory: "256Mi"}
autoscaling: {
	maxReplicas: 8
	cpu:         80
	keda: prometheus: {
		latency: {serverAddress: "http://prometheus:9090", query: "avg(job_latency_seconds)", threshold: 0.25}
		backlog: {serverAddress: "http://prometheus:9090", query: "sum(tasks_queued)", threshold: 20, activationThreshold: 1}
	}
	scaleDownStabilizationSeconds: 600
	behavior: scaleUp: {selectPolicy: "Max", policies: [{type: "Percent", value: 50, periodSeconds: 30}, {type: "Pods", value: 2, periodSeconds: 60}]}
}`)
	objs := buildApp(t, app)
	if has(objs, "HorizontalPodAutoscaler", "worker") {
		t.Errorf("objects = %v, want no HorizontalPodAutoscaler beside the ScaledObject", kinds(objs))
	}
	if d := find(t, objs, "Deployment", "worker"); d.Lookup("spec", "replicas") != nil {
		t.Errorf("Deployment spec.replicas = %v, want none (KEDA's HPA owns it)", d.Lookup("spec", "replicas"))
	}
	o := find(t, objs, KindScaledObject, "worker")
	if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", "keda.sh_scaledobjects.yaml"), o.Content); err != nil {
		t.Errorf("%s does not satisfy its CRD: %v\n%v", o.ID(), err, o.Content)
	}
	got := decode[ScaledObject](t, o)
	want := ScaledObjectSpec{
		ScaleTargetRef:  ScaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: "worker"},
		MinReplicaCount: new(int32(1)),
		MaxReplicaCount: new(int32(8)),
		Advanced: &KEDAAdvanced{HorizontalPodAutoscalerConfig: &KEDAHPAConfig{Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp: &autoscalingv2.HPAScalingRules{
				SelectPolicy: new(autoscalingv2.MaxChangePolicySelect),
				Policies: []autoscalingv2.HPAScalingPolicy{
					{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 30},
					{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 60},
				},
			},
			ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: new(int32(600))},
		}}},
		Triggers: []ScaleTrigger{
			{Type: "cpu", MetricType: "Utilization", Metadata: map[string]string{"value": "80"}},
			{Type: "prometheus", Name: "backlog", MetricType: "AverageValue", Metadata: map[string]string{
				"serverAddress": "http://prometheus:9090", "query": "sum(tasks_queued)", "threshold": "20", "activationThreshold": "1",
			}},
			{Type: "prometheus", Name: "latency", MetricType: "AverageValue", Metadata: map[string]string{
				"serverAddress": "http://prometheus:9090", "query": "avg(job_latency_seconds)", "threshold": "0.25",
			}},
		},
	}
	if diff := cmp.Diff(want, got.Spec); diff != "" {
		t.Errorf("spec mismatch (-want +got):\n%s", diff)
	}
}

// TestScaledObjectStatefulSet: a StatefulSet is the target by kind, and
// pollingInterval is KEDA's when set.
func TestScaledObjectStatefulSet(t *testing.T) {
	app := newApp(t, "cache", model.StatefulSet, `
autoscaling: {minReplicas: 3, maxReplicas: 9, keda: {pollingInterval: 10, prometheus: hits: {serverAddress: "http://prometheus:9090", query: "sum(rate(cache_requests_total[1m]))", threshold: 100}}}`)
	got := decode[ScaledObject](t, find(t, buildApp(t, app), KindScaledObject, "cache"))
	if got.Spec.ScaleTargetRef.Kind != "StatefulSet" || *got.Spec.MinReplicaCount != 3 || got.Spec.PollingInterval == nil || *got.Spec.PollingInterval != 10 || got.Spec.Advanced != nil {
		t.Errorf("spec = %+v, want StatefulSet cache, 3 to 9, polling every 10 s, no behavior", got.Spec)
	}
}

// TestFixtureScaledObjectMatchesCRD: the fixture's ScaledObject (every
// field gen sets) satisfies KEDA's CRD.
func TestFixtureScaledObjectMatchesCRD(t *testing.T) {
	o := find(t, build(t, fixture(t)), KindScaledObject, "worker")
	if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", "keda.sh_scaledobjects.yaml"), o.Content); err != nil {
		t.Errorf("%s does not satisfy its CRD: %v\n%v", o.ID(), err, o.Content)
	}
}
