package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gitops-gen/gen/generator/model"
)

func TestNamespaces(t *testing.T) {
	env := envWith(t, `namespaces: {
	web: quota: {"requests.cpu": "0.5", pods: "100", "requests.memory": "20Gi"}
	data: annotations: owner: "dba"
	api: {}
}`)
	objs := build(t, env)
	// Besides the namespaces, each with its quota and LimitRange: the
	// schema's gp3 StorageClass, and the default-deny and allow-dns
	// NetworkPolicies of each namespace (the schema's default).
	want := []string{
		"Namespace/api", "Namespace/data", "Namespace/web",
		"ResourceQuota/api", "ResourceQuota/data", "ResourceQuota/web",
		"LimitRange/api", "LimitRange/data", "LimitRange/web", "StorageClass/gp3",
		"NetworkPolicy/allow-dns-api", "NetworkPolicy/default-deny-api",
		"NetworkPolicy/allow-dns-data", "NetworkPolicy/default-deny-data",
		"NetworkPolicy/allow-dns-web", "NetworkPolicy/default-deny-web",
	}
	if diff := cmp.Diff(want, kinds(objs)); diff != "" {
		t.Fatalf("objects mismatch (-want +got):\n%s", diff)
	}
	for _, o := range objs {
		if o.App != "" {
			t.Errorf("%s belongs to app %q, want none", o.ID(), o.App)
		}
	}
	if got := decode[corev1.Namespace](t, objs[1]).Annotations; !cmp.Equal(got, map[string]string{"owner": "dba"}) {
		t.Errorf("Namespace data annotations = %v", got)
	}
	q := decode[corev1.ResourceQuota](t, objs[5])
	if q.Name != "web" || q.Namespace != "web" {
		t.Errorf("ResourceQuota is %s/%s, want web/web", q.Namespace, q.Name)
	}
	// The stated limits replace the derived ones; the others are derived
	// (an empty namespace: one step each).
	wantHard := corev1.ResourceList{
		"requests.cpu":    resource.MustParse("500m"),
		"requests.memory": resource.MustParse("20Gi"),
		"pods":            resource.MustParse("100"),
		"limits.cpu":      resource.MustParse("100m"),
		"limits.memory":   resource.MustParse("256Mi"),
	}
	if diff := cmp.Diff(wantHard, q.Spec.Hard); diff != "" {
		t.Errorf("spec.hard mismatch (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{"app.kubernetes.io/managed-by": "gen", "environment": "prod"}
	if diff := cmp.Diff(wantLabels, q.Labels); diff != "" {
		t.Errorf("ResourceQuota labels mismatch (-want +got):\n%s", diff)
	}
}

// TestQuotaAndLimitRange: each namespace's quota is what its pods need at
// their peak (Deployments at maximum replicas plus their surge,
// StatefulSets at maximum replicas, a run of each Job), with the headroom
// and rounded up; containers without requests count with the LimitRange's
// defaults; a controller's namespace limits requests and pods only, and
// its LimitRange gives no default limits.
func TestQuotaAndLimitRange(t *testing.T) {
	res := func(src string) string {
		return "resources: " + src
	}
	tests := []struct {
		name       string
		src        string // CUE of the environment besides [cluster]
		apps       []*model.App
		want       map[string]string
		wantLimits corev1.LimitRangeItem
	}{
		{
			name: "apps at peak, 20% headroom",
			src:  "namespaces: chatbot: {}\n",
			apps: []*model.App{
				// 4 replicas + 25% surge (1): 5 pods.
				newApp(t, "web", model.Deployment, "replicas: 4", res(`{requests: {cpu: "250m", memory: "256Mi"}, limits: {cpu: "500m", memory: "512Mi"}}`)),
				// HPA max 10 + surge 2: 12 pods.
				newApp(t, "api", model.Deployment, "autoscaling: {minReplicas: 2, maxReplicas: 10, cpu: 70}", `rollingUpdate: maxSurge: 2`, res(`{requests: {cpu: "100m", memory: "128Mi"}, limits: {cpu: "200m", memory: "256Mi"}}`)),
				// 3 replicas, no surge: 3 pods.
				newApp(t, "db", model.StatefulSet, "replicas: 3", res(`{requests: {cpu: "1", memory: "1Gi"}, limits: {cpu: "2", memory: "2Gi"}}`)),
				// one run: 1 pod, with the LimitRange's defaults
				// (100m / 128Mi requested, 500m / 512Mi limit).
				newApp(t, "report", model.CronJob, `schedule: "0 1 * * *"`),
			},
			// requests.cpu: 5×250m + 12×100m + 3×1 + 100m = 5.55 → 6.66 → 6.7
			// requests.memory: 5×256Mi + 12×128Mi + 3Gi + 128Mi = 6016Mi → 7219.2Mi → 7424Mi
			// limits.cpu: 5×500m + 12×200m + 3×2 + 500m = 11.4 → 13.68 → 13.7
			// limits.memory: 5×512Mi + 12×256Mi + 6Gi + 512Mi = 12288Mi → 14745.6Mi → 14848Mi
			// pods: 5 + 12 + 3 + 1 = 21 → 25.2 → 26
			// ephemeral-storage, 256Mi requested and 1Gi limit per pod:
			// 21×256Mi = 5376Mi → 6451.2Mi → 6656Mi; 21Gi → 25804.8Mi → 25856Mi
			want: map[string]string{
				"requests.cpu": "6700m", "requests.memory": "7424Mi",
				"limits.cpu": "13700m", "limits.memory": "14848Mi", "pods": "26",
				"requests.ephemeral-storage": "6656Mi", "limits.ephemeral-storage": "25856Mi",
			},
			wantLimits: corev1.LimitRangeItem{
				Type:           corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("512Mi"), "ephemeral-storage": resource.MustParse("1Gi")},
				DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("128Mi"), "ephemeral-storage": resource.MustParse("256Mi")},
			},
		},
		{
			name: "no headroom, no surge, min and max",
			src: `namespaces: chatbot: {
	quotaHeadroom: 0
	limitRange: {min: cpu: "50m", max: {cpu: "2", memory: "4Gi"}}
}
`,
			apps: []*model.App{
				newApp(t, "web", model.Deployment, "replicas: 2", `rollingUpdate: maxSurge: 0`, res(`{requests: {cpu: "250m", memory: "300Mi"}, limits: {cpu: "500m", memory: "600Mi"}}`)),
			},
			want: map[string]string{
				"requests.cpu": "500m", "requests.memory": "768Mi",
				"limits.cpu": "1", "limits.memory": "1280Mi", "pods": "2",
				"requests.ephemeral-storage": "512Mi", "limits.ephemeral-storage": "2Gi",
			},
			wantLimits: corev1.LimitRangeItem{
				Type:           corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("512Mi"), "ephemeral-storage": resource.MustParse("1Gi")},
				DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("128Mi"), "ephemeral-storage": resource.MustParse("256Mi")},
				Min:            corev1.ResourceList{"cpu": resource.MustParse("50m")},
				Max:            corev1.ResourceList{"cpu": resource.MustParse("2"), "memory": resource.MustParse("4Gi")},
			},
		},
		{
			name: "stated limits win, others are added",
			src: `namespaces: chatbot: quota: {"requests.cpu": "10", "services.loadbalancers": "1"}
`,
			apps: []*model.App{
				newApp(t, "web", model.Deployment, res(`{requests: {cpu: "250m", memory: "256Mi"}, limits: {cpu: "500m", memory: "512Mi"}}`)),
			},
			// 1 + surge 1 = 2 pods.
			want: map[string]string{
				"requests.cpu": "10", "requests.memory": "768Mi", "services.loadbalancers": "1",
				"limits.cpu": "1200m", "limits.memory": "1280Mi", "pods": "3",
				"requests.ephemeral-storage": "768Mi", "limits.ephemeral-storage": "2560Mi",
			},
			wantLimits: corev1.LimitRangeItem{
				Type:           corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("512Mi"), "ephemeral-storage": resource.MustParse("1Gi")},
				DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("128Mi"), "ephemeral-storage": resource.MustParse("256Mi")},
			},
		},
		{
			name: "a controller's namespace: requests and pods, no default limits",
			src:  `platform: controllers: keda: {enabled: true, namespace: "chatbot"}` + "\nnamespaces: chatbot: {}\n",
			// three pods of 100m / 100Mi, each with a surge pod: 6 pods,
			// 600m → 720m → 800m, 600Mi → 720Mi → 768Mi, 6 → 7.2 → 8.
			want: map[string]string{"requests.cpu": "800m", "requests.memory": "768Mi", "pods": "8"},
			wantLimits: corev1.LimitRangeItem{
				Type:           corev1.LimitTypeContainer,
				DefaultRequest: corev1.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("128Mi"), "ephemeral-storage": resource.MustParse("256Mi")},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := envWith(t, tc.src, tc.apps...)
			objs := build(t, env)
			q := decode[corev1.ResourceQuota](t, find(t, objs, "ResourceQuota", "chatbot"))
			got := map[string]string{}
			for k, v := range q.Spec.Hard {
				got[string(k)] = v.String()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("spec.hard mismatch (-want +got):\n%s", diff)
			}
			lr := decode[corev1.LimitRange](t, find(t, objs, "LimitRange", "chatbot"))
			if diff := cmp.Diff([]corev1.LimitRangeItem{tc.wantLimits}, lr.Spec.Limits); diff != "" {
				t.Errorf("LimitRange mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
