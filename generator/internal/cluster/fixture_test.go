package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// app returns an app of the schema's defaults in namespace, with the IAM
// role role ("" for none).
func app(t testing.TB, name, namespace, role string) *model.App {
	t.Helper()
	src := fmt.Sprintf("namespace: %q", namespace)
	if role != "" {
		src += fmt.Sprintf("\nserviceAccount: iamRole: %q", role)
	}
	return modeltest.App(t, name, src)
}

// prod is prod on seed 003's cluster ([modeltest.ChatbotProd]): the ml
// node group tainted, and seed 001's spot group with several instance
// types; IRSA roles for two apps, for the three controllers (named
// without the cluster's prefix) and one that nothing uses.
const prod = modeltest.ChatbotProd + `
let s3Read = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"

cluster: {
	tags: {project: "chatbot", "cost-center": "platform"}
	addons: "vpc-cni": version: "v1.21.1-eksbuild.7"
	iam: roles: {
		"chatbot-backend": policyARNs: [s3Read]
		"chatbot-ml": policyARNs: [s3Read, "arn:aws:iam::123456789012:policy/chatbot-models-write"]
		"reports-exporter": policyARNs: [s3Read]
	}
	autoscaler: iamRole:   "cluster-autoscaler"
	ebsCSIDriver: iamRole: "ebs-csi-driver"
	nodeGroups: {
		ml: taints: [{key: "workload", value: "ml"}]
		spot: {
			instanceTypes: ["t3.large", "t3a.large", "m5.large"]
			spot:    true
			minSize: 0
			maxSize: 6
			labels: {workload: "general", capacity: "spot"}
			maxPodsPerNode: 35
			amiFamily:      "Bottlerocket"
			volumeSize:     30
			tags: team: "platform"
		}
	}
}
platform: controllers: "aws-load-balancer-controller": serviceAccount: iamRole: "aws-load-balancer-controller"
defaults: namespace: "chatbot"
apps: [Name=_]: image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"}
apps: {
	backend: serviceAccount: iamRole: "chatbot-backend"
	ml: serviceAccount: iamRole:      "chatbot-ml"
	frontend: {}
	worker: serviceAccount: create: false
	loadtest: {
		enabled: false
		serviceAccount: iamRole: "chatbot-loadtest"
	}
}
`

// newEnv returns the environment prod. With reverse, every map of the
// cluster and the apps is filled in the opposite order.
func newEnv(t testing.TB, reverse bool) *model.Environment {
	t.Helper()
	env := modeltest.Env(t, "prod", prod)
	if reverse {
		c := &env.Cluster
		c.Tags, c.Addons, c.IAM.Roles = reversed(c.Tags), reversed(c.Addons), reversed(c.IAM.Roles)
		c.NodeGroups, env.Apps = reversed(c.NodeGroups), reversed(env.Apps)
	}
	return env
}

// reversed returns a copy of m filled in the reverse order of its keys.
func reversed[V any](m map[string]V) map[string]V {
	keys := slices.Sorted(maps.Keys(m))
	slices.Reverse(keys)
	out := make(map[string]V, len(m))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// build returns env's ClusterConfig, failing the test on an error.
func build(t *testing.T, env *model.Environment) object.Object {
	t.Helper()
	obj, err := Build(env)
	if err != nil {
		t.Fatalf("Build(%s) = %v", env.Name, err)
	}
	return obj
}

// typed decodes an object's content back into a ClusterConfig, refusing
// fields the types do not have.
func typed(t *testing.T, obj object.Object) ClusterConfig {
	t.Helper()
	data, err := json.Marshal(obj.Content)
	if err != nil {
		t.Fatal(err)
	}
	var cfg ClusterConfig
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&cfg); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return cfg
}
