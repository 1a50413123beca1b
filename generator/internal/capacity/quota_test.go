package capacity

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// container returns a container with these requests and limits (nil:
// none stated).
func container(req, lim map[string]any, extra ...string) any {
	res := map[string]any{}
	if req != nil {
		res["requests"] = req
	}
	if lim != nil {
		res["limits"] = lim
	}
	m := map[string]any{"resources": res}
	if len(extra) > 0 {
		m["restartPolicy"] = extra[0]
	}
	return m
}

func workload(kind, ns, name string, spec map[string]any, pod map[string]any) object.Object {
	spec["template"] = map[string]any{"spec": pod}
	if kind == model.CronJob {
		spec = map[string]any{"jobTemplate": map[string]any{"spec": spec}}
	}
	return object.Object{Content: map[string]any{
		"kind":     kind,
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     spec,
	}}
}

// TestPodAmounts: a pod counts its containers and sidecars, or its
// largest init container, per resource, as the API server counts it
// against a quota; a missing request is its limit, else the LimitRange's
// defaultRequest; a missing limit is the LimitRange's default; any
// resource counts (ephemeral-storage).
func TestPodAmounts(t *testing.T) {
	lr := model.LimitRange{
		Default:        map[string]string{"cpu": "500m", "memory": "512Mi"},
		DefaultRequest: map[string]string{"cpu": "100m", "memory": "128Mi"},
	}
	pod := map[string]any{
		"containers": []any{
			container(map[string]any{"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "1Gi"}, map[string]any{"cpu": "1", "memory": "1Gi"}),
			container(nil, map[string]any{"memory": "64Mi"}), // requests 64Mi (its limit) and 100m; limit 500m
			container(nil, nil), // the defaults
		},
		"initContainers": []any{
			container(map[string]any{"cpu": "3"}, map[string]any{"cpu": "3"}),
			container(map[string]any{"cpu": "10m", "memory": "32Mi"}, map[string]any{"cpu": "10m", "memory": "32Mi"}, "Always"),
		},
	}
	got := PodAmounts(workload(model.Deployment, "web", "web", map[string]any{}, pod), lr)
	want := Amounts{
		"requests.cpu":               3000, // the init container's 3 > 250m + 100m + 100m + 10m
		"requests.memory":            (256 + 64 + 128 + 32) * MiB * 1000,
		"requests.ephemeral-storage": GiB * 1000,
		"limits.cpu":                 3000, // 3 > 1 + 500m + 500m + 10m
		"limits.memory":              (1024 + 64 + 512 + 32) * MiB * 1000,
		"pods":                       1000,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PodAmounts() mismatch (-want +got):\n%s", diff)
	}
}

func TestPeak(t *testing.T) {
	pod := map[string]any{"containers": []any{container(map[string]any{"cpu": "100m"}, map[string]any{"cpu": "100m"})}}
	objs := []object.Object{
		// HPA max 6, maxSurge 50%: 6 + 3.
		workload(model.Deployment, "a", "web", map[string]any{"strategy": map[string]any{"rollingUpdate": map[string]any{"maxSurge": "50%"}}}, pod),
		{Content: map[string]any{"kind": "HorizontalPodAutoscaler", "metadata": map[string]any{"name": "web", "namespace": "a"},
			"spec": map[string]any{"scaleTargetRef": map[string]any{"kind": "Deployment", "name": "web"}, "minReplicas": int64(2), "maxReplicas": int64(6)}}},
		// 3 replicas, Recreate: 3.
		workload(model.Deployment, "a", "batch", map[string]any{"replicas": int64(3), "strategy": map[string]any{"type": "Recreate"}}, pod),
		// A StatefulSet never surges: 2.
		workload(model.StatefulSet, "b", "db", map[string]any{"replicas": int64(2)}, pod),
		// A CronJob run at parallelism 4: 4.
		workload(model.CronJob, "b", "report", map[string]any{"parallelism": int64(4)}, pod),
		// A KEDA ScaledObject max 4 (and its Deployment's 1 replica left
		// aside), maxSurge 25% of 4: 4 + 1.
		workload(model.Deployment, "b", "queue", map[string]any{"replicas": int64(1)}, pod),
		{Content: map[string]any{"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": map[string]any{"name": "queue", "namespace": "b"},
			"spec": map[string]any{"scaleTargetRef": map[string]any{"name": "queue"}, "minReplicaCount": int64(1), "maxReplicaCount": int64(4)}}},
		// No replicas: none.
		workload(model.Deployment, "b", "off", map[string]any{"replicas": int64(0)}, pod),
	}
	got := Peak(objs, nil)
	want := map[string]Amounts{
		"a": {"requests.cpu": 1200, "limits.cpu": 1200, "pods": 12000},
		"b": {"requests.cpu": 1100, "limits.cpu": 1100, "pods": 11000},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Peak() mismatch (-want +got):\n%s", diff)
	}
}

// TestPeakRelease: a Deployment whose pods a Rollout runs counts the
// Rollout's replicas (or its HPA's maximum) and what its release adds.
func TestPeakRelease(t *testing.T) {
	pod := map[string]any{"containers": []any{container(map[string]any{"cpu": "100m"}, map[string]any{"cpu": "100m"})}}
	rollout := func(name string, replicas int64, strategy map[string]any) object.Object {
		return object.Object{Content: map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
			"metadata": map[string]any{"name": name, "namespace": "a"},
			"spec": map[string]any{"replicas": replicas, "strategy": strategy,
				"workloadRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": name}}}}
	}
	for _, tt := range []struct {
		name     string
		strategy map[string]any
		hpa      bool
		pods     int64
	}{
		{"blue-green: two whole versions", map[string]any{"blueGreen": map[string]any{"activeService": "web"}}, false, 8},
		{"canary behind the ALB: the canary up to 100% beside the stable", map[string]any{"canary": map[string]any{"trafficRouting": map[string]any{"alb": map[string]any{}}}}, false, 8},
		{"canary by pods: its maxSurge", map[string]any{"canary": map[string]any{"maxSurge": "25%"}}, false, 5},
		{"canary by pods, scaled by an HPA to 10", map[string]any{"canary": map[string]any{"maxSurge": int64(1)}}, true, 11},
	} {
		t.Run(tt.name, func(t *testing.T) {
			objs := []object.Object{
				workload(model.Deployment, "a", "web", map[string]any{}, pod),
				rollout("web", 4, tt.strategy),
			}
			if tt.hpa {
				objs = append(objs, object.Object{Content: map[string]any{"kind": "HorizontalPodAutoscaler", "metadata": map[string]any{"name": "web", "namespace": "a"},
					"spec": map[string]any{"scaleTargetRef": map[string]any{"kind": "Rollout", "name": "web"}, "minReplicas": int64(2), "maxReplicas": int64(10)}}})
			}
			if got := Peak(objs, nil)["a"]["pods"]; got != tt.pods*1000 {
				t.Errorf("Peak() pods = %d, want %d", got/1000, tt.pods)
			}
		})
	}
}

