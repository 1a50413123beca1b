package object_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/object"
)

func ptr[T any](v T) *T { return &v }

var labels = map[string]string{"app.kubernetes.io/name": "web"}

// wantLabels is labels in the unstructured form.
var wantLabels = map[string]any{"app.kubernetes.io/name": "web"}

func TestFromTyped(t *testing.T) {
	tests := []struct {
		name  string
		typed any
		want  map[string]any
	}{
		{
			name: "Deployment",
			typed: &appsv1.Deployment{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: labels},
				Spec: appsv1.DeploymentSpec{
					Replicas: ptr(int32(3)),
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec: corev1.PodSpec{
							Containers: []corev1.Container{{
								Name:  "web",
								Image: "web:1.0.0",
								Resources: corev1.ResourceRequirements{
									Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
								},
							}},
						},
					},
				},
			},
			want: map[string]any{
				"apiVersion": "apps/v1",
				"kind":       "Deployment",
				"metadata":   map[string]any{"name": "web", "namespace": "shop", "labels": wantLabels},
				"spec": map[string]any{
					"replicas": json.Number("3"),
					"selector": map[string]any{"matchLabels": wantLabels},
					"strategy": map[string]any{},
					"template": map[string]any{
						"metadata": map[string]any{"labels": wantLabels},
						"spec": map[string]any{
							"containers": []any{map[string]any{
								"name":      "web",
								"image":     "web:1.0.0",
								"resources": map[string]any{"requests": map[string]any{"cpu": "500m"}},
							}},
						},
					},
				},
			},
		},
		{
			name: "StatefulSet: empty template metadata and volumeClaimTemplates",
			typed: &appsv1.StatefulSet{
				TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
				ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop"},
				Spec: appsv1.StatefulSetSpec{
					ServiceName: "db",
					Selector:    &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "mongo:7"}}},
					},
					VolumeClaimTemplates: []corev1.PersistentVolumeClaim{
						{
							ObjectMeta: metav1.ObjectMeta{Name: "data"},
							Spec: corev1.PersistentVolumeClaimSpec{
								AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
								Resources: corev1.VolumeResourceRequirements{
									Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")},
								},
							},
						},
						{ObjectMeta: metav1.ObjectMeta{Name: "logs"}},
					},
				},
			},
			want: map[string]any{
				"apiVersion": "apps/v1",
				"kind":       "StatefulSet",
				"metadata":   map[string]any{"name": "db", "namespace": "shop"},
				"spec": map[string]any{
					"selector":       map[string]any{"matchLabels": wantLabels},
					"serviceName":    "db",
					"updateStrategy": map[string]any{},
					"template": map[string]any{
						"spec": map[string]any{
							"containers": []any{map[string]any{"name": "db", "image": "mongo:7", "resources": map[string]any{}}},
						},
					},
					"volumeClaimTemplates": []any{
						map[string]any{
							"metadata": map[string]any{"name": "data"},
							"spec": map[string]any{
								"accessModes": []any{"ReadWriteOnce"},
								"resources":   map[string]any{"requests": map[string]any{"storage": "5Gi"}},
							},
						},
						map[string]any{
							"metadata": map[string]any{"name": "logs"},
							"spec":     map[string]any{"resources": map[string]any{}},
						},
					},
				},
				// The top-level status goes whatever it holds:
				// StatefulSetStatus marshals two counters without omitempty.
			},
		},
		{
			name: "Service",
			typed: &corev1.Service{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
				Spec: corev1.ServiceSpec{
					Selector: labels,
					Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
				},
			},
			want: map[string]any{
				"apiVersion": "v1",
				"kind":       "Service",
				"metadata":   map[string]any{"name": "web", "namespace": "shop"},
				"spec": map[string]any{
					"selector": wantLabels,
					"ports":    []any{map[string]any{"name": "http", "port": json.Number("80"), "targetPort": "http"}},
				},
			},
		},
		{
			name: "Job: int64 numbers stay exact",
			typed: &batchv1.Job{
				TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
				ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: "shop"},
				Spec: batchv1.JobSpec{
					ActiveDeadlineSeconds: ptr(int64(math.MaxInt64)),
					BackoffLimit:          ptr(int32(0)),
					Template: corev1.PodTemplateSpec{
						Spec: corev1.PodSpec{
							TerminationGracePeriodSeconds: ptr(int64(math.MinInt64)),
							RestartPolicy:                 corev1.RestartPolicyNever,
						},
					},
				},
			},
			want: map[string]any{
				"apiVersion": "batch/v1",
				"kind":       "Job",
				"metadata":   map[string]any{"name": "migrate", "namespace": "shop"},
				"spec": map[string]any{
					"activeDeadlineSeconds": json.Number("9223372036854775807"),
					"backoffLimit":          json.Number("0"),
					"template": map[string]any{
						"spec": map[string]any{
							"containers":                    nil,
							"restartPolicy":                 "Never",
							"terminationGracePeriodSeconds": json.Number("-9223372036854775808"),
						},
					},
				},
			},
		},
		{
			name: "Namespace: cluster-scoped, value rather than pointer",
			typed: corev1.Namespace{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: "shop"},
			},
			want: map[string]any{
				"apiVersion": "v1",
				"kind":       "Namespace",
				"metadata":   map[string]any{"name": "shop"},
				"spec":       map[string]any{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := object.FromTyped("web", tt.typed)
			if err != nil {
				t.Fatalf("FromTyped(web, %T) = %v", tt.typed, err)
			}
			if got.App != "web" {
				t.Errorf("FromTyped(web, %T).App = %q, want web", tt.typed, got.App)
			}
			if diff := cmp.Diff(tt.want, got.Content); diff != "" {
				t.Errorf("FromTyped(web, %T) mismatch (-want +got):\n%s", tt.typed, diff)
			}
		})
	}
}

