package cluster

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/addons"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

const (
	kubeSystem = "kube-system"

	// ebsCSIAddon is the EBS CSI driver's EKS add-on, and
	// ebsCSIServiceAccount the ServiceAccount of its controller, which
	// assumes the driver's IRSA role:
	// https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html
	ebsCSIAddon          = "aws-ebs-csi-driver"
	ebsCSIServiceAccount = "ebs-csi-controller-sa"

	// The ServiceAccount of the Cluster Autoscaler (rendered under
	// platform/).
	autoscalerServiceAccount = "cluster-autoscaler"

	// nodeTemplateTag prefixes the Auto Scaling group tags from which the
	// Cluster Autoscaler learns a node group's labels and taints while the
	// group has no nodes, so that it can scale it up from zero:
	// https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#auto-discovery-setup
	nodeTemplateTag = "k8s.io/cluster-autoscaler/node-template/"

	// maxTags is AWS's limit of user tags on one resource, EKS node
	// groups and Auto Scaling groups included:
	// https://docs.aws.amazon.com/eks/latest/userguide/eks-using-tags.html#tag-restrictions
	maxTags = 50

	// lastAL2Minor is the last Kubernetes minor version with EKS-optimized
	// Amazon Linux 2 AMIs:
	// https://docs.aws.amazon.com/eks/latest/userguide/eks-ami-deprecation-faqs.html
	lastAL2Minor = 32
)

// Build returns the ClusterConfig of env, for "eksctl create cluster -f",
// as an object that no app owns (App is ""). Its lists are sorted: node
// groups and add-ons by name, IRSA ServiceAccounts by namespace and name.
//
// The error, when there is one, lists every problem Build found, each a
// CUE error positioned at the field that causes it.
func Build(env *model.Environment) (object.Object, error) {
	b := &builder{env: env, cl: &env.Cluster}
	cfg := b.config()
	if b.errs != nil {
		return object.Object{}, b.errs
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return object.Object{}, fmt.Errorf("encoding the ClusterConfig of %s: %w", env.Name, err)
	}
	content, err := object.Decode(data)
	if err != nil {
		return object.Object{}, fmt.Errorf("decoding the ClusterConfig of %s: %w", env.Name, err)
	}
	return object.Object{Content: content}, nil
}

type builder struct {
	env  *model.Environment
	cl   *model.Cluster
	errs cueerrors.Error
}

func (b *builder) errorf(path, format string, args ...any) {
	b.errs = cueerrors.Append(b.errs, b.env.Errorf(path, format, args...))
}

func (b *builder) config() *ClusterConfig {
	cl := b.cl
	cfg := &ClusterConfig{
		APIVersion: APIVersion,
		Kind:       Kind,
		Metadata: ClusterMeta{
			Name:    cl.Name,
			Region:  cl.Region,
			Version: cl.Version,
			Tags:    b.clusterTags(),
		},
		IAM: &ClusterIAM{
			WithOIDC:        ptr(true),
			ServiceAccounts: b.serviceAccounts(),
		},
		VPC:               &ClusterVPC{CIDR: cl.VPC.CIDR},
		Addons:            b.addons(),
		ManagedNodeGroups: b.nodeGroups(),
		AvailabilityZones: slices.Clone(cl.Zones),
		CloudWatch:        b.cloudWatch(),
	}
	if cl.VPC.NAT != "" {
		cfg.VPC.NAT = &ClusterNAT{Gateway: cl.VPC.NAT}
	}
	return cfg
}

// clusterTags are the cluster's tags plus two that say where the cluster
// comes from. Those two win over the cluster's own tags of the same name:
// they are facts, not choices.
func (b *builder) clusterTags() map[string]string {
	tags := make(map[string]string, len(b.cl.Tags)+2)
	maps.Copy(tags, b.cl.Tags)
	tags["environment"] = b.env.Base()
	tags["managed-by"] = "gen"
	return tags
}

