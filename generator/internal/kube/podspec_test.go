package kube

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// podSpecOf builds app (a Deployment) and returns its pod template.
func podSpecOf(t *testing.T, app *model.App) corev1.PodTemplateSpec {
	t.Helper()
	return decode[appsv1.Deployment](t, find(t, buildApp(t, app), "Deployment", app.Name)).Spec.Template
}

var webSelector = &metav1.LabelSelector{MatchLabels: map[string]string{
	"app.kubernetes.io/name":     "web",
	"app.kubernetes.io/instance": "web-prod",
}}

func TestContainer(t *testing.T) {
	app := newApp(t, "web", model.Deployment)
	app.Image = model.Image{Repository: "ecr/web", Tag: "1.2", Digest: "sha256:" + sha64, PullPolicy: "Always"}
	app.Command = []string{"/web"}
	app.Args = []string{"--verbose"}
	app.Ports = map[string]model.Port{
		"metrics": {Port: 9090, Protocol: "TCP"},
		"dns":     {Port: 5353, Protocol: "UDP"},
		"http":    {Port: 8080, Protocol: "TCP"},
	}
	app.Env = map[string]model.EnvVar{
		"Z_LAST":   {Value: "z"},
		"DB_PASS":  {SecretRef: &model.SecretKeyRef{Secret: "db", Key: "password"}},
		"A_FIRST":  {Value: "a"},
		"EMPTY":    {},
		"API_KEYS": {SecretRef: &model.SecretKeyRef{Secret: "api", Key: "keys"}},
	}
	app.Resources = model.Resources{
		Requests: model.ResourceList{CPU: "0.25"},
		Limits:   model.ResourceList{Memory: "1.5Gi"},
	}
	got := podSpecOf(t, app).Spec.Containers
	want := []corev1.Container{{
		Name:            "web",
		Image:           "ecr/web:1.2@sha256:" + sha64,
		ImagePullPolicy: corev1.PullAlways,
		Command:         []string{"/web"},
		Args:            []string{"--verbose"},
		Ports: []corev1.ContainerPort{
			{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolUDP},
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
		},
		Env: []corev1.EnvVar{
			{Name: "API_KEYS", ValueFrom: secretRef("api", "keys")},
			{Name: "A_FIRST", Value: "a"},
			{Name: "DB_PASS", ValueFrom: secretRef("db", "password")},
			{Name: "EMPTY"},
			{Name: "Z_LAST", Value: "z"},
		},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1536Mi")},
		},
		VolumeMounts:    []corev1.VolumeMount{tmpMount},
		SecurityContext: restrictedContainer(true),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containers mismatch (-want +got):\n%s", diff)
	}
}

// tmpMount and tmpVol are the /tmp emptyDir of a read-only root filesystem.
var (
	tmpMount = corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"}
	tmpVol   = corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
)

const sha64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func secretRef(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name},
		Key:                  key,
	}}
}

