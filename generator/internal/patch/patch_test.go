package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// The fixtures are the objects of one app, "web", in namespace "shop".

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        "web",
			Namespace:   "shop",
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{"gen.example.com/enabled": "true", "gen.example.com/mode": "0755"},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "web",
						Image: "registry.example.com/web:1.0",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
						Env:   []corev1.EnvVar{{Name: "WORKERS", Value: "4"}},
					}},
					TerminationGracePeriodSeconds: new(int64(30)),
				},
			},
		},
	}
}

func service() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"}},
		Spec: corev1.ServiceSpec{
			Selector:                 map[string]string{"app": "web"},
			Ports:                    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
			PublishNotReadyAddresses: true,
		},
	}
}

func configMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-env", Namespace: "shop"},
		// Strings that YAML 1.1 or 1.2 would read as something else.
		Data: map[string]string{
			"DEBUG": "false", "PORT": "8080", "UMASK": "0022", "RATIO": "1.50", "NULL": "null",
			"ENABLED": "on", "Y": "y", "BIG": "1e3", "HEX": "0x1F", "EMPTY": "", "TILDE": "~",
			"MULTI": "line one\nline two\n",
		},
	}
}

func obj(t testing.TB, typed any) object.Object {
	t.Helper()
	o, err := object.FromTyped("web", typed)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func inputs(t testing.TB) []object.Object {
	return []object.Object{obj(t, deployment()), obj(t, service()), obj(t, configMap())}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		patches []model.Patch
		want    func(d *appsv1.Deployment, s *corev1.Service, c *corev1.ConfigMap)
	}{{
		name: "strategic merge adds a sidecar, merging containers by name",
		patches: []model.Patch{{Patch: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        env:
        - name: EXTRA
          value: "1"
      - name: log-shipper
        image: registry.example.com/shipper:2
        args: ["--port", "9000"]
        resources:
          requests: {cpu: 10m}
        volumeMounts:
        - name: logs
          mountPath: /var/log/web
      volumes:
      - name: logs
        emptyDir: {}
`}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, _ *corev1.ConfigMap) {
			pod := &d.Spec.Template.Spec
			// Listing the existing container first keeps it first; env
			// entries only the patch has go first (see the next case).
			pod.Containers[0].Env = []corev1.EnvVar{{Name: "EXTRA", Value: "1"}, {Name: "WORKERS", Value: "4"}}
			pod.Containers = append(pod.Containers, corev1.Container{
				Name:         "log-shipper",
				Image:        "registry.example.com/shipper:2",
				Args:         []string{"--port", "9000"},
				Resources:    corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
				VolumeMounts: []corev1.VolumeMount{{Name: "logs", MountPath: "/var/log/web"}},
			})
			pod.Volumes = []corev1.Volume{{Name: "logs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		},
	}, {
		// kustomize's strategic merge puts list elements that only the patch
		// has first: a sidecar patched in alone becomes the first container.
		// https://github.com/kubernetes-sigs/kustomize/issues/5904
		name: "strategic merge puts a sidecar alone first",
		patches: []model.Patch{{Patch: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: log-shipper
        image: registry.example.com/shipper:2
        resources: {limits: {memory: 64Mi}}
`}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, _ *corev1.ConfigMap) {
			pod := &d.Spec.Template.Spec
			pod.Containers = append([]corev1.Container{{
				Name:      "log-shipper",
				Image:     "registry.example.com/shipper:2",
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
			}}, pod.Containers...)
		},
	}, {
		name: "strategic merge adds an annotation",
		patches: []model.Patch{{Patch: `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop",
			"annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}}}`}},
		want: func(_ *appsv1.Deployment, s *corev1.Service, _ *corev1.ConfigMap) {
			s.Annotations = map[string]string{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
		},
	}, {
		name: "strategic merge with a target patches every selected object",
		patches: []model.Patch{{
			Target: &model.PatchTarget{LabelSelector: "app=web"},
			Patch: `
apiVersion: v1
kind: Anything
metadata:
  name: ignored
  annotations:
    team: shop
`}},
		want: func(d *appsv1.Deployment, s *corev1.Service, _ *corev1.ConfigMap) {
			d.Annotations["team"] = "shop"
			s.Annotations = map[string]string{"team": "shop"}
		},
	}, {
		name: "JSON 6902 add, replace and remove",
		patches: []model.Patch{{
			Target: &model.PatchTarget{Group: "apps", Version: "v1", Kind: "Deployment", Name: "web"},
			Patch: `
- op: add
  path: /spec/template/spec/containers/0/ports/-
  value: {name: metrics, containerPort: 9090, protocol: TCP}
- op: replace
  path: /spec/replicas
  value: 5
- op: remove
  path: /metadata/annotations/gen.example.com~1mode
- op: add
  path: /spec/minReadySeconds
  value: 10
`}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, _ *corev1.ConfigMap) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Ports = append(c.Ports, corev1.ContainerPort{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP})
			d.Spec.Replicas = new(int32(5))
			delete(d.Annotations, "gen.example.com/mode")
			d.Spec.MinReadySeconds = 10
		},
	}, {
		name: "JSON 6902 as a JSON array with a regular-expression target",
		patches: []model.Patch{{
			Target: &model.PatchTarget{Kind: "ConfigMap", Name: "web-.*"},
			Patch:  `[{"op": "replace", "path": "/data/DEBUG", "value": "true"}]`,
		}},
		want: func(_ *appsv1.Deployment, _ *corev1.Service, c *corev1.ConfigMap) {
			c.Data["DEBUG"] = "true"
		},
	}, {
		name: "patches apply in order, each to the result of the one before",
		patches: []model.Patch{{
			Target: &model.PatchTarget{Kind: "Deployment"},
			Patch:  "- {op: replace, path: /spec/replicas, value: 5}",
		}, {
			Patch: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {tier: frontend}}
spec: {replicas: 7}
`,
		}, {
			// Selects only what the patch before labelled.
			Target: &model.PatchTarget{LabelSelector: "tier=frontend"},
			Patch:  "- {op: test, path: /spec/replicas, value: 7}\n- {op: replace, path: /spec/replicas, value: 9}",
		}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, _ *corev1.ConfigMap) {
			d.Labels["tier"] = "frontend"
			d.Spec.Replicas = new(int32(9))
		},
	}, {
		name: "a patch that matches but changes nothing",
		patches: []model.Patch{{
			Target: &model.PatchTarget{Kind: "Service"},
			Patch:  "- {op: test, path: /spec/ports/0/port, value: 80}",
		}, {
			Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n",
		}},
		want: func(*appsv1.Deployment, *corev1.Service, *corev1.ConfigMap) {},
	}, {
		name: "numbers stay numbers and strings stay strings",
		patches: []model.Patch{{
			Patch: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-env
  namespace: shop
  annotations:
    unquoted-bool: true
    quoted-octal: "0755"
    unquoted-octal: 0755
    unquoted-int: 12
    unquoted-float: 1.0
data:
  PORT: "9090"
  EXTRA: "yes"
`,
		}, {
			Target: &model.PatchTarget{Kind: "Deployment"},
			Patch: `
- {op: replace, path: /spec/replicas, value: 4}
- {op: add, path: /spec/progressDeadlineSeconds, value: 600}
- {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: "N", value: "00012"}}
`,
		}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, c *corev1.ConfigMap) {
			// kustomize stores label and annotation values as strings, keeping
			// the text of unquoted YAML scalars.
			c.Annotations = map[string]string{
				"unquoted-bool": "true", "quoted-octal": "0755", "unquoted-octal": "0755",
				"unquoted-int": "12", "unquoted-float": "1.0",
			}
			c.Data["PORT"] = "9090"
			c.Data["EXTRA"] = "yes"
			d.Spec.Replicas = new(int32(4))
			d.Spec.ProgressDeadlineSeconds = new(int32(600))
			c0 := &d.Spec.Template.Spec.Containers[0]
			c0.Env = append(c0.Env, corev1.EnvVar{Name: "N", Value: "00012"})
		},
	}, {
		// YAML 1.1 would read these words as booleans; both kinds of patch
		// are read as YAML 1.2, as kustomize reads strategic-merge patches.
		name: "yes, no, y and n are strings in both kinds of patch",
		patches: []model.Patch{{
			Target: &model.PatchTarget{Kind: "Deployment"},
			Patch: `
- {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: N, value: yes}}
- {op: add, path: /spec/template/metadata/annotations, value: {y: on, n: no}}
`,
		}, {
			Patch: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-env, namespace: shop}\ndata: {Y: yes, n: off}",
		}},
		want: func(d *appsv1.Deployment, _ *corev1.Service, c *corev1.ConfigMap) {
			c0 := &d.Spec.Template.Spec.Containers[0]
			c0.Env = append(c0.Env, corev1.EnvVar{Name: "N", Value: "yes"})
			d.Spec.Template.Annotations = map[string]string{"y": "on", "n": "no"}
			c.Data["Y"] = "yes"
			c.Data["n"] = "off"
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, c := deployment(), service(), configMap()
			tt.want(d, s, c)
			want := []object.Object{obj(t, d), obj(t, s), obj(t, c)}
			got, err := Apply(inputs(t), tt.patches)
			if err != nil {
				t.Fatalf("Apply() = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Apply() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name    string
		patches []model.Patch
		index   int
		is      error  // a sentinel the error wraps, or nil
		msg     string // the whole message, or a part of it with contains
		partial bool
	}{{
		name:    "strategic merge with a wrong name",
		patches: []model.Patch{{Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec: {replicas: 1}"}},
		is:      ErrNoMatch,
		msg:     "patch 0 (strategic merge, Deployment/shop/api) matches no object",
	}, {
		name:    "strategic merge without the namespace",
		patches: []model.Patch{{Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}"}},
		is:      ErrNoMatch,
		msg:     "patch 0 (strategic merge, Deployment/web) matches no object (did you mean metadata.namespace: shop?)",
	}, {
		name: "one document of several matches nothing",
		patches: []model.Patch{{Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n" +
			"---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\n"}},
		is:  ErrNoMatch,
		msg: "patch 0 (strategic merge, Service/shop/web, Service/shop/api) matches no object: Service/shop/api",
	}, {
		name: "JSON 6902 target with a wrong kind",
		patches: []model.Patch{
			{Target: &model.PatchTarget{Kind: "Deployment"}, Patch: "- {op: replace, path: /spec/replicas, value: 2}"},
			{Target: &model.PatchTarget{Kind: "Deployment"}, Patch: "- {op: replace, path: /spec/replicas, value: 2}"},
			{Target: &model.PatchTarget{Kind: "StatefulSet", Name: "web"}, Patch: "- {op: replace, path: /spec/replicas, value: 2}"},
		},
		index: 2,
		is:    ErrNoMatch,
		msg:   "patch 2 (JSON 6902, target kind=StatefulSet name=web) matches no object",
	}, {
		name: "strategic merge target with a label nothing has",
		patches: []model.Patch{{Target: &model.PatchTarget{LabelSelector: "app=api"},
			Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n"}},
		is:  ErrNoMatch,
		msg: "patch 0 (strategic merge, target labelSelector=app=api) matches no object",
	}, {
		name:    "malformed YAML",
		patches: []model.Patch{{Patch: "apiVersion: v1\nkind: [Service\n"}},
		msg:     "patch 0 does not parse: yaml: line 1: did not find expected ',' or ']'",
	}, {
		name:    "object without kind",
		patches: []model.Patch{{Patch: "metadata: {name: web}\nspec: {replicas: 1}"}},
		msg:     "patch 0 (strategic merge) does not parse: a strategic-merge patch needs kind and metadata.name",
	}, {
		name:    "strategic merge without apiVersion",
		patches: []model.Patch{{Patch: "kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort}"}},
		is:      ErrNoMatch,
		msg:     "patch 0 (strategic merge, Service/shop/web) matches no object (did you mean apiVersion: v1?)",
	}, {
		name:    "neither an object nor a list",
		patches: []model.Patch{{Patch: "replicas"}},
		msg:     "patch 0 is neither a strategic-merge patch (an object) nor a JSON 6902 patch (a list of operations)",
	}, {
		name:    "empty",
		patches: []model.Patch{{Patch: ""}},
		msg:     "patch 0 is neither a strategic-merge patch (an object) nor a JSON 6902 patch (a list of operations)",
	}, {
		name:    "JSON 6902 without a target",
		patches: []model.Patch{{Patch: "- {op: remove, path: /spec/replicas}"}},
		msg:     "patch 0 (JSON 6902) has no target (a JSON 6902 patch needs one)",
	}, {
		name:    "JSON 6902 that is not a list of operations",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- just a string"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) does not parse: operation 0 is not an object with string fields op, path and from",
	}, {
		name:    "JSON 6902 operation without op",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {path: /spec}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) does not parse: operation 0 has no op",
	}, {
		name:    "JSON 6902 replace of a missing path",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: replace, path: /spec/type, value: LoadBalancer}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (replace /spec/type): path does not exist",
	}, {
		name: "JSON 6902 replace of a path a previous operation removed",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Deployment"},
			Patch: "- {op: remove, path: /spec/replicas}\n- {op: replace, path: /spec/replicas, value: 1}"}},
		msg: "patch 0 (JSON 6902, target kind=Deployment) fails on Deployment/shop/web: operation 1 (replace /spec/replicas): path does not exist",
	}, {
		name:    "JSON 6902 replace past the end of a list",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: replace, path: /spec/ports/1/port, value: 81}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (replace /spec/ports/1/port): path does not exist",
	}, {
		name:    "JSON 6902 replace below a scalar",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Deployment"}, Patch: "- {op: replace, path: /spec/replicas/x, value: 1}"}},
		msg:     "patch 0 (JSON 6902, target kind=Deployment) fails on Deployment/shop/web: operation 0 (replace /spec/replicas/x): path does not exist",
	}, {
		name:    "JSON 6902 replace of the end of a list",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: replace, path: /spec/ports/-, value: {port: 81}}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (replace /spec/ports/-): path does not exist",
	}, {
		name:    "JSON 6902 remove of a missing path",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: remove, path: /spec/type}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (remove /spec/type): path does not exist",
	}, {
		name:    "JSON 6902 copy from a missing path",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: copy, from: /spec/type, path: /spec/x}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (copy /spec/type to /spec/x): path does not exist",
	}, {
		name:    "JSON 6902 add under a missing parent",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: add, path: /spec/a/b, value: 1}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (add /spec/a/b): add operation does not apply: doc is missing path",
		partial: true,
	}, {
		name:    "JSON 6902 test that fails",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: test, path: /spec/ports/0/port, value: 81}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (test /spec/ports/0/port): testing value /spec/ports/0/port failed: test failed",
	}, {
		name:    "JSON 6902 unknown operation",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: frobnicate, path: /spec}"}},
		msg:     "patch 0 (JSON 6902, target kind=Service) fails on Service/shop/web: operation 0 (frobnicate /spec): Unexpected kind: frobnicate",
	}, {
		name:    "invalid target",
		patches: []model.Patch{{Target: &model.PatchTarget{Name: "web("}, Patch: "- {op: remove, path: /spec}"}},
		msg:     "patch 0 (JSON 6902, target name=web() has an invalid target: error parsing regexp: missing closing ): `^(?:web()$`",
	}, {
		name:    "rename",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: replace, path: /metadata/name, value: web2}"}},
		is:      ErrIdentity,
		msg:     `patch 0 (JSON 6902, target kind=Service) changes the name of Service/shop/web to "web2": ` + ErrIdentity.Error(),
	}, {
		name:    "rename onto another object",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "ConfigMap"}, Patch: "- {op: replace, path: /kind, value: Service}\n- {op: replace, path: /metadata/name, value: web}"}},
		is:      ErrIdentity,
		msg:     `patch 0 (JSON 6902, target kind=ConfigMap) changes the kind of ConfigMap/shop/web-env to "Service" and the name of ConfigMap/shop/web-env to "web": ` + ErrIdentity.Error(),
	}, {
		name:    "move to another namespace",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Deployment"}, Patch: "- {op: replace, path: /metadata/namespace, value: other}"}},
		is:      ErrIdentity,
		msg:     `patch 0 (JSON 6902, target kind=Deployment) changes the namespace of Deployment/shop/web to "other": ` + ErrIdentity.Error(),
	}, {
		name:    "delete",
		patches: []model.Patch{{Patch: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-env, namespace: shop}\n$patch: delete\n"}},
		is:      ErrIdentity,
		msg:     "patch 0 (strategic merge, ConfigMap/shop/web-env) removes ConfigMap/shop/web-env: " + ErrIdentity.Error(),
	}, {
		name: "several strategic-merge documents with a target",
		patches: []model.Patch{{Target: &model.PatchTarget{Kind: "Service"},
			Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"}},
		msg: "patch 0 (strategic merge, target kind=Service) has a target and several documents (with a target, give one)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply(inputs(t), tt.patches)
			if err == nil {
				t.Fatalf("Apply() = %d objects, want an error", len(got))
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Apply() = %T %v, want a *patch.Error", err, err)
			}
			if pe.Index != tt.index {
				t.Errorf("Apply() error index = %d, want %d", pe.Index, tt.index)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Apply() = %v, want it to wrap %v", err, tt.is)
			}
			if tt.partial && !strings.HasPrefix(err.Error(), tt.msg) || !tt.partial && err.Error() != tt.msg {
				t.Errorf("Apply() error\n got: %s\nwant: %s", err, tt.msg)
			}
		})
	}
}