// binding is a ServiceAccount that assumes an IRSA role.
type binding struct {
	namespace, name string
	role            string
	// needs is the policy a controller needs, whatever its role declares.
	needs WellKnownPolicies
	// at is the CUE path of the field that names the role.
	at string
}

func (sa binding) id() string { return sa.namespace + "/" + sa.name }

// bindings returns every ServiceAccount that assumes an IRSA role, sorted
// by namespace and name.
func (b *builder) bindings() []binding {
	env, cl := b.env, b.cl
	var out []binding
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if app == nil || !app.Enabled || !app.ServiceAccount.Create || app.ServiceAccount.IAMRole == "" {
			continue
		}
		out = append(out, binding{
			namespace: app.Namespace, name: app.Name,
			role: app.ServiceAccount.IAMRole,
			at:   app.Path("serviceAccount.iamRole"),
		})
	}
	if cl.Autoscaler.Enabled && cl.Autoscaler.IAMRole != "" {
		out = append(out, binding{
			namespace: kubeSystem, name: autoscalerServiceAccount,
			role:  cl.Autoscaler.IAMRole,
			needs: WellKnownPolicies{AutoScaler: true},
			at:    "cluster.autoscaler.iamRole",
		})
	}
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		if c.ServiceAccount.IAMRole == "" {
			continue
		}
		out = append(out, binding{
			namespace: c.Namespace, name: c.ServiceAccount.Name,
			role: c.ServiceAccount.IAMRole,
			at:   c.Path("serviceAccount.iamRole"),
		})
	}
	for _, name := range slices.Sorted(maps.Keys(env.SecretStores)) {
		st := env.SecretStores[name]
		if st.AWS == nil || st.AWS.IAMRole == "" {
			continue
		}
		ns, sa := env.StoreServiceAccount(name)
		out = append(out, binding{
			namespace: ns, name: sa,
			role: st.AWS.IAMRole,
			at:   "secretStores." + model.Label(name) + ".aws.iamRole",
		})
	}
	if _, ok := cl.Addon(ebsCSIAddon); ok && cl.EBSCSIDriver.IAMRole != "" {
		out = append(out, binding{
			namespace: kubeSystem, name: ebsCSIServiceAccount,
			role:  cl.EBSCSIDriver.IAMRole,
			needs: WellKnownPolicies{EBSCSIController: true},
			at:    "cluster.ebsCSIDriver.iamRole",
		})
	}
	slices.SortStableFunc(out, func(x, y binding) int {
		return strings.Compare(x.id(), y.id())
	})
	return out
}

