package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yamlv3 "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// scalarTests are strings that are easy to get wrong, with the YAML that
// Encode writes for them as the value of key "k".
var scalarTests = []struct {
	name, in, want string
}{
	{"yaml 1.1 bool yes", "yes", `"yes"`},
	{"yaml 1.1 bool y", "y", `"y"`},
	{"yaml 1.1 bool n", "n", `"n"`},
	{"yaml 1.1 bool on", "on", `"on"`},
	{"yaml 1.1 bool Off", "Off", `"Off"`},
	{"bool true", "true", `"true"`},
	{"null", "null", `"null"`},
	{"tilde", "~", `"~"`},
	{"empty", "", `""`},
	{"octal 1.1", "0755", `"0755"`},
	{"octal 1.2", "0o17", `"0o17"`},
	{"hex", "0x10", `"0x10"`},
	{"exponent", "1e3", `"1e3"`},
	{"float", "1.5", `"1.5"`},
	{"leading dot float", ".5", `".5"`},
	{"plus int", "+1", `"+1"`},
	{"underscore int", "1_000", `"1_000"`},
	{"sexagesimal", "1:30", `"1:30"`},
	{"infinity", ".inf", `".inf"`},
	{"not a number", ".NaN", `".NaN"`},
	{"date", "2024-01-01", `"2024-01-01"`},
	{"yaml 1.1 timestamp", "2001-12-14 21:59:43.10 -5", `"2001-12-14 21:59:43.10 -5"`},
	{"merge key", "<<", `"<<"`},
	{"value key", "=", `"="`},
	{"dash", "-", `'-'`},
	{"dash item", "- a", `'- a'`},
	{"mapping", "a: b", `'a: b'`},
	{"trailing colon", "key:", `'key:'`},
	{"comment", "#x", `'#x'`},
	{"inner comment", "x #y", `'x #y'`},
	{"leading space", " lead", `' lead'`},
	{"trailing space", "trail ", `'trail '`},
	{"at sign", "@at", `'@at'`},
	{"backtick", "`tick", "'`tick'"},
	{"percent", "%x", `'%x'`},
	{"question", "? x", `'? x'`},
	{"document start", "---", `'---'`},
	{"document end", "...x", `'...x'`},
	{"quotes", "'q'", `'''q'''`},
	{"apostrophe in quoted", "it's: x", `'it''s: x'`},
	{"tab", "\ttab", `"\ttab"`},
	{"nul", "\x00", `"\0"`},
	{"carriage return", "a\r\nb", `"a\r\nb"`},
	{"line separator", "a\u2028b", `"a\Lb"`},
	{"byte order mark", "\ufeffx", `"\uFEFFx"`},
	{"emoji", "🚀 go", `"\U0001F680 go"`},
	{"invalid utf-8", "a\xffb", "a\uFFFDb"},
	{"unicode", "héllo wörld 日本", "héllo wörld 日本"},
	{"version", "1.2.3", "1.2.3"},
	{"ip", "10.0.0.1", "10.0.0.1"},
	{"quantity", "100m", "100m"},
	{"percentage", "25%", "25%"},
	{"image", "nginx:1.25@sha256:abc", "nginx:1.25@sha256:abc"},
	{"url", "http://x/y?z=1#f", "http://x/y?z=1#f"},
	{"inner colon", "a:b", "a:b"},
	{"leading question", "?x", "?x"},
	{"apostrophe", "a'b", "a'b"},
	{"multi-line", "multi\nline\n", "|\n  multi\n  line"},
	{"multi-line no final newline", "multi\nline", "|-\n  multi\n  line"},
	{"multi-line leading space", "  two\nlines\n", "|2\n    two\n  lines"},
	{"multi-line leading newline", "\nx", "|2-\n\n  x"},
	{"multi-line blank lines", "a\n\n\nb\n", "|\n  a\n\n\n  b"},
	{"multi-line trailing space", "a \nb", `"a \nb"`},
	{"multi-line tab", "a\n\tb", `"a\n\tb"`},
	{"multi-line keep at end", "x\n\n", `"x\n\n"`},
	{"newline only", "\n", `"\n"`},
	{"long", strings.Repeat("word ", 20) + "end",
		"word word word word word word word word word word word word word word word word\n  word word word word end"},
	{"long single quoted", "- " + strings.Repeat("word ", 20) + "end",
		"'- word word word word word word word word word word word word word word word word\n  word word word word end'"},
	{"long double quoted", "\t" + strings.Repeat("word ", 16) + " end",
		"\"\\tword word word word word word word word word word word word word word word word\n  \\ end\""},
}

