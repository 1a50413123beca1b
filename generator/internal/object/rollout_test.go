package object

import "testing"

func TestScaling(t *testing.T) {
	deploy := func(name string, replicas any) Object {
		spec := map[string]any{}
		if replicas != nil {
			spec["replicas"] = replicas
		}
		return Object{Content: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": name, "namespace": "shop"}, "spec": spec}}
	}
	rollout := Object{Content: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec":     map[string]any{"replicas": int64(4), "workloadRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}}
	hpa := func(kind, name string) Object {
		return Object{Content: map[string]any{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
			"metadata": map[string]any{"name": name, "namespace": "shop"},
			"spec":     map[string]any{"scaleTargetRef": map[string]any{"kind": kind, "name": name}, "minReplicas": int64(3), "maxReplicas": int64(9)}}}
	}
	for _, tt := range []struct {
		name   string
		objs   []Object
		lo, hi int64
	}{
		{"a Deployment alone", []Object{deploy("web", int64(2))}, 2, 2},
		{"a Deployment and its HPA", []Object{deploy("web", nil), hpa("Deployment", "web")}, 3, 9},
		{"a Rollout runs the Deployment's pods: its replicas count", []Object{deploy("web", nil), rollout}, 4, 4},
		{"the HPA scales the Rollout", []Object{deploy("web", nil), rollout, hpa("Rollout", "web")}, 3, 9},
		{"an HPA of the Deployment is not the Rollout's", []Object{deploy("web", nil), rollout, hpa("Deployment", "web")}, 4, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScaling(tt.objs)
			if lo, hi := s.Of(tt.objs[0]).Range(); lo != tt.lo || hi != tt.hi {
				t.Errorf("Of(Deployment/web).Range() = %d, %d, want %d, %d", lo, hi, tt.lo, tt.hi)
			}
		})
	}
}
