package kube

import (
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// restrictedContainer is the container security context of the restricted
// Pod Security Standard, with the root filesystem read-only or not.
func restrictedContainer(readOnly bool) *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             new(true),
		AllowPrivilegeEscalation: new(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   new(readOnly),
	}
}

// podSpecOfKind builds app and returns the pod spec of its workload,
// decoded strictly into the workload's type.
func podSpecOfKind(t *testing.T, app *model.App) corev1.PodSpec {
	t.Helper()
	o := find(t, buildApp(t, app), app.Kind, app.Name)
	switch app.Kind {
	case model.Deployment:
		return decode[appsv1.Deployment](t, o).Spec.Template.Spec
	case model.StatefulSet:
		return decode[appsv1.StatefulSet](t, o).Spec.Template.Spec
	case model.CronJob:
		return decode[batchv1.CronJob](t, o).Spec.JobTemplate.Spec.Template.Spec
	case model.Job:
		return decode[batchv1.Job](t, o).Spec.Template.Spec
	}
	t.Fatalf("unknown kind %s", app.Kind)
	return corev1.PodSpec{}
}

// restrictedPod is the pod security context of the restricted Pod
// Security Standard, running as uid and gid with fsGroup.
func restrictedPod(uid, gid, fsGroup int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:        new(true),
		RunAsUser:           new(uid),
		RunAsGroup:          new(gid),
		FSGroup:             new(fsGroup),
		FSGroupChangePolicy: new(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func TestSecurityContext(t *testing.T) {
	tests := []struct {
		name          string
		kind          string
		sc            string // the app's securityContext, in CUE
		wantPod       *corev1.PodSecurityContext
		wantContainer *corev1.SecurityContext
		wantTmp       bool
	}{
		{
			name:          "defaults: user, group and fsGroup 10001",
			kind:          model.Deployment,
			sc:            "{}",
			wantPod:       restrictedPod(10001, 10001, 10001),
			wantContainer: restrictedContainer(true),
			wantTmp:       true,
		},
		{
			name:          "writable root filesystem has no /tmp volume",
			kind:          model.Deployment,
			sc:            "readOnlyRootFilesystem: false",
			wantPod:       restrictedPod(10001, 10001, 10001),
			wantContainer: restrictedContainer(false),
		},
		{
			name:          "user, group and fsGroup",
			kind:          model.StatefulSet,
			sc:            "{runAsUser: 999, runAsGroup: 999, fsGroup: 999}",
			wantPod:       restrictedPod(999, 999, 999),
			wantContainer: restrictedContainer(true),
			wantTmp:       true,
		},
		{
			name:          "user only keeps the default group",
			kind:          model.Job,
			sc:            "runAsUser: 1000",
			wantPod:       restrictedPod(1000, 10001, 10001),
			wantContainer: restrictedContainer(true),
			wantTmp:       true,
		},
		{
			name:          "fsGroup follows the group",
			kind:          model.StatefulSet,
			sc:            "runAsGroup: 20000",
			wantPod:       restrictedPod(10001, 20000, 20000),
			wantContainer: restrictedContainer(true),
			wantTmp:       true,
		},
		{
			name:          "cron job",
			kind:          model.CronJob,
			sc:            "{}",
			wantPod:       restrictedPod(10001, 10001, 10001),
			wantContainer: restrictedContainer(true),
			wantTmp:       true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", tc.kind, `schedule: "0 * * * *"`, "securityContext: "+tc.sc)
			pod := podSpecOfKind(t, app)
			if diff := cmp.Diff(tc.wantPod, pod.SecurityContext); diff != "" {
				t.Errorf("pod securityContext mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantContainer, pod.Containers[0].SecurityContext); diff != "" {
				t.Errorf("container securityContext mismatch (-want +got):\n%s", diff)
			}
			var wantVols []corev1.Volume
			var wantMounts []corev1.VolumeMount
			if tc.wantTmp {
				wantVols, wantMounts = []corev1.Volume{tmpVol}, []corev1.VolumeMount{tmpMount}
			}
			if diff := cmp.Diff(wantVols, pod.Volumes); diff != "" {
				t.Errorf("volumes mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantMounts, pod.Containers[0].VolumeMounts); diff != "" {
				t.Errorf("volumeMounts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecurityContextEnvDefaults checks that the environment's
// defaults.securityContext applies to the apps that set no IDs, and that
// an app's own IDs win.
func TestSecurityContextEnvDefaults(t *testing.T) {
	env := modeltest.Env(t, "prod", cluster+`cluster: autoscaler: enabled: false
`+noControllers+`namespaces: chatbot: {}
defaults: {namespace: "chatbot", securityContext: {runAsUser: 20000, runAsGroup: 30000}}
apps: web: image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/web", tag: "1.0.0"}
apps: db: {
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/db", tag: "1.0.0"}
	securityContext: {runAsUser: 999, runAsGroup: 999}
}
`)
	for _, tc := range []struct {
		app  string
		want *corev1.PodSecurityContext
	}{
		{"web", restrictedPod(20000, 30000, 30000)},
		{"db", restrictedPod(999, 999, 999)},
	} {
		o := find(t, build(t, env), model.Deployment, tc.app)
		got := decode[appsv1.Deployment](t, o).Spec.Template.Spec.SecurityContext
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: pod securityContext mismatch (-want +got):\n%s", tc.app, diff)
		}
	}
}

// TestSecurityContextRendered checks the rendered form: the /tmp emptyDir
// sized as the ephemeral-storage limit, an empty emptyDir and
// readOnlyRootFilesystem: false survive pruning, as they mean something.
func TestSecurityContextRendered(t *testing.T) {
	spec := func(o object.Object) map[string]any {
		tmpl := o.Content["spec"].(map[string]any)["template"].(map[string]any)
		return tmpl["spec"].(map[string]any)
	}
	app := newApp(t, "web", model.Deployment)
	pod := spec(find(t, buildApp(t, app), "Deployment", "web"))
	want := []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{"sizeLimit": "1Gi"}}}
	if diff := cmp.Diff(want, pod["volumes"]); diff != "" {
		t.Errorf("volumes mismatch (-want +got):\n%s", diff)
	}

	// Without an ephemeral-storage limit the emptyDir is unbounded, and
	// stays an emptyDir.
	app.Resources.Limits.EphemeralStorage = ""
	pod = spec(find(t, buildApp(t, app), "Deployment", "web"))
	want = []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}}
	if diff := cmp.Diff(want, pod["volumes"]); diff != "" {
		t.Errorf("volumes without a limit mismatch (-want +got):\n%s", diff)
	}

	app.SecurityContext.ReadOnlyRootFilesystem = false
	pod = spec(find(t, buildApp(t, app), "Deployment", "web"))
	c := pod["containers"].([]any)[0].(map[string]any)
	if got := c["securityContext"].(map[string]any)["readOnlyRootFilesystem"]; got != false {
		t.Errorf("readOnlyRootFilesystem = %v, want false written out", got)
	}
	if _, ok := pod["volumes"]; ok {
		t.Errorf("volumes = %v, want none", pod["volumes"])
	}
}

func TestTmpVolumeConflicts(t *testing.T) {
	tests := []struct {
		name string
		src  string // CUE fields of the app besides its storage data
		want string // "" for no error
	}{
		{
			name: "config files at /tmp",
			src:  `config: {files: a: "b", mountPath: "/tmp/"}`,
			want: "app db: config mountPath /tmp/: the read-only root filesystem has an emptyDir there",
		},
		{
			name: "storage named tmp",
			src:  `storage: tmp: {size: "1Gi", mountPath: "/scratch"}`,
			want: "app db: storage tmp: name is taken by the /tmp emptyDir",
		},
		{
			name: "storage at /tmp",
			src:  `storage: scratch: {size: "1Gi", mountPath: "/tmp"}`,
			want: "app db: storage scratch: mountPath /tmp: the read-only root filesystem has an emptyDir there",
		},
		{
			name: "no conflict with a writable root filesystem",
			src: `securityContext: readOnlyRootFilesystem: false
storage: tmp: {size: "1Gi", mountPath: "/tmp"}`,
		},
		{
			name: "config below /tmp is fine",
			src:  `config: {files: a: "b", mountPath: "/tmp/config"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "db", model.StatefulSet, `storage: data: {size: "1Gi", mountPath: "/data"}`, tc.src)
			_, err := Build(newEnv(t, app))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Build() error = %v, want none", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("Build() error = %v, want prefix %q", err, tc.want)
			}
		})
	}
}
