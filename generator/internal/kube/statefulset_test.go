package kube

import (
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestStatefulSet(t *testing.T) {
	objs := build(t, fixture(t))
	s := decode[appsv1.StatefulSet](t, find(t, objs, "StatefulSet", "mongodb"))
	claim := func(name, size string) corev1.PersistentVolumeClaim {
		return corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				StorageClassName: new("gp3"),
				Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
				},
			},
		}
	}
	tests := []struct {
		name      string
		want, got any
	}{
		{"replicas", new(int32(3)), s.Spec.Replicas},
		{"serviceName", "mongodb-headless", s.Spec.ServiceName},
		{"podManagementPolicy", appsv1.ParallelPodManagement, s.Spec.PodManagementPolicy},
		{"updateStrategy", appsv1.StatefulSetUpdateStrategy{
			Type:          appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{MaxUnavailable: new(intstr.FromInt32(1))},
		}, s.Spec.UpdateStrategy},
		{"volumeClaimTemplates", []corev1.PersistentVolumeClaim{claim("config", "1Gi"), claim("data", "20Gi")}, s.Spec.VolumeClaimTemplates},
		{"persistentVolumeClaimRetentionPolicy", &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		}, s.Spec.PersistentVolumeClaimRetentionPolicy},
		{"volumeMounts", []corev1.VolumeMount{
			tmpMount,
			{Name: "config", MountPath: "/data/configdb"},
			{Name: "data", MountPath: "/data/db"},
		}, s.Spec.Template.Spec.Containers[0].VolumeMounts},
		{"serviceAccountName", "", s.Spec.Template.Spec.ServiceAccountName},
		{"terminationGracePeriodSeconds", new(int64(60)), s.Spec.Template.Spec.TerminationGracePeriodSeconds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

func TestStatefulSetConfigAndStorageMounts(t *testing.T) {
	const config = `config: {files: "db.conf": "x", mountPath: "/etc/db"}`
	app := newApp(t, "db", model.StatefulSet, config, `storage: {
	wal: {size: "5Gi", mountPath: "/wal", accessMode: "ReadWriteOncePod"}
	data: {size: "10Gi", mountPath: "/data"}
}`)
	// The schema always names a class; Build omits an empty one.
	data := app.Storage["data"]
	data.StorageClass = ""
	app.Storage["data"] = data
	s := decode[appsv1.StatefulSet](t, find(t, buildApp(t, app), "StatefulSet", "db"))
	wantMounts := []corev1.VolumeMount{
		{Name: "config", MountPath: "/etc/db", ReadOnly: true},
		tmpMount,
		{Name: "data", MountPath: "/data"},
		{Name: "wal", MountPath: "/wal"},
	}
	if diff := cmp.Diff(wantMounts, s.Spec.Template.Spec.Containers[0].VolumeMounts); diff != "" {
		t.Errorf("volumeMounts mismatch (-want +got):\n%s", diff)
	}
	if got := s.Spec.VolumeClaimTemplates[0].Spec.StorageClassName; got != nil {
		t.Errorf("storageClassName without a class = %q, want it omitted", *got)
	}
	if got := s.Spec.VolumeClaimTemplates[1].Spec.AccessModes; !cmp.Equal(got, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod}) {
		t.Errorf("accessModes = %v, want [ReadWriteOncePod]", got)
	}

	app = newApp(t, "db", model.StatefulSet, config, `storage: config: {size: "1Gi", mountPath: "/cfg"}`)
	_, err := Build(newEnv(t, app))
	if want := "app db: storage config: name is taken by the config files volume"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Build() with storage named config error = %v, want %q", err, want)
	}
}

func TestGoverningService(t *testing.T) {
	tests := []struct {
		name     string
		services string // the app's services, in CUE
		want     string
	}{
		{name: "no services", services: "{}", want: "db"},
		{
			name:     "first service by name",
			services: `{"db-b": {}, "db-a": type: "LoadBalancer"}`,
			want:     "db-a",
		},
		{
			name:     "first headless service by name",
			services: `{a: {}, "peers-z": type: "Headless", "peers-b": type: "Headless"}`,
			want:     "peers-b",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "db", model.StatefulSet, "ports: db: port: 5432", "services: "+tc.services)
			s := decode[appsv1.StatefulSet](t, find(t, buildApp(t, app), "StatefulSet", "db"))
			if s.Spec.ServiceName != tc.want {
				t.Errorf("serviceName = %q, want %q", s.Spec.ServiceName, tc.want)
			}
		})
	}
}

func TestStatefulSetAutoscaled(t *testing.T) {
	app := newApp(t, "db", model.StatefulSet, "replicas: 3", "autoscaling: maxReplicas: 6")
	s := decode[appsv1.StatefulSet](t, find(t, buildApp(t, app), "StatefulSet", "db"))
	if s.Spec.Replicas != nil {
		t.Errorf("spec.replicas = %d, want it omitted under an HPA", *s.Spec.Replicas)
	}
}
