package kube

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// autoscalerEnv returns an environment with only the Cluster Autoscaler,
// with the schema's defaults, its image pinned: no namespaces, no
// StorageClasses.
func autoscalerEnv(t testing.TB) *model.Environment {
	t.Helper()
	env := envWith(t, "")
	env.Cluster.Autoscaler.Enabled = true
	env.Cluster.Autoscaler.Image.Digest = caDigest
	env.Cluster.StorageClasses = nil
	return env
}

// autoscalerDeploymentOf builds env and returns the autoscaler's Deployment.
func autoscalerDeploymentOf(t *testing.T, env *model.Environment) *appsv1.Deployment {
	t.Helper()
	return decode[appsv1.Deployment](t, find(t, build(t, env), "Deployment", "cluster-autoscaler"))
}

// TestAutoscalerYAML shows the autoscaler's Deployment, as it will be
// rendered, with the schema's defaults.
func TestAutoscalerYAML(t *testing.T) {
	b, err := json.Marshal(find(t, build(t, autoscalerEnv(t)), "Deployment", "cluster-autoscaler").Content)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.JSONToYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/managed-by: gen
    app.kubernetes.io/name: cluster-autoscaler
    app.kubernetes.io/part-of: platform
    environment: prod
  name: cluster-autoscaler
  namespace: kube-system
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: cluster-autoscaler
  template:
    metadata:
      annotations:
        cluster-autoscaler.kubernetes.io/safe-to-evict: "false"
      labels:
        app.kubernetes.io/managed-by: gen
        app.kubernetes.io/name: cluster-autoscaler
        app.kubernetes.io/part-of: platform
        environment: prod
    spec:
      containers:
      - args:
        - --v=4
        - --stderrthreshold=info
        - --cloud-provider=aws
        - --skip-nodes-with-local-storage=false
        - --expander=least-waste
        - --scale-down-enabled=true
        - --scale-down-delay-after-add=10m
        - --scale-down-unneeded-time=10m
        - --balance-similar-node-groups
        - --skip-nodes-with-system-pods=false
        - --node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/chatbot-prod,k8s.io/cluster-autoscaler/enabled
        command:
        - ./cluster-autoscaler
        env:
        - name: AWS_REGION
          value: ap-south-1
        image: registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0@` + caDigest + `
        livenessProbe:
          failureThreshold: 3
          httpGet:
            path: /health-check
            port: http
          initialDelaySeconds: 15
          periodSeconds: 10
          timeoutSeconds: 5
        name: cluster-autoscaler
        ports:
        - containerPort: 8085
          name: http
          protocol: TCP
        readinessProbe:
          failureThreshold: 3
          httpGet:
            path: /health-check
            port: http
          initialDelaySeconds: 15
          periodSeconds: 10
          timeoutSeconds: 5
        resources:
          limits:
            ephemeral-storage: 1Gi
            memory: 600Mi
          requests:
            cpu: 100m
            ephemeral-storage: 256Mi
            memory: 600Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
          readOnlyRootFilesystem: true
      priorityClassName: system-cluster-critical
      securityContext:
        fsGroup: 65534
        runAsGroup: 65534
        runAsNonRoot: true
        runAsUser: 65534
        seccompProfile:
          type: RuntimeDefault
      serviceAccountName: cluster-autoscaler
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Deployment mismatch (-want +got):\n%s", diff)
	}
}

