package capacity

import (
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// TestPodRequests checks that requests are counted as the scheduler does:
// containers and sidecars (restartable init containers) add up, other
// init containers run alone before them.
func TestPodRequests(t *testing.T) {
	c := func(cpu, mem string, extra ...string) any {
		m := map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": cpu, "memory": mem}}}
		if len(extra) > 0 {
			m["restartPolicy"] = extra[0]
		}
		return m
	}
	spec := map[string]any{
		"containers":     []any{c("250m", "256Mi"), c("50m", "64Mi")},
		"initContainers": []any{c("2", "128Mi"), c("10m", "32Mi", "Always")},
	}
	o := object.Object{Content: map[string]any{"kind": "Deployment", "spec": map[string]any{"template": map[string]any{"spec": spec}}}}
	want := Resources{CPU: 2000, Memory: 352 * MiB, Pods: 1}
	if got := podRequests(o); got != want {
		t.Errorf("podRequests() = %+v, want %+v", got, want)
	}
}

// TestAppRequests checks that an app's pod, read from the model (before
// any object is built), requests its container's and its sidecars' sum.
func TestAppRequests(t *testing.T) {
	app := &model.App{
		Name:      "web",
		Resources: model.Resources{Requests: model.ResourceList{CPU: "250m", Memory: "256Mi", EphemeralStorage: "256Mi"}},
		Sidecars: map[string]*model.Sidecar{
			"fluent-bit": {Resources: model.Resources{Requests: model.ResourceList{CPU: "50m", Memory: "64Mi", EphemeralStorage: "256Mi"}}},
			"proxy":      {Resources: model.Resources{Requests: model.ResourceList{CPU: "10m"}}},
		},
	}
	want := Resources{CPU: 310, Memory: 320 * MiB, EphemeralStorage: 512 * MiB}
	if got := appRequests(app); got != want {
		t.Errorf("appRequests() = %+v, want %+v", got, want)
	}
}