func TestSurge(t *testing.T) {
	for _, tc := range []struct {
		strategy any
		replicas int64
		want     int64
	}{
		{nil, 4, 1}, // 25% of 4
		{nil, 5, 2}, // 25% of 5, rounded up
		{nil, 1, 1}, // rounded up
		{nil, 0, 0}, // nothing to surge
		{map[string]any{"rollingUpdate": map[string]any{"maxSurge": int64(3)}}, 10, 3},
		{map[string]any{"rollingUpdate": map[string]any{"maxSurge": "100%"}}, 7, 7},
		{map[string]any{"rollingUpdate": map[string]any{"maxSurge": int64(0)}}, 7, 0},
		{map[string]any{"type": "Recreate"}, 7, 0},
	} {
		if got := Surge(tc.strategy, tc.replicas); got != tc.want {
			t.Errorf("Surge(%v, %d) = %d, want %d", tc.strategy, tc.replicas, got, tc.want)
		}
	}
}

func TestWithHeadroom(t *testing.T) {
	got := WithHeadroom(Amounts{
		"requests.cpu":               1250,              // 1.5 → 1500m
		"limits.cpu":                 1001,              // 1201.2 → 1300m
		"requests.memory":            1000 * MiB * 1000, // 1200Mi → 1280Mi
		"requests.ephemeral-storage": 2 * GiB * 1000,    // 2.4Gi → 2560Mi
		"pods":                       21000,             // 25.2 → 26
		"services.loadbalancers":     0,                 // 0
	}, 20)
	want := Amounts{
		"requests.cpu":               1500,
		"limits.cpu":                 1300,
		"requests.memory":            1280 * MiB * 1000,
		"requests.ephemeral-storage": 2560 * MiB * 1000,
		"pods":                       26000,
		"services.loadbalancers":     0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WithHeadroom() mismatch (-want +got):\n%s", diff)
	}
}

