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
	app := newApp(t, "web", model.Deployment, `
command: ["/web"]
args: ["--verbose"]
ports: {
	metrics: port: 9090
	dns: {port: 5353, protocol: "UDP"}
	http: port: 8080
}
env: {
	Z_LAST: "z"
	DB_PASS: {secret: "db", key: "password"}
	A_FIRST: "a"
	EMPTY: ""
	API_KEYS: {secret: "api", key: "keys"}
}
resources: {
	requests: cpu:  "0.25"
	limits: memory: "1.5Gi"
}`)
	app.Image = model.Image{Repository: "ecr/web", Tag: "1.2", Digest: "sha256:" + sha64, PullPolicy: "Always"}
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
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:              resource.MustParse("250m"),
				corev1.ResourceEphemeralStorage: resource.MustParse("256Mi"),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceMemory:           resource.MustParse("1536Mi"),
				corev1.ResourceEphemeralStorage: resource.MustParse("1Gi"),
			},
		},
		VolumeMounts:    []corev1.VolumeMount{tmpMount},
		SecurityContext: restrictedContainer(true),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containers mismatch (-want +got):\n%s", diff)
	}
}

// tmpMount and tmpVol are the /tmp emptyDir of a read-only root
// filesystem, sized as the schema's default ephemeral-storage limit.
var (
	tmpMount = corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"}
	tmpVol   = corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: new(resource.MustParse("1Gi"))}}}
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
		probe string // a #Probe
		want  *corev1.Probe
	}{
		{
			name:  "http",
			probe: `{port: "http", path: "/healthz", initialDelaySeconds: 5, timeoutSeconds: 2}`,
			want: &corev1.Probe{
				ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
				InitialDelaySeconds: 5, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3,
			},
		},
		{
			name:  "grpc uses the port number",
			probe: `{port: "grpc", grpc: true}`,
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 4000}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3,
			},
		},
		{
			name:  "tcp",
			probe: `{port: "grpc"}`,
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("grpc")}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3,
			},
		},
		{
			name:  "success threshold when set",
			probe: `{port: "http", path: "/ready", successThreshold: 2}`,
			want: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}},
				PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 2,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newApp(t, "web", model.Deployment,
				"ports: {http: port: 8080, grpc: port: 4000}",
				"probes: {liveness: "+tc.probe+", readiness: "+tc.probe+", startup: "+tc.probe+"}")
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
		config      string // a #Config
		wantEnvFrom []corev1.EnvFromSource
		wantMounts  []corev1.VolumeMount
		wantVolumes []corev1.Volume
		wantMaps    []string
	}{
		{name: "no config", config: "{}", wantMounts: []corev1.VolumeMount{tmpMount}, wantVolumes: []corev1.Volume{tmpVol}},
		{
			name:   "env only",
			config: `env: MODE: "fast"`,
			wantEnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "web-env"},
			}}},
			wantMounts:  []corev1.VolumeMount{tmpMount},
			wantVolumes: []corev1.Volume{tmpVol},
			wantMaps:    []string{"ConfigMap/web-env"},
		},
		{
			name:       "files only",
			config:     `{files: "app.yaml": "a: 1\n", mountPath: "/etc/web"}`,
			wantMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/web", ReadOnly: true}, tmpMount},
			wantVolumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-files"}},
			}}, tmpVol},
			wantMaps: []string{"ConfigMap/web-files"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := buildApp(t, newApp(t, "web", model.Deployment, "config: "+tc.config))
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
	app := newApp(t, "web", model.Deployment, `config: {
	env: MODE: "fast"
	files: {"app.yaml": "a: 1\n", "log.yaml": "level: info\n"}
}`)
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
	// checksum returns the checksum of the app whose config is the CUE
	// fields src, besides the base's.
	checksum := func(t *testing.T, src string) string {
		t.Helper()
		app := newApp(t, "web", model.Deployment, "config: {"+src+"}")
		return podSpecOf(t, app).Annotations[checksumAnnotation]
	}
	const base = `env: MODE: "fast", files: "app.yaml": "a: 1\n"`
	want := checksum(t, base)
	if len(want) != 64 {
		t.Fatalf("checksum = %q, want 64 hex digits", want)
	}
	tests := []struct {
		name   string
		config string // the fields of a #Config
		same   bool
	}{
		{name: "same config", config: base, same: true},
		{name: "other mount path", config: base + `, mountPath: "/config"`, same: true},
		{name: "env value changed", config: `env: MODE: "slow", files: "app.yaml": "a: 1\n"`},
		{name: "env key added", config: base + `, env: X: ""`},
		{name: "file changed", config: `env: MODE: "fast", files: "app.yaml": "a: 2\n"`},
		{name: "file renamed", config: `env: MODE: "fast", files: "main.yaml": "a: 1\n"`},
		{name: "files dropped", config: `env: MODE: "fast"`},
		{name: "key moved from env to files", config: `files: {MODE: "fast", "app.yaml": "a: 1\n"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checksum(t, tc.config); (got == want) != tc.same {
				t.Errorf("checksum = %s, base checksum = %s, want same = %v", got, want, tc.same)
			}
		})
	}
	t.Run("missing and empty maps agree", func(t *testing.T) {
		env := map[string]string{"MODE": "fast"}
		if a, b := configChecksum(env, nil, nil), configChecksum(env, map[string]string{}, nil); a != b {
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

// TestEphemeralStorage checks the schema's ephemeral-storage request and
// limit, an app's own, and the /tmp emptyDir sized as the limit.
func TestEphemeralStorage(t *testing.T) {
	for _, tc := range []struct {
		name, src      string
		request, limit string
		wantSizeLimit  string // "" for no /tmp emptyDir
	}{
		{name: "defaults", request: "256Mi", limit: "1Gi", wantSizeLimit: "1Gi"},
		{
			name:    "the app's own",
			src:     `resources: {requests: "ephemeral-storage": "2Gi", limits: "ephemeral-storage": "4Gi"}`,
			request: "2Gi", limit: "4Gi", wantSizeLimit: "4Gi",
		},
		{
			name:    "writable root filesystem: no emptyDir",
			src:     `securityContext: readOnlyRootFilesystem: false`,
			request: "256Mi", limit: "1Gi",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := podSpecOfKind(t, newApp(t, "web", model.Deployment, tc.src))
			res := pod.Containers[0].Resources
			if got := res.Requests[corev1.ResourceEphemeralStorage]; got.Cmp(resource.MustParse(tc.request)) != 0 {
				t.Errorf("ephemeral-storage request = %s, want %s", got.String(), tc.request)
			}
			if got := res.Limits[corev1.ResourceEphemeralStorage]; got.Cmp(resource.MustParse(tc.limit)) != 0 {
				t.Errorf("ephemeral-storage limit = %s, want %s", got.String(), tc.limit)
			}
			var got string
			for _, v := range pod.Volumes {
				if v.Name == "tmp" && v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil {
					got = v.EmptyDir.SizeLimit.String()
				}
			}
			if got != tc.wantSizeLimit {
				t.Errorf("/tmp emptyDir sizeLimit = %q, want %q", got, tc.wantSizeLimit)
			}
		})
	}
}
