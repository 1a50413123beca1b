package kube

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statefulSet returns the app's StatefulSet; checksum is its config checksum.
func statefulSet(in *instance, checksum string) (*appsv1.StatefulSet, error) {
	tmpl, err := podTemplate(in, checksum, "")
	if err != nil {
		return nil, err
	}
	if _, ok := in.app.Storage[configVolume]; ok && len(in.app.Config.Files) > 0 {
		// A claim template would silently replace the pod volume of that name.
		return nil, fmt.Errorf("storage %s: name is taken by the config files volume", configVolume)
	}
	claims, err := volumeClaimTemplates(in.app)
	if err != nil {
		return nil, err
	}
	return &appsv1.StatefulSet{
		TypeMeta:   statefulSetType,
		ObjectMeta: in.workloadMeta(),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            replicas(in.app),
			Selector:            &metav1.LabelSelector{MatchLabels: in.selector},
			ServiceName:         governingService(in.app),
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{
					MaxUnavailable: intOrString(in.app.RollingUpdate.MaxUnavailable),
				},
			},
			Template:             tmpl,
			VolumeClaimTemplates: claims,
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
		},
	}, nil
}

// governingService is the StatefulSet's serviceName: the app's first
// headless Service by name, else its first Service, else the app's name.
func governingService(app *model.App) string {
	names := slices.Sorted(maps.Keys(app.Services))
	for _, name := range names {
		if app.Services[name].Type == model.Headless {
			return name
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return app.Name
}

// volumeClaimTemplates returns one claim per storage volume, sorted by name.
// They carry no labels: volumeClaimTemplates cannot be changed once the
// StatefulSet exists, and labels (user labels included) do change.
func volumeClaimTemplates(app *model.App) ([]corev1.PersistentVolumeClaim, error) {
	var claims []corev1.PersistentVolumeClaim
	for _, name := range slices.Sorted(maps.Keys(app.Storage)) {
		v := app.Storage[name]
		size, err := parseQuantity(v.Size)
		if err != nil {
			return nil, fmt.Errorf("storage %s: size: %w", name, err)
		}
		var class *string
		if v.StorageClass != "" {
			class = new(v.StorageClass)
		}
		claims = append(claims, corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.PersistentVolumeAccessMode(v.AccessMode)},
				StorageClassName: class,
				Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: size},
				},
			},
		})
	}
	return claims, nil
}
