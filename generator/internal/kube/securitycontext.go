package kube

import (
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/gitops-gen/gen/generator/model"
	corev1 "k8s.io/api/core/v1"
)

// The emptyDir mounted at /tmp when the root filesystem is read-only, so
// that apps (and their runtimes: a JVM, Python's tempfile, mongod's socket)
// can still write temporary files.
const (
	tmpVolume = "tmp"
	tmpPath   = "/tmp"
)

// podSecurityContext is the pod's part of the restricted Pod Security
// Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
// a non-root user and the runtime's default seccomp profile, with the
// app's user, group and fsGroup (high IDs unless the app sets its own, see
// schema/app.cue). The kubelet changes the volumes' ownership only when
// their root does not already match the fsGroup (OnRootMismatch), rather
// than walking a database's whole volume at every start.
func podSecurityContext(sc model.SecurityContext) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        new(true),
		RunAsUser:           new(sc.RunAsUser),
		RunAsGroup:          new(sc.RunAsGroup),
		FSGroup:             new(sc.FSGroup),
		FSGroupChangePolicy: new(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext is the container's part of the restricted Pod
// Security Standard: no privilege escalation, every capability dropped,
// and a non-root user (repeated from the pod, so that the container is
// restricted on its own); the root filesystem is read-only unless the app
// says otherwise. readOnlyRootFilesystem is always written, false
// included, so that a reviewer sees the choice.
func containerSecurityContext(sc model.SecurityContext) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             new(true),
		AllowPrivilegeEscalation: new(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   new(sc.ReadOnlyRootFilesystem),
	}
}

// checkTmpVolume rejects what would collide with the /tmp emptyDir of a
// read-only root filesystem: a StatefulSet storage volume of the same name
// (its claim template would replace the emptyDir), and config files or
// storage mounted at /tmp itself (two volumes on one path).
func checkTmpVolume(app *model.App) error {
	if !app.SecurityContext.ReadOnlyRootFilesystem {
		return nil
	}
	const why = "the read-only root filesystem has an emptyDir there"
	if len(app.Config.Files) > 0 && path.Clean(app.Config.MountPath) == tmpPath {
		return fmt.Errorf("config mountPath %s: %s; mount the files elsewhere", app.Config.MountPath, why)
	}
	if app.Kind != model.StatefulSet {
		return nil
	}
	if _, ok := app.Storage[tmpVolume]; ok {
		return fmt.Errorf("storage %s: name is taken by the %s emptyDir of the read-only root filesystem", tmpVolume, tmpPath)
	}
	for _, name := range slices.Sorted(maps.Keys(app.Storage)) {
		if p := app.Storage[name].MountPath; path.Clean(p) == tmpPath {
			return fmt.Errorf("storage %s: mountPath %s: %s; mount it elsewhere", name, p, why)
		}
	}
	return nil
}
