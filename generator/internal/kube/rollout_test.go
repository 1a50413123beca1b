package kube

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// rolloutCRDs are Argo Rollouts' CRDs by kind.
var rolloutCRDs = map[string]string{
	KindRollout:          "argo-rollouts-rollout-crd.yaml",
	KindAnalysisTemplate: "argo-rollouts-analysis-template-crd.yaml",
}

// releaseObjects builds an environment whose app web has ports http
// (8080) and admin (9000), the Service web, and src, and returns the
// objects of web by "Kind/name", each Argo Rollouts object validated
// against its CRD.
func releaseObjects(t *testing.T, src ...string) map[string]object.Object {
	t.Helper()
	env, _ := ingressEnv(t, `edge: {}`, src...)
	out := map[string]object.Object{}
	for _, o := range build(t, env) {
		if o.App != "web" {
			continue
		}
		out[o.Kind()+"/"+o.Name()] = o
		if crd, ok := rolloutCRDs[o.Kind()]; ok {
			if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", crd), o.Content); err != nil {
				t.Errorf("%s does not satisfy its CRD: %v\n%v", o.ID(), err, o.Content)
			}
		}
	}
	return out
}

func TestRolloutObjects(t *testing.T) {
	const ingress = `ingress: {group: "edge", hosts: ["web.example.com"], paths: "/": port: "http"}`
	const hpa = `autoscaling: {minReplicas: 3, maxReplicas: 6, cpu: 70}`
	tests := []struct {
		name string
		src  []string
		want map[string]map[string]any // object -> field (dotted path) -> value
		none []string                  // objects that must not be rendered
	}{
		{
			name: "canary behind the app's ALB: the Ingress's Service split between canary and stable, the HPA on the Rollout",
			src:  []string{ingress, hpa, `delivery: canary: {}`},
			want: map[string]map[string]any{
				"Rollout/web": {
					"spec.replicas":                       nil,
					"spec.workloadRef":                    map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "scaleDown": "progressively"},
					"spec.strategy.canary.canaryService":  "web-canary",
					"spec.strategy.canary.stableService":  "web-stable",
					"spec.strategy.canary.trafficRouting": map[string]any{"alb": map[string]any{"ingress": "web", "rootService": "web", "servicePort": int64(8080)}},
					"spec.strategy.canary.maxSurge":       nil,
					"spec.strategy.canary.steps": []any{
						map[string]any{"setWeight": int64(10)}, map[string]any{"pause": map[string]any{"duration": "2m"}},
						map[string]any{"setWeight": int64(25)}, map[string]any{"pause": map[string]any{"duration": "5m"}},
						map[string]any{"setWeight": int64(50)}, map[string]any{"pause": map[string]any{"duration": "5m"}},
					},
					"spec.strategy.canary.analysis": map[string]any{
						"templates": []any{map[string]any{"templateName": "web"}},
						"args":      []any{map[string]any{"name": "pod-template-hash", "valueFrom": map[string]any{"podTemplateHashValue": "Latest"}}},
					},
				},
				"Deployment/web":              {"spec.replicas": nil},
				"HorizontalPodAutoscaler/web": {"spec.scaleTargetRef": map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web"}},
				"Ingress/web":                 {"spec.rules.0.http.paths.0.backend.service": map[string]any{"name": "web", "port": map[string]any{"name": "use-annotation"}}},
				"Service/web-canary":          {"spec.selector": map[string]any{"app.kubernetes.io/instance": "web-prod", "app.kubernetes.io/name": "web"}, "spec.type": "ClusterIP"},
				"Service/web-stable":          {"spec.ports.1.port": int64(8080)},
				"AnalysisTemplate/web":        {"spec.args": []any{map[string]any{"name": "pod-template-hash"}}, "spec.metrics.0.name": "success-rate", "spec.metrics.1.name": "latency"},
			},
		},
		{
			name: "canary without an ingress: weights by pods, within the rolling update's bounds; fixed replicas on the Rollout",
			src:  []string{`replicas: 4`, `delivery: canary: steps: [{weight: 25, pause: "1m"}, {weight: 75}]`},
			want: map[string]map[string]any{
				"Rollout/web": {
					"spec.replicas":                       int64(4),
					"spec.strategy.canary.trafficRouting": nil,
					"spec.strategy.canary.canaryService":  nil,
					"spec.strategy.canary.maxSurge":       "25%",
					"spec.strategy.canary.maxUnavailable": "25%",
					"spec.strategy.canary.steps":          []any{map[string]any{"setWeight": int64(25)}, map[string]any{"pause": map[string]any{"duration": "1m"}}, map[string]any{"setWeight": int64(75)}},
				},
				"Deployment/web": {"spec.replicas": nil},
				"Service/web":    {"spec.type": "ClusterIP"},
			},
			none: []string{"Service/web-canary", "Service/web-stable"},
		},
		{
			name: "canary of an app with an ingress, routed by replicas on request",
			src:  []string{ingress, `delivery: canary: trafficRouting: "replicas"`},
			want: map[string]map[string]any{
				"Ingress/web": {"spec.rules.0.http.paths.0.backend.service.port": map[string]any{"name": "http"}},
			},
			none: []string{"Service/web-canary"},
		},
		{
			name: "blue-green: a preview Service, the analysis before promotion",
			src:  []string{ingress, `delivery: blueGreen: {}`},
			want: map[string]map[string]any{
				"Rollout/web": {
					"spec.strategy.blueGreen": map[string]any{
						"activeService": "web", "previewService": "web-preview",
						"autoPromotionEnabled": true, "scaleDownDelaySeconds": int64(30),
						"prePromotionAnalysis": map[string]any{
							"templates": []any{map[string]any{"templateName": "web"}},
							"args":      []any{map[string]any{"name": "pod-template-hash", "valueFrom": map[string]any{"podTemplateHashValue": "Latest"}}},
						},
					},
				},
				"Service/web-preview": {"spec.ports.1.port": int64(8080)},
				"Ingress/web":         {"spec.rules.0.http.paths.0.backend.service.port": map[string]any{"name": "http"}},
			},
		},
		{
			name: "analysis from the app's objectives: their series over the new version's pods, their bounds",
			src: []string{`metrics: port: "http"`, `objectives: {availability: target: 0.999, latency: {threshold: "100ms", histogram: "http_request_duration_seconds"}}`,
				`delivery: canary: {}`},
			want: map[string]map[string]any{
				"AnalysisTemplate/web": {
					"spec.metrics.0.name":                        "success-rate",
					"spec.metrics.0.provider.prometheus.query":   `(sum(rate(http_requests_total{code!~"5..", namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])) or vector(0)) / sum(rate(http_requests_total{namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m]))`,
					"spec.metrics.0.successCondition":            "len(result) == 0 || isNaN(result[0]) || result[0] >= 0.999",
					"spec.metrics.1.name":                        "latency",
					"spec.metrics.1.provider.prometheus.query":   `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="chatbot", job="web", pod=~"web-{{args.pod-template-hash}}-.*"}[2m])))`,
					"spec.metrics.1.successCondition":            "len(result) == 0 || isNaN(result[0]) || result[0] <= 0.1",
					"spec.metrics.1.provider.prometheus.address": "http://prometheus-operated.monitoring.svc.cluster.local:9090",
				},
			},
		},
		{
			name: "analysis off: no AnalysisTemplate, a Rollout without analysis",
			src:  []string{`delivery: {canary: {}, analysis: enabled: false}`},
			want: map[string]map[string]any{"Rollout/web": {"spec.strategy.canary.analysis": nil}},
			none: []string{"AnalysisTemplate/web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := releaseObjects(t, tt.src...)
			for id, fields := range tt.want {
				o, ok := objs[id]
				if !ok {
					t.Errorf("no %s", id)
					continue
				}
				for field, want := range fields {
					if diff := cmp.Diff(asRendered(t, want), lookupDotted(o.Content, field)); diff != "" {
						t.Errorf("%s %s mismatch (-want +got):\n%s", id, field, diff)
					}
				}
			}
			for _, id := range tt.none {
				if _, ok := objs[id]; ok {
					t.Errorf("%s rendered, want none", id)
				}
			}
		})
	}
}

