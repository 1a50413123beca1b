package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gitops-gen/gen/generator/model"
)

// logSidecar is an app that writes log files to /var/log/web, shipped by
// the Fluent Bit sidecar that logging.sidecar adds.
const logSidecar = `ports: http: port: 8080
serviceAccount: iamRole: "web-logs"
logging: sidecar: path: "/var/log/web/"
`

// TestLogSidecar checks the pod that logging.sidecar gives: Fluent Bit as a
// native sidecar with the restricted security context, its requests, its
// config mounted from its own ConfigMap, the shared emptyDir mounted
// read-write in the app's container and read-only in Fluent Bit's, and the
// config checksum covering Fluent Bit's config.
func TestLogSidecar(t *testing.T) {
	objs := buildApp(t, newApp(t, "web", model.Deployment, logSidecar))
	pod := decode[appsv1.Deployment](t, find(t, objs, "Deployment", "web")).Spec.Template
	if n := len(pod.Spec.InitContainers); n != 1 {
		t.Fatalf("pod has %d init containers, want 1 (fluent-bit)", n)
	}
	fb := pod.Spec.InitContainers[0]
	if fb.Name != "fluent-bit" || fb.RestartPolicy == nil || *fb.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Errorf("init container %s restartPolicy %v, want fluent-bit, Always (a native sidecar)", fb.Name, fb.RestartPolicy)
	}
	if !strings.HasPrefix(fb.Image, "cr.fluentbit.io/fluent/fluent-bit:") {
		t.Errorf("fluent-bit image = %s, want the schema's default", fb.Image)
	}
	wantMounts := []corev1.VolumeMount{
		{Name: "fluent-bit-config", MountPath: "/fluent-bit/etc", ReadOnly: true},
		{Name: "tmp", MountPath: "/tmp"},
		{Name: "logs", MountPath: "/var/log/web/", ReadOnly: true},
	}
	if diff := cmp.Diff(wantMounts, fb.VolumeMounts); diff != "" {
		t.Errorf("fluent-bit volumeMounts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(containerSecurityContext(model.SecurityContext{ReadOnlyRootFilesystem: true}), fb.SecurityContext); diff != "" {
		t.Errorf("fluent-bit securityContext mismatch (-want +got):\n%s", diff)
	}
	for name, want := range map[corev1.ResourceName]string{corev1.ResourceCPU: "50m", corev1.ResourceMemory: "64Mi", corev1.ResourceEphemeralStorage: "256Mi"} {
		if got := fb.Resources.Requests[name]; got.Cmp(resource.MustParse(want)) != 0 {
			t.Errorf("fluent-bit requests %s = %s, want %s", name, got.String(), want)
		}
	}
	if fb.LivenessProbe == nil || fb.LivenessProbe.HTTPGet == nil || fb.LivenessProbe.HTTPGet.Port.StrVal != "fluent-bit" {
		t.Errorf("fluent-bit liveness probe = %+v, want an HTTP GET on port fluent-bit", fb.LivenessProbe)
	}
	app := pod.Spec.Containers[0]
	if diff := cmp.Diff(corev1.VolumeMount{Name: "logs", MountPath: "/var/log/web/"}, app.VolumeMounts[len(app.VolumeMounts)-1]); diff != "" {
		t.Errorf("app's last volumeMount mismatch (-want +got):\n%s", diff)
	}
	var volumes []string
	for _, v := range pod.Spec.Volumes {
		volumes = append(volumes, v.Name)
	}
	if diff := cmp.Diff([]string{"tmp", "fluent-bit-config", "logs"}, volumes); diff != "" {
		t.Errorf("volumes mismatch (-want +got):\n%s", diff)
	}
	if sl := pod.Spec.Volumes[2].EmptyDir.SizeLimit; sl == nil || sl.String() != "512Mi" {
		t.Errorf("logs emptyDir sizeLimit = %v, want 512Mi", sl)
	}
	cm := decode[corev1.ConfigMap](t, find(t, objs, "ConfigMap", "web-fluent-bit-files"))
	conf := cm.Data["fluent-bit.conf"]
	for _, want := range []string{
		"Path             /var/log/web/*.log\n",
		"log_group_name     /eks/test/chatbot/web\n",
		"region             eu-west-1\n",
		"log_stream_prefix  ${HOSTNAME}.\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("fluent-bit.conf lacks %q:\n%s", want, conf)
		}
	}
	if got, want := pod.Annotations[checksumAnnotation], configChecksum(nil, nil, map[string]map[string]string{"fluent-bit": cm.Data}); got != want {
		t.Errorf("checksum = %s, want %s (covering Fluent Bit's config)", got, want)
	}
}

// TestSidecarJob checks that a Job's sidecar is a native sidecar too, so
// that the Job completes when its container does.
func TestSidecarJob(t *testing.T) {
	objs := buildApp(t, newApp(t, "load", model.Job, `sidecars: proxy: {
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy", tag: "1.0.0"}
	env: MODE: "egress"
	resources: requests: {cpu: "10m", memory: "16Mi"}
}
securityContext: readOnlyRootFilesystem: false
`))
	spec := decode[batchv1.Job](t, find(t, objs, "Job", "load")).Spec.Template.Spec
	if len(spec.InitContainers) != 1 || *spec.InitContainers[0].RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Fatalf("init containers = %+v, want proxy as a native sidecar", spec.InitContainers)
	}
	if diff := cmp.Diff([]corev1.EnvVar{{Name: "MODE", Value: "egress"}}, spec.InitContainers[0].Env); diff != "" {
		t.Errorf("proxy env mismatch (-want +got):\n%s", diff)
	}
	// The app's root filesystem is writable, the sidecar's is not: the pod
	// gets /tmp for the sidecar, and the app's container does not mount it.
	if len(spec.Volumes) != 1 || spec.Volumes[0].Name != "tmp" {
		t.Errorf("volumes = %+v, want only tmp", spec.Volumes)
	}
	if len(spec.Containers[0].VolumeMounts) != 0 {
		t.Errorf("app's volumeMounts = %+v, want none", spec.Containers[0].VolumeMounts)
	}
}
