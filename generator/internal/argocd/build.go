package argocd

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
)

// The names of the Applications that are not apps. An app may not take
// them: its Application, and file, would collide.
const (
	RootName     = "root"
	PlatformName = "platform"
	SecretsName  = "secrets"
	IngressName  = "ingress"
)

// reservedNames are the names of the Applications that are not apps.
var reservedNames = []string{PlatformName, RootName, SecretsName, IngressName}

// The folders of rendered/<env>/ that Applications sync. cluster/ is not
// one of them: eksctl.yaml is not a Kubernetes object.
const (
	argocdDir   = output.ArgoCDDir
	platformDir = output.PlatformDir
	secretsDir  = output.SecretsDir
	ingressDir  = output.IngressDir
	appsDir     = output.AppsDir
)

const (
	// inCluster is the name under which Argo CD knows the cluster it runs
	// in. The root Application creates Application objects, which must
	// live where Argo CD runs, whatever cluster the environment deploys to.
	inCluster = "in-cluster"

	// kubeSystem is where platform pieces such as the Cluster Autoscaler
	// run; the platform Application's destination namespace.
	kubeSystem = "kube-system"

	// finalizer makes deleting an Application delete the objects it
	// synced (foreground cascading deletion):
	// https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/#about-the-deletion-finalizer
	// On the AppProject it keeps the project until no Application uses it.
	finalizer = "resources-finalizer.argocd.argoproj.io"
)

// Label keys and values, as package kube sets them on every object.
const (
	labelPartOf    = "app.kubernetes.io/part-of"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelEnv       = "environment"
	managedBy      = "gen"
	partOfPlatform = "platform"
)

// syncOptions are the sync options of every Application:
// https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
//
//   - CreateNamespace=false: gen renders every Namespace (with its labels
//     and quota) under platform/; an Application must never create a bare
//     one, so a missing Namespace fails the sync instead of hiding.
//   - PruneLast=true: objects that left the tree are deleted only after
//     the rest of the sync is applied and healthy, so a renamed Service or
//     ConfigMap is replaced before the old one goes.
//   - ServerSideApply=true: no kubectl.kubernetes.io/last-applied-configuration
//     annotation (and its size limit), and field ownership, so that fields
//     gen leaves out (spec.replicas of an HPA-managed workload) stay with
//     the controller that sets them.
//
// ApplyOutOfSyncOnly is not set: an app is a handful of objects, and
// applying all of them on every sync keeps "the cluster holds what was
// reviewed" true for objects Argo CD believes in sync, at no real cost.
var syncOptions = []string{
	"CreateNamespace=false",
	"PruneLast=true",
	"ServerSideApply=true",
}

// respectIgnoreDifferences makes a sync leave the ignored fields alone
// too, not only the diff; without it, every sync would reset the
// replicas an HPA chose.
const respectIgnoreDifferences = "RespectIgnoreDifferences=true"

// clusterResourceWhitelist are the cluster-scoped kinds the AppProject
// allows: those the platform pieces need (seed 003's, and the
// IngressClasses of isolated ingress groups). Any other
// cluster-scoped object in the tree is an error of Build, never a silent
// widening of the project.
var clusterResourceWhitelist = []groupKind{
	{"", "Namespace"},
	{"elbv2.k8s.aws", "IngressClassParams"},
	{"networking.k8s.io", "IngressClass"},
	{"rbac.authorization.k8s.io", "ClusterRole"},
	{"rbac.authorization.k8s.io", "ClusterRoleBinding"},
	{"scheduling.k8s.io", "PriorityClass"},
	{"storage.k8s.io", "StorageClass"},
	{"external-secrets.io", "ClusterSecretStore"},
}

// argoKinds are the namespaced kinds the root Application syncs.
var argoKinds = []groupKind{
	{"argoproj.io", KindAppProject},
	{"argoproj.io", KindApplication},
}

