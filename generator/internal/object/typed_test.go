package object_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// viaJSON is what FromTyped must equal: json.Marshal, then Decode.
func viaJSON(app string, typed any) (object.Object, error) {
	b, err := json.Marshal(typed)
	if err != nil {
		return object.Object{}, err
	}
	m, err := object.Decode(b)
	if err != nil {
		return object.Object{}, err
	}
	delete(m, "status")
	return object.Object{App: app, Content: m}, nil
}

// Local types in the shape of the CRDs gen renders, with what encoding/json
// treats specially: embedded structs, a nil embedded pointer, a shadowed
// field, "-", unexported fields, non-string map keys, []byte, floats.
type (
	inner struct {
		Shadowed string `json:"shadowed"`
		Promoted string `json:"promoted,omitempty"`
	}
	Extra struct {
		Note string `json:"note"`
	}
	custom struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
		inner
		*Extra
		Shadowed string            `json:"shadowed"`
		Skipped  string            `json:"-"`
		hidden   string            //nolint:unused // unexported: never encoded
		Untagged int16             // named by its Go name
		Ratio    float64           `json:"ratio"`
		Tiny     float32           `json:"tiny,omitempty"`
		Big      float64           `json:"big"`
		Blob     []byte            `json:"blob"`
		NoBlob   []byte            `json:"noBlob"`
		ByPort   map[int]string    `json:"byPort"`
		Any      map[string]any    `json:"any"`
		Number   json.Number       `json:"number"`
		Empty    map[string]string `json:"empty"`
		Nil      map[string]string `json:"nil"`
		Duration metav1.Duration   `json:"duration"`
		Size     *resource.Quantity
		Port     *intstr.IntOrString `json:"port,omitempty"`
		When     *metav1.Time        `json:"when"`
		Array    [2]uint8            `json:"array"`
		Iface    fmt.Stringer        `json:"iface"`
		Bad      string              `json:"bad"`
	}
)

func TestFromTypedAsJSON(t *testing.T) {
	replicas := int32(3)
	size := resource.MustParse("1.5Gi")
	port := intstr.FromString("http")
	deployment := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "web",
						Image: "web@sha256:0",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: size},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: port}}},
						Args:           []string{},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
	when := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tests := []struct {
		name  string
		typed any
	}{
		{"Deployment", deployment},
		{"Deployment value", *deployment},
		{"Secret", &corev1.Secret{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			Data:     map[string][]byte{"key": []byte("value\x00\xff"), "empty": {}, "nil": nil},
		}},
		{"NetworkPolicy", &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			Spec:     networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Ingress"}, Ingress: []networkingv1.NetworkPolicyIngressRule{}},
		}},
		{"custom", &custom{
			TypeMeta: metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Custom"},
			inner:    inner{Shadowed: "inner", Promoted: "up"},
			Shadowed: "outer", Skipped: "no", hidden: "no", Untagged: -7,
			Ratio: 0.1, Tiny: 1e-7, Big: 1e21,
			Blob:   []byte("hello"),
			ByPort: map[int]string{80: "http"},
			Any: map[string]any{
				"int": 3, "float": 2.5, "whole": 2.0, "uint": uint8(9), "nil": nil, "list": []any{1, "a", true},
				"nested": map[string]any{"creationTimestamp": nil, "status": map[string]any{}},
			},
			Number:   "12.50",
			Empty:    map[string]string{},
			Duration: metav1.Duration{Duration: 90 * time.Second},
			Size:     &size,
			When:     &when,
			Array:    [2]uint8{1, 2},
			Iface:    &size,
			Bad:      "caf\xe9 \xff\xfe",
		}},
		{"custom with extra", &custom{
			TypeMeta: metav1.TypeMeta{APIVersion: "example.com/v1", Kind: "Custom"},
			Extra:    &Extra{Note: "promoted through a pointer"},
			Port:     &port,
		}},
		{"map", map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]string{"a": "<&>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := viaJSON("web", tt.typed)
			if err != nil {
				t.Fatal(err)
			}
			got, err := object.FromTyped("web", tt.typed)
			if err != nil {
				t.Fatalf("FromTyped(web, %T) = %v", tt.typed, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("FromTyped(web, %T) differs from json.Marshal and Decode (-want +got):\n%s", tt.typed, diff)
			}
		})
	}
}

// BenchmarkFromTyped converts a Deployment of a typical app.
func BenchmarkFromTyped(b *testing.B) {
	replicas := int32(3)
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web", "team": "shop"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					ServiceAccountName: "web",
					Containers: []corev1.Container{{
						Name:  "web",
						Image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:0123456789abcdef",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
					}},
				},
			},
		},
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := object.FromTyped("web", d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := viaJSON("web", d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