func TestAutoscalerObjects(t *testing.T) {
	objs := build(t, autoscalerEnv(t))
	want := []string{
		"ServiceAccount/cluster-autoscaler",
		"ClusterRole/cluster-autoscaler",
		"ClusterRoleBinding/cluster-autoscaler",
		"Role/cluster-autoscaler",
		"RoleBinding/cluster-autoscaler",
		"Deployment/cluster-autoscaler",
	}
	if diff := cmp.Diff(want, kinds(objs)); diff != "" {
		t.Fatalf("objects mismatch (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{
		"app.kubernetes.io/name":       "cluster-autoscaler",
		"app.kubernetes.io/part-of":    "platform",
		"app.kubernetes.io/managed-by": "gen",
		"environment":                  "prod",
	}
	for _, o := range objs {
		if o.App != "" {
			t.Errorf("%s belongs to app %q, want none (platform/)", o.ID(), o.App)
		}
		if ns, want := o.Namespace(), "kube-system"; clusterScoped[o.Kind()] {
			if ns != "" {
				t.Errorf("%s: namespace %q, want none", o.ID(), ns)
			}
		} else if ns != want {
			t.Errorf("%s: namespace %q, want %q", o.ID(), ns, want)
		}
		meta, _ := o.Content["metadata"].(map[string]any)
		got := map[string]string{}
		for k, v := range meta["labels"].(map[string]any) {
			got[k] = v.(string)
		}
		if diff := cmp.Diff(wantLabels, got); diff != "" {
			t.Errorf("%s labels mismatch (-want +got):\n%s", o.ID(), diff)
		}
	}

	// The bindings give the ServiceAccount the roles, and the Deployment
	// runs as it.
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: "cluster-autoscaler", Namespace: "kube-system"}
	crb := decode[rbacv1.ClusterRoleBinding](t, find(t, objs, "ClusterRoleBinding", "cluster-autoscaler"))
	if diff := cmp.Diff(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-autoscaler"}, crb.RoleRef); diff != "" {
		t.Errorf("ClusterRoleBinding roleRef mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]rbacv1.Subject{sa}, crb.Subjects); diff != "" {
		t.Errorf("ClusterRoleBinding subjects mismatch (-want +got):\n%s", diff)
	}
	rb := decode[rbacv1.RoleBinding](t, find(t, objs, "RoleBinding", "cluster-autoscaler"))
	if diff := cmp.Diff(rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "cluster-autoscaler"}, rb.RoleRef); diff != "" {
		t.Errorf("RoleBinding roleRef mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]rbacv1.Subject{sa}, rb.Subjects); diff != "" {
		t.Errorf("RoleBinding subjects mismatch (-want +got):\n%s", diff)
	}
	d := decode[appsv1.Deployment](t, find(t, objs, "Deployment", "cluster-autoscaler"))
	if got := d.Spec.Template.Spec.ServiceAccountName; got != sa.Name || d.Namespace != sa.Namespace {
		t.Errorf("Deployment %s/%s runs as %s, want %s/%s", d.Namespace, d.Name, got, sa.Namespace, sa.Name)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("selector %s=%s does not select the pod template (labels %v)", k, v, d.Spec.Template.Labels)
		}
	}
}

func TestAutoscalerDisabled(t *testing.T) {
	env := fixture(t)
	env.Cluster.Autoscaler.Enabled = false
	for _, o := range build(t, env) {
		if o.Name() == "cluster-autoscaler" || strings.HasPrefix(o.APIVersion(), "rbac.") {
			t.Errorf("autoscaler disabled, yet Build() renders %s", o.ID())
		}
	}
	// The zero Autoscaler is a disabled one, however incomplete.
	env.Cluster.Autoscaler = model.Autoscaler{}
	build(t, env)
}

func TestAutoscalerIRSA(t *testing.T) {
	tests := []struct {
		name      string
		accountID string
		role      string
		want      map[string]string
	}{
		{
			name:      "default role",
			accountID: "123456789012",
			role:      "cluster-autoscaler",
			want:      map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/cluster-autoscaler"},
		},
		{
			name:      "own role in another account",
			accountID: "210987654321",
			role:      "prod-ca",
			want:      map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::210987654321:role/prod-ca"},
		},
		{name: "no role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := autoscalerEnv(t)
			env.Cluster.AccountID = tc.accountID
			env.Cluster.Autoscaler.IAMRole = tc.role
			sa := decode[corev1.ServiceAccount](t, find(t, build(t, env), "ServiceAccount", "cluster-autoscaler"))
			if diff := cmp.Diff(tc.want, sa.Annotations); diff != "" {
				t.Errorf("ServiceAccount annotations mismatch (-want +got):\n%s", diff)
			}
			if tc.role != "" {
				if got, want := sa.Annotations["eks.amazonaws.com/role-arn"], env.Cluster.RoleARN(tc.role); got != want {
					t.Errorf("role ARN = %q, want Cluster.RoleARN(%q) = %q", got, tc.role, want)
				}
			}
		})
	}
}