// Build returns env's Argo CD objects: the AppProject (named
// env.ArgoCD.Project), the root Application ("root", syncing
// <dir>/argocd), the platform Application ("platform", syncing
// <dir>/platform, when objs hold environment-wide objects) and one
// Application per enabled app, named after it (syncing <dir>/apps/<app>).
// Each is an object of no app (App == ""), in that order. Nothing points
// at <dir>/cluster.
//
// dir is the environment's rendered folder relative to the repository
// root, e.g. "rendered/prod". objs are the environment's other rendered
// objects: Build reads from them which folders exist, the namespaces and
// kinds the AppProject must allow, and which workloads still carry
// spec.replicas beside an HPA. The eksctl ClusterConfig and Argo CD
// objects among them are ignored.
//
// Without env.ArgoCD, Build returns no objects. It refuses what the
// render gate check.DependsOn reports ([Waves] and [ReservedNames]: the
// dependsOn entries are checked with or without Argo CD); other errors
// mean that objs do not come from env.
func Build(env *model.Environment, dir string, objs []object.Object) ([]object.Object, error) {
	if env == nil {
		return nil, errors.New("argocd: no environment")
	}
	waves, errs := Waves(env)
	if errs = cueerrors.Append(errs, ReservedNames(env)); errs != nil {
		return nil, errs
	}
	if env.ArgoCD == nil {
		return nil, nil
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	inv, err := takeInventory(env, objs)
	if err != nil {
		return nil, err
	}
	b := &builder{env: env, cd: env.ArgoCD, dir: dir}

	typed := []any{b.project(inv)}
	controllers := env.EnabledControllers()
	if len(controllers) > 0 {
		typed = append(typed, b.controllersProject(controllers))
	}
	typed = append(typed, b.root())
	if inv.platform {
		typed = append(typed, b.platform())
	}
	for _, name := range controllers {
		a, err := b.controller(env.Platform.Controllers[name])
		if err != nil {
			return nil, err
		}
		typed = append(typed, a)
	}
	if inv.secrets {
		typed = append(typed, b.secrets())
	}
	if inv.ingress {
		typed = append(typed, b.ingress())
	}
	for _, name := range slices.Sorted(maps.Keys(inv.apps)) {
		typed = append(typed, b.app(env.Apps[name], waves[name], inv.apps[name]))
	}
	out := make([]object.Object, len(typed))
	for i, t := range typed {
		o, err := object.FromTyped("", t)
		if err != nil {
			return nil, fmt.Errorf("argocd: %w", err)
		}
		out[i] = o
	}
	return out, nil
}

// ReservedNames reports, when env has an argocd section, the enabled apps
// named like gen's own Applications (root and platform), each a CUE error
// positioned at the app; nil otherwise. [Build] refuses them, and the
// render gate check.DependsOn reports them before anything is built.
func ReservedNames(env *model.Environment) cueerrors.Error {
	if env.ArgoCD == nil {
		return nil
	}
	var errs cueerrors.Error
	for _, name := range reservedNames {
		if app, ok := env.Apps[name]; ok && app.Enabled {
			errs = cueerrors.Append(errs, env.Errorf(app.Path(""),
				"app %s has the name of gen's %s Application (argocd/application-%s.yaml); rename the app",
				name, name, name))
		}
	}
	for _, name := range env.EnabledControllers() {
		if app, ok := env.Apps[name]; ok && app.Enabled {
			errs = cueerrors.Append(errs, env.ErrorAt([]string{app.Path(""), env.Platform.Controllers[name].Path("")},
				"app %s has the name of the controller %s, whose Application is argocd/application-%s.yaml; rename the app",
				name, name, name))
		}
		if slices.Contains(reservedNames, name) {
			errs = cueerrors.Append(errs, env.Errorf(env.Platform.Controllers[name].Path(""),
				"controller %s has the name of gen's %s Application; rename the controller", name, name))
		}
	}
	return errs
}

// checkDir rejects a dir that is not a clean relative path: Argo CD reads
// source paths relative to the repository root.
func checkDir(dir string) error {
	if dir == "" || dir != path.Clean(dir) || path.IsAbs(dir) || dir == "." ||
		dir == ".." || strings.HasPrefix(dir, "../") || strings.Contains(dir, `\`) {
		return fmt.Errorf("argocd: rendered folder %q is not a clean path relative to the repository root", dir)
	}
	return nil
}

// inventory is what Build needs to know of the rendered tree.
type inventory struct {
	// apps holds the objects of each app, in the order of objs.
	apps map[string][]object.Object
	// platform reports whether platform/ holds anything.
	platform bool
	// secrets and ingress report whether secrets/ and ingress/ hold
	// anything.
	secrets, ingress bool
	// namespaces are the namespaces of the namespaced objects.
	namespaces map[string]bool
	// namespaced are the kinds of the namespaced objects.
	namespaced map[groupKind]bool
}

// takeInventory reads objs. An object of an app that is not enabled in
// env, an enabled app without objects, or a cluster-scoped object (one
// without a namespace) of a kind the AppProject does not allow means objs
// do not come from env: an error.
func takeInventory(env *model.Environment, objs []object.Object) (*inventory, error) {
	inv := &inventory{
		apps:       map[string][]object.Object{},
		namespaces: map[string]bool{},
		namespaced: map[groupKind]bool{},
	}
	for _, o := range objs {
		gk := groupKindOf(o)
		switch output.Folder(o) {
		case argocdDir, output.ClusterDir:
			continue
		case secretsDir:
			inv.secrets = true
		case ingressDir:
			inv.ingress = true
		case platformDir:
			inv.platform = true
		default:
			if app, ok := env.Apps[o.App]; !ok || !app.Enabled {
				return nil, fmt.Errorf("argocd: %s belongs to app %q, which is not enabled in environment %s", o.ID(), o.App, env.Name)
			}
			inv.apps[o.App] = append(inv.apps[o.App], o)
		}
		if ns := o.Namespace(); ns != "" {
			inv.namespaces[ns] = true
			inv.namespaced[gk] = true
			continue
		}
		if !slices.Contains(clusterResourceWhitelist, gk) {
			return nil, fmt.Errorf("argocd: %s has no namespace, and %s is not a cluster-scoped kind the AppProject allows (%s)",
				o.ID(), gk, whitelistString())
		}
	}
	for name, app := range env.Apps {
		if app.Enabled && len(inv.apps[name]) == 0 {
			return nil, fmt.Errorf("argocd: app %s is enabled in environment %s but has no rendered objects", name, env.Name)
		}
	}
	return inv, nil
}

func (gk groupKind) String() string {
	if gk.Group == "" {
		return gk.Kind
	}
	return gk.Kind + "." + gk.Group
}

func whitelistString() string {
	s := make([]string, len(clusterResourceWhitelist))
	for i, gk := range clusterResourceWhitelist {
		s[i] = gk.String()
	}
	return strings.Join(s, ", ")
}

// builder builds the objects of one environment.
type builder struct {
	env *model.Environment
	cd  *model.ArgoCD
	dir string
}

// project is the AppProject: this repository as the only source; the
// environment's namespaces (and kube-system) on its cluster, and the
// Argo CD namespace on Argo CD's own cluster, as the only destinations;
// the cluster-scoped kinds of clusterResourceWhitelist and the namespaced
// kinds the tree holds as the only kinds.
//
// The namespaced kinds are listed rather than allowed with "*": the project
// then allows exactly what gen renders, so neither a hand-made object in
// the UI nor a file slipped into rendered/ can bring another kind, and a
// new kind shows up in the pull request that introduces it.
//
// orphanedResources is not set: the PersistentVolumeClaims a StatefulSet
// creates from its volumeClaimTemplates have no owner, so every database
// would carry a standing warning.
func (b *builder) project(inv *inventory) appProject {
	nss := maps.Clone(inv.namespaces)
	for ns := range b.env.Namespaces {
		nss[ns] = true
	}
	for _, app := range b.env.Apps {
		if app.Enabled && app.Namespace != "" {
			nss[app.Namespace] = true
		}
	}
	nss[kubeSystem] = true
	type dest struct{ name, namespace string }
	set := map[dest]bool{{inCluster, b.cd.Namespace}: true}
	for ns := range nss {
		set[dest{b.cd.Destination, ns}] = true
	}
	dests := slices.SortedFunc(maps.Keys(set), func(a, b dest) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.name, b.name))
	})
	destinations := make([]destination, len(dests))
	for i, d := range dests {
		destinations[i] = destination{Name: d.name, Namespace: d.namespace}
	}

	kinds := maps.Clone(inv.namespaced)
	for _, gk := range argoKinds {
		kinds[gk] = true
	}
	namespaced := slices.SortedFunc(maps.Keys(kinds), func(a, b groupKind) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Kind, b.Kind))
	})

	return appProject{
		APIVersion: APIVersion,
		Kind:       KindAppProject,
		Metadata: meta{
			Name:        b.cd.Project,
			Namespace:   b.cd.Namespace,
			Labels:      b.labels(""),
			Annotations: map[string]string{SyncWave: strconv.Itoa(waveProject)},
			Finalizers:  []string{finalizer},
		},
		Spec: appProjectSpec{
			Description:                fmt.Sprintf("Environment %s, rendered by gen into %s/", b.env.Name, b.dir),
			SourceRepos:                []string{b.cd.RepoURL},
			Destinations:               destinations,
			ClusterResourceWhitelist:   slices.Clone(clusterResourceWhitelist),
			NamespaceResourceWhitelist: namespaced,
		},
	}
}

// root is the app of apps: it syncs the argocd/ folder, itself included.
// It has no finalizer: deleting it (to bootstrap again, or by mistake)
// leaves the Applications it created, and with them every workload, in
// place. Tearing an environment down is deleting its Applications one by
// one, or adding the finalizer to the root first.
func (b *builder) root() application {
	a := b.application(RootName, argocdDir, "", b.cd.AutoSync)
	a.Spec.Destination = destination{Name: inCluster, Namespace: b.cd.Namespace}
	return a
}

// platform syncs platform/. Its destination namespace is kube-system: every
// namespaced platform object names its own namespace, but Argo CD checks
// the Application's destination against the project, and an empty
// namespace matches none of the project's destinations
// (https://github.com/argoproj/argo-cd/issues/11510).
func (b *builder) platform() application {
	return b.environmentWide(PlatformName, platformDir, wavePlatform)
}

// secrets syncs secrets/: the secret stores and the ExternalSecrets, whose
// kinds the External Secrets Operator's chart brings, so they come in a
// wave after the controllers' Applications and before the apps, whose pods
// read the Secrets the ExternalSecrets produce.
func (b *builder) secrets() application {
	return b.environmentWide(SecretsName, secretsDir, waveSecrets)
}

// ingress syncs ingress/: the IngressClasses of isolated ingress groups
// and their IngressClassParams, whose kind the AWS Load Balancer
// Controller's chart brings, so they come in a wave after the controllers'
// Applications (with the secrets Application) and before the apps, whose
// Ingresses name the classes.
func (b *builder) ingress() application {
	return b.environmentWide(IngressName, ingressDir, waveIngress)
}

// environmentWide is the Application of a folder of objects of no app, in
// wave: part of the platform, with the resources finalizer, and
// kube-system as its destination namespace, as platform's (each
// namespaced object names its own).
func (b *builder) environmentWide(name, dir string, wave int) application {
	a := b.application(name, dir, partOfPlatform, b.cd.AutoSync)
	a.Metadata.Annotations = map[string]string{SyncWave: strconv.Itoa(wave)}
	a.Metadata.Finalizers = []string{finalizer}
	a.Spec.Destination.Namespace = kubeSystem
	return a
}

// app syncs apps/<app>/ into the app's namespace, in the app's wave.
func (b *builder) app(app *model.App, wave int, objs []object.Object) application {
	auto := b.cd.AutoSync
	if app.ArgoCD.AutoSync != nil {
		auto = *app.ArgoCD.AutoSync
	}
	a := b.application(app.Name, appsDir+"/"+app.Name, app.PartOf, auto)
	a.Metadata.Annotations = map[string]string{SyncWave: strconv.Itoa(wave)}
	a.Metadata.Finalizers = []string{finalizer}
	a.Spec.Destination.Namespace = app.Namespace
	if app.HPA() {
		a.Spec.IgnoreDifferences = hpaReplicas(objs)
	}
	if len(a.Spec.IgnoreDifferences) > 0 {
		a.Spec.SyncPolicy.SyncOptions = append(a.Spec.SyncPolicy.SyncOptions, respectIgnoreDifferences)
		slices.Sort(a.Spec.SyncPolicy.SyncOptions)
	}
	return a
}

// hpaReplicas ignores spec.replicas of the Deployments and StatefulSets
// among objs that carry it. gen leaves spec.replicas out of a workload an
// HPA manages, so this only happens when a patch puts it back; Argo CD
// would then fight the HPA over it on every sync.
func hpaReplicas(objs []object.Object) []ignoreDifferences {
	var out []ignoreDifferences
	for _, o := range objs {
		gk := groupKindOf(o)
		if gk.Group != "apps" || gk.Kind != model.Deployment && gk.Kind != model.StatefulSet {
			continue
		}
		if !o.Has("spec", "replicas") {
			continue
		}
		out = append(out, ignoreDifferences{
			Group:        gk.Group,
			Kind:         gk.Kind,
			Name:         o.Name(),
			JSONPointers: []string{"/spec/replicas"},
		})
	}
	slices.SortFunc(out, func(a, b ignoreDifferences) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// application is an Application named name that syncs folder (relative
// to dir) to the environment's destination, automatically when auto.
func (b *builder) application(name, folder, partOf string, auto bool) application {
	return application{
		APIVersion: APIVersion,
		Kind:       KindApplication,
		Metadata: meta{
			Name:      name,
			Namespace: b.cd.Namespace,
			Labels:    b.labels(partOf),
		},
		Spec: applicationSpec{
			Project: b.cd.Project,
			Source: source{
				RepoURL:        b.cd.RepoURL,
				TargetRevision: b.cd.TargetRevision,
				Path:           b.dir + "/" + folder,
				Directory:      &directory{Recurse: true},
			},
			Destination: destination{Name: b.cd.Destination},
			SyncPolicy:  b.syncPolicy(auto),
		},
	}
}

// syncPolicy is automated with prune and self-heal when auto, manual
// otherwise; failed syncs are retried with the environment's backoff.
func (b *builder) syncPolicy(auto bool) *syncPolicy {
	p := &syncPolicy{SyncOptions: slices.Clone(syncOptions)}
	if auto {
		p.Automated = &automated{Prune: true, SelfHeal: true}
	}
	// A limit of 0 means no retries, which is Argo CD's behaviour without
	// a retry block.
	if r := b.cd.Retry; r.Limit > 0 {
		factor := int64(r.Backoff.Factor)
		p.Retry = &retry{
			Limit: int64(r.Limit),
			Backoff: &backoff{
				Duration:    r.Backoff.Duration,
				Factor:      &factor,
				MaxDuration: r.Backoff.MaxDuration,
			},
		}
	}
	return p
}

// labels are the labels of every Argo CD object gen writes.
func (b *builder) labels(partOf string) map[string]string {
	l := map[string]string{
		labelManagedBy: managedBy,
		labelEnv:       b.env.Base(),
	}
	if partOf != "" {
		l[labelPartOf] = partOf
	}
	return l
}
