// Package model holds the Go types of the inputs: an environment, its
// cluster and its apps, as decoded from the CUE in schema/ and
// environments/. The types are plain data; they know nothing about CUE
// syntax, Kubernetes objects or files. Each Environment keeps its
// evaluated cue.Value so that later stages can point errors at the source.
package model

import (
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// Environment is one environment: a cluster and the apps that run on it.
type Environment struct {
	// Name is the environment's name: its folder's path under
	// environments/, "prod", or "chatbot/prod" in a repository of
	// several platforms. It names the environment to gen's commands, its
	// rendered/<name>/ folder and its lock file; what is rendered into the
	// cluster (labels, tags, Argo CD names) takes [Environment.Base]. The
	// loader sets it: the CUE field name is Base.
	Name       string               `json:"-"`
	Cluster    Cluster              `json:"cluster"`
	Namespaces map[string]Namespace `json:"namespaces"`
	// SecretStores are the secret stores of the namespaces' external
	// Secrets, by name.
	SecretStores map[string]SecretStore `json:"secretStores"`
	// IngressGroups are the environment's Application Load Balancers by
	// name, shared by the apps whose Ingress names them.
	IngressGroups map[string]IngressGroup `json:"ingressGroups"`
	Apps          map[string]*App         `json:"apps"`
	Registries    Registries              `json:"registries"`
	ArgoCD        *ArgoCD                 `json:"argocd,omitempty"`
	Policy        PolicySettings          `json:"policy"`
	// Alerting routes the apps' alerts to receivers.
	Alerting Alerting `json:"alerting"`
	// Monitoring is the environment's own Prometheus and Alertmanager.
	Monitoring Monitoring `json:"monitoring"`
	Platform   Platform   `json:"platform"`

	// Value is the evaluated CUE of the environment, unified with the
	// schema: with #EnvironmentBase, its apps as the user's files give
	// them, when each app was evaluated on its own (the usual case); with
	// #Environment when the environment has a problem.
	Value cue.Value `json:"-"`
	// Source is the environment's own CUE, before unification with the
	// schema: its positions are all in the user's files, so Pos prefers it.
	Source cue.Value `json:"-"`
	// Dir is the environment's directory relative to the root, with
	// forward slashes, e.g. "environments/prod".
	Dir string `json:"-"`
	// Inputs are the folders, relative to the root, whose files the
	// environment was loaded from (see cache.InputDirs).
	Inputs []string `json:"-"`

	// suspended, after Suspend, answers Pos until Release.
	suspended *suspension
}

// Release lets go of the evaluated CUE (Value and Source), by far the
// largest part of a loaded environment, once nothing needs its positions:
// [Environment.Pos] then returns token.NoPos.
func (e *Environment) Release() {
	e.Value, e.Source = cue.Value{}, cue.Value{}
	e.suspended = nil
}

// Suspend lets go of the evaluated CUE as Release does, while positions
// may still be asked for: the positions of the fields at the CUE paths
// in keep are noted first, and Pos answers those from the note; the first
// Pos of any other path calls reload for Value and Source again (an
// evaluation of the same files gives the same positions) and answers
// from them from then on. A reload that fails leaves the positions
// unknown. Release ends the suspension. Suspend must not be called while
// another goroutine calls Pos.
func (e *Environment) Suspend(keep []string, reload func() (value, source cue.Value, err error)) {
	s := &suspension{kept: make(map[string]token.Pos, len(keep)), reload: reload}
	// A position's file holds the file system CUE loaded it from, with
	// every file it parsed: a copy of its name and lines lets that go.
	files := map[*token.File]*token.File{}
	for _, p := range keep {
		pos := e.pos(p)
		if f := pos.File(); f != nil {
			c, ok := files[f]
			if !ok {
				c = token.NewFile(f.Name(), -1, f.Size())
				c.SetLines(f.Lines())
				files[f] = c
			}
			pos = c.Pos(pos.Offset(), pos.RelPos())
		}
		s.kept[p] = pos
	}
	e.suspended = s
	e.Value, e.Source = cue.Value{}, cue.Value{}
}

// A suspension is what Pos answers from after Suspend.
type suspension struct {
	kept   map[string]token.Pos
	once   sync.Once
	reload func() (value, source cue.Value, err error)
}

// Base is the environment folder's own name, the CUE field name: "prod"
// for chatbot/prod. It is a DNS label, unique within the platform.
func (e *Environment) Base() string {
	return e.Name[strings.LastIndexByte(e.Name, '/')+1:]
}

// Pos returns the source position of the field at path (a CUE path such as
// "apps.web.replicas") in the user's files, or of the nearest parent that
// the user's files define. Only when the user's files define none of it
// is the position the schema's.
func (e *Environment) Pos(path string) token.Pos {
	if s := e.suspended; s != nil {
		if pos, ok := s.kept[path]; ok {
			return pos
		}
		s.once.Do(func() {
			if v, src, err := s.reload(); err == nil {
				e.Value, e.Source = v, src
			}
		})
	}
	return e.pos(path)
}

func (e *Environment) pos(path string) token.Pos {
	var sels []cue.Selector
	if path != "" {
		sels = cue.ParsePath(path).Selectors()
	}
	for _, v := range []cue.Value{e.Source, e.Value} {
		if !v.Exists() {
			continue
		}
		for n := len(sels); n >= 0; n-- {
			if f := v.LookupPath(cue.MakePath(sels[:n]...)); f.Exists() {
				// Point at the value, as CUE's own errors do, when the
				// field is written once.
				if field, ok := f.Source().(*ast.Field); ok && field.Value != nil && field.Value.Pos().IsValid() {
					return field.Value.Pos()
				}
				if pos := f.Pos(); pos.IsValid() {
					return pos
				}
			}
		}
	}
	return token.NoPos
}

// Platform is what the environment runs besides its apps and the
// cluster's add-ons.
type Platform struct {
	// Name is the platform's, the folder of environments/ that holds the
	// environment's folder ("chatbot" for chatbot/prod); empty in a
	// repository of one platform.
	Name string `json:"name,omitempty"`
	// Controllers are the Helm-installed controllers by name, enabled or
	// not; see [Environment.Controller].
	Controllers map[string]*Controller `json:"controllers"`
}

// Waivers yields every waiver of every enabled app with the app and the
// policy it names, sorted by app and policy.
func (e *Environment) Waivers() iter.Seq2[*App, string] {
	return func(yield func(*App, string) bool) {
		for _, name := range slices.Sorted(maps.Keys(e.Apps)) {
			app := e.Apps[name]
			if !app.Enabled {
				continue
			}
			for _, policy := range slices.Sorted(maps.Keys(app.Waivers)) {
				if !yield(app, policy) {
					return
				}
			}
		}
	}
}

// UnmarshalJSON decodes p and names each controller after its key.
func (p *Platform) UnmarshalJSON(b []byte) error {
	type plain Platform
	if err := jsonUnmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	for name, c := range p.Controllers {
		if c != nil {
			c.Name = name
		}
	}
	return nil
}

// Controller returns the controller name when the environment runs it.
func (e *Environment) Controller(name string) (*Controller, bool) {
	c, ok := e.Platform.Controllers[name]
	return c, ok && c.Enabled
}

// EnabledControllers returns the names of the controllers the environment
// runs, sorted.
func (e *Environment) EnabledControllers() []string {
	var out []string
	for name, c := range e.Platform.Controllers {
		if c.Enabled {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Controller is a cluster controller installed from an upstream Helm chart
// by an Argo CD Application (schema #Controller).
type Controller struct {
	// Name is the controller's key in platform.controllers.
	Name    string `json:"-"`
	Enabled bool   `json:"enabled"`
	Chart   Chart  `json:"chart"`
	// Namespace is where the chart is installed, ReleaseName the Helm
	// release's name.
	Namespace   string `json:"namespace"`
	ReleaseName string `json:"releaseName"`
	// ServiceAccount is the controller's, which the chart creates.
	ServiceAccount struct {
		Name    string `json:"name"`
		IAMRole string `json:"iamRole,omitempty"`
	} `json:"serviceAccount"`
	// Pods are the controller's workloads by name, as capacity counts
	// them.
	Pods         map[string]ControllerPod `json:"pods"`
	NodeSelector map[string]string        `json:"nodeSelector"`
	// Tolerations are the pods' tolerations of node taints; none keeps
	// them on the untainted node groups.
	Tolerations []Toleration `json:"tolerations"`
	// IngressPorts are the pods' ports that accept traffic from anywhere
	// (webhooks).
	IngressPorts []int `json:"ingressPorts"`
	// KubernetesAPI lets the pods call the API server; the schema's
	// default is true.
	KubernetesAPI bool `json:"kubernetesAPI"`
	// Egress are the destinations outside the cluster the pods call, by
	// name.
	Egress map[string]Egress `json:"egress"`
	// QueriesPrometheus: the pods query the environment's Prometheus.
	QueriesPrometheus bool `json:"queriesPrometheus"`
	// Values are the chart's values (helm.valuesObject).
	Values            map[string]any     `json:"values"`
	IgnoreDifferences []IgnoreDifference `json:"ignoreDifferences"`
}

// Path returns the CUE path of the controller's field (dot-separated, e.g.
// "chart.version"), or of the controller itself when field is "".
func (c *Controller) Path(field string) string {
	p := "platform.controllers." + Label(c.Name)
	if field != "" {
		p += "." + field
	}
	return p
}

// Chart is a Helm chart by repository, name and exact version.
type Chart struct {
	RepoURL string `json:"repoURL"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// ControllerPod is one workload of a controller.
type ControllerPod struct {
	// PerNode marks a DaemonSet's pod: one on every node of every node
	// group the controller's nodeSelector and tolerations admit. It has
	// no Replicas.
	PerNode bool `json:"perNode"`
	// Replicas is how many pods the workload runs in the cluster; nil for
	// a PerNode pod.
	Replicas *int         `json:"replicas,omitempty"`
	Requests ResourceList `json:"requests"`
	// Sidecars are the containers added beside the main one, by name,
	// with their requests.
	Sidecars map[string]ResourceList `json:"sidecars,omitempty"`
}

// AllRequests returns the requests of the main container followed by
// those of the sidecars, by name: what one pod requests in all.
func (p ControllerPod) AllRequests() []ResourceList {
	out := []ResourceList{p.Requests}
	for _, name := range slices.Sorted(maps.Keys(p.Sidecars)) {
		out = append(out, p.Sidecars[name])
	}
	return out
}

// Count returns the pod's replicas, 0 when it states none.
func (p ControllerPod) Count() int64 {
	if p.Replicas == nil {
		return 0
	}
	return int64(*p.Replicas)
}

// Toleration is a pod's toleration of node taints, with the API's fields.
type Toleration struct {
	Key      string `json:"key,omitempty"`
	Operator string `json:"operator,omitempty"`
	Value    string `json:"value,omitempty"`
	Effect   string `json:"effect,omitempty"`
}

// IgnoreDifference is a field Argo CD leaves out of its comparison.
type IgnoreDifference struct {
	Group             string   `json:"group,omitempty"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name,omitempty"`
	Namespace         string   `json:"namespace,omitempty"`
	JSONPointers      []string `json:"jsonPointers,omitempty"`
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`
}

// PolicySettings are the environment's settings that policies read.
type PolicySettings struct {
	AllowedRegistries []string `json:"allowedRegistries"`
}

// ArgoCD is how Argo CD syncs the environment; nil means no argocd/.
type ArgoCD struct {
	RepoURL        string `json:"repoURL"`
	TargetRevision string `json:"targetRevision"`
	Namespace      string `json:"namespace"`
	Destination    string `json:"destination"`
	Project        string `json:"project"`
	AutoSync       bool   `json:"autoSync"`
	Retry          Retry  `json:"retry"`
}

// Retry is Argo CD's sync retry policy.
type Retry struct {
	Limit   int `json:"limit"`
	Backoff struct {
		Duration    string `json:"duration"`
		Factor      int    `json:"factor"`
		MaxDuration string `json:"maxDuration"`
	} `json:"backoff"`
}

// Registries configures how images are resolved.
type Registries struct {
	// Mirrors maps a registry host to the host to ask instead.
	Mirrors map[string]string `json:"mirrors"`
}

// Cluster is the EKS cluster the environment deploys to.
type Cluster struct {
	Name       string               `json:"name"`
	Region     string               `json:"region"`
	Version    string               `json:"version"`
	AccountID  string               `json:"accountID"`
	Zones      []string             `json:"zones"`
	Tags       map[string]string    `json:"tags"`
	VPC        VPC                  `json:"vpc"`
	Private    bool                 `json:"privateNetworking"`
	Logging    Logging              `json:"logging"`
	Addons     map[string]Addon     `json:"addons"`
	IAM        IAM                  `json:"iam"`
	Autoscaler Autoscaler           `json:"autoscaler"`
	NodeGroups map[string]NodeGroup `json:"nodeGroups"`

	EBSCSIDriver   RoleOf                  `json:"ebsCSIDriver"`
	StorageClasses map[string]StorageClass `json:"storageClasses"`
	// Budget is a reference monthly cost that gen plan compares with.
	Budget *Budget `json:"budget,omitempty"`
}

// Budget is a reference monthly cost in USD and where it comes from.
type Budget struct {
	Monthly float64 `json:"monthly"`
	Source  string  `json:"source"`
}

// AutoscalerTags are the ASG tags by which the Cluster Autoscaler finds
// this cluster's node groups. The ClusterConfig puts them on every node
// group and the autoscaler's --node-group-auto-discovery names them, both
// from here, so the two cannot drift.
func (c *Cluster) AutoscalerTags() map[string]string {
	return map[string]string{
		"k8s.io/cluster-autoscaler/enabled":   "true",
		"k8s.io/cluster-autoscaler/" + c.Name: "owned",
	}
}

// RoleARN returns the ARN of the IAM role named role in the cluster's
// account.
func (c *Cluster) RoleARN(role string) string {
	return "arn:aws:iam::" + c.AccountID + ":role/" + role
}

// VPC is the cluster's network.
type VPC struct {
	CIDR string `json:"cidr"`
	// NAT is "Single", "HighlyAvailable" or "Disable".
	NAT string `json:"nat"`
}

// Logging is the control-plane logging to CloudWatch.
type Logging struct {
	Types           []string `json:"types"`
	RetentionInDays int      `json:"retentionInDays"`
}

// Addon returns the add-on name when the cluster installs it.
func (c *Cluster) Addon(name string) (Addon, bool) {
	a, ok := c.Addons[name]
	return a, ok && a.Enabled
}

// Addon is an EKS managed add-on.
type Addon struct {
	// Enabled is false for an add-on the environment leaves out.
	Enabled bool `json:"enabled"`
	// Version is exact, or "" for the version gen's table gives for the
	// cluster's Kubernetes version.
	Version string `json:"version,omitempty"`
	// ConfigurationValues is the add-on's configuration, or nil.
	ConfigurationValues map[string]any `json:"configurationValues,omitempty"`
}

// IAM holds the IRSA roles by name.
type IAM struct {
	Roles map[string]IAMRole `json:"roles"`
}

// IAMRole is an IRSA role's permissions.
type IAMRole struct {
	PolicyARNs        []string        `json:"policyARNs"`
	WellKnownPolicies map[string]bool `json:"wellKnownPolicies"`
}

// Autoscaler configures the Cluster Autoscaler.
type Autoscaler struct {
	Enabled                   bool   `json:"enabled"`
	Image                     Image  `json:"image"`
	Expander                  string `json:"expander"`
	ScaleDownDelayAfterAdd    string `json:"scaleDownDelayAfterAdd"`
	ScaleDownUnneededTime     string `json:"scaleDownUnneededTime"`
	SkipNodesWithLocalStorage bool   `json:"skipNodesWithLocalStorage"`
	IAMRole                   string `json:"iamRole"`
}

// RoleOf is the IRSA role of a component gen configures.
type RoleOf struct {
	IAMRole string `json:"iamRole"`
}

// StorageClass is an EBS StorageClass.
type StorageClass struct {
	Type                 string `json:"type"`
	Encrypted            bool   `json:"encrypted"`
	IOPS                 *int   `json:"iops,omitempty"`
	Throughput           *int   `json:"throughput,omitempty"`
	Default              bool   `json:"default"`
	ReclaimPolicy        string `json:"reclaimPolicy"`
	VolumeBindingMode    string `json:"volumeBindingMode"`
	AllowVolumeExpansion bool   `json:"allowVolumeExpansion"`
}

// NodeGroup is a managed node group of the cluster.
type NodeGroup struct {
	InstanceTypes   []string          `json:"instanceTypes"`
	MinSize         int               `json:"minSize"`
	MaxSize         int               `json:"maxSize"`
	DesiredSize     *int              `json:"desiredSize,omitempty"`
	Spot            bool              `json:"spot"`
	Zones           []string          `json:"zones,omitempty"` // nil: all of the cluster's zones
	Labels          map[string]string `json:"labels"`
	Taints          []Taint           `json:"taints"`
	MaxPodsPerNode  *int              `json:"maxPodsPerNode,omitempty"`
	AMIFamily       string            `json:"amiFamily"`
	VolumeSize      int               `json:"volumeSize"`
	VolumeType      string            `json:"volumeType"`
	VolumeEncrypted bool              `json:"volumeEncrypted"`
	Tags            map[string]string `json:"tags"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

// Namespace is a namespace the environment owns.
type Namespace struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// Quota are the namespace's ResourceQuota limits the environment
	// declares, by resource ("requests.cpu"); they replace the derived
	// ones of the same name.
	Quota map[string]string `json:"quota"`
	// QuotaHeadroom is the percentage the derived quota adds to what the
	// namespace's pods need at their peak. The schema's default is 20.
	QuotaHeadroom int64 `json:"quotaHeadroom"`
	// LimitRange is the namespace's LimitRange for containers.
	LimitRange LimitRange `json:"limitRange"`
	// DefaultDeny renders a NetworkPolicy that denies ingress and egress
	// to every pod of the namespace, one that allows DNS, and the
	// NetworkPolicies of its apps. The schema's default is true.
	DefaultDeny bool `json:"defaultDeny"`
	// Secrets are the namespace's Secrets that apps reference and that
	// something other than gen creates, by name.
	Secrets map[string]ProvidedSecret `json:"secrets"`
}

// LimitRange bounds and defaults the resources of a namespace's
// containers, by resource name ("cpu", "memory"); empty means unset.
type LimitRange struct {
	// DefaultRequest and Default (limits) are given to containers that
	// state none.
	DefaultRequest map[string]string `json:"defaultRequest"`
	Default        map[string]string `json:"default"`
	// Min and Max bound every container's requests and limits.
	Min map[string]string `json:"min"`
	Max map[string]string `json:"max"`
}

// ProvidedSecret is a Secret of a namespace and what creates it.
type ProvidedSecret struct {
	// Provided says what: "external" (an ExternalSecret gen renders) or
	// "by-hand".
	Provided string   `json:"provided"`
	Reason   string   `json:"reason,omitempty"`
	Keys     []string `json:"keys"`
	// Store, RemoteKey, Property and RefreshInterval are those of an
	// external Secret: the secret store (a key of
	// [Environment.SecretStores]), the secret in it, per key the property
	// of the remote value it takes (absent: the key's name; nil: the whole
	// value) and how often it is read again.
	Store           string             `json:"store,omitempty"`
	RemoteKey       string             `json:"remoteKey,omitempty"`
	Property        map[string]*string `json:"property,omitempty"`
	RefreshInterval string             `json:"refreshInterval,omitempty"`
}

// Provided values of [ProvidedSecret].
const (
	ProvidedExternal = "external"
	ProvidedByHand   = "by-hand"
)

// PropertyOf returns the property of the remote value that key takes, and
// false when it takes the whole value.
func (s ProvidedSecret) PropertyOf(key string) (string, bool) {
	p, ok := s.Property[key]
	if !ok {
		return key, true
	}
	if p == nil {
		return "", false
	}
	return *p, true
}

// SecretStore is a secret store: a SecretStore in Namespace, or a
// ClusterSecretStore when Namespace is "".
type SecretStore struct {
	Namespace string      `json:"namespace,omitempty"`
	Provider  string      `json:"provider"`
	AWS       *AWSStore   `json:"aws,omitempty"`
	Vault     *VaultStore `json:"vault,omitempty"`
}

// StoreServiceAccount returns the namespace and name of the ServiceAccount
// that the secret store name authenticates as: secret-store-<name>, in the
// store's namespace, or in the External Secrets Operator's (the
// external-secrets controller's) for a ClusterSecretStore.
func (e *Environment) StoreServiceAccount(name string) (namespace, sa string) {
	namespace = e.SecretStores[name].Namespace
	if namespace == "" {
		namespace = "external-secrets"
		if c, ok := e.Platform.Controllers["external-secrets"]; ok && c.Namespace != "" {
			namespace = c.Namespace
		}
	}
	return namespace, "secret-store-" + name
}

// Providers of [SecretStore].
const (
	ProviderSecretsManager = "aws-secrets-manager"
	ProviderParameterStore = "aws-parameter-store"
	ProviderVault          = "vault"
)

// AWSStore is an AWS Secrets Manager or Parameter Store store.
type AWSStore struct {
	IAMRole string `json:"iamRole"`
	Region  string `json:"region"`
}

// VaultStore is a HashiCorp Vault KV store with Kubernetes auth.
type VaultStore struct {
	Server    string `json:"server"`
	Path      string `json:"path"`
	Version   string `json:"version"`
	Namespace string `json:"namespace,omitempty"`
	Auth      struct {
		Kubernetes struct {
			MountPath string `json:"mountPath"`
			Role      string `json:"role"`
		} `json:"kubernetes"`
	} `json:"auth"`
}

// Workload kinds.
const (
	Deployment  = "Deployment"
	StatefulSet = "StatefulSet"
	CronJob     = "CronJob"
	Job         = "Job"
)

// App is one workload and everything that travels with it.
type App struct {
	Name      string   `json:"name"`
	Enabled   bool     `json:"enabled"`
	Namespace string   `json:"namespace"`
	PartOf    string   `json:"partOf"`
	Kind      string   `json:"kind"`
	Image     Image    `json:"image"`
	Command   []string `json:"command,omitempty"`
	Args      []string `json:"args,omitempty"`

	Ports  map[string]Port   `json:"ports"`
	Env    map[string]EnvVar `json:"env"`
	Config Config            `json:"config"`

	Resources   Resources    `json:"resources"`
	Replicas    int32        `json:"replicas"`
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`
	// Capacity is the request rate one replica sustains; nil: not
	// declared.
	Capacity   *Capacity   `json:"capacity,omitempty"`
	Probes     Probes      `json:"probes"`
	Disruption *Disruption `json:"disruption,omitempty"`

	SecurityContext SecurityContext `json:"securityContext"`

	Spread        Spread        `json:"spread"`
	AntiAffinity  string        `json:"antiAffinity"`
	NodeGroup     string        `json:"nodeGroup,omitempty"`
	RollingUpdate RollingUpdate `json:"rollingUpdate"`

	TerminationGracePeriodSeconds int64 `json:"terminationGracePeriodSeconds"`

	Services map[string]Service `json:"services"`
	// Ingress adds the app's paths to an ingress group's load balancer;
	// nil: none.
	Ingress *Ingress `json:"ingress,omitempty"`
	// Delivery releases the app progressively with Argo Rollouts; nil:
	// a plain rolling update.
	Delivery       *Delivery         `json:"delivery,omitempty"`
	Storage        map[string]Volume `json:"storage"`
	ServiceAccount ServiceAccount    `json:"serviceAccount"`

	Schedule string     `json:"schedule,omitempty"`
	Job      JobOptions `json:"job"`

	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`

	Patches []Patch `json:"patches"`

	// Sidecars are more containers in the app's pods, by name.
	Sidecars map[string]*Sidecar `json:"sidecars"`
	// Volumes are emptyDirs the app's containers share, by name.
	Volumes map[string]SharedVolume `json:"volumes"`
	// Logging says how the app's logs leave its pods.
	Logging AppLogging `json:"logging"`

	// DependsOn are apps to sync before this one, and that this one calls.
	DependsOn []string `json:"dependsOn"`
	// NetworkPolicy is the app's ingress allow-list.
	NetworkPolicy NetworkPolicy `json:"networkPolicy"`
	// ArgoCD overrides the environment's Argo CD settings.
	ArgoCD AppArgoCD `json:"argocd"`
	// Waivers let the app break named policies until a date.
	Waivers map[string]Waiver `json:"waivers"`
	// CredentialScan says which of the app's fields hold values that
	// look like credentials and are not.
	CredentialScan CredentialScan `json:"credentialScan"`
	// Metrics is where Prometheus scrapes the app; nil: it is not.
	Metrics *Metrics `json:"metrics,omitempty"`
	// Objectives are the app's service level objectives.
	Objectives Objectives `json:"objectives"`
	// Alerts label and annotate the app's alerts.
	Alerts Alerts `json:"alerts"`
}

// CredentialScan holds an app's exceptions to the credential scan.
type CredentialScan struct {
	// Allow maps a field, relative to the app ("env.CHECKSUM"), to why
	// its value is no credential.
	Allow map[string]CredentialAllowance `json:"allow"`
}

// CredentialAllowance says why a field's value is no credential.
type CredentialAllowance struct {
	Reason string `json:"reason"`
}

// SecurityContext is what an app may set of its pods' security context;
// the rest is the restricted Pod Security Standard, always.
type SecurityContext struct {
	// RunAsUser, RunAsGroup and FSGroup are the pod's IDs. The schema's
	// defaults are the environment's defaults.securityContext (10001 and
	// 10001 unless set), and fsGroup the app's runAsGroup.
	RunAsUser  int64 `json:"runAsUser"`
	RunAsGroup int64 `json:"runAsGroup"`
	FSGroup    int64 `json:"fsGroup"`
	// ReadOnlyRootFilesystem mounts the image read-only, and an emptyDir at
	// /tmp. The schema's default is true.
	ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem"`
}

// NetworkPolicy says who may call an app besides the apps that depend on
// it, and what outside the cluster the app calls.
type NetworkPolicy struct {
	// From are the apps allowed to call this one.
	From []string `json:"from"`
	// Public admits everyone on every port. The schema's default is false.
	Public bool `json:"public"`
	// Egress are the destinations outside the cluster the app calls, by
	// name.
	Egress map[string]Egress `json:"egress"`
	// KubernetesAPI lets the app call the Kubernetes API server. The
	// schema's default is false.
	KubernetesAPI bool `json:"kubernetesAPI"`
}

// Egress is a destination outside the cluster: addresses, ports and a
// protocol.
type Egress struct {
	// CIDRs are the destination's address ranges, e.g. "10.20.0.0/24".
	CIDRs []string `json:"cidrs"`
	// Ports are the destination's ports.
	Ports []int32 `json:"ports"`
	// Protocol is "TCP" (the schema's default), "UDP" or "SCTP".
	Protocol string `json:"protocol"`
	// Reason says why, when the destination is wide (0.0.0.0/0).
	Reason string `json:"reason,omitempty"`
}

// Waiver lets an app break a policy, for a reason, until Expires
// (YYYY-MM-DD).
type Waiver struct {
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
}

// AppArgoCD overrides the environment's Argo CD settings for one app.
type AppArgoCD struct {
	AutoSync *bool `json:"autoSync,omitempty"`
}

// Path returns the CUE path of the app's field, e.g. App.Path("replicas")
// is "apps.web.replicas"; with no field it is the app itself.
func (a *App) Path(field string) string {
	p := "apps." + Label(a.Name)
	if field != "" {
		p += "." + field
	}
	return p
}

// Label returns s as a CUE field label, quoted when it is not an identifier.
func Label(s string) string {
	for _, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return `"` + s + `"`
		}
	}
	if s == "" || s[0] >= '0' && s[0] <= '9' || s[0] == '_' || s[0] == '$' {
		return `"` + s + `"`
	}
	return s
}

// Image names a container image. Digest, when set, pins it.
type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag,omitempty"`
	Digest     string `json:"digest,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
}

// Reference returns the image reference: repository[:tag][@digest].
func (i Image) Reference() string {
	ref := i.Repository
	if i.Tag != "" {
		ref += ":" + i.Tag
	}
	if i.Digest != "" {
		ref += "@" + i.Digest
	}
	return ref
}

// Port is a named container port.
type Port struct {
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"`
}

// EnvVar is a literal value or a reference to a key of an existing Secret.
type EnvVar struct {
	Value     string        `json:"-"`
	SecretRef *SecretKeyRef `json:"-"`
}

// SecretKeyRef points at one key of a Secret that already exists.
type SecretKeyRef struct {
	Secret string `json:"secret"`
	Key    string `json:"key"`
}

// UnmarshalJSON accepts a string or a {secret, key} object.
func (e *EnvVar) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return jsonUnmarshal(b, &e.Value)
	}
	e.SecretRef = new(SecretKeyRef)
	return jsonUnmarshal(b, e.SecretRef)
}

