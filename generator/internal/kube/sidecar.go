package kube

import (
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
)

// sidecarConfigName names a sidecar's ConfigMap, <app>-<sidecar>-files,
// and sidecarConfigVolume the pod volume that holds it.
func sidecarConfigName(app, sidecar string) string { return app + "-" + sidecar + "-files" }
func sidecarConfigVolume(sidecar string) string    { return sidecar + "-config" }

// needsTmp says whether the pod has the /tmp emptyDir: the app's root
// filesystem is read-only, or it has sidecars, whose root filesystems
// always are.
func needsTmp(app *model.App) bool {
	return app.SecurityContext.ReadOnlyRootFilesystem || len(app.Sidecars) > 0
}

// sidecarMounts mounts a sidecar's config files read-only, then the /tmp
// emptyDir, then the app's volumes it names, sorted by volume name.
func sidecarMounts(name string, s *model.Sidecar) []corev1.VolumeMount {
	var mounts []corev1.VolumeMount
	if len(s.Config.Files) > 0 {
		mounts = append(mounts, corev1.VolumeMount{
			Name:      sidecarConfigVolume(name),
			MountPath: s.Config.MountPath,
			ReadOnly:  true,
		})
	}
	mounts = append(mounts, corev1.VolumeMount{Name: tmpVolume, MountPath: tmpPath})
	for _, v := range slices.Sorted(maps.Keys(s.Mounts)) {
		m := s.Mounts[v]
		mounts = append(mounts, corev1.VolumeMount{Name: v, MountPath: m.MountPath, ReadOnly: m.ReadOnly})
	}
	return mounts
}

// sharedMounts mounts the app's volumes that have a mountPath in its own
// container, sorted by name.
func sharedMounts(app *model.App) []corev1.VolumeMount {
	var mounts []corev1.VolumeMount
	for _, name := range slices.Sorted(maps.Keys(app.Volumes)) {
		if p := app.Volumes[name].MountPath; p != "" {
			mounts = append(mounts, corev1.VolumeMount{Name: name, MountPath: p})
		}
	}
	return mounts
}

// sidecarVolumes are the pod volumes sidecars bring: each sidecar's
// ConfigMap, by sidecar name, then the app's shared emptyDirs, by name,
// each bounded by its sizeLimit.
func sidecarVolumes(app *model.App) []corev1.Volume {
	var vols []corev1.Volume
	for _, name := range app.SidecarNames() {
		if len(app.Sidecars[name].Config.Files) == 0 {
			continue
		}
		vols = append(vols, corev1.Volume{
			Name: sidecarConfigVolume(name),
			VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: sidecarConfigName(app.Name, name)},
				},
			},
		})
	}
	for _, name := range slices.Sorted(maps.Keys(app.Volumes)) {
		ed := &corev1.EmptyDirVolumeSource{}
		if q, err := parseQuantity(app.Volumes[name].SizeLimit); err == nil {
			ed.SizeLimit = &q
		}
		vols = append(vols, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: ed}})
	}
	return vols
}

// sidecarFiles returns each sidecar's config files, by sidecar name, for
// the config checksum; nil when no sidecar has any.
func sidecarFiles(app *model.App) map[string]map[string]string {
	var out map[string]map[string]string
	for _, name := range app.SidecarNames() {
		if files := app.Sidecars[name].Config.Files; len(files) > 0 {
			if out == nil {
				out = map[string]map[string]string{}
			}
			out[name] = files
		}
	}
	return out
}
