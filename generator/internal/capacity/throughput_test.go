package capacity_test

import (
	"math"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
)

func TestThroughputOf(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the app web besides its image and port.
		src                string
		ok, checked, short bool
		replicas           int64
		carried, margin    float64
		needed             int64
		perReplica         float64
	}{
		{name: "neither declared", src: `replicas: 2`},
		{
			name: "seed 000: 10 × 80 × 0.8", src: `autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 50}, capacity: rps: 80, metrics: port: "http", objectives: throughput: rps: 500`,
			ok: true, checked: true, replicas: 10, carried: 640, margin: 0.28, needed: 8, perReplica: 62.5,
		},
		{
			name: "short, headroom 0.1: 4 × 100 × 0.9 = 360", src: `replicas: 4, capacity: {rps: 100, headroom: 0.1}, metrics: port: "http", objectives: throughput: rps: 500`,
			ok: true, checked: true, short: true, replicas: 4, carried: 360, margin: -0.28, needed: 6, perReplica: 138.89,
		},
		{
			name: "autoscaling off counts replicas", src: `replicas: 3, autoscaling: {enabled: false, maxReplicas: 30}, capacity: rps: 10`,
			ok: true, replicas: 3, carried: 24,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := modeltest.Env(t, "prod", modeltest.ChatbotProd+`
namespaces: chatbot: {}
apps: web: {namespace: "chatbot", image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/web", tag: "1.0.0"}, ports: http: port: 8080}
apps: web: {`+tt.src+`}`)
			got, ok := capacity.ThroughputOf(env.Apps["web"])
			if ok != tt.ok {
				t.Fatalf("ThroughputOf() ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if got.Checked() != tt.checked || got.Short() != tt.short || got.Replicas != tt.replicas || got.Carried() != tt.carried {
				t.Errorf("ThroughputOf() = checked %v, short %v, %d replicas carrying %v; want %v, %v, %d, %v",
					got.Checked(), got.Short(), got.Replicas, got.Carried(), tt.checked, tt.short, tt.replicas, tt.carried)
			}
			if !tt.checked {
				return
			}
			if math.Abs(got.Margin()-tt.margin) > 1e-9 || got.ReplicasNeeded() != tt.needed || got.PerReplicaNeeded() != tt.perReplica {
				t.Errorf("margin %v, replicas needed %d, per replica needed %v; want %v, %d, %v",
					got.Margin(), got.ReplicasNeeded(), got.PerReplicaNeeded(), tt.margin, tt.needed, tt.perReplica)
			}
		})
	}
}