// Config is rendered as ConfigMaps: Env through envFrom, Files mounted at MountPath.
type Config struct {
	Env       map[string]string `json:"env"`
	Files     map[string]string `json:"files"`
	MountPath string            `json:"mountPath"`
}

// Resources are a container's requests and limits, as quantity strings.
type Resources struct {
	Requests ResourceList `json:"requests"`
	Limits   ResourceList `json:"limits"`
}

// ResourceList holds CPU, memory and ephemeral-storage quantities; empty
// means unset. The schema's default ephemeral-storage is 256Mi requested
// and 1Gi limit.
type ResourceList struct {
	CPU              string `json:"cpu,omitempty"`
	Memory           string `json:"memory,omitempty"`
	EphemeralStorage string `json:"ephemeral-storage,omitempty"`
}

// Capacity is the request rate one replica of an app sustains (schema
// #Capacity).
type Capacity struct {
	// RPS is requests per second per replica, at its CPU request.
	RPS float64 `json:"rps"`
	// Headroom is the share of RPS kept in reserve, 0 to 0.9; the
	// schema's default is 0.2.
	Headroom float64 `json:"headroom"`
}

// Autoscaling configures a HorizontalPodAutoscaler, or a KEDA
// ScaledObject when KEDA is set.
type Autoscaling struct {
	Enabled                       bool   `json:"enabled"`
	MinReplicas                   *int32 `json:"minReplicas,omitempty"`
	MaxReplicas                   *int32 `json:"maxReplicas,omitempty"`
	CPU                           *int32 `json:"cpu,omitempty"`
	Memory                        *int32 `json:"memory,omitempty"`
	ScaleDownStabilizationSeconds *int32 `json:"scaleDownStabilizationSeconds,omitempty"`
	// Metrics are the custom metrics, by metric name.
	Metrics map[string]CustomMetric `json:"metrics,omitempty"`
	// KEDA, when set, renders a ScaledObject instead of an HPA.
	KEDA *KEDAScaling `json:"keda,omitempty"`
	// Behavior is the HPA's scaling behavior; nil leaves Kubernetes'
	// defaults.
	Behavior *ScalingBehavior `json:"behavior,omitempty"`
}