// serviceAccounts returns iam.serviceAccounts: one IRSA role per
// ServiceAccount that names one, named as its role-arn annotation names it
// (arn:aws:iam::<account>:role/<roleName>).
//
// Every entry is roleOnly: eksctl creates the IAM role and leaves the
// ServiceAccount alone. gen renders the apps' and the Cluster Autoscaler's
// ServiceAccounts, with the annotation, for Argo CD to sync; the
// controllers' charts (platform.controllers) and the EBS CSI add-on create
// their own.
// Without roleOnly, eksctl would create them too (and their namespaces),
// outside git and in a race with Argo CD.
func (b *builder) serviceAccounts() []ClusterIAMServiceAccount {
	declared := b.declaredPolicies()
	bindings := b.bindings()

	// eksctl creates each role in a CloudFormation stack of its own, with
	// a trust policy for exactly one ServiceAccount: a second entry with
	// the same roleName fails ("already exists"), and nothing else would
	// let the second ServiceAccount assume the role.
	byRole := map[string][]binding{}
	byID := map[string][]binding{}
	for _, sa := range bindings {
		byRole[sa.role] = append(byRole[sa.role], sa)
		byID[sa.id()] = append(byID[sa.id()], sa)
	}
	for _, role := range slices.Sorted(maps.Keys(byRole)) {
		if users := byRole[role]; len(users) > 1 {
			b.errs = cueerrors.Append(b.errs, b.env.ErrorAt(paths(users),
				"IAM role %s is used by %d ServiceAccounts (%s): eksctl creates an IRSA role for exactly one ServiceAccount, whose name its trust policy holds; give each ServiceAccount a role of its own",
				role, len(users), strings.Join(ids(users), ", ")))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		if users := byID[id]; len(users) > 1 {
			b.errs = cueerrors.Append(b.errs, b.env.ErrorAt(paths(users),
				"ServiceAccount %s is bound to IAM roles twice (%s); eksctl needs each namespace/name once",
				id, strings.Join(roles(users), ", ")))
		}
	}

	var out []ClusterIAMServiceAccount
	for _, sa := range bindings {
		policies := declared[sa.role]
		wk := union(policies.wellKnown, sa.needs)
		if len(policies.arns) == 0 && wk == (WellKnownPolicies{}) {
			// eksctl refuses an iamserviceaccount without any policy.
			if _, ok := b.cl.IAM.Roles[sa.role]; ok {
				b.errorf(roleAt(sa.role), "IAM role %s (ServiceAccount %s) has neither policyARNs nor wellKnownPolicies; eksctl creates no role without a policy", sa.role, sa.id())
			} else {
				b.errorf(sa.at, "IAM role %s (ServiceAccount %s) is not declared in cluster.iam.roles, so it has no policy", sa.role, sa.id())
			}
		}
		entry := ClusterIAMServiceAccount{
			Metadata:         ClusterIAMMeta{Name: sa.name, Namespace: sa.namespace},
			AttachPolicyARNs: slices.Clone(policies.arns),
			RoleName:         sa.role,
			RoleOnly:         ptr(true),
		}
		if wk != (WellKnownPolicies{}) {
			entry.WellKnownPolicies = &wk
		}
		out = append(out, entry)
	}
	return out
}

type rolePolicies struct {
	arns      []string
	wellKnown WellKnownPolicies
}

// declaredPolicies returns the policies of every role in cluster.iam.roles,
// and reports the well-known policies eksctl does not know.
func (b *builder) declaredPolicies() map[string]rolePolicies {
	out := map[string]rolePolicies{}
	for _, role := range slices.Sorted(maps.Keys(b.cl.IAM.Roles)) {
		decl := b.cl.IAM.Roles[role]
		p := rolePolicies{arns: decl.PolicyARNs}
		for _, name := range slices.Sorted(maps.Keys(decl.WellKnownPolicies)) {
			field, ok := wellKnownPolicy[name]
			if !ok {
				b.errorf(roleAt(role)+".wellKnownPolicies."+model.Label(name),
					"IAM role %s: eksctl has no well-known policy %q (it knows %s)",
					role, name, strings.Join(slices.Sorted(maps.Keys(wellKnownPolicy)), ", "))
				continue
			}
			if decl.WellKnownPolicies[name] {
				*field(&p.wellKnown) = true
			}
		}
		out[role] = p
	}
	return out
}

// wellKnownPolicy maps eksctl's well-known policy names to their fields.
var wellKnownPolicy = map[string]func(*WellKnownPolicies) *bool{
	"imageBuilder":              func(p *WellKnownPolicies) *bool { return &p.ImageBuilder },
	"autoScaler":                func(p *WellKnownPolicies) *bool { return &p.AutoScaler },
	"awsLoadBalancerController": func(p *WellKnownPolicies) *bool { return &p.AWSLoadBalancerController },
	"externalDNS":               func(p *WellKnownPolicies) *bool { return &p.ExternalDNS },
	"certManager":               func(p *WellKnownPolicies) *bool { return &p.CertManager },
	"ebsCSIController":          func(p *WellKnownPolicies) *bool { return &p.EBSCSIController },
	"efsCSIController":          func(p *WellKnownPolicies) *bool { return &p.EFSCSIController },
}

// union returns the policies in a or b.
func union(a, b WellKnownPolicies) WellKnownPolicies {
	return WellKnownPolicies{
		ImageBuilder:              a.ImageBuilder || b.ImageBuilder,
		AutoScaler:                a.AutoScaler || b.AutoScaler,
		AWSLoadBalancerController: a.AWSLoadBalancerController || b.AWSLoadBalancerController,
		ExternalDNS:               a.ExternalDNS || b.ExternalDNS,
		CertManager:               a.CertManager || b.CertManager,
		EBSCSIController:          a.EBSCSIController || b.EBSCSIController,
		EFSCSIController:          a.EFSCSIController || b.EFSCSIController,
	}
}

// addons returns one add-on per cluster.addons entry, sorted by name.
//
// The EBS CSI driver gets serviceAccountRoleARN, the role that
// iam.serviceAccounts creates for kube-system/ebs-csi-controller-sa
// (roleOnly). The alternative, wellKnownPolicies.ebsCSIController on the
// add-on, has eksctl create the role under a name CloudFormation makes up,
// which nothing else could refer to; this way the role has the name the
// cluster declares, like every other IRSA role. eksctl creates the IAM
// service accounts before the add-ons that come after the node groups,
// which the EBS CSI driver is one of, so the role exists when the add-on
// needs it.
//
// A version left out is the one gen's table gives for the cluster's
// Kubernetes version (check.Environment refuses a version the table does
// not list); configurationValues is JSON with sorted keys.
func (b *builder) addons() []Addon {
	var out []Addon
	for _, name := range slices.Sorted(maps.Keys(b.cl.Addons)) {
		spec, ok := b.cl.Addon(name)
		if !ok {
			continue
		}
		at := "cluster.addons." + model.Label(name)
		a := Addon{Name: name, Version: spec.Version}
		if a.Version == "" {
			v, ok := addons.Default(name, b.cl.Version)
			if !ok {
				b.errorf(at, "add-on %s: gen's add-on table has no version of it for Kubernetes %s; set cluster.addons.%s.version", name, b.cl.Version, model.Label(name))
			}
			a.Version = v
		}
		if spec.ConfigurationValues != nil {
			data, err := json.Marshal(spec.ConfigurationValues)
			if err != nil {
				b.errorf(at+".configurationValues", "add-on %s: configurationValues: %v", name, err)
			}
			a.ConfigurationValues = string(data)
		}
		if name == ebsCSIAddon && b.cl.EBSCSIDriver.IAMRole != "" {
			a.ServiceAccountRoleARN = b.cl.RoleARN(b.cl.EBSCSIDriver.IAMRole)
		}
		out = append(out, a)
	}
	return out
}

// nodeGroups returns the managed node groups, sorted by name.
//
// instanceTypes is always a list, never eksctl's instanceType: a managed
// node group takes one or the other, and spot groups need the list.
func (b *builder) nodeGroups() []ManagedNodeGroup {
	cl := b.cl
	var out []ManagedNodeGroup
	for _, name := range slices.Sorted(maps.Keys(cl.NodeGroups)) {
		ng := cl.NodeGroups[name]
		at := "cluster.nodeGroups." + model.Label(name)
		if ng.AMIFamily == "AmazonLinux2" {
			if minor, ok := minorVersion(cl.Version); ok && minor > lastAL2Minor {
				b.errorf(at+".amiFamily", "node group %s: EKS publishes no AmazonLinux2 AMIs for Kubernetes %s (1.%d is the last); use AmazonLinux2023 or Bottlerocket",
					name, cl.Version, lastAL2Minor)
			}
		}
		desired := ng.MinSize
		if ng.DesiredSize != nil {
			desired = *ng.DesiredSize
		}
		mng := ManagedNodeGroup{
			Name:              name,
			AMIFamily:         ng.AMIFamily,
			InstanceTypes:     slices.Clone(ng.InstanceTypes),
			Spot:              ng.Spot,
			AvailabilityZones: slices.Clone(ng.Zones),
			// Always set, so that a group that may scale to zero starts at
			// its minimum rather than at eksctl's default.
			DesiredCapacity:   ptr(desired),
			MinSize:           ptr(ng.MinSize),
			MaxSize:           ptr(ng.MaxSize),
			VolumeType:        ng.VolumeType,
			Labels:            maps.Clone(ng.Labels),
			Taints:            b.taints(at, ng.Taints),
			PrivateNetworking: cl.Private,
			Tags:              b.nodeGroupTags(name, at, ng),
			// Copies the tags to the node group's Auto Scaling group,
			// where the Cluster Autoscaler reads them.
			PropagateASGTags: ptr(true),
		}
		// eksctl refuses volumeEncrypted without volumeSize.
		if ng.VolumeSize > 0 {
			mng.VolumeSize = ptr(ng.VolumeSize)
			mng.VolumeEncrypted = ptr(ng.VolumeEncrypted)
		}
		if ng.MaxPodsPerNode != nil {
			mng.MaxPodsPerNode = *ng.MaxPodsPerNode
		}
		out = append(out, mng)
	}
	return out
}

// taints returns the node group's taints in their order, and reports
// effects Kubernetes does not know: eksctl's schema takes any string.
func (b *builder) taints(at string, taints []model.Taint) []NodeGroupTaint {
	var out []NodeGroupTaint
	for i, t := range taints {
		switch t.Effect {
		case "NoSchedule", "PreferNoSchedule", "NoExecute":
		default:
			b.errorf(fmt.Sprintf("%s.taints[%d].effect", at, i), "taint %s: effect %q is not NoSchedule, PreferNoSchedule or NoExecute", t.Key, t.Effect)
		}
		out = append(out, NodeGroupTaint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	return out
}

// nodeGroupTags returns the node group's tags plus the Cluster
// Autoscaler's: the auto-discovery tags ([model.Cluster.AutoscalerTags],
// which the autoscaler's --node-group-auto-discovery names) and a
// node-template tag per label and taint, for scaling up from zero
// ("<value>:<effect>" for a taint). The autoscaler's tags win over the
// group's own: they must say what the nodes really carry.
//
// https://docs.aws.amazon.com/eks/latest/eksctl/autoscaling.html#_scaling_up_from_0
func (b *builder) nodeGroupTags(name, at string, ng model.NodeGroup) map[string]string {
	tags := map[string]string{}
	maps.Copy(tags, ng.Tags)
	maps.Copy(tags, b.cl.AutoscalerTags())
	for _, k := range slices.Sorted(maps.Keys(ng.Labels)) {
		tags[nodeTemplateTag+"label/"+k] = ng.Labels[k]
	}
	for _, t := range ng.Taints {
		tags[nodeTemplateTag+"taint/"+t.Key] = t.Value + ":" + t.Effect
	}
	if len(tags) > maxTags {
		b.errorf(at, "node group %s would carry %d tags (its own, plus the Cluster Autoscaler's and one per label and taint); AWS allows %d",
			name, len(tags), maxTags)
	}
	return tags
}

// cloudWatch returns the control-plane logging, or nil when no log type
// is enabled.
func (b *builder) cloudWatch() *ClusterCloudWatch {
	lg := b.cl.Logging
	if len(lg.Types) == 0 {
		return nil
	}
	return &ClusterCloudWatch{ClusterLogging: &ClusterCloudWatchLogging{
		EnableTypes:        slices.Clone(lg.Types),
		LogRetentionInDays: lg.RetentionInDays,
	}}
}

// minorVersion returns the minor version of a "1.<minor>" version.
func minorVersion(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, "1.")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

func roleAt(role string) string { return "cluster.iam.roles." + model.Label(role) }

func paths(bs []binding) []string {
	out := make([]string, len(bs))
	for i, sa := range bs {
		out[i] = sa.at
	}
	return out
}

func ids(bs []binding) []string {
	out := make([]string, len(bs))
	for i, sa := range bs {
		out[i] = sa.id()
	}
	return out
}

func roles(bs []binding) []string {
	out := make([]string, len(bs))
	for i, sa := range bs {
		out[i] = sa.role
	}
	return out
}

func ptr[T any](v T) *T { return &v }
