package kube

import (
	"errors"
	"maps"
	"slices"
	"strconv"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KEDAAPIVersion is the API version of KEDA's ScaledObject (keda.sh
// v1alpha1, the only one its CRD serves).
const KEDAAPIVersion = "keda.sh/v1alpha1"

// KindScaledObject is KEDA's ScaledObject.
const KindScaledObject = "ScaledObject"

var scaledObjectType = metav1.TypeMeta{APIVersion: KEDAAPIVersion, Kind: KindScaledObject}

// ScaledObject is KEDA's keda.sh/v1alpha1 ScaledObject, with the fields
// gen sets. KEDA's Go module is not a dependency: the field names are the
// CRD's, and a test validates the type against its schema.
type ScaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              ScaledObjectSpec `json:"spec"`
}

// ScaledObjectSpec is what KEDA scales, between which counts, and on
// which triggers. KEDA makes an HPA, keda-hpa-<name>, from it.
type ScaledObjectSpec struct {
	ScaleTargetRef  ScaleTarget    `json:"scaleTargetRef"`
	MinReplicaCount *int32         `json:"minReplicaCount,omitempty"`
	MaxReplicaCount *int32         `json:"maxReplicaCount,omitempty"`
	PollingInterval *int32         `json:"pollingInterval,omitempty"`
	Advanced        *KEDAAdvanced  `json:"advanced,omitempty"`
	Triggers        []ScaleTrigger `json:"triggers"`
}

// ScaleTarget is the workload a ScaledObject scales.
type ScaleTarget struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Name       string `json:"name"`
}

// KEDAAdvanced holds the behavior of the HPA KEDA makes.
type KEDAAdvanced struct {
	HorizontalPodAutoscalerConfig *KEDAHPAConfig `json:"horizontalPodAutoscalerConfig,omitempty"`
}

// KEDAHPAConfig is the HPA's behavior, as in autoscaling/v2.
type KEDAHPAConfig struct {
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}

// ScaleTrigger is one of KEDA's scalers: its type, name, metricType and
// string metadata.
type ScaleTrigger struct {
	Type       string            `json:"type"`
	Name       string            `json:"name,omitempty"`
	MetricType string            `json:"metricType,omitempty"`
	Metadata   map[string]string `json:"metadata"`
}

// scaledObject returns the app's KEDA ScaledObject, or nil when KEDA does
// not scale the app. Its triggers are the app's cpu and memory
// utilisation, then its Prometheus queries by name, each aiming at
// threshold per replica.
func scaledObject(in *instance) (*ScaledObject, error) {
	if !in.app.KEDA() {
		return nil, nil
	}
	as := in.app.Autoscaling
	if as.MaxReplicas == nil {
		return nil, errors.New("autoscaling: no maxReplicas")
	}
	target := scaleTarget(in.app)
	so := &ScaledObject{
		TypeMeta: scaledObjectType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      in.app.Name,
			Namespace: in.app.Namespace,
			Labels:    in.labels,
		},
		Spec: ScaledObjectSpec{
			ScaleTargetRef: ScaleTarget{APIVersion: target.APIVersion, Kind: target.Kind, Name: target.Name},
			// KEDA's own default is 0 (scale to zero); the HPA's is 1.
			MinReplicaCount: cmpOr(as.MinReplicas, 1),
			MaxReplicaCount: as.MaxReplicas,
		},
	}
	if as.KEDA.PollingInterval > 0 {
		so.Spec.PollingInterval = new(as.KEDA.PollingInterval)
	}
	if b := behavior(as); b != nil {
		so.Spec.Advanced = &KEDAAdvanced{HorizontalPodAutoscalerConfig: &KEDAHPAConfig{Behavior: b}}
	}
	for _, r := range []struct {
		name    string
		percent *int32
	}{{"cpu", as.CPU}, {"memory", as.Memory}} {
		if r.percent != nil {
			so.Spec.Triggers = append(so.Spec.Triggers, ScaleTrigger{
				Type:       r.name,
				MetricType: string(autoscalingv2.UtilizationMetricType),
				Metadata:   map[string]string{"value": strconv.Itoa(int(*r.percent))},
			})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(as.KEDA.Prometheus)) {
		p := as.KEDA.Prometheus[name]
		md := map[string]string{
			"serverAddress": p.ServerAddress,
			"query":         p.Query,
			"threshold":     formatNumber(p.Threshold),
		}
		if p.ActivationThreshold != nil {
			md["activationThreshold"] = formatNumber(*p.ActivationThreshold)
		}
		so.Spec.Triggers = append(so.Spec.Triggers, ScaleTrigger{
			Type:       "prometheus",
			Name:       name,
			MetricType: string(autoscalingv2.AverageValueMetricType),
			Metadata:   md,
		})
	}
	return so, nil
}

// cmpOr is p, or a pointer to def when p is nil.
func cmpOr(p *int32, def int32) *int32 {
	if p != nil {
		return p
	}
	return &def
}

// formatNumber writes f as KEDA's metadata takes a number: the shortest
// decimal that reads back as f, without an exponent.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
