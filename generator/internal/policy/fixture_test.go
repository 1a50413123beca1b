package policy

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// loadPolicies returns the Set of a root with the given policy files
// (name under policies/: content).
func loadPolicies(t testing.TB, files map[string]string) *Set {
	t.Helper()
	in := map[string]string{}
	for name, content := range files {
		in["policies/"+name] = content
	}
	s, err := Load(modeltest.Root(t, in))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	return s
}

// baseline is a policy set like the one a platform team starts with:
// twelve rules over workloads, their HPAs, PDBs and Services, and
// namespaces.
const baseline = `package policies

import "strings"

_workloads: ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]

policies: {
	"requests-and-limits": {
		description: "Every container requests CPU and memory and limits memory."
		kinds:       _workloads
		check: pod: containers: [...{resources: {requests: {cpu!: _, memory!: _}, limits: memory!: _}}]
	}
	"min-replicas-prod": {
		description: "Long-running workloads in prod run at least 3 pods."
		environments: ["prod"]
		kinds: ["Deployment", "StatefulSet"]
		check: replicas: >=3
	}
	probes: {
		description: "Long-running containers have readiness and liveness probes."
		kinds: ["Deployment", "StatefulSet", "DaemonSet"]
		check: pod: containers: [...{readinessProbe!: _, livenessProbe!: _}]
	}
	"images-pinned": {
		description: "Images are pinned by digest."
		kinds:       _workloads
		check: images: [...{pinned: true}]
	}
	"allowed-registries": {
		description: "Images come from the environment's allowed registries."
		kinds:       _workloads
		check: {
			env: _
			images: [...{registry: or(env.allowedRegistries)}]
		}
	}
	"no-latest-tag": {
		description: "No image uses the latest tag."
		kinds:       _workloads
		check: images: [...{tag: !="latest"}]
	}
	"run-as-non-root": {
		description: "Pods run as a non-root user."
		severity:    "warning"
		kinds:       _workloads
		check: pod: securityContext: runAsNonRoot!: true
	}
	"pdb-for-replicated": {
		description: "Workloads with more than one pod have a PodDisruptionBudget."
		kinds: ["Deployment", "StatefulSet"]
		check: {
			replicas: _
			if replicas > 1 {pdb!: _}
		}
	}
	"pdb-allows-disruption": {
		description: "A PodDisruptionBudget lets at least one pod go."
		kinds: ["PodDisruptionBudget"]
		check: {
			replicas:        _
			pdbMinAvailable: <replicas
		}
	}
	"hpa-range": {
		description: "An HPA can scale: maxReplicas is above minReplicas."
		kinds: ["HorizontalPodAutoscaler"]
		check: object: spec: {
			minReplicas: _
			maxReplicas: >minReplicas
		}
	}
	"service-selects": {
		description: "Every Service selects a workload."
		kinds: ["Service"]
		check: selects: >=1
	}
	"standard-labels": {
		description: "Objects carry app.kubernetes.io/name and part-of labels."
		check: object: metadata: labels: {
			"app.kubernetes.io/name"!:    strings.MinRunes(1)
			"app.kubernetes.io/part-of"!: string
		}
	}
	"namespace-network-policy": {
		description: "Every namespace has a NetworkPolicy."
		kinds: ["Namespace"]
		check: networkPolicies: [_, ...]
	}
}
`

const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

// labelsOf returns the standard labels of app.
func labelsOf(app string) map[string]string {
	return map[string]string{"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": app}
}

func mustObject(t testing.TB, app string, typed any) object.Object {
	t.Helper()
	o, err := object.FromTyped(app, typed)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// deployment returns a Deployment of app in namespace ns that passes the
// baseline, but for what change does to it.
func deployment(t testing.TB, app, ns string, replicas int32, change ...func(*appsv1.Deployment)) object.Object {
	t.Helper()
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}}
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Labels: labelsOf(app)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": app}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labelsOf(app)},
				Spec: corev1.PodSpec{
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
					Containers: []corev1.Container{{
						Name:  app,
						Image: registry + "/" + app + ":1.0.0@sha256:" + digest,
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{
								corev1.ResourceCPU:    resource.MustParse("100m"),
								corev1.ResourceMemory: resource.MustParse("128Mi"),
							},
							Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						ReadinessProbe: probe,
						LivenessProbe:  probe,
					}},
				},
			},
		},
	}
	for _, c := range change {
		c(d)
	}
	return mustObject(t, app, d)
}

const digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func service(t testing.TB, app, ns string, selector map[string]string) object.Object {
	t.Helper()
	return mustObject(t, app, &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Labels: labelsOf(app)},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	})
}

func hpa(t testing.TB, app, ns string, minReplicas *int32, maxReplicas int32) object.Object {
	t.Helper()
	return mustObject(t, app, &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Labels: labelsOf(app)},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: app},
			MinReplicas:    minReplicas,
			MaxReplicas:    maxReplicas,
		},
	})
}

func pdb(t testing.TB, app, ns string, minAvailable intstr.IntOrString) object.Object {
	t.Helper()
	return mustObject(t, app, &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Labels: labelsOf(app)},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": app}},
		},
	})
}

func namespace(t testing.TB, name string) object.Object {
	t.Helper()
	return mustObject(t, "", &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labelsOf(name)},
	})
}

func networkPolicy(t testing.TB, name, ns string) object.Object {
	t.Helper()
	return mustObject(t, "", &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labelsOf(name)},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	})
}

func resourceQuota(t testing.TB, name, ns string) object.Object {
	t.Helper()
	return mustObject(t, "", &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labelsOf(name)},
	})
}

func limitRange(t testing.TB, name, ns string) object.Object {
	t.Helper()
	return mustObject(t, "", &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labelsOf(name)},
	})
}