// CustomMetric is an HPA's Pods, Object or External metric target.
type CustomMetric struct {
	Type string `json:"type"`
	// Series is the Prometheus series prometheus-adapter serves the
	// metric from (the schema's default: the metric's name, or for a
	// name ending in _per_second the counter <name>_total).
	Series       string            `json:"series,omitempty"`
	Selector     map[string]string `json:"selector,omitempty"`
	AverageValue string            `json:"averageValue,omitempty"`
	Value        string            `json:"value,omitempty"`
	Object       *MetricObject     `json:"object,omitempty"`
}

// MetricObject is the object an Object metric describes.
type MetricObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
}

// ScalingBehavior is an HPA's behavior: each direction's rules.
type ScalingBehavior struct {
	ScaleUp   *ScalingRules `json:"scaleUp,omitempty"`
	ScaleDown *ScalingRules `json:"scaleDown,omitempty"`
}

// ScalingRules are one direction's stabilization window and policies.
type ScalingRules struct {
	StabilizationWindowSeconds *int32          `json:"stabilizationWindowSeconds,omitempty"`
	SelectPolicy               string          `json:"selectPolicy,omitempty"`
	Policies                   []ScalingPolicy `json:"policies,omitempty"`
}

// ScalingPolicy bounds one scaling step: Value pods (Type "Pods") or
// percent (Type "Percent") per PeriodSeconds.
type ScalingPolicy struct {
	Type          string `json:"type"`
	Value         int32  `json:"value"`
	PeriodSeconds int32  `json:"periodSeconds"`
}