// TestFromTypedCreationTimestamp: k8s.io/apimachinery before v0.35 marshalled
// a zero ObjectMeta.CreationTimestamp as null, at every ObjectMeta; the
// inputs are that JSON, which FromTyped marshals unchanged.
func TestFromTypedCreationTimestamp(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{
			name: "Deployment",
			in: `{"kind":"Deployment","apiVersion":"apps/v1",
				"metadata":{"name":"web","namespace":"shop","creationTimestamp":null},
				"spec":{"replicas":3,
					"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[]}},
					"strategy":{}},
				"status":{}}`,
			want: map[string]any{
				"apiVersion": "apps/v1",
				"kind":       "Deployment",
				"metadata":   map[string]any{"name": "web", "namespace": "shop"},
				"spec": map[string]any{
					"replicas": json.Number("3"),
					"template": map[string]any{
						"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
						"spec":     map[string]any{"containers": []any{}},
					},
					"strategy": map[string]any{},
				},
			},
		},
		{
			name: "StatefulSet",
			in: `{"kind":"StatefulSet","apiVersion":"apps/v1",
				"metadata":{"name":"db","namespace":"shop","creationTimestamp":null},
				"spec":{"replicas":1,
					"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[]}},
					"volumeClaimTemplates":[
						{"metadata":{"name":"data","creationTimestamp":null},"spec":{"resources":{"requests":{"storage":"5Gi"}}},"status":{}},
						{"metadata":{"creationTimestamp":null},"status":{}}
					]},
				"status":{"replicas":0}}`,
			want: map[string]any{
				"apiVersion": "apps/v1",
				"kind":       "StatefulSet",
				"metadata":   map[string]any{"name": "db", "namespace": "shop"},
				"spec": map[string]any{
					"replicas": json.Number("1"),
					"template": map[string]any{"spec": map[string]any{"containers": []any{}}},
					"volumeClaimTemplates": []any{
						map[string]any{
							"metadata": map[string]any{"name": "data"},
							"spec":     map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "5Gi"}}},
						},
						map[string]any{},
					},
				},
			},
		},
		{
			name: "Service",
			in: `{"kind":"Service","apiVersion":"v1",
				"metadata":{"name":"web","namespace":"shop","creationTimestamp":null},
				"spec":{"ports":[{"port":80}]},
				"status":{"loadBalancer":{"status":{}}}}`,
			want: map[string]any{
				"apiVersion": "v1",
				"kind":       "Service",
				"metadata":   map[string]any{"name": "web", "namespace": "shop"},
				"spec":       map[string]any{"ports": []any{map[string]any{"port": json.Number("80")}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := object.FromTyped("web", json.RawMessage(tt.in))
			if err != nil {
				t.Fatalf("FromTyped(web, %s) = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got.Content); diff != "" {
				t.Errorf("FromTyped(web, %s) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestFromTypedErrors(t *testing.T) {
	tests := []struct {
		name  string
		typed any
		want  string
	}{
		{
			name:  "no TypeMeta",
			typed: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}},
			want:  "*v1.Deployment has no apiVersion or kind",
		},
		{
			name:  "no kind",
			typed: &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1"}},
			want:  "*v1.Service has no apiVersion or kind",
		},
		{
			name:  "no apiVersion",
			typed: map[string]any{"kind": "Service"},
			want:  "map[string]interface {} has no apiVersion or kind",
		},
		{
			name:  "nil",
			typed: nil,
			want:  "decoding <nil>: not a JSON object",
		},
		{
			name:  "not an object",
			typed: []string{"apiVersion", "kind"},
			want:  "decoding []string: not a JSON object",
		},
		{
			name:  "not encodable",
			typed: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": make(chan int)},
			want:  "encoding map[string]interface {}: json: unsupported type: chan int",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := object.FromTyped("web", tt.typed)
			if err == nil {
				t.Fatalf("FromTyped(web, %T) = %v, nil, want error %q", tt.typed, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("FromTyped(web, %T) = %q, want %q", tt.typed, err, tt.want)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{
			name: "non-empty status is kept",
			in:   `{"kind": "Namespace", "status": {"phase": "Active"}}`,
			want: map[string]any{"kind": "Namespace", "status": map[string]any{"phase": "Active"}},
		},
		{
			name: "status that is not a map is kept",
			in:   `{"status": "ok", "conditions": [{"status": "True"}]}`,
			want: map[string]any{"status": "ok", "conditions": []any{map[string]any{"status": "True"}}},
		},
		{
			name: "status holding only empty statuses is removed",
			in:   `{"kind": "X", "status": {"status": {}}}`,
			want: map[string]any{"kind": "X"},
		},
		{
			name: "empty status at any depth is removed",
			in:   `{"spec": {"a": {"status": {}, "b": [{"status": {}, "c": 1}]}}}`,
			want: map[string]any{"spec": map[string]any{"a": map[string]any{"b": []any{map[string]any{"c": json.Number("1")}}}}},
		},
		{
			name: "creationTimestamp with a value is kept",
			in:   `{"metadata": {"name": "a", "creationTimestamp": "2024-01-01T00:00:00Z"}}`,
			want: map[string]any{"metadata": map[string]any{"name": "a", "creationTimestamp": "2024-01-01T00:00:00Z"}},
		},
		{
			name: "metadata left empty is removed",
			in:   `{"kind": "X", "metadata": {"creationTimestamp": null}, "items": [{"metadata": {}}]}`,
			want: map[string]any{"kind": "X", "items": []any{map[string]any{}}},
		},
		{
			name: "other empty maps and nulls are kept",
			in:   `{"spec": {}, "data": null, "metadata": {"name": "a", "labels": {}, "deletionTimestamp": null}}`,
			want: map[string]any{"spec": map[string]any{}, "data": nil, "metadata": map[string]any{"name": "a", "labels": map[string]any{}, "deletionTimestamp": nil}},
		},
		{
			name: "numbers keep their text",
			in:   `{"a": 3, "b": 3.0, "c": 1e3, "d": 9223372036854775807, "e": 0.1, "f": [-1]}`,
			want: map[string]any{
				"a": json.Number("3"),
				"b": json.Number("3.0"),
				"c": json.Number("1e3"),
				"d": json.Number("9223372036854775807"),
				"e": json.Number("0.1"),
				"f": []any{json.Number("-1")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := object.Decode([]byte(tt.in))
			if err != nil {
				t.Fatalf("Decode(%s) = %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `{`, `[1]`, `"a"`, `{"a": }`} {
		if got, err := object.Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) = %v, nil, want an error", in, got)
		}
	}
}

func TestAccessors(t *testing.T) {
	type accessors struct {
		APIVersion, Kind, Name, Namespace, ID string
	}
	tests := []struct {
		name    string
		content map[string]any
		want    accessors
	}{
		{
			name: "namespaced",
			content: map[string]any{
				"apiVersion": "apps/v1",
				"kind":       "Deployment",
				"metadata":   map[string]any{"name": "web", "namespace": "shop"},
			},
			want: accessors{"apps/v1", "Deployment", "web", "shop", "Deployment/shop/web"},
		},
		{
			name: "cluster-scoped",
			content: map[string]any{
				"apiVersion": "v1",
				"kind":       "Namespace",
				"metadata":   map[string]any{"name": "shop"},
			},
			want: accessors{"v1", "Namespace", "shop", "", "Namespace/shop"},
		},
		{
			name: "empty namespace is cluster-scoped",
			content: map[string]any{
				"apiVersion": "rbac.authorization.k8s.io/v1",
				"kind":       "ClusterRole",
				"metadata":   map[string]any{"name": "reader", "namespace": ""},
			},
			want: accessors{"rbac.authorization.k8s.io/v1", "ClusterRole", "reader", "", "ClusterRole/reader"},
		},
		{
			name:    "no metadata",
			content: map[string]any{"apiVersion": "v1", "kind": "List"},
			want:    accessors{"v1", "List", "", "", "List/"},
		},
		{
			name: "fields of the wrong type",
			content: map[string]any{
				"apiVersion": json.Number("1"),
				"kind":       nil,
				"metadata":   []any{"name"},
			},
			want: accessors{ID: "/"},
		},
		{
			name:    "nil content",
			content: nil,
			want:    accessors{ID: "/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := object.Object{App: "web", Content: tt.content}
			got := accessors{o.APIVersion(), o.Kind(), o.Name(), o.Namespace(), o.ID()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Object%v accessors mismatch (-want +got):\n%s", tt.content, diff)
			}
		})
	}
}

// TestAccessorsFromTyped reads the accessors of converted objects, whose
// metadata went through Decode.
func TestAccessorsFromTyped(t *testing.T) {
	tests := []struct {
		typed  any
		wantID string
	}{
		{&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: metav1.ObjectMeta{Name: "web-env", Namespace: "shop"}}, "ConfigMap/shop/web-env"},
		{&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, "Namespace/shop"},
	}
	for _, tt := range tests {
		o, err := object.FromTyped("", tt.typed)
		if err != nil {
			t.Fatalf("FromTyped(\"\", %T) = %v", tt.typed, err)
		}
		if got := o.ID(); got != tt.wantID {
			t.Errorf("FromTyped(\"\", %T).ID() = %q, want %q", tt.typed, got, tt.wantID)
		}
	}
}
