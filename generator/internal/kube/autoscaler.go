package kube

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The Cluster Autoscaler's objects follow the upstream AWS example,
// https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml:
// every object is named cluster-autoscaler and the namespaced ones live in
// kube-system.
const (
	autoscalerName      = "cluster-autoscaler"
	autoscalerNamespace = "kube-system"

	// safeToEvictAnnotation keeps the autoscaler from draining the node it
	// runs on: https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/FAQ.md#what-types-of-pods-can-prevent-ca-from-removing-a-node
	safeToEvictAnnotation = "cluster-autoscaler.kubernetes.io/safe-to-evict"

	// autoscalerEphemeralRequest and autoscalerEphemeralLimit are the
	// autoscaler's ephemeral-storage request and limit, in bytes: 256Mi
	// and 1Gi, an app's defaults (schema/app.cue, #Resources);
	// capacity's overhead table counts the request.
	autoscalerEphemeralRequest = 256 << 20
	autoscalerEphemeralLimit   = 1 << 30

	// nobody is the unprivileged user and group the autoscaler runs as:
	// it owns no file of the node or the image, and is above the 10000
	// that kube-score asks of both (policies/kube-score.md).
	nobody = 65534
)

// autoscalerObjects returns the Cluster Autoscaler: its ServiceAccount
// (bound to the autoscaler's IAM role), its ClusterRole, Role and their
// bindings, and its Deployment. It returns nothing when the autoscaler is
// disabled.
func autoscalerObjects(env *model.Environment) ([]any, error) {
	ca := env.Cluster.Autoscaler
	if !ca.Enabled {
		return nil, nil
	}
	args, err := autoscalerArgs(&env.Cluster)
	if err != nil {
		return nil, err
	}
	if ca.Image.Repository == "" {
		return nil, errors.New("no image")
	}
	labels := platformLabels(env.Base(), autoscalerName)
	meta := func(namespace string, annotations map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{
			Name:        autoscalerName,
			Namespace:   namespace,
			Labels:      labels,
			Annotations: annotations,
		}
	}
	var saAnnotations map[string]string
	if ca.IAMRole != "" {
		saAnnotations = map[string]string{roleARNAnnotation: env.Cluster.RoleARN(ca.IAMRole)}
	}
	subjects := []rbacv1.Subject{{
		Kind:      rbacv1.ServiceAccountKind,
		Name:      autoscalerName,
		Namespace: autoscalerNamespace,
	}}
	return []any{
		&corev1.ServiceAccount{
			TypeMeta:   serviceAccountType,
			ObjectMeta: meta(autoscalerNamespace, saAnnotations),
		},
		&rbacv1.ClusterRole{
			TypeMeta:   clusterRoleType,
			ObjectMeta: meta("", nil),
			Rules:      autoscalerClusterRules(),
		},
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   clusterBindingType,
			ObjectMeta: meta("", nil),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: clusterRoleType.Kind, Name: autoscalerName},
			Subjects:   subjects,
		},
		&rbacv1.Role{
			TypeMeta:   roleType,
			ObjectMeta: meta(autoscalerNamespace, nil),
			Rules:      autoscalerRules(),
		},
		&rbacv1.RoleBinding{
			TypeMeta:   roleBindingType,
			ObjectMeta: meta(autoscalerNamespace, nil),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: roleType.Kind, Name: autoscalerName},
			Subjects:   subjects,
		},
		autoscalerDeployment(env, labels, args),
	}, nil
}

// autoscalerDeployment returns the autoscaler's Deployment: one replica
// (the autoscaler elects a leader anyway) of a locked-down, unprivileged
// container.
func autoscalerDeployment(env *model.Environment, labels map[string]string, args []string) *appsv1.Deployment {
	img := env.Cluster.Autoscaler.Image
	memory := resource.NewQuantity(600<<20, resource.BinarySI) // 600Mi
	return &appsv1.Deployment{
		TypeMeta: deploymentType,
		ObjectMeta: metav1.ObjectMeta{
			Name:      autoscalerName,
			Namespace: autoscalerNamespace,
			Labels:    labels,
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{labelName: autoscalerName}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      labels,
					Annotations: map[string]string{safeToEvictAnnotation: "false"},
				},
				Spec: corev1.PodSpec{
					PriorityClassName:  "system-cluster-critical",
					ServiceAccountName: autoscalerName,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   new(true),
						RunAsUser:      new(int64(nobody)),
						RunAsGroup:     new(int64(nobody)),
						FSGroup:        new(int64(nobody)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:            autoscalerName,
						Image:           img.Reference(),
						ImagePullPolicy: corev1.PullPolicy(img.PullPolicy),
						Command:         []string{"./cluster-autoscaler"},
						Args:            args,
						Env:             []corev1.EnvVar{{Name: "AWS_REGION", Value: env.Cluster.Region}},
						// The autoscaler serves /health-check on 8085, as the
						// upstream chart probes it; readiness is the same
						// check, since only the leader acts.
						Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: autoscalerPort, Protocol: corev1.ProtocolTCP}},
						LivenessProbe:  autoscalerProbe(),
						ReadinessProbe: autoscalerProbe(),
						// No CPU limit: throttling the autoscaler delays
						// scale-ups; memory is capped as upstream does.
						// It writes nothing but its logs (the root
						// filesystem is read-only and it has no volume):
						// ephemeral storage as an app's default.
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{
								corev1.ResourceCPU:              *resource.NewMilliQuantity(100, resource.DecimalSI),
								corev1.ResourceMemory:           *memory,
								corev1.ResourceEphemeralStorage: *resource.NewQuantity(autoscalerEphemeralRequest, resource.BinarySI),
							},
							Limits: corev1.ResourceList{
								corev1.ResourceMemory:           *memory,
								corev1.ResourceEphemeralStorage: *resource.NewQuantity(autoscalerEphemeralLimit, resource.BinarySI),
							},
						},
						SecurityContext: &corev1.SecurityContext{
							ReadOnlyRootFilesystem:   new(true),
							AllowPrivilegeEscalation: new(false),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
				},
			},
		},
	}
}