// KEDAScaling is a KEDA ScaledObject's settings and Prometheus triggers.
type KEDAScaling struct {
	// PollingInterval is in seconds; 0 leaves KEDA's default (30).
	PollingInterval int32 `json:"pollingInterval,omitempty"`
	// Prometheus are the Prometheus triggers, by name.
	Prometheus map[string]PrometheusTrigger `json:"prometheus,omitempty"`
}

// PrometheusTrigger is a KEDA prometheus scaler.
type PrometheusTrigger struct {
	ServerAddress       string   `json:"serverAddress"`
	Query               string   `json:"query"`
	Threshold           float64  `json:"threshold"`
	ActivationThreshold *float64 `json:"activationThreshold,omitempty"`
}

// HPA reports whether a HorizontalPodAutoscaler manages the app: gen's
// own, or the one KEDA makes for the app's ScaledObject (see [App.KEDA]).
func (a *App) HPA() bool { return a.Autoscaling != nil && a.Autoscaling.Enabled }

// KEDA reports whether a KEDA ScaledObject scales the app.
func (a *App) KEDA() bool { return a.HPA() && a.Autoscaling.KEDA != nil }

// Probes are the container's probes; nil means none.
type Probes struct {
	Liveness  *Probe `json:"liveness,omitempty"`
	Readiness *Probe `json:"readiness,omitempty"`
	Startup   *Probe `json:"startup,omitempty"`
}

