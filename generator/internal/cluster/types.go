package cluster

// These are the parts of eksctl's ClusterConfig (eksctl.io/v1alpha5) that
// gen writes, with eksctl's JSON field names and omitempty behaviour:
// https://github.com/eksctl-io/eksctl/blob/main/pkg/apis/eksctl.io/v1alpha5/types.go
//
// eksctl's own Go module (github.com/weaveworks/eksctl) is not used: it
// brings about 480 dependencies (the AWS SDK, client-go, CloudFormation
// builders) and cannot be fetched here. Local types are a small price, and
// TestTypesMatchSchema keeps them honest: it sets every field of every type
// below and validates the result against eksctl's JSON schema
// (schemas/eksctl/schema.json, "additionalProperties": false everywhere),
// so a misspelt field name, a wrong JSON type or a field that eksctl
// dropped fails the tests.
//
// Where eksctl uses a pointer to tell "unset" from a zero value (sizes,
// volumeEncrypted, propagateASGTags, withOIDC, roleOnly), so do these
// types: a node group that may scale to zero must say desiredCapacity: 0.

// APIVersion and Kind identify a ClusterConfig.
const (
	APIVersion = "eksctl.io/v1alpha5"
	Kind       = "ClusterConfig"
)

// ClusterConfig is eksctl's description of a cluster and its node groups.
type ClusterConfig struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   ClusterMeta `json:"metadata"`

	IAM               *ClusterIAM        `json:"iam,omitempty"`
	VPC               *ClusterVPC        `json:"vpc,omitempty"`
	Addons            []Addon            `json:"addons,omitempty"`
	ManagedNodeGroups []ManagedNodeGroup `json:"managedNodeGroups,omitempty"`
	AvailabilityZones []string           `json:"availabilityZones,omitempty"`
	CloudWatch        *ClusterCloudWatch `json:"cloudWatch,omitempty"`
}

// ClusterMeta names the cluster and says where it runs.
type ClusterMeta struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	// Version is the Kubernetes minor version, e.g. "1.35".
	Version string `json:"version,omitempty"`
	// Tags go on every AWS resource eksctl creates.
	Tags map[string]string `json:"tags,omitempty"`
}

// ClusterVPC is the VPC eksctl creates for the cluster.
type ClusterVPC struct {
	CIDR string      `json:"cidr,omitempty"`
	NAT  *ClusterNAT `json:"nat,omitempty"`
}

// ClusterNAT configures the NAT gateways.
type ClusterNAT struct {
	// Gateway is "Single", "HighlyAvailable" (one per zone) or "Disable".
	Gateway string `json:"gateway,omitempty"`
}

// ClusterIAM holds the cluster's IAM settings.
type ClusterIAM struct {
	// WithOIDC enables the cluster's IAM OIDC provider, which IRSA needs.
	WithOIDC        *bool                      `json:"withOIDC,omitempty"`
	ServiceAccounts []ClusterIAMServiceAccount `json:"serviceAccounts,omitempty"`
}

// ClusterIAMServiceAccount is an IRSA role bound to one ServiceAccount
// (eksctl's "iamserviceaccount").
type ClusterIAMServiceAccount struct {
	Metadata          ClusterIAMMeta     `json:"metadata"`
	AttachPolicyARNs  []string           `json:"attachPolicyARNs,omitempty"`
	WellKnownPolicies *WellKnownPolicies `json:"wellKnownPolicies,omitempty"`
	// RoleName replaces the role name CloudFormation would generate.
	RoleName string `json:"roleName,omitempty"`
	// RoleOnly creates the IAM role but neither creates nor annotates the
	// ServiceAccount.
	RoleOnly *bool `json:"roleOnly,omitempty"`
}

// ClusterIAMMeta names the ServiceAccount a role is for.
type ClusterIAMMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// WellKnownPolicies are the IAM policies eksctl knows by name.
type WellKnownPolicies struct {
	ImageBuilder              bool `json:"imageBuilder,omitempty"`
	AutoScaler                bool `json:"autoScaler,omitempty"`
	AWSLoadBalancerController bool `json:"awsLoadBalancerController,omitempty"`
	ExternalDNS               bool `json:"externalDNS,omitempty"`
	CertManager               bool `json:"certManager,omitempty"`
	EBSCSIController          bool `json:"ebsCSIController,omitempty"`
	EFSCSIController          bool `json:"efsCSIController,omitempty"`
}

// Addon is an EKS add-on.
type Addon struct {
	Name string `json:"name"`
	// Version is an exact add-on version.
	Version string `json:"version,omitempty"`
	// ConfigurationValues is the add-on's configuration as a JSON object
	// in a string.
	ConfigurationValues string `json:"configurationValues,omitempty"`
	// ServiceAccountRoleARN is an existing role for the add-on's
	// ServiceAccount; eksctl then creates none.
	ServiceAccountRoleARN string `json:"serviceAccountRoleARN,omitempty"`
}

// ManagedNodeGroup is an EKS managed node group.
type ManagedNodeGroup struct {
	Name              string            `json:"name"`
	AMIFamily         string            `json:"amiFamily,omitempty"`
	InstanceTypes     []string          `json:"instanceTypes,omitempty"`
	Spot              bool              `json:"spot,omitempty"`
	AvailabilityZones []string          `json:"availabilityZones,omitempty"`
	DesiredCapacity   *int              `json:"desiredCapacity,omitempty"`
	MinSize           *int              `json:"minSize,omitempty"`
	MaxSize           *int              `json:"maxSize,omitempty"`
	VolumeSize        *int              `json:"volumeSize,omitempty"`
	VolumeType        string            `json:"volumeType,omitempty"`
	VolumeEncrypted   *bool             `json:"volumeEncrypted,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Taints            []NodeGroupTaint  `json:"taints,omitempty"`
	PrivateNetworking bool              `json:"privateNetworking,omitempty"`
	// Tags go on the EKS node group and its instances and, with
	// PropagateASGTags, on its Auto Scaling group, where the Cluster
	// Autoscaler reads them.
	Tags             map[string]string `json:"tags,omitempty"`
	PropagateASGTags *bool             `json:"propagateASGTags,omitempty"`
	MaxPodsPerNode   int               `json:"maxPodsPerNode,omitempty"`
}

// NodeGroupTaint is a taint on a node group's nodes.
type NodeGroupTaint struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	// Effect is "NoSchedule", "PreferNoSchedule" or "NoExecute". eksctl's
	// schema does not restrict it (it is a plain string there), so Build
	// does.
	Effect string `json:"effect"`
}

// ClusterCloudWatch configures CloudWatch for the control plane.
type ClusterCloudWatch struct {
	ClusterLogging *ClusterCloudWatchLogging `json:"clusterLogging,omitempty"`
}

// ClusterCloudWatchLogging selects the control-plane logs and how long
// CloudWatch keeps them.
type ClusterCloudWatchLogging struct {
	EnableTypes        []string `json:"enableTypes,omitempty"`
	LogRetentionInDays int      `json:"logRetentionInDays,omitempty"`
}