func TestProbes(t *testing.T) {
	tests := []struct {
		name  string
		probe model.Probe
		want  *corev1.Probe
	}{
		{
			name:  "http",
			probe: model.Probe{Port: "http", Path: "/healthz", InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3},
			want: &corev1.Probe{
				ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
				InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3,
			},
		},
		{
			name:  "grpc uses the port number",
			probe: model.Probe{Port: "grpc", GRPC: true, PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3},
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 4000}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3,
			},
		},
		{
			name:  "tcp",
			probe: model.Probe{Port: "grpc", PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3},
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("grpc")}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3,
			},
		},
		{
			name:  "success threshold when set",
			probe: model.Probe{Port: "http", Path: "/ready", PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 2},
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 2,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Ports = map[string]model.Port{
				"http": {Port: 8080, Protocol: "TCP"},
				"grpc": {Port: 4000, Protocol: "TCP"},
			}
			app.Probes = model.Probes{Liveness: &tc.probe, Readiness: &tc.probe, Startup: &tc.probe}
			c := podSpecOf(t, app).Spec.Containers[0]
			for _, got := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("probe mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name        string
		config      model.Config
		wantEnvFrom []corev1.EnvFromSource
		wantMounts  []corev1.VolumeMount
		wantVolumes []corev1.Volume
		wantMaps    []string
	}{
		{name: "no config", wantMounts: []corev1.VolumeMount{tmpMount}, wantVolumes: []corev1.Volume{tmpVol}},
		{
			name:   "env only",
			config: model.Config{Env: map[string]string{"MODE": "fast"}, MountPath: "/etc/config"},
			wantEnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "web-env"},
			}}},
			wantMounts:  []corev1.VolumeMount{tmpMount},
			wantVolumes: []corev1.Volume{tmpVol},
			wantMaps:    []string{"ConfigMap/web-env"},
		},
		{
			name:       "files only",
			config:     model.Config{Files: map[string]string{"app.yaml": "a: 1\n"}, MountPath: "/etc/web"},
			wantMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/web", ReadOnly: true}, tmpMount},
			wantVolumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-files"}},
			}}, tmpVol},
			wantMaps: []string{"ConfigMap/web-files"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Config = tc.config
			objs := buildApp(t, app)
			pod := decode[appsv1.Deployment](t, find(t, objs, "Deployment", "web")).Spec.Template
			c := pod.Spec.Containers[0]
			if diff := cmp.Diff(tc.wantEnvFrom, c.EnvFrom); diff != "" {
				t.Errorf("envFrom mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantMounts, c.VolumeMounts); diff != "" {
				t.Errorf("volumeMounts mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantVolumes, pod.Spec.Volumes); diff != "" {
				t.Errorf("volumes mismatch (-want +got):\n%s", diff)
			}
			var maps []string
			for _, o := range objs {
				if o.Kind() == "ConfigMap" {
					maps = append(maps, o.Kind()+"/"+o.Name())
				}
			}
			if diff := cmp.Diff(tc.wantMaps, maps); diff != "" {
				t.Errorf("ConfigMaps mismatch (-want +got):\n%s", diff)
			}
			_, hasChecksum := pod.Annotations[checksumAnnotation]
			if want := len(tc.wantMaps) > 0; hasChecksum != want {
				t.Errorf("pod template has checksum = %v, want %v", hasChecksum, want)
			}
		})
	}
}

func TestConfigMapData(t *testing.T) {
	app := newApp(t, "web", model.Deployment)
	app.Config = model.Config{
		Env:       map[string]string{"MODE": "fast"},
		Files:     map[string]string{"app.yaml": "a: 1\n", "log.yaml": "level: info\n"},
		MountPath: "/etc/config",
	}
	objs := buildApp(t, app)
	for _, tc := range []struct {
		name string
		want map[string]string
	}{
		{"web-env", app.Config.Env},
		{"web-files", app.Config.Files},
	} {
		cm := decode[corev1.ConfigMap](t, find(t, objs, "ConfigMap", tc.name))
		if diff := cmp.Diff(tc.want, cm.Data); diff != "" {
			t.Errorf("ConfigMap %s data mismatch (-want +got):\n%s", tc.name, diff)
		}
		if cm.Namespace != "chatbot" {
			t.Errorf("ConfigMap %s namespace = %q, want chatbot", tc.name, cm.Namespace)
		}
	}
}

func TestConfigChecksum(t *testing.T) {
	base := model.Config{
		Env:       map[string]string{"MODE": "fast"},
		Files:     map[string]string{"app.yaml": "a: 1\n"},
		MountPath: "/etc/config",
	}
	checksum := func(t *testing.T, cfg model.Config) string {
		t.Helper()
		app := newApp(t, "web", model.Deployment)
		app.Config = cfg
		return podSpecOf(t, app).Annotations[checksumAnnotation]
	}
	want := checksum(t, base)
	if len(want) != 64 {
		t.Fatalf("checksum = %q, want 64 hex digits", want)
	}
	tests := []struct {
		name   string
		config model.Config
		same   bool
	}{
		{name: "same config", config: base, same: true},
		{name: "other mount path", config: model.Config{Env: base.Env, Files: base.Files, MountPath: "/config"}, same: true},
		{name: "env value changed", config: model.Config{Env: map[string]string{"MODE": "slow"}, Files: base.Files, MountPath: "/etc/config"}},
		{name: "env key added", config: model.Config{Env: map[string]string{"MODE": "fast", "X": ""}, Files: base.Files, MountPath: "/etc/config"}},
		{name: "file changed", config: model.Config{Env: base.Env, Files: map[string]string{"app.yaml": "a: 2\n"}, MountPath: "/etc/config"}},
		{name: "file renamed", config: model.Config{Env: base.Env, Files: map[string]string{"main.yaml": "a: 1\n"}, MountPath: "/etc/config"}},
		{name: "files dropped", config: model.Config{Env: base.Env, MountPath: "/etc/config"}},
		{
			name:   "key moved from env to files",
			config: model.Config{Files: map[string]string{"MODE": "fast", "app.yaml": "a: 1\n"}, MountPath: "/etc/config"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checksum(t, tc.config); (got == want) != tc.same {
				t.Errorf("checksum = %s, base checksum = %s, want same = %v", got, want, tc.same)
			}
		})
	}
	t.Run("missing and empty maps agree", func(t *testing.T) {
		if a, b := configChecksum(base.Env, nil), configChecksum(base.Env, map[string]string{}); a != b {
			t.Errorf("configChecksum(env, nil) = %s, configChecksum(env, {}) = %s", a, b)
		}
	})
}

