package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// measured is web with metrics and seed 000's throughput objective, 500
// requests per second.
const measured = `apps: web: {
	metrics: port: "http"
	resources: requests: cpu: "500m"
	objectives: throughput: rps: 500
}
`

func TestThroughput(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the environment besides [base], [web] and
		// [measured] (unless noObjective).
		src         string
		noObjective bool
		want        []problem
	}{
		{
			name: "clean: 10 replicas × 80 rps × 0.8 = 640 rps carry 500",
			src:  `apps: web: {autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 50}, capacity: rps: 80}`,
		},
		{
			name: "clean: exactly the objective, 10 × 62.5 × 0.8 = 500",
			src:  `apps: web: {autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 50}, capacity: rps: 62.5}`,
		},
		{
			name: "clean: no capacity declared, nothing to check",
			src:  `apps: web: replicas: 1`,
		},
		{
			name:        "clean: capacity without a throughput objective",
			src:         `apps: web: capacity: rps: 1`,
			noObjective: true,
		},
		{
			name: "maxReplicas too low: both ways out",
			src:  `apps: web: {autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 50}, capacity: rps: 40}`,
			want: []problem{
				{path("apps", "web", "capacity", "rps"), "apps.web.capacity.rps: 10 replicas × 40 rps × 0.8 (20% headroom) = 320 rps cannot carry the 500 rps objective (objectives.throughput.rps); raise autoscaling.maxReplicas to at least 16, or, once a load test shows that one replica sustains more, raise capacity.rps to at least 62.5 (or lower the objective to 320 rps)"},
			},
		},
		{
			name: "fixed replicas, its own headroom",
			src:  `apps: web: {replicas: 3, capacity: {rps: 150, headroom: 0.25}}`,
			want: []problem{
				{path("apps", "web", "capacity", "rps"), "apps.web.capacity.rps: 3 replicas × 150 rps × 0.75 (25% headroom) = 337.5 rps cannot carry the 500 rps objective (objectives.throughput.rps); raise replicas to at least 5, or, once a load test shows that one replica sustains more, raise capacity.rps to at least 222.23 (or lower the objective to 337.5 rps)"},
			},
		},
		{
			name: "no headroom, autoscaling disabled counts replicas",
			src:  `apps: web: {replicas: 4, autoscaling: {enabled: false, maxReplicas: 20}, capacity: {rps: 100, headroom: 0}}`,
			want: []problem{
				{path("apps", "web", "capacity", "rps"), "apps.web.capacity.rps: 4 replicas × 100 rps = 400 rps cannot carry the 500 rps objective (objectives.throughput.rps); raise replicas to at least 5, or, once a load test shows that one replica sustains more, raise capacity.rps to at least 125 (or lower the objective to 400 rps)"},
			},
		},
		{
			name: "no replicas",
			src:  `apps: web: {replicas: 0, capacity: rps: 100}`,
			want: []problem{
				{path("apps", "web", "capacity", "rps"), "apps.web.capacity.rps: 0 replicas carry no requests, and the objective is 500 rps (objectives.throughput.rps); raise replicas to at least 7"},
			},
		},
		{
			name: "a disabled app is not checked",
			src:  `apps: web: {enabled: false, replicas: 1, capacity: rps: 1}`,
		},
		{
			name: "capacity on a Job",
			src:  `apps: web: {kind: "Job", capacity: rps: 1000}`,
			want: []problem{
				{path("apps", "web", "capacity"), "apps.web.capacity: capacity is the request rate a serving app's replica carries, and a Job serves no requests; remove it"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := web + measured + tt.src
			if tt.noObjective {
				src = web + tt.src
			}
			env := newEnv(t, src)
			err := check.Environment(env)
			if tt.want == nil && err != nil {
				t.Fatalf("Environment() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
