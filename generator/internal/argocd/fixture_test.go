package argocd

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// dir is the fixture's rendered folder.
const dir = "rendered/prod"

// newApp returns an enabled app of kind in namespace, with the schema's
// defaults, that depends on dependsOn.
func newApp(t testing.TB, name, namespace, kind string, dependsOn ...string) *model.App {
	t.Helper()
	a := modeltest.App(t, name, fmt.Sprintf("namespace: %q, kind: %q", namespace, kind))
	a.DependsOn = dependsOn
	return a
}

// prod is seed 003's prod with seed 004's cache beside it: the chatbot
// (a backend with an HPA and a worker, both on MongoDB, a frontend, a
// nightly retraining CronJob), the koorde cache (a StatefulSet with an
// HPA) and a load test that stays out of prod, on seed 003's cluster. A
// person syncs prod.
const prod = modeltest.ChatbotProd + `
namespaces: {chatbot: {}, "koorde-cache": {}}
argocd: {
	repoURL:  "https://github.com/gitops-gen/platform.git"
	autoSync: false
}
defaults: {namespace: "chatbot", partOf: "chatbot"}
apps: [Name=_]: image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"}
apps: {
	backend: {
		dependsOn: ["mongodb"]
		autoscaling: {minReplicas: 3, maxReplicas: 10}
	}
	frontend: {}
	"ml-retrain": kind: "CronJob"
	mongodb: kind:      "StatefulSet"
	worker: dependsOn: ["mongodb"]
	"koorde-node": {
		namespace: "koorde-cache"
		partOf:    "koorde"
		kind:      "StatefulSet"
		autoscaling: {minReplicas: 3, maxReplicas: 10}
	}
	"koorde-loadtest": {
		enabled:   false
		namespace: "koorde-cache"
		partOf:    "koorde"
		kind:      "Job"
		dependsOn: ["koorde-node"]
	}
}
`

// fixture returns the environment prod.
func fixture(t testing.TB) *model.Environment {
	t.Helper()
	return modeltest.Env(t, "prod", prod)
}

// obj returns an object of app with the given identity and spec.
func obj(app, apiVersion, kind, namespace, name string, spec map[string]any) object.Object {
	md := map[string]any{"name": name}
	if namespace != "" {
		md["namespace"] = namespace
	}
	c := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": md}
	if spec != nil {
		c["spec"] = spec
	}
	return object.Object{App: app, Content: c}
}

// replicas is a workload spec with n replicas.
func replicas(n int) map[string]any {
	return map[string]any{"replicas": json.Number(strconv.Itoa(n))}
}

// fixtureObjects are the objects kube.Build, the patches and cluster.Build
// render for fixture(t), in their order: the platform, then the apps by
// name, then the ClusterConfig. Workloads an HPA scales carry no replicas.
func fixtureObjects() []object.Object {
	const ks = "kube-system"
	return []object.Object{
		obj("", "v1", "Namespace", "", "chatbot", nil),
		obj("", "v1", "ResourceQuota", "chatbot", "chatbot", map[string]any{"hard": map[string]any{"pods": "100"}}),
		obj("", "v1", "Namespace", "", "koorde-cache", nil),
		obj("", "v1", "ServiceAccount", ks, "cluster-autoscaler", nil),
		obj("", "storage.k8s.io/v1", "StorageClass", "", "gp3", nil),
		obj("", "rbac.authorization.k8s.io/v1", "ClusterRole", "", "cluster-autoscaler", nil),
		obj("", "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "cluster-autoscaler", nil),
		obj("", "rbac.authorization.k8s.io/v1", "Role", ks, "cluster-autoscaler", nil),
		obj("", "rbac.authorization.k8s.io/v1", "RoleBinding", ks, "cluster-autoscaler", nil),
		obj("", "apps/v1", "Deployment", ks, "cluster-autoscaler", replicas(1)),
		obj("", "external-secrets.io/v1", "SecretStore", "chatbot", "chatbot", nil),
		obj("", "external-secrets.io/v1", "ExternalSecret", "chatbot", "mongodb-credentials", nil),
		obj("", "networking.k8s.io/v1", "IngressClass", "", "alb-chatbot", nil),
		obj("", "elbv2.k8s.aws/v1beta1", "IngressClassParams", "", "alb-chatbot", nil),

		obj("backend", "v1", "ServiceAccount", "chatbot", "backend", nil),
		obj("backend", "v1", "ConfigMap", "chatbot", "backend-env", nil),
		obj("backend", "apps/v1", "Deployment", "chatbot", "backend", map[string]any{}),
		obj("backend", "v1", "Service", "chatbot", "backend", nil),
		obj("backend", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "backend", nil),
		obj("backend", "policy/v1", "PodDisruptionBudget", "chatbot", "backend", nil),

		obj("frontend", "v1", "ServiceAccount", "chatbot", "frontend", nil),
		obj("frontend", "apps/v1", "Deployment", "chatbot", "frontend", replicas(3)),
		obj("frontend", "v1", "Service", "chatbot", "frontend", nil),

		obj("koorde-node", "v1", "ServiceAccount", "koorde-cache", "koorde-node", nil),
		obj("koorde-node", "apps/v1", "StatefulSet", "koorde-cache", "koorde-node", map[string]any{}),
		obj("koorde-node", "v1", "Service", "koorde-cache", "koorde-headless", nil),
		obj("koorde-node", "autoscaling/v2", "HorizontalPodAutoscaler", "koorde-cache", "koorde-node", nil),

		obj("ml-retrain", "v1", "ServiceAccount", "chatbot", "ml-retrain", nil),
		obj("ml-retrain", "batch/v1", "CronJob", "chatbot", "ml-retrain", nil),

		obj("mongodb", "apps/v1", "StatefulSet", "chatbot", "mongodb", replicas(1)),
		obj("mongodb", "v1", "Service", "chatbot", "mongodb", nil),

		obj("worker", "v1", "ServiceAccount", "chatbot", "worker", nil),
		obj("worker", "apps/v1", "Deployment", "chatbot", "worker", replicas(2)),

		obj("", "eksctl.io/v1alpha5", "ClusterConfig", "", "chatbot-prod", nil),
	}
}

// build runs Build on env and objs and fails the test on an error.
func build(t *testing.T, env *model.Environment, objs []object.Object) []object.Object {
	t.Helper()
	got, err := Build(env, dir, objs)
	if err != nil {
		t.Fatalf("Build(%s) = %v", env.Name, err)
	}
	return got
}

// find returns the object of kind and name among objs, failing the test
// when there is none.
func find(t *testing.T, objs []object.Object, kind, name string) object.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s %s among %d objects", kind, name, len(objs))
	return object.Object{}
}

// clone deep-copies objs through JSON, keeping numbers exact.
func clone(t *testing.T, objs []object.Object) []object.Object {
	t.Helper()
	out := make([]object.Object, len(objs))
	for i, o := range objs {
		b, err := json.Marshal(o.Content)
		if err != nil {
			t.Fatal(err)
		}
		c, err := object.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = object.Object{App: o.App, Content: c}
	}
	return out
}