func TestFormatQuota(t *testing.T) {
	for _, tc := range []struct {
		name  string
		milli int64
		want  string
	}{
		{"requests.cpu", 1500, "1500m"},
		{"limits.cpu", 20000, "20"},
		{"requests.memory", 20 * GiB * 1000, "20Gi"},
		{"limits.memory", 1280 * MiB * 1000, "1280Mi"},
		{"requests.ephemeral-storage", 512 * MiB * 1000, "512Mi"},
		{"pods", 36000, "36"},
		{"services.loadbalancers", 1000, "1"},
	} {
		if got := Format(tc.name, tc.milli); got != tc.want {
			t.Errorf("Format(%s, %d) = %q, want %q", tc.name, tc.milli, got, tc.want)
		}
	}
}

func TestControllerPeak(t *testing.T) {
	env := &model.Environment{
		Cluster: model.Cluster{Zones: []string{"z1"}, NodeGroups: map[string]model.NodeGroup{
			"general": {InstanceTypes: []string{"t3.medium"}, MinSize: 2, MaxSize: 4},
			"ml": {InstanceTypes: []string{"c5.xlarge"}, MinSize: 1, MaxSize: 3,
				Taints: []model.Taint{{Key: "workload", Value: "ml", Effect: "NoSchedule"}}},
		}},
		Platform: model.Platform{Controllers: map[string]*model.Controller{
			"a": {Enabled: true, Namespace: "ops", Pods: map[string]model.ControllerPod{
				"controller": {Replicas: new(2), Requests: model.ResourceList{CPU: "50m", Memory: "128Mi"}},
				"webhook":    {Replicas: new(1), Requests: model.ResourceList{CPU: "25m", Memory: "64Mi"}},
			}},
			"b": {Enabled: false, Namespace: "ops", Pods: map[string]model.ControllerPod{
				"controller": {Replicas: new(5), Requests: model.ResourceList{CPU: "1", Memory: "1Gi"}},
			}},
			// One pod on each node of general at maxSize; ml's taint is
			// not tolerated.
			"agent": {Enabled: true, Namespace: "logs", Pods: map[string]model.ControllerPod{
				"agent": {PerNode: true, Requests: model.ResourceList{CPU: "50m", Memory: "64Mi"}},
			}},
			// Tolerates every taint: general's 4 nodes and ml's 3.
			"everywhere": {Enabled: true, Namespace: "all", Tolerations: []model.Toleration{{Operator: "Exists"}},
				Pods: map[string]model.ControllerPod{
					"agent": {PerNode: true, Requests: model.ResourceList{CPU: "10m", Memory: "10Mi"}},
				}},
		}},
	}
	// 2 + 1 surge controllers, 1 + 1 surge webhook.
	want := map[string]Amounts{
		"ops":  {"requests.cpu": 200, "requests.memory": 512 * MiB * 1000, "pods": 5000},
		"logs": {"requests.cpu": 200, "requests.memory": 256 * MiB * 1000, "pods": 4000},
		"all":  {"requests.cpu": 70, "requests.memory": 70 * MiB * 1000, "pods": 7000},
	}
	if diff := cmp.Diff(want, ControllerPeak(env)); diff != "" {
		t.Errorf("ControllerPeak() mismatch (-want +got):\n%s", diff)
	}
}