func TestApplyNoPatches(t *testing.T) {
	objs := inputs(t)
	got, err := Apply(objs, nil)
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if len(got) != len(objs) || &got[0] != &objs[0] {
		t.Errorf("Apply(objs, nil) did not return objs itself")
	}
}

func TestApplyDuplicateObjects(t *testing.T) {
	objs := []object.Object{obj(t, service()), obj(t, service())}
	_, err := Apply(objs, []model.Patch{{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: test, path: /kind, value: Service}"}})
	if want := "objects 0 and 1 are both Service/shop/web"; err == nil || err.Error() != want {
		t.Errorf("Apply() = %v, want %s", err, want)
	}
}

func TestApplyDoesNotMutate(t *testing.T) {
	objs := inputs(t)
	before := inputs(t)
	patches := []model.Patch{
		{Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, annotations: {a: b}}\nspec: {replicas: 8}"},
		{Target: &model.PatchTarget{Kind: "Service"}, Patch: "- {op: replace, path: /spec/ports/0/port, value: 81}"},
	}
	if _, err := Apply(objs, patches); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if diff := cmp.Diff(before, objs); diff != "" {
		t.Errorf("Apply() modified its input (-before +after):\n%s", diff)
	}
}

func TestApplyKeepsOrderAndApp(t *testing.T) {
	objs := []object.Object{obj(t, configMap()), obj(t, service()), obj(t, deployment())}
	objs[0].App = "other"
	got, err := Apply(objs, []model.Patch{{Target: &model.PatchTarget{Name: "web.*"}, Patch: "apiVersion: v1\nkind: Any\nmetadata: {name: any, labels: {x: y}}"}})
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	var gotIDs, wantIDs []string
	for i := range objs {
		gotIDs = append(gotIDs, got[i].App+" "+got[i].ID())
		wantIDs = append(wantIDs, objs[i].App+" "+objs[i].ID())
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("Apply() order mismatch (-want +got):\n%s", diff)
	}
}

func TestApplyNumbers(t *testing.T) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    new(int32(2)),
			MaxReplicas:    10,
		},
	}
	d := deployment()
	d.Spec.Template.Spec.TerminationGracePeriodSeconds = new(int64(1<<53 + 1))
	got, err := Apply([]object.Object{obj(t, hpa), obj(t, d)}, []model.Patch{{
		Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 9007199254740993}",
	}, {
		Target: &model.PatchTarget{Kind: "HorizontalPodAutoscaler"},
		Patch:  "- {op: replace, path: /spec/maxReplicas, value: 20}\n- {op: add, path: /metadata/annotations, value: {n: \"3\", f: \"1.0\"}}\n- {op: add, path: /spec/x, value: 9007199254740993}",
	}})
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	hpaSpec := got[0].Content["spec"].(map[string]any)
	annotations := got[0].Content["metadata"].(map[string]any)["annotations"].(map[string]any)
	dSpec := got[1].Content["spec"].(map[string]any)
	podSpec := dSpec["template"].(map[string]any)["spec"].(map[string]any)
	for _, c := range []struct {
		field string
		got   any
		want  any
	}{
		{"HPA spec.minReplicas", hpaSpec["minReplicas"], json.Number("2")},
		{"HPA spec.maxReplicas", hpaSpec["maxReplicas"], json.Number("20")},
		{"HPA metadata.annotations.n", annotations["n"], "3"},
		{"HPA metadata.annotations.f", annotations["f"], "1.0"},
		// A known limitation: a JSON 6902 patch round-trips the whole object
		// through float64 (kyaml's RNode.UnmarshalJSON), so integers above
		// 2^53 lose precision there.
		{"HPA spec.x", hpaSpec["x"], json.Number("9007199254740992")},
		// Strategic merge keeps integers exact.
		{"Deployment spec.replicas", dSpec["replicas"], json.Number("9007199254740993")},
		{"Deployment spec.template.spec.terminationGracePeriodSeconds", podSpec["terminationGracePeriodSeconds"], json.Number("9007199254740993")},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
		}
	}
}