// asRendered returns v as a rendered object holds it: numbers as
// json.Number.
func asRendered(t *testing.T, v any) any {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// lookupDotted returns the value at a dotted path of m ("spec.ports.0.port").
func lookupDotted(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			v = c[k]
		case []any:
			i := 0
			for _, d := range k {
				i = i*10 + int(d-'0')
			}
			if i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	return v
}

func TestRolloutObjectsErrors(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"ALB routing without an ingress", `delivery: canary: trafficRouting: "alb"`, "trafficRouting alb needs the app's ingress"},
		{"a query that does not parse", `delivery: {canary: {}, analysis: successRate: errors: "code=~5.."}`, "delivery: analysis: success-rate (from delivery.analysis.successRate):"},
		{"blue-green without a ClusterIP Service", `services: web: type: "Headless"
delivery: blueGreen: {}`, "blueGreen needs a ClusterIP Service"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := ingressEnv(t, `edge: {}`, tt.src)
			if _, err := Build(env); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRolloutTypesMatchCRDs sets every field of the local types (so that
// omitempty hides none) and validates them against Argo Rollouts' CRDs,
// which schematest closes: every field name and JSON type must be theirs.
func TestRolloutTypesMatchCRDs(t *testing.T) {
	for _, tt := range []struct {
		kind string
		v    any
	}{
		{KindRollout, &rolloutObject{}},
		{KindAnalysisTemplate, &analysisTemplate{}},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			content := schematest.Filled(t, tt.v, map[string]string{
				"apiVersion": RolloutsAPIVersion, "kind": tt.kind, "name": "web", "namespace": "chatbot",
				"scaleDown": "progressively", "podTemplateHashValue": "Latest", "duration": "5m", "interval": "1m",
			})
			if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", rolloutCRDs[tt.kind]), content); err != nil {
				t.Errorf("ValidateCRD(every field set) = %v\n%v", err, content)
			}
		})
	}
}