// Probe is an HTTP (Path set), gRPC (GRPC) or TCP probe on a named port.
type Probe struct {
	Port                string `json:"port"`
	Path                string `json:"path,omitempty"`
	GRPC                bool   `json:"grpc,omitempty"`
	InitialDelaySeconds int32  `json:"initialDelaySeconds"`
	PeriodSeconds       int32  `json:"periodSeconds"`
	TimeoutSeconds      int32  `json:"timeoutSeconds"`
	FailureThreshold    int32  `json:"failureThreshold"`
	SuccessThreshold    int32  `json:"successThreshold,omitempty"`
}

// Disruption configures a PodDisruptionBudget: an int or a percentage string.
type Disruption struct {
	MinAvailable   *IntOrString `json:"minAvailable,omitempty"`
	MaxUnavailable *IntOrString `json:"maxUnavailable,omitempty"`
}

// IntOrString is a count or a percentage such as "25%".
type IntOrString struct {
	Int    int32
	String string
	IsStr  bool
}

// UnmarshalJSON accepts a number or a string.
func (v *IntOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v.IsStr = true
		return jsonUnmarshal(b, &v.String)
	}
	return jsonUnmarshal(b, &v.Int)
}

// Spread is "none", "preferred" or "required" per topology.
type Spread struct {
	Zones string `json:"zones"`
	Hosts string `json:"hosts"`
}