func TestApplyDeterministic(t *testing.T) {
	patches := benchPatches()
	var first []byte
	for i := range 3 {
		got, err := Apply(appObjects(t), patches)
		if err != nil {
			t.Fatalf("Apply() = %v", err)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
		} else if diff := cmp.Diff(string(first), string(b)); diff != "" {
			t.Errorf("run %d differs from run 0 (-run0 +run%d):\n%s", i, i, diff)
		}
	}
}

// TestApplyConcurrent runs Apply for several apps at once, as a renderer
// that works per app in parallel would; run it with -race.
func TestApplyConcurrent(t *testing.T) {
	objs := appObjects(t) // shared: Apply only reads it
	want, err := Apply(objs, benchPatches())
	if err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			got, err := Apply(objs, benchPatches())
			if err == nil && !cmp.Equal(want, got) {
				err = fmt.Errorf("result differs: %s", cmp.Diff(want, got))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}

// appObjects is one app of eight objects, as the build stage makes them.
func appObjects(t testing.TB) []object.Object {
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/web"}},
	}
	files := configMap()
	files.Name = "web-files"
	files.Data = map[string]string{"app.yaml": "port: 8080\ndebug: false\n"}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    new(int32(2)),
			MaxReplicas:    10,
		},
	}
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: new(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	ingress := &networkingv1.Ingress{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec:       networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "web.example.com"}}},
	}
	return []object.Object{
		obj(t, sa), obj(t, configMap()), obj(t, files), obj(t, deployment()),
		obj(t, service()), obj(t, hpa), obj(t, pdb), obj(t, ingress),
	}
}

func benchPatches() []model.Patch {
	return []model.Patch{{
		Patch: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: log-shipper
        image: registry.example.com/shipper:2
`,
	}, {
		Target: &model.PatchTarget{Kind: "HorizontalPodAutoscaler", Name: "web"},
		Patch:  "- {op: replace, path: /spec/maxReplicas, value: 20}",
	}}
}

func BenchmarkApply(b *testing.B) {
	objs := appObjects(b)
	patches := benchPatches()
	if _, err := Apply(objs, patches); err != nil { // warm kyaml's OpenAPI schema
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Apply(objs, patches); err != nil {
			b.Fatal(err)
		}
	}
}
