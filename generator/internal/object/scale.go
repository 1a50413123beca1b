package object

// Replicas returns spec.replicas, when it is an integer.
func (o Object) Replicas() (int64, bool) { return Int(o.Lookup("spec", "replicas")) }

// Scale is what sets how many pods a workload runs: its spec.replicas and
// the HorizontalPodAutoscaler that scales it. A nil count is unset.
//
// Build it from rendered objects with [ScaleOf], or from whatever else
// describes the workload (the capacity package reads it from the model);
// [Scale.Range] then answers for both.
type Scale struct {
	// Replicas is the workload's spec.replicas.
	Replicas *int64
	// HPA reports that an HorizontalPodAutoscaler scales the workload,
	// between MinReplicas and MaxReplicas.
	HPA                      bool
	MinReplicas, MaxReplicas *int64
}

// ScaleOf returns the scale of workload, scaled by hpa unless hpa is nil:
// a HorizontalPodAutoscaler, or a KEDA ScaledObject, which scales through
// the HPA KEDA makes from it (between minReplicaCount, KEDA's default 0,
// and maxReplicaCount, its default 100).
func ScaleOf(workload Object, hpa *Object) Scale {
	var s Scale
	if n, ok := workload.Replicas(); ok {
		s.Replicas = &n
	}
	if hpa == nil {
		return s
	}
	s.HPA = true
	minField, maxField := "minReplicas", "maxReplicas"
	if hpa.Kind() == KindScaledObject {
		minField, maxField = "minReplicaCount", "maxReplicaCount"
		s.MinReplicas, s.MaxReplicas = new(int64(kedaMinReplicas)), new(int64(kedaMaxReplicas))
	}
	if n, ok := Int(hpa.Lookup("spec", minField)); ok {
		s.MinReplicas = &n
	}
	if n, ok := Int(hpa.Lookup("spec", maxField)); ok {
		s.MaxReplicas = &n
	}
	return s
}

// KindScaledObject is KEDA's ScaledObject (keda.sh), which scales a
// workload as an HPA does.
const KindScaledObject = "ScaledObject"

// KEDA's defaults of a ScaledObject's minReplicaCount and maxReplicaCount
// (https://keda.sh/docs/latest/reference/scaledobject-spec/).
const (
	kedaMinReplicas = 0
	kedaMaxReplicas = 100
)

// ScaleTarget returns the kind and name of the workload o scales, in o's
// namespace, when o is a HorizontalPodAutoscaler or a KEDA ScaledObject
// (whose kind defaults to Deployment, as KEDA's does).
func (o Object) ScaleTarget() (kind, name string, ok bool) {
	if o.Kind() != "HorizontalPodAutoscaler" && o.Kind() != KindScaledObject {
		return "", "", false
	}
	kind = String(o.Lookup("spec", "scaleTargetRef", "kind"))
	if kind == "" && o.Kind() == KindScaledObject {
		kind = "Deployment"
	}
	return kind, String(o.Lookup("spec", "scaleTargetRef", "name")), true
}

// Range returns how many pods the workload runs at rest (lo) and at peak
// (hi). Without an HPA that is spec.replicas at both, 1 when unset (as
// Kubernetes defaults it). With one, lo is its minReplicas, 1 when unset
// (Kubernetes' default again, whatever spec.replicas says), and hi its
// maxReplicas, spec.replicas when unset (Kubernetes requires it); hi is
// never below lo.
func (s Scale) Range() (lo, hi int64) {
	replicas := int64(1)
	if s.Replicas != nil {
		replicas = *s.Replicas
	}
	if !s.HPA {
		return replicas, replicas
	}
	lo, hi = 1, replicas
	if s.MinReplicas != nil {
		lo = *s.MinReplicas
	}
	if s.MaxReplicas != nil {
		hi = *s.MaxReplicas
	}
	return lo, max(lo, hi)
}
