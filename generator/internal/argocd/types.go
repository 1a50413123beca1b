package argocd

// These are the parts of Argo CD's Application and AppProject
// (argoproj.io/v1alpha1) that gen writes, with Argo CD's JSON field names
// and omitempty behaviour:
// https://github.com/argoproj/argo-cd/blob/master/pkg/apis/application/v1alpha1/types.go
// and app_project_types.go.
//
// Argo CD's Go module is not used: it drags in most of Argo CD (gitops-engine,
// client-go, the repo server's API) for a handful of structs. Local types are
// a small price, and TestTypesMatchCRD keeps them honest: it sets every field
// below and validates the result against the CRDs' openAPIV3Schema with
// unknown fields rejected, so a misspelt field name or a wrong JSON type
// fails the tests.

// APIVersion is the apiVersion of every object Build returns.
const APIVersion = "argoproj.io/v1alpha1"

// The kinds Build returns.
const (
	KindApplication = "Application"
	KindAppProject  = "AppProject"
)

// meta is the part of ObjectMeta gen sets.
type meta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Finalizers  []string          `json:"finalizers,omitempty"`
}

// application is an Argo CD Application: one folder of this repository
// synced to one destination.
type application struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   meta            `json:"metadata"`
	Spec       applicationSpec `json:"spec"`
}

type applicationSpec struct {
	Project           string              `json:"project"`
	Source            source              `json:"source"`
	Destination       destination         `json:"destination"`
	SyncPolicy        *syncPolicy         `json:"syncPolicy,omitempty"`
	IgnoreDifferences []ignoreDifferences `json:"ignoreDifferences,omitempty"`
}

// source is a folder of this repository (Path, Directory) or a Helm chart
// of a chart repository (Chart, Helm).
type source struct {
	RepoURL        string     `json:"repoURL"`
	TargetRevision string     `json:"targetRevision,omitempty"`
	Path           string     `json:"path,omitempty"`
	Directory      *directory `json:"directory,omitempty"`
	Chart          string     `json:"chart,omitempty"`
	Helm           *helm      `json:"helm,omitempty"`
}

// helm renders a chart: the release's name and its values, as an object
// (valuesObject, not a YAML string: Argo CD's diff then shows each value).
type helm struct {
	ReleaseName  string         `json:"releaseName,omitempty"`
	ValuesObject map[string]any `json:"valuesObject,omitempty"`
}

// directory makes the source a plain folder of manifests (no Helm, no
// Kustomize), read recursively.
type directory struct {
	Recurse bool `json:"recurse,omitempty"`
}

// destination is a cluster, by the name Argo CD knows it by, and a
// namespace. gen never sets Server: Argo CD refuses a destination with both.
type destination struct {
	Name      string `json:"name,omitempty"`
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

type syncPolicy struct {
	// Automated, when set, syncs every change; nil leaves it to a person.
	Automated   *automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions,omitempty"`
	Retry       *retry     `json:"retry,omitempty"`
}

type automated struct {
	Prune    bool `json:"prune,omitempty"`
	SelfHeal bool `json:"selfHeal,omitempty"`
}

type retry struct {
	Limit   int64    `json:"limit,omitempty"`
	Backoff *backoff `json:"backoff,omitempty"`
}

type backoff struct {
	Duration    string `json:"duration,omitempty"`
	Factor      *int64 `json:"factor,omitempty"`
	MaxDuration string `json:"maxDuration,omitempty"`
}

// ignoreDifferences leaves fields that another controller owns out of the
// comparison (and, with RespectIgnoreDifferences=true, out of the sync).
type ignoreDifferences struct {
	Group             string   `json:"group,omitempty"`
	Kind              string   `json:"kind"`
	Name              string   `json:"name,omitempty"`
	Namespace         string   `json:"namespace,omitempty"`
	JSONPointers      []string `json:"jsonPointers,omitempty"`
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`
}

// appProject is an Argo CD AppProject: what the environment's Applications
// may deploy, from where and to where.
type appProject struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   meta           `json:"metadata"`
	Spec       appProjectSpec `json:"spec"`
}

type appProjectSpec struct {
	Description                string        `json:"description,omitempty"`
	SourceRepos                []string      `json:"sourceRepos"`
	Destinations               []destination `json:"destinations"`
	ClusterResourceWhitelist   []groupKind   `json:"clusterResourceWhitelist"`
	NamespaceResourceWhitelist []groupKind   `json:"namespaceResourceWhitelist"`
}

// groupKind is an API group and kind; the core group is "" and is written
// (the CRD requires the field).
type groupKind struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
}