func TestNodePlacement(t *testing.T) {
	tests := []struct {
		name            string
		nodeGroup       string
		wantSelector    map[string]string
		wantTolerations []corev1.Toleration
	}{
		{name: "no node group"},
		{name: "group labels", nodeGroup: "general", wantSelector: map[string]string{"workload": "general"}},
		{
			name:         "group without labels",
			nodeGroup:    "spot",
			wantSelector: map[string]string{"eks.amazonaws.com/nodegroup": "spot"},
		},
		{
			name:         "tainted group",
			nodeGroup:    "ml",
			wantSelector: map[string]string{"workload": "ml"},
			wantTolerations: []corev1.Toleration{
				{Key: "workload", Operator: corev1.TolerationOpEqual, Value: "ml", Effect: corev1.TaintEffectNoSchedule},
				{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.NodeGroup = tc.nodeGroup
			spec := podSpecOf(t, app).Spec
			if diff := cmp.Diff(tc.wantSelector, spec.NodeSelector); diff != "" {
				t.Errorf("nodeSelector mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantTolerations, spec.Tolerations); diff != "" {
				t.Errorf("tolerations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpread(t *testing.T) {
	constraint := func(key string, when corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: when, LabelSelector: webSelector}
	}
	tests := []struct {
		name   string
		spread model.Spread
		want   []corev1.TopologySpreadConstraint
	}{
		{name: "none", spread: model.Spread{Zones: "none", Hosts: "none"}},
		{name: "unset", spread: model.Spread{}},
		{
			name:   "zones required",
			spread: model.Spread{Zones: "required", Hosts: "none"},
			want:   []corev1.TopologySpreadConstraint{constraint(zoneKey, corev1.DoNotSchedule)},
		},
		{
			name:   "hosts preferred",
			spread: model.Spread{Zones: "none", Hosts: "preferred"},
			want:   []corev1.TopologySpreadConstraint{constraint(hostKey, corev1.ScheduleAnyway)},
		},
		{
			name:   "zones then hosts",
			spread: model.Spread{Zones: "preferred", Hosts: "required"},
			want: []corev1.TopologySpreadConstraint{
				constraint(zoneKey, corev1.ScheduleAnyway),
				constraint(hostKey, corev1.DoNotSchedule),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.Spread = tc.spread
			got := podSpecOf(t, app).Spec.TopologySpreadConstraints
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("topologySpreadConstraints mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAntiAffinity(t *testing.T) {
	term := corev1.PodAffinityTerm{LabelSelector: webSelector, TopologyKey: hostKey}
	tests := []struct {
		name         string
		antiAffinity string
		want         *corev1.Affinity
	}{
		{name: "none", antiAffinity: "none"},
		{
			name:         "required",
			antiAffinity: "required",
			want: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term},
			}},
		},
		{
			name:         "preferred",
			antiAffinity: "preferred",
			want: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}},
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment)
			app.AntiAffinity = tc.antiAffinity
			if diff := cmp.Diff(tc.want, podSpecOf(t, app).Spec.Affinity); diff != "" {
				t.Errorf("affinity mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
