package cluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/addons"
	"github.com/gitops-gen/gen/generator/model"
)

const s3Read = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"

func TestBuild(t *testing.T) {
	env := newEnv(t, false)
	obj := build(t, env)
	if obj.App != "" || obj.APIVersion() != "eksctl.io/v1alpha5" || obj.Kind() != "ClusterConfig" || obj.Name() != "chatbot-prod" {
		t.Errorf("Build(prod) = App %q, %s %s/%s; want App \"\", eksctl.io/v1alpha5 ClusterConfig/chatbot-prod",
			obj.App, obj.APIVersion(), obj.Kind(), obj.Name())
	}
	cfg := typed(t, obj)
	autoscaler := env.Cluster.AutoscalerTags()
	withAutoscaler := func(tags map[string]string) map[string]string {
		out := maps.Clone(autoscaler)
		maps.Copy(out, tags)
		return out
	}

	tests := []struct {
		name string
		got  any
		want any
	}{
		{
			name: "metadata",
			got:  cfg.Metadata,
			want: ClusterMeta{
				Name:    "chatbot-prod",
				Region:  "ap-south-1",
				Version: "1.35",
				Tags: map[string]string{
					"project":     "chatbot",
					"cost-center": "platform",
					"environment": "prod",
					"managed-by":  "gen",
				},
			},
		},
		{
			name: "network",
			got:  []any{cfg.VPC, cfg.AvailabilityZones},
			want: []any{
				&ClusterVPC{CIDR: "10.0.0.0/16", NAT: &ClusterNAT{Gateway: "Single"}},
				[]string{"ap-south-1a", "ap-south-1b", "ap-south-1c"},
			},
		},
		{
			// The apps that name a role, then the controllers, by
			// namespace/name; not the unused role, the disabled app or the
			// apps without a role.
			name: "IRSA service accounts",
			got:  cfg.IAM,
			want: &ClusterIAM{
				WithOIDC: ptr(true),
				ServiceAccounts: []ClusterIAMServiceAccount{
					{
						Metadata:         ClusterIAMMeta{Namespace: "chatbot", Name: "backend"},
						AttachPolicyARNs: []string{s3Read},
						RoleName:         "chatbot-backend",
						RoleOnly:         ptr(true),
					},
					{
						Metadata:         ClusterIAMMeta{Namespace: "chatbot", Name: "ml"},
						AttachPolicyARNs: []string{s3Read, "arn:aws:iam::123456789012:policy/chatbot-models-write"},
						RoleName:         "chatbot-ml",
						RoleOnly:         ptr(true),
					},
					{
						Metadata:          ClusterIAMMeta{Namespace: "kube-system", Name: "aws-load-balancer-controller"},
						WellKnownPolicies: &WellKnownPolicies{AWSLoadBalancerController: true},
						RoleName:          "aws-load-balancer-controller",
						RoleOnly:          ptr(true),
					},
					{
						Metadata:          ClusterIAMMeta{Namespace: "kube-system", Name: "cluster-autoscaler"},
						WellKnownPolicies: &WellKnownPolicies{AutoScaler: true},
						RoleName:          "cluster-autoscaler",
						RoleOnly:          ptr(true),
					},
					{
						Metadata:          ClusterIAMMeta{Namespace: "kube-system", Name: "ebs-csi-controller-sa"},
						WellKnownPolicies: &WellKnownPolicies{EBSCSIController: true},
						RoleName:          "ebs-csi-driver",
						RoleOnly:          ptr(true),
					},
					{
						Metadata:         ClusterIAMMeta{Namespace: "logging", Name: "fluent-bit"},
						AttachPolicyARNs: []string{"arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"},
						RoleName:         "chatbot-prod-fluent-bit",
						RoleOnly:         ptr(true),
					},
				},
			},
		},
		{
			// The schema's six, by name: a version the environment leaves
			// out is gen's table's for Kubernetes 1.35; vpc-cni keeps the
			// one it names, with the schema's configuration.
			name: "addons",
			got:  cfg.Addons,
			want: []Addon{
				{Name: "aws-ebs-csi-driver", Version: tableVersion(t, "aws-ebs-csi-driver", "1.35"), ServiceAccountRoleARN: "arn:aws:iam::123456789012:role/ebs-csi-driver"},
				{Name: "coredns", Version: tableVersion(t, "coredns", "1.35")},
				{Name: "eks-pod-identity-agent", Version: tableVersion(t, "eks-pod-identity-agent", "1.35")},
				{Name: "kube-proxy", Version: tableVersion(t, "kube-proxy", "1.35")},
				{Name: "metrics-server", Version: tableVersion(t, "metrics-server", "1.35")},
				{Name: "vpc-cni", Version: "v1.21.1-eksbuild.7", ConfigurationValues: `{"enableNetworkPolicy":"true"}`},
			},
		},
		{
			name: "node groups",
			got:  cfg.ManagedNodeGroups,
			want: []ManagedNodeGroup{
				{
					Name:              "general",
					AMIFamily:         "AmazonLinux2023",
					InstanceTypes:     []string{"t3.medium"},
					DesiredCapacity:   ptr(2),
					MinSize:           ptr(2),
					MaxSize:           ptr(5),
					VolumeSize:        ptr(20),
					VolumeType:        "gp3",
					VolumeEncrypted:   ptr(true),
					Labels:            map[string]string{"workload": "general"},
					PrivateNetworking: true,
					Tags: withAutoscaler(map[string]string{
						"k8s.io/cluster-autoscaler/node-template/label/workload": "general",
					}),
					PropagateASGTags: ptr(true),
				},
				{
					Name:              "ml",
					AMIFamily:         "AmazonLinux2023",
					InstanceTypes:     []string{"m5.large"},
					DesiredCapacity:   ptr(1),
					MinSize:           ptr(1),
					MaxSize:           ptr(3),
					VolumeSize:        ptr(50),
					VolumeType:        "gp3",
					VolumeEncrypted:   ptr(true),
					Labels:            map[string]string{"workload": "ml"},
					Taints:            []NodeGroupTaint{{Key: "workload", Value: "ml", Effect: "NoSchedule"}},
					PrivateNetworking: true,
					Tags: withAutoscaler(map[string]string{
						"k8s.io/cluster-autoscaler/node-template/label/workload": "ml",
						"k8s.io/cluster-autoscaler/node-template/taint/workload": "ml:NoSchedule",
					}),
					PropagateASGTags: ptr(true),
				},
				{
					Name:              "spot",
					AMIFamily:         "Bottlerocket",
					InstanceTypes:     []string{"t3.large", "t3a.large", "m5.large"},
					Spot:              true,
					DesiredCapacity:   ptr(0),
					MinSize:           ptr(0),
					MaxSize:           ptr(6),
					VolumeSize:        ptr(30),
					VolumeType:        "gp3",
					VolumeEncrypted:   ptr(true),
					Labels:            map[string]string{"workload": "general", "capacity": "spot"},
					PrivateNetworking: true,
					Tags: withAutoscaler(map[string]string{
						"team": "platform",
						"k8s.io/cluster-autoscaler/node-template/label/workload": "general",
						"k8s.io/cluster-autoscaler/node-template/label/capacity": "spot",
					}),
					PropagateASGTags: ptr(true),
					MaxPodsPerNode:   35,
				},
			},
		},
		{
			name: "control-plane logging",
			got:  cfg.CloudWatch,
			want: &ClusterCloudWatch{ClusterLogging: &ClusterCloudWatchLogging{
				EnableTypes:        []string{"api", "audit", "authenticator", "controllerManager", "scheduler"},
				LogRetentionInDays: 30,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("Build(prod) %s mismatch (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

// TestBuildAutoDiscovery holds every node group to the auto-discovery tags
// the Cluster Autoscaler's --node-group-auto-discovery names.
func TestBuildAutoDiscovery(t *testing.T) {
	env := newEnv(t, false)
	cfg := typed(t, build(t, env))
	for _, ng := range cfg.ManagedNodeGroups {
		for k, v := range env.Cluster.AutoscalerTags() {
			if got, ok := ng.Tags[k]; !ok || got != v {
				t.Errorf("node group %s: tag %s = %q (set: %t), want %q", ng.Name, k, got, ok, v)
			}
		}
		if ng.PropagateASGTags == nil || !*ng.PropagateASGTags {
			t.Errorf("node group %s: propagateASGTags = %v, want true", ng.Name, ng.PropagateASGTags)
		}
	}
}

// TestBuildRoleNames holds the IRSA roles to the ARNs the rendered
// ServiceAccounts carry in eks.amazonaws.com/role-arn.
func TestBuildRoleNames(t *testing.T) {
	env := newEnv(t, false)
	cfg := typed(t, build(t, env))
	got := map[string]string{}
	for _, sa := range cfg.IAM.ServiceAccounts {
		got[sa.Metadata.Namespace+"/"+sa.Metadata.Name] = env.Cluster.RoleARN(sa.RoleName)
	}
	want := map[string]string{}
	for _, app := range env.Apps {
		if app.Enabled && app.ServiceAccount.Create && app.ServiceAccount.IAMRole != "" {
			want[app.Namespace+"/"+app.Name] = "arn:aws:iam::123456789012:role/" + app.ServiceAccount.IAMRole
		}
	}
	want["kube-system/cluster-autoscaler"] = "arn:aws:iam::123456789012:role/cluster-autoscaler"
	want["kube-system/aws-load-balancer-controller"] = "arn:aws:iam::123456789012:role/aws-load-balancer-controller"
	want["kube-system/ebs-csi-controller-sa"] = "arn:aws:iam::123456789012:role/ebs-csi-driver"
	want["logging/fluent-bit"] = "arn:aws:iam::123456789012:role/chatbot-prod-fluent-bit"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build(prod) role ARNs mismatch (-want +got):\n%s", diff)
	}
}

// variants are changes to the fixture that Build accepts, each with the
// part of the ClusterConfig it changes. The schema test validates them all.
var variants = []struct {
	name   string
	change func(env *model.Environment)
	got    func(cfg ClusterConfig) any
	want   any
}{
	{
		name:   "no autoscaler, no autoscaler role",
		change: func(env *model.Environment) { env.Cluster.Autoscaler.Enabled = false },
		got:    func(cfg ClusterConfig) any { return serviceAccountIDs(cfg) },
		want: []string{
			"chatbot/backend", "chatbot/ml",
			"kube-system/aws-load-balancer-controller", "kube-system/ebs-csi-controller-sa",
			"logging/fluent-bit",
		},
	},
	{
		name:   "no EBS CSI add-on, no EBS CSI role",
		change: func(env *model.Environment) { delete(env.Cluster.Addons, "aws-ebs-csi-driver") },
		got: func(cfg ClusterConfig) any {
			return []any{serviceAccountIDs(cfg), len(cfg.Addons)}
		},
		// The schema's six add-ons but the EBS CSI driver.
		want: []any{[]string{
			"chatbot/backend", "chatbot/ml",
			"kube-system/aws-load-balancer-controller", "kube-system/cluster-autoscaler",
			"logging/fluent-bit",
		}, 5},
	},
	{
		name: "a controller's role adds declared policies to the well-known one",
		change: func(env *model.Environment) {
			env.Cluster.IAM.Roles["cluster-autoscaler"] = model.IAMRole{
				PolicyARNs:        []string{"arn:aws:iam::123456789012:policy/describe-nodegroups"},
				WellKnownPolicies: map[string]bool{"autoScaler": false},
			}
		},
		got: func(cfg ClusterConfig) any { return serviceAccount(cfg, "kube-system/cluster-autoscaler") },
		want: ClusterIAMServiceAccount{
			Metadata:          ClusterIAMMeta{Namespace: "kube-system", Name: "cluster-autoscaler"},
			AttachPolicyARNs:  []string{"arn:aws:iam::123456789012:policy/describe-nodegroups"},
			WellKnownPolicies: &WellKnownPolicies{AutoScaler: true},
			RoleName:          "cluster-autoscaler",
			RoleOnly:          ptr(true),
		},
	},
	{
		name: "an app's role with well-known policies",
		change: func(env *model.Environment) {
			env.Cluster.IAM.Roles["chatbot-backend"] = model.IAMRole{WellKnownPolicies: map[string]bool{"externalDNS": true, "certManager": false}}
		},
		got:  func(cfg ClusterConfig) any { return serviceAccount(cfg, "chatbot/backend").WellKnownPolicies },
		want: &WellKnownPolicies{ExternalDNS: true},
	},
	{
		name: "desiredSize wins over minSize, zones and no taints",
		change: func(env *model.Environment) {
			ng := env.Cluster.NodeGroups["general"]
			ng.DesiredSize = ptr(3)
			ng.Zones = []string{"ap-south-1a", "ap-south-1b"}
			env.Cluster.NodeGroups["general"] = ng
		},
		got: func(cfg ClusterConfig) any {
			ng := cfg.ManagedNodeGroups[0]
			return []any{*ng.DesiredCapacity, *ng.MinSize, ng.AvailabilityZones, ng.Taints}
		},
		want: []any{3, 2, []string{"ap-south-1a", "ap-south-1b"}, []NodeGroupTaint(nil)},
	},
	{
		name: "public nodes, unencrypted volumes, no NAT",
		change: func(env *model.Environment) {
			env.Cluster.Private = false
			env.Cluster.VPC.NAT = "Disable"
			ng := env.Cluster.NodeGroups["ml"]
			ng.VolumeEncrypted = false
			env.Cluster.NodeGroups["ml"] = ng
		},
		got: func(cfg ClusterConfig) any {
			ng := cfg.ManagedNodeGroups[1]
			return []any{ng.Name, ng.PrivateNetworking, *ng.VolumeEncrypted, cfg.VPC.NAT.Gateway}
		},
		want: []any{"ml", false, false, "Disable"},
	},
	{
		name: "a taint without a value, on a group that scales from zero",
		change: func(env *model.Environment) {
			ng := env.Cluster.NodeGroups["ml"]
			ng.MinSize = 0
			ng.Taints = append(ng.Taints, model.Taint{Key: "nvidia.com/gpu", Effect: "NoExecute"})
			env.Cluster.NodeGroups["ml"] = ng
		},
		got: func(cfg ClusterConfig) any {
			ng := cfg.ManagedNodeGroups[1]
			return []any{*ng.DesiredCapacity, ng.Tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"]}
		},
		want: []any{0, ":NoExecute"},
	},
	{
		name: "the cluster's tags cannot rename the environment",
		change: func(env *model.Environment) {
			env.Cluster.Tags["environment"] = "production"
			env.Cluster.Tags["managed-by"] = "terraform"
		},
		got: func(cfg ClusterConfig) any {
			return []string{cfg.Metadata.Tags["environment"], cfg.Metadata.Tags["managed-by"]}
		},
		want: []string{"prod", "gen"},
	},
	{
		name: "a node group's tags cannot switch auto-discovery off",
		change: func(env *model.Environment) {
			ng := env.Cluster.NodeGroups["general"]
			ng.Tags = map[string]string{"k8s.io/cluster-autoscaler/enabled": "false"}
			env.Cluster.NodeGroups["general"] = ng
		},
		got:  func(cfg ClusterConfig) any { return cfg.ManagedNodeGroups[0].Tags["k8s.io/cluster-autoscaler/enabled"] },
		want: "true",
	},
	{
		name:   "no control-plane logs, no cloudWatch",
		change: func(env *model.Environment) { env.Cluster.Logging.Types = nil },
		got:    func(cfg ClusterConfig) any { return cfg.CloudWatch },
		want:   (*ClusterCloudWatch)(nil),
	},
}

func TestBuildVariants(t *testing.T) {
	for _, tt := range variants {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, false)
			tt.change(env)
			got := tt.got(typed(t, build(t, env)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Build mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildDeterministic(t *testing.T) {
	want := encode(t, build(t, newEnv(t, false)).Content)
	tests := []struct {
		name string
		env  *model.Environment
	}{
		{name: "same input", env: newEnv(t, false)},
		{name: "maps filled in reverse", env: newEnv(t, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 5 {
				got := encode(t, build(t, tt.env).Content)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Build(prod) differs from the first build (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, env *model.Environment)
		want   []string
	}{
		{
			name: "two apps share a role",
			change: func(t *testing.T, env *model.Environment) {
				env.Apps["ml-retrain"] = app(t, "ml-retrain", "chatbot", "chatbot-ml")
			},
			want: []string{
				`apps.ml.serviceAccount.iamRole: IAM role chatbot-ml is used by 2 ServiceAccounts (chatbot/ml, chatbot/ml-retrain): eksctl creates an IRSA role for exactly one ServiceAccount, whose name its trust policy holds; give each ServiceAccount a role of its own`,
			},
		},
		{
			name: "an app takes a controller's role",
			change: func(t *testing.T, env *model.Environment) {
				env.Apps["backend"].ServiceAccount.IAMRole = "aws-load-balancer-controller"
			},
			want: []string{
				`apps.backend.serviceAccount.iamRole: IAM role aws-load-balancer-controller is used by 2 ServiceAccounts (chatbot/backend, kube-system/aws-load-balancer-controller): eksctl creates an IRSA role for exactly one ServiceAccount, whose name its trust policy holds; give each ServiceAccount a role of its own`,
			},
		},
		{
			name: "an app is named like a controller's ServiceAccount",
			change: func(t *testing.T, env *model.Environment) {
				env.Apps["cluster-autoscaler"] = app(t, "cluster-autoscaler", "kube-system", "reports-exporter")
			},
			want: []string{
				`apps."cluster-autoscaler".serviceAccount.iamRole: ServiceAccount kube-system/cluster-autoscaler is bound to IAM roles twice (reports-exporter, cluster-autoscaler); eksctl needs each namespace/name once`,
			},
		},
		{
			name: "a role without policies",
			change: func(t *testing.T, env *model.Environment) {
				env.Cluster.IAM.Roles["chatbot-backend"] = model.IAMRole{WellKnownPolicies: map[string]bool{"autoScaler": false}}
			},
			want: []string{
				`cluster.iam.roles."chatbot-backend": IAM role chatbot-backend (ServiceAccount chatbot/backend) has neither policyARNs nor wellKnownPolicies; eksctl creates no role without a policy`,
			},
		},
		{
			name: "an app's role is not declared",
			change: func(t *testing.T, env *model.Environment) {
				env.Apps["frontend"].ServiceAccount.IAMRole = "chatbot-frontend"
			},
			want: []string{
				`apps.frontend.serviceAccount.iamRole: IAM role chatbot-frontend (ServiceAccount chatbot/frontend) is not declared in cluster.iam.roles, so it has no policy`,
			},
		},
		{
			name: "a well-known policy eksctl does not know",
			change: func(t *testing.T, env *model.Environment) {
				env.Cluster.IAM.Roles["reports-exporter"] = model.IAMRole{WellKnownPolicies: map[string]bool{"s3ReadOnly": true}}
			},
			want: []string{
				`cluster.iam.roles."reports-exporter".wellKnownPolicies.s3ReadOnly: IAM role reports-exporter: eksctl has no well-known policy "s3ReadOnly" (it knows autoScaler, awsLoadBalancerController, certManager, ebsCSIController, efsCSIController, externalDNS, imageBuilder)`,
			},
		},
		{
			name: "a taint effect Kubernetes does not know",
			change: func(t *testing.T, env *model.Environment) {
				env.Cluster.NodeGroups["ml"].Taints[0].Effect = "NoScheduling"
			},
			want: []string{
				`cluster.nodeGroups.ml.taints.0.effect: taint workload: effect "NoScheduling" is not NoSchedule, PreferNoSchedule or NoExecute`,
			},
		},
		{
			name: "Amazon Linux 2 on Kubernetes 1.35",
			change: func(t *testing.T, env *model.Environment) {
				ng := env.Cluster.NodeGroups["general"]
				ng.AMIFamily = "AmazonLinux2"
				env.Cluster.NodeGroups["general"] = ng
			},
			want: []string{
				`cluster.nodeGroups.general.amiFamily: node group general: EKS publishes no AmazonLinux2 AMIs for Kubernetes 1.35 (1.32 is the last); use AmazonLinux2023 or Bottlerocket`,
			},
		},
		{
			// 46 of its own, 2 for auto-discovery, 2 for its labels.
			name:   "50 tags, AWS's limit",
			change: func(t *testing.T, env *model.Environment) { setTags(env, "spot", 46) },
		},
		{
			name:   "51 tags, counting the autoscaler's",
			change: func(t *testing.T, env *model.Environment) { setTags(env, "spot", 47) },
			want: []string{
				`cluster.nodeGroups.spot: node group spot would carry 51 tags (its own, plus the Cluster Autoscaler's and one per label and taint); AWS allows 50`,
			},
		},
		{
			name: "every problem, not only the first",
			change: func(t *testing.T, env *model.Environment) {
				env.Apps["ml-retrain"] = app(t, "ml-retrain", "chatbot", "chatbot-ml")
				env.Cluster.NodeGroups["ml"].Taints[0].Effect = "noschedule"
			},
			want: []string{
				`apps.ml.serviceAccount.iamRole: IAM role chatbot-ml is used by 2 ServiceAccounts (chatbot/ml, chatbot/ml-retrain): eksctl creates an IRSA role for exactly one ServiceAccount, whose name its trust policy holds; give each ServiceAccount a role of its own`,
				`cluster.nodeGroups.ml.taints.0.effect: taint workload: effect "noschedule" is not NoSchedule, PreferNoSchedule or NoExecute`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, false)
			tt.change(t, env)
			_, err := Build(env)
			var got []string
			for _, e := range cueerrors.Errors(err) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Build errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// tableVersion returns the version of add-on name that gen's table gives
// for Kubernetes minor, failing the test when it gives none.
func tableVersion(t *testing.T, name, minor string) string {
	t.Helper()
	v, ok := addons.Default(name, minor)
	if !ok {
		t.Fatalf("addons.Default(%q, %q): the table has no version", name, minor)
	}
	return v
}

// setTags gives node group ng n tags of its own.
func setTags(env *model.Environment, ng string, n int) {
	g := env.Cluster.NodeGroups[ng]
	g.Tags = map[string]string{}
	for i := range n {
		g.Tags[fmt.Sprintf("tag-%02d", i)] = "x"
	}
	env.Cluster.NodeGroups[ng] = g
}

func serviceAccountIDs(cfg ClusterConfig) []string {
	var out []string
	for _, sa := range cfg.IAM.ServiceAccounts {
		out = append(out, sa.Metadata.Namespace+"/"+sa.Metadata.Name)
	}
	return out
}

func serviceAccount(cfg ClusterConfig, id string) ClusterIAMServiceAccount {
	for _, sa := range cfg.IAM.ServiceAccounts {
		if sa.Metadata.Namespace+"/"+sa.Metadata.Name == id {
			return sa
		}
	}
	return ClusterIAMServiceAccount{}
}

func encode(t *testing.T, content map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(content, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