// RollingUpdate holds maxSurge and maxUnavailable.
type RollingUpdate struct {
	MaxSurge       IntOrString `json:"maxSurge"`
	MaxUnavailable IntOrString `json:"maxUnavailable"`
}

// Service types.
const (
	ClusterIP    = "ClusterIP"
	Headless     = "Headless"
	LoadBalancer = "LoadBalancer"
)

// Service is a Kubernetes Service selecting the app's pods.
type Service struct {
	Type                     string            `json:"type"`
	Ports                    []string          `json:"ports,omitempty"` // nil: all ports
	ServicePorts             map[string]int32  `json:"servicePorts"`
	Scheme                   string            `json:"scheme"`
	PublishNotReadyAddresses bool              `json:"publishNotReadyAddresses,omitempty"`
	Annotations              map[string]string `json:"annotations"`
	// CrossZone (LoadBalancer) enables cross-zone load balancing. The
	// schema's default is true.
	CrossZone bool `json:"crossZone"`
	// SourceRanges (LoadBalancer) are the CIDRs allowed to reach the
	// load balancer; empty: anyone.
	SourceRanges []string `json:"sourceRanges"`
}

// IngressGroup is one Application Load Balancer that the Ingresses of
// several apps share.
type IngressGroup struct {
	// Scheme is "internet-facing" or "internal".
	Scheme string `json:"scheme"`
	// CertificateARNs are ACM certificates for the HTTPS listener, the
	// default first.
	CertificateARNs []string `json:"certificateARNs"`
	Listen          Listen   `json:"listen"`
	// SSLPolicy is the HTTPS listener's security policy.
	SSLPolicy string `json:"sslPolicy"`
	// SSLRedirect redirects HTTP to HTTPS when both listeners exist.
	SSLRedirect bool `json:"sslRedirect"`
	// WAFACLARN is a WAFv2 web ACL, or "".
	WAFACLARN string `json:"wafACLARN,omitempty"`
	// InboundCIDRs are the clients allowed; empty: the controller's
	// default.
	InboundCIDRs []string `json:"inboundCIDRs"`
	// IdleTimeoutSeconds is the connection idle timeout; nil: AWS's.
	IdleTimeoutSeconds *int `json:"idleTimeoutSeconds,omitempty"`
	// Isolated gives the group an IngressClass of its own that admits
	// the namespaces of its apps only.
	Isolated bool `json:"isolated"`
}