func TestEncodeScalars(t *testing.T) {
	for _, tt := range scalarTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(map[string]any{"k": tt.in})
			if err != nil {
				t.Fatalf("Encode(%q) error: %v", tt.in, err)
			}
			if want := "k: " + tt.want + "\n"; string(got) != want {
				t.Errorf("Encode(%q) =\n%s\nwant\n%s", tt.in, got, want)
			}
			checkRoundTrip(t, map[string]any{"k": tt.in})
			// Not the last value in the document, and as a key and list item.
			checkRoundTrip(t, map[string]any{"k": tt.in, "z": ""})
			checkRoundTrip(t, map[string]any{tt.in: []any{tt.in, map[string]any{tt.in: tt.in}}})
		})
	}
}

func TestEncodeLayout(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{
			name: "empty",
			in:   map[string]any{},
			want: "{}\n",
		},
		{
			name: "keys in byte order",
			in:   map[string]any{"b": "1x", "B": true, "a10": nil, "a9": json.Number("9"), "a_b": false},
			want: "B: true\na10: null\na9: 9\na_b: false\nb: 1x\n",
		},
		{
			name: "nesting",
			in: map[string]any{
				"list":  []any{"a", map[string]any{"x": "1x", "y": []any{"b"}}, []any{"c", []any{}}, map[string]any{}},
				"map":   map[string]any{"inner": map[string]any{"k": "v"}, "empty": map[string]any{}, "none": []any{}},
				"quote": map[string]any{"yes": "no"},
			},
			want: `list:
- a
- x: 1x
  "y":
  - b
- - c
  - []
- {}
map:
  empty: {}
  inner:
    k: v
  none: []
quote:
  "yes": "no"
`,
		},
		{
			name: "literal in lists",
			in:   map[string]any{"l": []any{"a\nb\n", []any{" c\n"}}},
			want: "l:\n- |\n  a\n  b\n- - |2\n     c\n",
		},
		{
			name: "long key",
			in:   map[string]any{strings.Repeat("k", 129): map[string]any{"a": []any{"b"}}},
			want: "? " + strings.Repeat("k", 129) + "\n: a:\n  - b\n",
		},
		{
			name: "multi-line key",
			in:   map[string]any{"a\nb": []any{"c"}},
			want: "? |-\n  a\n  b\n: - c\n",
		},
		{
			name: "other go types",
			in:   map[string]any{"i": 3, "f": 1.5, "s": []string{"x"}, "m": map[string]int{"a": 1}},
			want: "f: 1.5\ni: 3\nm:\n  a: 1\ns:\n- x\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.in)
			if err != nil {
				t.Fatalf("Encode() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Encode() mismatch (-want +got):\n%s", diff)
			}
			checkRoundTrip(t, tt.in)
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
	}{
		{"invalid number", map[string]any{"n": json.Number("1x")}},
		{"empty number", map[string]any{"n": []any{json.Number("")}}},
		{"unencodable", map[string]any{"c": make(chan int)}},
		{"nan", map[string]any{"f": map[string]any{"x": []any{0.0 / zero}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Encode(tt.in); err == nil {
				t.Errorf("Encode(%v) = %q, want error", tt.in, got)
			}
		})
	}
}

var zero float64

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "12", "1.5", "-1.5e10", "1E+2", "0.0e-0"} {
		if !validNumber(s) {
			t.Errorf("validNumber(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x1", "1.5.5", "NaN", " 1"} {
		if validNumber(s) {
			t.Errorf("validNumber(%q) = true, want false", s)
		}
	}
}

// TestEncodeMatchesSigsYAML holds Encode to its promise of being
// byte-identical to sigs.k8s.io/yaml.Marshal for ordinary objects.
func TestEncodeMatchesSigsYAML(t *testing.T) {
	tests := []struct {
		name string
		obj  any
	}{
		{"deployment", deployment()},
		{"configmap", configMap()},
		{"service", &corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": "web"},
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := object.FromTyped("web", tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Encode(o.Content)
			if err != nil {
				t.Fatalf("Encode() error: %v", err)
			}
			want, err := yaml.Marshal(o.Content)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("Encode() differs from sigs.k8s.io/yaml.Marshal (-want +got):\n%s", diff)
			}
			// Typed objects carry "creationTimestamp: null" and an empty
			// status, which object.FromTyped strips. (A Service keeps
			// "status: {loadBalancer: {}}", which is not empty.)
			if bytes.Contains(got, []byte("creationTimestamp")) {
				t.Errorf("Encode() output contains creationTimestamp:\n%s", got)
			}
			if tt.name == "deployment" && bytes.Contains(got, []byte("status:")) {
				t.Errorf("Encode() output contains status:\n%s", got)
			}
			checkRoundTrip(t, o.Content)
		})
	}
}