func TestAutoscalerArgs(t *testing.T) {
	tests := []struct {
		name   string
		modify func(ca *model.Autoscaler)
		want   []string // flags that must be present
	}{
		{
			name:   "seed defaults",
			modify: func(*model.Autoscaler) {},
			want: []string{
				"--cloud-provider=aws",
				"--expander=least-waste",
				"--skip-nodes-with-local-storage=false",
				"--scale-down-enabled=true",
				"--scale-down-delay-after-add=10m",
				"--scale-down-unneeded-time=10m",
				"--balance-similar-node-groups",
				"--skip-nodes-with-system-pods=false",
			},
		},
		{
			name: "overrides",
			modify: func(ca *model.Autoscaler) {
				ca.Expander = "priority"
				ca.SkipNodesWithLocalStorage = true
				ca.ScaleDownDelayAfterAdd = "5m"
				ca.ScaleDownUnneededTime = "1h"
			},
			want: []string{
				"--expander=priority",
				"--skip-nodes-with-local-storage=true",
				"--scale-down-delay-after-add=5m",
				"--scale-down-unneeded-time=1h",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := autoscalerEnv(t)
			tc.modify(&env.Cluster.Autoscaler)
			c := autoscalerDeploymentOf(t, env).Spec.Template.Spec.Containers[0]
			if diff := cmp.Diff([]string{"./cluster-autoscaler"}, c.Command); diff != "" {
				t.Errorf("command mismatch (-want +got):\n%s", diff)
			}
			for _, f := range tc.want {
				if n := count(c.Args, f); n != 1 {
					t.Errorf("args have %s %d times, want once; args:\n%s", f, n, strings.Join(c.Args, "\n"))
				}
			}
			// Each flag is given once.
			names := map[string]int{}
			for _, a := range c.Args {
				name, _, _ := strings.Cut(a, "=")
				names[name]++
			}
			for name, n := range names {
				if n != 1 {
					t.Errorf("flag %s given %d times", name, n)
				}
			}
			if diff := cmp.Diff([]corev1.EnvVar{{Name: "AWS_REGION", Value: "ap-south-1"}}, c.Env); diff != "" {
				t.Errorf("env mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func count(ss []string, s string) int {
	n := 0
	for _, e := range ss {
		if e == s {
			n++
		}
	}
	return n
}

// TestAutoDiscoveryFromAutoscalerTags checks that the autoscaler finds its
// node groups by exactly the tags model.Cluster.AutoscalerTags names, which
// are also the tags the ClusterConfig puts on every node group: the keys,
// sorted, and nothing else, whatever the cluster is called.
func TestAutoDiscoveryFromAutoscalerTags(t *testing.T) {
	for _, name := range []string{"chatbot-prod", "dev", "a-very-long-cluster-name-0123456789"} {
		t.Run(name, func(t *testing.T) {
			env := autoscalerEnv(t)
			env.Cluster.Name = name
			args := autoscalerDeploymentOf(t, env).Spec.Template.Spec.Containers[0].Args
			var values []string
			for _, a := range args {
				if v, ok := strings.CutPrefix(a, "--node-group-auto-discovery="); ok {
					values = append(values, v)
				}
			}
			if len(values) != 1 {
				t.Fatalf("--node-group-auto-discovery given %d times, want once; args: %v", len(values), args)
			}
			keys, ok := strings.CutPrefix(values[0], "asg:tag=")
			if !ok {
				t.Fatalf("--node-group-auto-discovery=%s, want asg:tag=...", values[0])
			}
			want := slices.Sorted(maps.Keys(env.Cluster.AutoscalerTags()))
			if diff := cmp.Diff(want, strings.Split(keys, ",")); diff != "" {
				t.Errorf("auto-discovery tags are not the keys of AutoscalerTags() (-want +got):\n%s", diff)
			}
			// The cluster's own tag is among them: this autoscaler does not
			// adopt another cluster's node groups.
			if !slices.Contains(want, "k8s.io/cluster-autoscaler/"+name) {
				t.Errorf("AutoscalerTags() = %v, want k8s.io/cluster-autoscaler/%s among them", want, name)
			}
		})
	}
}

// upstreamClusterRules are the ClusterRole rules of kubernetes/autoscaler's
// cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml
// after kubernetes/autoscaler#9487 (the 1.35 backport is #10278), in its
// notation.
const upstreamClusterRules = `
rules:
  - apiGroups: [""]
    resources: ["events", "endpoints"]
    verbs: ["create", "patch"]
  - apiGroups: [""]
    resources: ["pods/eviction"]
    verbs: ["create"]
  - apiGroups: [""]
    resources: ["pods/status"]
    verbs: ["update"]
  - apiGroups: [""]
    resources: ["endpoints"]
    resourceNames: ["cluster-autoscaler"]
    verbs: ["get", "update"]
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["watch", "list", "get", "update"]
  - apiGroups: [""]
    resources:
      - "namespaces"
      - "pods"
      - "services"
      - "replicationcontrollers"
      - "persistentvolumeclaims"
      - "persistentvolumes"
    verbs: ["watch", "list", "get"]
  - apiGroups: ["extensions"]
    resources: ["replicasets", "daemonsets"]
    verbs: ["watch", "list", "get"]
  - apiGroups: ["policy"]
    resources: ["poddisruptionbudgets"]
    verbs: ["watch", "list"]
  - apiGroups: ["apps"]
    resources: ["statefulsets", "replicasets", "daemonsets"]
    verbs: ["watch", "list", "get"]
  - apiGroups: ["resource.k8s.io"]
    resources: ["deviceclasses", "resourceslices", "resourceclaims"]
    verbs: ["watch", "list", "get"]
  - apiGroups: ["storage.k8s.io"]
    resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"]
    verbs: ["watch", "list", "get"]
  - apiGroups: ["batch", "extensions"]
    resources: ["jobs"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["create"]
  - apiGroups: ["coordination.k8s.io"]
    resourceNames: ["cluster-autoscaler"]
    resources: ["leases"]
    verbs: ["get", "update"]
`

// upstreamRules are the kube-system Role rules of the same file.
const upstreamRules = `
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["create","list","watch"]
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"]
    verbs: ["delete", "get", "update", "watch"]
`

func TestAutoscalerRBACMatchesUpstream(t *testing.T) {
	objs := build(t, autoscalerEnv(t))
	for _, tc := range []struct {
		kind     string
		upstream string
		got      func(o object.Object) []rbacv1.PolicyRule
	}{
		{"ClusterRole", upstreamClusterRules, func(o object.Object) []rbacv1.PolicyRule { return decode[rbacv1.ClusterRole](t, o).Rules }},
		{"Role", upstreamRules, func(o object.Object) []rbacv1.PolicyRule { return decode[rbacv1.Role](t, o).Rules }},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			var want struct{ Rules []rbacv1.PolicyRule }
			if err := yaml.UnmarshalStrict([]byte(tc.upstream), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Rules, tc.got(find(t, objs, tc.kind, "cluster-autoscaler"))); diff != "" {
				t.Errorf("%s rules differ from upstream (-upstream +got):\n%s", tc.kind, diff)
			}
		})
	}
}

func TestAutoscalerDeterministic(t *testing.T) {
	// AutoscalerTags returns a new map each time: its order must not leak.
	first := marshal(t, build(t, autoscalerEnv(t)))
	for range 20 {
		if got := marshal(t, build(t, autoscalerEnv(t))); got != first {
			t.Fatalf("Build() differs between runs:\n%s\nthen\n%s", first, got)
		}
	}
}