// Listen are an ingress group's listener ports; nil: no such listener.
type Listen struct {
	HTTP  *int32 `json:"http"`
	HTTPS *int32 `json:"https,omitempty"`
}

// Ingress is an app's rules in an ingress group.
type Ingress struct {
	// Group names one of the environment's IngressGroups.
	Group string `json:"group"`
	// Order is the rules' place among the group's (group.order).
	Order int `json:"order"`
	// Hosts are the host names the rules match.
	Hosts []string `json:"hosts"`
	// Paths map an HTTP path to the app's port that receives it.
	Paths       map[string]IngressPath `json:"paths"`
	HealthCheck struct {
		// Path overrides the readiness probe's path.
		Path string `json:"path,omitempty"`
	} `json:"healthCheck"`
}

// IngressPath is where one path of an Ingress goes.
type IngressPath struct {
	// Port is the name of one of the app's ports.
	Port string `json:"port"`
	// PathType is "Prefix" or "Exact".
	PathType string `json:"pathType"`
}

// Volume is persistent storage for a StatefulSet.
type Volume struct {
	Size         string `json:"size"`
	StorageClass string `json:"storageClass"`
	MountPath    string `json:"mountPath"`
	AccessMode   string `json:"accessMode"`
}

// ServiceAccount configures the app's ServiceAccount.
type ServiceAccount struct {
	Create  bool   `json:"create"`
	IAMRole string `json:"iamRole,omitempty"`
}