// deployment is a realistic Deployment: probes, resources, env, volumes,
// affinity, a long command and long annotations that fold.
func deployment() *appsv1.Deployment {
	replicas := int32(3)
	nonRoot := true
	labels := map[string]string{
		"app.kubernetes.io/name":       "web",
		"app.kubernetes.io/part-of":    "shop",
		"app.kubernetes.io/version":    "1.4.2",
		"app.kubernetes.io/managed-by": "gen",
	}
	maxSurge, maxUnavailable := intstr.FromString("25%"), intstr.FromInt32(0)
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      "web",
			Namespace: "shop",
			Labels:    labels,
			Annotations: map[string]string{
				"description":                   "The storefront web tier: serves the catalogue, the basket and the checkout pages for every region we sell in.",
				"gen.example.com/source":        "environments/prod/apps.cue:12:3",
				"prometheus.io/scrape":          "true",
				"prometheus.io/port":            "9090",
				"reloader.stakater.com/match":   "yes",
				"kubernetes.io/change-cause":    "image: web:1.4.2 # bump",
				"example.com/with-quote-prefix": "'quoted' start",
			},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "web"}},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &maxSurge, MaxUnavailable: &maxUnavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: "web",
					NodeSelector:       map[string]string{"kubernetes.io/arch": "arm64"},
					SecurityContext:    &corev1.PodSecurityContext{RunAsNonRoot: &nonRoot},
					Containers: []corev1.Container{{
						Name:    "web",
						Image:   "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2@sha256:0d3e7f8a5b1c2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
						Command: []string{"/bin/sh", "-c"},
						Args:    []string{"exec /app/web --listen=:8080 --metrics-listen=:9090 --catalogue-url=http://catalogue.shop.svc.cluster.local:8080 --log-format=json"},
						Ports: []corev1.ContainerPort{
							{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
						},
						Env: []corev1.EnvVar{
							{Name: "LOG_LEVEL", Value: "info"},
							{Name: "FEATURE_CHECKOUT_V2", Value: "true"},
							{Name: "PORT", Value: "8080"},
							{Name: "GREETING", Value: "Hello: world"},
							{Name: "EMPTY", Value: ""},
							{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
							{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
								LocalObjectReference: corev1.LocalObjectReference{Name: "web-db"}, Key: "password",
							}}},
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
						},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
							PeriodSeconds: 5,
						},
						LivenessProbe: &corev1.Probe{
							ProbeHandler:        corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}},
							InitialDelaySeconds: 10,
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "config", MountPath: "/etc/web", ReadOnly: true},
							{Name: "tmp", MountPath: "/tmp"},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"},
						}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
					Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule}},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew:           1,
						TopologyKey:       "topology.kubernetes.io/zone",
						WhenUnsatisfiable: corev1.DoNotSchedule,
						LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "web"}},
					}},
				},
			},
		},
	}
}

