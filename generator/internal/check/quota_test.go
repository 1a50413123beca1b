package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// TestQuotas: a stated quota below what the namespace's pods need at
// their peak is refused with both numbers and what the peak is made of;
// a derived one always fits, unless a patch grew the pods after it was
// derived.
func TestQuotas(t *testing.T) {
	const apps = `apps: {
	web: {
		replicas: 4
		resources: {requests: {cpu: "250m", memory: "256Mi"}, limits: {cpu: "500m", memory: "512Mi"}}
	}
	api: {
		autoscaling: {minReplicas: 2, maxReplicas: 6, cpu: 70}
		resources: {requests: {cpu: "100m", memory: "128Mi"}, limits: {cpu: "200m", memory: "256Mi"}}
	}
}
`
	tests := []struct {
		name  string
		src   string
		patch func(objs []object.Object)
		want  []problem
	}{
		{name: "derived"},
		{name: "stated, large enough", src: `namespaces: chatbot: quota: {"requests.cpu": "2200m", pods: "13"}`},
		{
			name: "stated, too small",
			src:  `namespaces: chatbot: quota: {"requests.cpu": "2", pods: "12", "services.loadbalancers": "0"}`,
			want: []problem{
				{
					Path:  path("namespaces", "chatbot", "quota", "pods"),
					Error: `namespaces.chatbot.quota.pods: namespace chatbot: quota pods 12 is below the 13 its pods need at their peak (api 8, web 5); the API server would refuse the pods above it: raise it, or leave it out to have it derived`,
				},
				{
					Path:  path("namespaces", "chatbot", "quota", `"requests.cpu"`),
					Error: `namespaces.chatbot.quota."requests.cpu": namespace chatbot: quota requests.cpu 2 is below the 2050m its pods need at their peak (web 5 × 250m, api 8 × 100m); the API server would refuse the pods above it: raise it, or leave it out to have it derived`,
				},
			},
		},
		{
			name: "derived, then a patch grows the pods",
			patch: func(objs []object.Object) {
				for _, o := range objs {
					if o.Kind() == "Deployment" && o.Name() == "web" {
						o.Containers()[0]["resources"].(map[string]any)["limits"].(map[string]any)["memory"] = "4Gi"
					}
				}
			},
			want: []problem{{
				Path:  path("namespaces", "chatbot"),
				Error: `namespaces.chatbot: namespace chatbot: quota limits.memory 5632Mi is below the 22Gi its pods need at their peak (web 5 × 4Gi, api 8 × 256Mi); the API server would refuse the pods above it: derived from the apps before their patches; state a quota for it`,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, apps+tt.src)
			objs, err := kube.Build(env)
			if err != nil {
				t.Fatal(err)
			}
			if tt.patch != nil {
				tt.patch(objs)
			}
			if diff := cmp.Diff(tt.want, problems(check.Quotas(env, objs))); diff != "" {
				t.Errorf("Quotas() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLimitRange: a container outside its namespace's LimitRange is
// refused at the app's resources, and so is a LimitRange out of order.
func TestLimitRange(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []problem
	}{
		{
			name: "within",
			src: `namespaces: chatbot: limitRange: {min: {cpu: "100m"}, max: {cpu: "1", memory: "1Gi"}}
apps: web: resources: {requests: {cpu: "100m", memory: "128Mi"}, limits: {cpu: "1", memory: "1Gi"}}`,
		},
		{
			name: "above max, below min",
			src: `namespaces: chatbot: limitRange: {min: {memory: "64Mi"}, max: {cpu: "1"}}
apps: web: resources: {requests: {cpu: "100m", memory: "32Mi"}, limits: {cpu: "2", memory: "1Gi"}}`,
			want: []problem{
				{
					Path:  path("apps", "web", "resources", "requests", "memory"),
					Error: `apps.web.resources.requests.memory: memory request 32Mi is below the minimum 64Mi of namespace chatbot's LimitRange (namespaces.chatbot.limitRange.min.memory): the API server would refuse the pod`,
				},
				{
					Path:  path("apps", "web", "resources", "limits", "cpu"),
					Error: `apps.web.resources.limits.cpu: cpu limit 2 is above the maximum 1 of namespace chatbot's LimitRange (namespaces.chatbot.limitRange.max.cpu): the API server would refuse the pod`,
				},
			},
		},
		{
			name: "defaults above max",
			src:  `namespaces: chatbot: limitRange: max: {memory: "256Mi"}`,
			want: []problem{{
				Path:  path("namespaces", "chatbot", "limitRange", "max", "memory"),
				Error: `namespaces.chatbot.limitRange.max.memory: namespace chatbot: LimitRange max memory 256Mi is below its default 512Mi; the API server refuses a LimitRange unless min ≤ defaultRequest ≤ default ≤ max`,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			if diff := cmp.Diff(tt.want, problems(check.Environment(env))); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
