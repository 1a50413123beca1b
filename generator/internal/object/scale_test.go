package object

import "testing"

// TestScaleOf: a workload's range without a scaler, with an HPA and with
// a KEDA ScaledObject (KEDA's defaults 0 and 100 where unset), and which
// workload each scaler targets.
func TestScaleOf(t *testing.T) {
	workload := Object{Content: map[string]any{"kind": "Deployment", "spec": map[string]any{"replicas": int64(3)}}}
	scaler := func(kind string, spec map[string]any) *Object {
		return &Object{Content: map[string]any{"kind": kind, "spec": spec}}
	}
	for _, tc := range []struct {
		name             string
		scaler           *Object
		lo, hi           int64
		kind, targetName string
	}{
		{name: "no scaler", lo: 3, hi: 3},
		{
			name: "HPA", lo: 2, hi: 6, kind: "StatefulSet", targetName: "db",
			scaler: scaler("HorizontalPodAutoscaler", map[string]any{"minReplicas": int64(2), "maxReplicas": int64(6),
				"scaleTargetRef": map[string]any{"kind": "StatefulSet", "name": "db"}}),
		},
		{
			name: "ScaledObject", lo: 1, hi: 8, kind: "Deployment", targetName: "web",
			scaler: scaler(KindScaledObject, map[string]any{"minReplicaCount": int64(1), "maxReplicaCount": int64(8),
				"scaleTargetRef": map[string]any{"name": "web"}}),
		},
		{
			name: "ScaledObject with KEDA's defaults", lo: 0, hi: 100, kind: "Deployment", targetName: "web",
			scaler: scaler(KindScaledObject, map[string]any{"scaleTargetRef": map[string]any{"name": "web"}}),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if lo, hi := ScaleOf(workload, tc.scaler).Range(); lo != tc.lo || hi != tc.hi {
				t.Errorf("ScaleOf().Range() = %d, %d, want %d, %d", lo, hi, tc.lo, tc.hi)
			}
			if tc.scaler == nil {
				if _, _, ok := workload.ScaleTarget(); ok {
					t.Error("a Deployment's ScaleTarget() is ok, want not a scaler")
				}
				return
			}
			if kind, name, ok := tc.scaler.ScaleTarget(); !ok || kind != tc.kind || name != tc.targetName {
				t.Errorf("ScaleTarget() = %q, %q, %v, want %q, %q, true", kind, name, ok, tc.kind, tc.targetName)
			}
		})
	}
}
