package cluster

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// kv is a map entry; fixtures build their maps from lists of them so that
// a test can insert the same entries in another order.
type kv[V any] struct {
	k string
	v V
}

func mapOf[V any](reverse bool, entries ...kv[V]) map[string]V {
	if reverse {
		entries = slices.Clone(entries)
		slices.Reverse(entries)
	}
	m := make(map[string]V, len(entries))
	for _, e := range entries {
		m[e.k] = e.v
	}
	return m
}

func app(name, namespace, role string) *model.App {
	return &model.App{
		Name:           name,
		Enabled:        true,
		Namespace:      namespace,
		Kind:           model.Deployment,
		ServiceAccount: model.ServiceAccount{Create: true, IAMRole: role},
	}
}

// newEnv returns prod on seed 003's cluster (ap-south-1, three zones, EKS
// 1.35), with the schema's defaults filled in as the loader would: a
// general node group (t3.medium, 2-5), a tainted ml node group (m5.large,
// 1-3) and seed 001's spot group with several instance types; IRSA roles
// for two apps, for the three controllers and one that nothing uses. With
// reverse, every map is filled in the opposite order.
func newEnv(reverse bool) *model.Environment {
	s3Read := "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	frontend := app("frontend", "chatbot", "")
	worker := app("worker", "chatbot", "")
	worker.ServiceAccount.Create = false
	loadtest := app("loadtest", "chatbot", "chatbot-loadtest")
	loadtest.Enabled = false

	return &model.Environment{
		Name: "prod",
		Cluster: model.Cluster{
			Name:      "chatbot-prod",
			Region:    "ap-south-1",
			Version:   "1.35",
			AccountID: "123456789012",
			Zones:     []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"},
			Tags: mapOf(reverse,
				kv[string]{"project", "chatbot"},
				kv[string]{"cost-center", "platform"},
			),
			VPC:     model.VPC{CIDR: "10.0.0.0/16", NAT: "Single"},
			Private: true,
			Logging: model.Logging{
				Types:           []string{"api", "audit", "authenticator", "controllerManager", "scheduler"},
				RetentionInDays: 30,
			},
			Addons: mapOf(reverse,
				kv[model.Addon]{"vpc-cni", model.Addon{Version: "v1.19.2-eksbuild.1"}},
				kv[model.Addon]{"coredns", model.Addon{Version: "latest"}},
				kv[model.Addon]{"kube-proxy", model.Addon{Version: "latest"}},
				kv[model.Addon]{"aws-ebs-csi-driver", model.Addon{Version: "latest"}},
			),
			IAM: model.IAM{Roles: mapOf(reverse,
				kv[model.IAMRole]{"chatbot-backend", model.IAMRole{PolicyARNs: []string{s3Read}}},
				kv[model.IAMRole]{"chatbot-ml", model.IAMRole{PolicyARNs: []string{
					s3Read,
					"arn:aws:iam::123456789012:policy/chatbot-models-write",
				}}},
				kv[model.IAMRole]{"reports-exporter", model.IAMRole{PolicyARNs: []string{s3Read}}},
				kv[model.IAMRole]{"cluster-autoscaler", model.IAMRole{WellKnownPolicies: map[string]bool{"autoScaler": true}}},
				kv[model.IAMRole]{"aws-load-balancer-controller", model.IAMRole{WellKnownPolicies: map[string]bool{"awsLoadBalancerController": true}}},
				kv[model.IAMRole]{"ebs-csi-driver", model.IAMRole{WellKnownPolicies: map[string]bool{"ebsCSIController": true}}},
			)},
			Autoscaler: model.Autoscaler{
				Enabled:  true,
				Image:    model.Image{Repository: "registry.k8s.io/autoscaling/cluster-autoscaler", Tag: "v1.35.0"},
				Expander: "least-waste",
				IAMRole:  "cluster-autoscaler",
			},
			LoadBalancerController: model.Controller{IAMRole: "aws-load-balancer-controller"},
			EBSCSIDriver:           model.Controller{IAMRole: "ebs-csi-driver"},
			NodeGroups: mapOf(reverse,
				kv[model.NodeGroup]{"general", model.NodeGroup{
					InstanceTypes:   []string{"t3.medium"},
					MinSize:         2,
					MaxSize:         5,
					Labels:          map[string]string{"workload": "general"},
					AMIFamily:       "AmazonLinux2023",
					VolumeSize:      20,
					VolumeType:      "gp3",
					VolumeEncrypted: true,
				}},
				kv[model.NodeGroup]{"ml", model.NodeGroup{
					InstanceTypes:   []string{"m5.large"},
					MinSize:         1,
					MaxSize:         3,
					Labels:          map[string]string{"workload": "ml"},
					Taints:          []model.Taint{{Key: "workload", Value: "ml", Effect: "NoSchedule"}},
					AMIFamily:       "AmazonLinux2023",
					VolumeSize:      50,
					VolumeType:      "gp3",
					VolumeEncrypted: true,
				}},
				kv[model.NodeGroup]{"spot", model.NodeGroup{
					InstanceTypes:   []string{"t3.large", "t3a.large", "m5.large"},
					Spot:            true,
					MinSize:         0,
					MaxSize:         6,
					Labels:          map[string]string{"workload": "general", "capacity": "spot"},
					MaxPodsPerNode:  ptr(35),
					AMIFamily:       "Bottlerocket",
					VolumeSize:      30,
					VolumeType:      "gp3",
					VolumeEncrypted: true,
					Tags:            map[string]string{"team": "platform"},
				}},
			),
		},
		Apps: mapOf(reverse,
			kv[*model.App]{"backend", app("backend", "chatbot", "chatbot-backend")},
			kv[*model.App]{"ml", app("ml", "chatbot", "chatbot-ml")},
			kv[*model.App]{"frontend", frontend},
			kv[*model.App]{"worker", worker},
			kv[*model.App]{"loadtest", loadtest},
		),
	}
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
