package kube

import (
	"encoding/json"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// TestDeploymentYAML shows a whole Deployment, as it will be rendered, for
// the minimal app of schema/app.cue's doc comment.
func TestDeploymentYAML(t *testing.T) {
	app := newApp(t, "web", model.Deployment, "ports: http: port: 8080", "services: web: {}")
	o := find(t, buildApp(t, app), "Deployment", "web")
	b, err := json.Marshal(o.Content)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.JSONToYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/instance: web-prod
    app.kubernetes.io/managed-by: gen
    app.kubernetes.io/name: web
    app.kubernetes.io/part-of: web
    environment: prod
  name: web
  namespace: chatbot
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/instance: web-prod
      app.kubernetes.io/name: web
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: web-prod
        app.kubernetes.io/managed-by: gen
        app.kubernetes.io/name: web
        app.kubernetes.io/part-of: web
        environment: prod
    spec:
      containers:
      - image: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/web:1.0.0
        name: web
        ports:
        - containerPort: 8080
          name: http
          protocol: TCP
        resources:
          limits:
            ephemeral-storage: 1Gi
          requests:
            ephemeral-storage: 256Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          readOnlyRootFilesystem: true
          runAsNonRoot: true
        volumeMounts:
        - mountPath: /tmp
          name: tmp
      securityContext:
        fsGroup: 10001
        fsGroupChangePolicy: OnRootMismatch
        runAsGroup: 10001
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      serviceAccountName: web
      terminationGracePeriodSeconds: 30
      volumes:
      - emptyDir:
          sizeLimit: 1Gi
        name: tmp
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Deployment mismatch (-want +got):\n%s", diff)
	}
}

func TestDeploymentReplicas(t *testing.T) {
	tests := []struct {
		name        string
		replicas    int32
		autoscaling *model.Autoscaling
		want        *int32
	}{
		{name: "no autoscaling", replicas: 3, want: new(int32(3))},
		{name: "scaled to zero", replicas: 0, want: new(int32(0))},
		{
			name:        "autoscaling disabled",
			replicas:    2,
			autoscaling: &model.Autoscaling{Enabled: false, MaxReplicas: new(int32(10))},
			want:        new(int32(2)),
		},
		{
			name:        "HPA owns the count",
			replicas:    3,
			autoscaling: &model.Autoscaling{Enabled: true, MinReplicas: new(int32(3)), MaxReplicas: new(int32(10))},
			want:        nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Replicas = tc.replicas
			app.Autoscaling = tc.autoscaling
			d := decode[appsv1.Deployment](t, find(t, buildApp(t, app), "Deployment", "web"))
			if diff := cmp.Diff(tc.want, d.Spec.Replicas); diff != "" {
				t.Errorf("spec.replicas mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeploymentStrategy(t *testing.T) {
	app := newApp(t, "web", model.Deployment)
	app.RollingUpdate = model.RollingUpdate{
		MaxSurge:       model.IntOrString{Int: 1},
		MaxUnavailable: model.IntOrString{String: "10%", IsStr: true},
	}
	app.TerminationGracePeriodSeconds = 45
	d := decode[appsv1.Deployment](t, find(t, buildApp(t, app), "Deployment", "web"))
	want := appsv1.DeploymentStrategy{
		Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxSurge:       new(intstr.FromInt32(1)),
			MaxUnavailable: new(intstr.FromString("10%")),
		},
	}
	if diff := cmp.Diff(want, d.Spec.Strategy); diff != "" {
		t.Errorf("spec.strategy mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(new(int64(45)), d.Spec.Template.Spec.TerminationGracePeriodSeconds); diff != "" {
		t.Errorf("terminationGracePeriodSeconds mismatch (-want +got):\n%s", diff)
	}
}

func TestDeploymentAnnotations(t *testing.T) {
	app := newApp(t, "web", model.Deployment)
	app.Annotations = map[string]string{"prometheus.io/scrape": "true"}
	app.Config.Env = map[string]string{"MODE": "fast"}
	d := decode[appsv1.Deployment](t, find(t, buildApp(t, app), "Deployment", "web"))
	if diff := cmp.Diff(app.Annotations, d.Annotations); diff != "" {
		t.Errorf("metadata.annotations mismatch (-want +got):\n%s", diff)
	}
	want := map[string]string{
		"prometheus.io/scrape": "true",
		"checksum/config":      configChecksum(app.Config.Env, nil, nil),
	}
	if diff := cmp.Diff(want, d.Spec.Template.Annotations); diff != "" {
		t.Errorf("pod template annotations mismatch (-want +got):\n%s", diff)
	}
	if len(app.Annotations) != 1 {
		t.Errorf("Build changed the model's annotations: %v", app.Annotations)
	}
}