// JobOptions holds settings for CronJobs and Jobs.
type JobOptions struct {
	BackoffLimit            int32  `json:"backoffLimit"`
	RestartPolicy           string `json:"restartPolicy"`
	ConcurrencyPolicy       string `json:"concurrencyPolicy"`
	ActiveDeadlineSeconds   *int64 `json:"activeDeadlineSeconds,omitempty"`
	StartingDeadlineSeconds *int64 `json:"startingDeadlineSeconds,omitempty"`
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
}

// Patch is a kustomize patch (strategic merge or JSON 6902) with an optional target.
type Patch struct {
	Target *PatchTarget `json:"target,omitempty"`
	Patch  string       `json:"patch"`
}

// PatchTarget selects the objects a patch applies to.
type PatchTarget struct {
	Group         string `json:"group,omitempty"`
	Version       string `json:"version,omitempty"`
	Kind          string `json:"kind,omitempty"`
	Name          string `json:"name,omitempty"`
	Namespace     string `json:"namespace,omitempty"`
	LabelSelector string `json:"labelSelector,omitempty"`
}

// Delivery is an app's progressive delivery with Argo Rollouts: one of
// Canary and BlueGreen, and the analysis that decides the release.
type Delivery struct {
	Canary    *Canary    `json:"canary,omitempty"`
	BlueGreen *BlueGreen `json:"blueGreen,omitempty"`
	Analysis  Analysis   `json:"analysis"`
}

// The delivery strategies and canary traffic routers.
const (
	StrategyCanary    = "canary"
	StrategyBlueGreen = "blueGreen"
	RoutingALB        = "alb"
	RoutingReplicas   = "replicas"
)

// Strategy returns "canary" or "blueGreen" ("" for neither).
func (d *Delivery) Strategy() string {
	switch {
	case d == nil:
		return ""
	case d.Canary != nil:
		return StrategyCanary
	case d.BlueGreen != nil:
		return StrategyBlueGreen
	}
	return ""
}

// Canary is a release in weighted steps.
type Canary struct {
	Steps []CanaryStep `json:"steps"`
	// TrafficRouting is "alb", "replicas" or "" (see App.CanaryRouting).
	TrafficRouting string `json:"trafficRouting,omitempty"`
}

// CanaryStep is a weight of the new version, held for Pause ("" none).
type CanaryStep struct {
	Weight int32  `json:"weight"`
	Pause  string `json:"pause,omitempty"`
}

// BlueGreen is a release beside the old version, switched at once.
type BlueGreen struct {
	AutoPromotion         bool  `json:"autoPromotion"`
	ScaleDownDelaySeconds int32 `json:"scaleDownDelaySeconds"`
}

// Analysis is the Prometheus analysis of a release.
type Analysis struct {
	Enabled      bool   `json:"enabled"`
	Prometheus   string `json:"prometheus"`
	Interval     string `json:"interval"`
	FailureLimit int32  `json:"failureLimit"`
	Window       string `json:"window"`
	SuccessRate  struct {
		Enabled bool `json:"enabled"`
		// From is AnalysisFromObjective (the app's availability
		// objective: Total and Errors are "" unless wrongly set) or
		// AnalysisFromQuery (Total and Errors).
		From   string `json:"from"`
		Total  string `json:"total,omitempty"`
		Errors string `json:"errors,omitempty"`
		// Minimum is nil when From is AnalysisFromObjective and the
		// analysis does not set it: the objective's target.
		Minimum *float64 `json:"minimum,omitempty"`
	} `json:"successRate"`
	Latency struct {
		Enabled bool `json:"enabled"`
		// From is AnalysisFromObjective (the app's latency objective:
		// Histogram is "" and Quantile nil unless wrongly set) or
		// AnalysisFromQuery (Histogram at Quantile).
		From      string   `json:"from"`
		Histogram string   `json:"histogram,omitempty"`
		Quantile  *float64 `json:"quantile,omitempty"`
		// MaximumSeconds is nil when From is AnalysisFromObjective and
		// the analysis does not set it: the objective's threshold.
		MaximumSeconds *float64 `json:"maximumSeconds,omitempty"`
	} `json:"latency"`
}

// Where a measurement of a release's analysis comes from (schema
// #AnalysisFrom): the app's objective of its kind, or the measurement's
// own fields.
const (
	AnalysisFromObjective = "objective"
	AnalysisFromQuery     = "query"
)

// CanaryRouting returns how the app's canary splits traffic: its
// trafficRouting, else "alb" when the app has an ingress and "replicas"
// otherwise; "" when the app has no canary.
func (a *App) CanaryRouting() string {
	if a.Delivery == nil || a.Delivery.Canary == nil {
		return ""
	}
	if r := a.Delivery.Canary.TrafficRouting; r != "" {
		return r
	}
	if a.Ingress != nil {
		return RoutingALB
	}
	return RoutingReplicas
}