// configMap carries files, which become literal blocks.
func configMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-config", Namespace: "shop"},
		Data: map[string]string{
			"nginx.conf": "server {\n  listen 8080;\n\n  location / {\n    root /srv; # static\n  }\n}\n",
			"motd":       "  indented first line\nsecond line",
			"app.json":   `{"listen": ":8080", "debug": false}`,
			"empty":      "",
			"port":       "8080",
			"keep.txt":   "two trailing newlines\n\n",
			"z":          "last",
		},
	}
}

// checkRoundTrip parses Encode(v) with sigs.k8s.io/yaml (YAML 1.1, as
// kubectl and Argo CD read it) and yaml.v3 (YAML 1.2) and requires both to
// give back what json.Marshal(v) means.
func checkRoundTrip(t *testing.T, v map[string]any) {
	t.Helper()
	out, err := Encode(v)
	if err != nil {
		t.Fatalf("Encode(%#v) error: %v", v, err)
	}
	checkHygiene(t, out)
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%#v) error: %v", v, err)
	}
	want := decodeJSON(t, j)

	y, err := yaml.YAMLToJSON(out)
	if err != nil {
		t.Fatalf("yaml.YAMLToJSON(Encode(%#v)) error: %v\n%s", v, err, out)
	}
	if diff := cmp.Diff(want, decodeJSON(t, y)); diff != "" {
		t.Errorf("sigs.k8s.io/yaml reads Encode(%#v) differently (-want +got):\n%s\noutput:\n%s", v, diff, out)
	}

	var v3 any
	if err := yamlv3.Unmarshal(out, &v3); err != nil {
		t.Fatalf("yaml.v3 Unmarshal(Encode(%#v)) error: %v\n%s", v, err, out)
	}
	j3, err := json.Marshal(v3)
	if err != nil {
		t.Fatalf("json.Marshal(yaml.v3 value %#v) error: %v", v3, err)
	}
	if diff := cmp.Diff(want, decodeJSON(t, j3)); diff != "" {
		t.Errorf("yaml.v3 reads Encode(%#v) differently (-want +got):\n%s\noutput:\n%s", v, diff, out)
	}
}

// checkHygiene requires what editors, linters and pre-commit hooks want
// of a committed file: one final newline and no blank line at the end, no
// trailing whitespace, no tabs, carriage returns or other control
// characters.
func checkHygiene(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\n")) || bytes.HasSuffix(out, []byte("\n\n")) {
		t.Errorf("output does not end in exactly one newline:\n%q", out)
	}
	for i, line := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("output line %d has trailing space: %q", i+1, line)
		}
		if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Errorf("output line %d has control characters: %q", i+1, line)
		}
	}
}

// decodeJSON decodes b with numbers as float64, so that 1.0 and 1 compare
// equal (yaml.v2 reads both as the same number).
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("json.Unmarshal(%s) error: %v", b, err)
	}
	return v
}

func deploymentContent(b testing.TB) map[string]any {
	o, err := object.FromTyped("web", deployment())
	if err != nil {
		b.Fatal(err)
	}
	return o.Content
}

func BenchmarkEncode(b *testing.B) {
	v := deploymentContent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSigsYAML(b *testing.B) {
	v := deploymentContent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := yaml.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSON(b *testing.B) {
	v := deploymentContent(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFiles encodes 1,000 Deployments into their files.
func BenchmarkFiles(b *testing.B) {
	objs := make([]object.Object, 1000)
	for i := range objs {
		v := deploymentContent(b)
		v["metadata"].(map[string]any)["name"] = fmt.Sprintf("web-%04d", i)
		objs[i] = object.Object{App: fmt.Sprintf("web-%04d", i), Content: v}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Files(objs); err != nil {
			b.Fatal(err)
		}
	}
}