// autoscalerArgs returns the autoscaler's command-line flags (seeds 000
// and 003): the AWS cloud provider, the expander and scale-down delays of
// the model, and auto-discovery of the cluster's node groups.
func autoscalerArgs(c *model.Cluster) ([]string, error) {
	ca := c.Autoscaler
	for _, f := range []struct{ name, value string }{
		{"expander", ca.Expander},
		{"scaleDownDelayAfterAdd", ca.ScaleDownDelayAfterAdd},
		{"scaleDownUnneededTime", ca.ScaleDownUnneededTime},
	} {
		if f.value == "" {
			return nil, errors.New("no " + f.name)
		}
	}
	return []string{
		"--v=4",
		"--stderrthreshold=info",
		"--cloud-provider=aws",
		"--skip-nodes-with-local-storage=" + strconv.FormatBool(ca.SkipNodesWithLocalStorage),
		"--expander=" + ca.Expander,
		"--scale-down-enabled=true",
		"--scale-down-delay-after-add=" + ca.ScaleDownDelayAfterAdd,
		"--scale-down-unneeded-time=" + ca.ScaleDownUnneededTime,
		"--balance-similar-node-groups",
		"--skip-nodes-with-system-pods=false",
		"--node-group-auto-discovery=" + autoDiscovery(c),
	}, nil
}

// autoDiscovery is the value of --node-group-auto-discovery: the keys of
// the ASG tags the ClusterConfig puts on every node group, sorted. Both
// come from [model.Cluster.AutoscalerTags] and nothing else, so the
// autoscaler always finds exactly the node groups eksctl tagged for it.
func autoDiscovery(c *model.Cluster) string {
	return "asg:tag=" + strings.Join(slices.Sorted(maps.Keys(c.AutoscalerTags())), ",")
}

// autoscalerClusterRules are the ClusterRole rules of the upstream AWS
// example, in its order, as of kubernetes/autoscaler#9487 (on master; its
// backport to cluster-autoscaler-release-1.35 is #10278). They matter for
// 1.35: dynamic resource allocation is always on since 1.35, so the
// autoscaler watches resource.k8s.io (#9244), and since 1.32 it lists
// VolumeAttachments (#7663); without these rules it logs "forbidden" and
// stops scaling. The extensions group no longer exists but stays as
// upstream has it.
func autoscalerClusterRules() []rbacv1.PolicyRule {
	get := []string{"watch", "list", "get"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"events", "endpoints"}, Verbs: []string{"create", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"pods/status"}, Verbs: []string{"update"}},
		{APIGroups: []string{""}, Resources: []string{"endpoints"}, ResourceNames: []string{autoscalerName}, Verbs: []string{"get", "update"}},
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"watch", "list", "get", "update"}},
		{
			APIGroups: []string{""},
			Resources: []string{"namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"},
			Verbs:     get,
		},
		{APIGroups: []string{"extensions"}, Resources: []string{"replicasets", "daemonsets"}, Verbs: get},
		{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"watch", "list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"statefulsets", "replicasets", "daemonsets"}, Verbs: get},
		{APIGroups: []string{"resource.k8s.io"}, Resources: []string{"deviceclasses", "resourceslices", "resourceclaims"}, Verbs: get},
		{
			APIGroups: []string{"storage.k8s.io"},
			Resources: []string{"storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"},
			Verbs:     get,
		},
		{APIGroups: []string{"batch", "extensions"}, Resources: []string{"jobs"}, Verbs: []string{"get", "list", "watch", "patch"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{autoscalerName}, Verbs: []string{"get", "update"}},
	}
}

// autoscalerRules are the kube-system Role rules of the upstream AWS
// example: the status and priority-expander ConfigMaps.
func autoscalerRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create", "list", "watch"}},
		{
			APIGroups:     []string{""},
			Resources:     []string{"configmaps"},
			ResourceNames: []string{"cluster-autoscaler-status", "cluster-autoscaler-priority-expander"},
			Verbs:         []string{"delete", "get", "update", "watch"},
		},
	}
}

// autoscalerPort is where the Cluster Autoscaler serves metrics and
// /health-check.
const autoscalerPort = 8085

func autoscalerProbe() *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/health-check",
			Port: intstr.FromString("http"),
		}},
		InitialDelaySeconds: 15,
		PeriodSeconds:       10,
		TimeoutSeconds:      5,
		FailureThreshold:    3,
	}
}
