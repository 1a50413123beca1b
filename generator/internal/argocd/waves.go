package argocd

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// SyncWave is the annotation by which Argo CD orders the objects of one
// sync: lower waves first, and each wave must be healthy before the next
// starts. Without it an object is in wave 0.
// https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
const SyncWave = "argocd.argoproj.io/sync-wave"

// The waves of the objects the root Application syncs (the argocd/
// folder). The AppProjects come first, as every Application names one;
// then the platform Application (Namespaces, quotas, storage classes, the
// Cluster Autoscaler); then the controllers' Applications (their charts,
// with the CRDs and webhooks the apps' objects need); then the secrets
// Application (secret stores and ExternalSecrets, which need the External
// Secrets Operator's CRDs) and the ingress Application (IngressClasses and
// the AWS Load Balancer Controller's IngressClassParams), before any app; then the apps, from wave 0 up, an app one wave after the latest of the apps
// it depends on (see Waves). The root Application's own manifest carries
// no wave (0).
//
// Between Applications, a wave only waits for the previous one to be
// healthy when Argo CD has a health check for Applications, which it has
// not had by default since 1.8: see the package documentation.
const (
	waveProject     = -4
	wavePlatform    = -3
	waveControllers = -2
	waveSecrets     = -1
	waveIngress     = -1
	waveFirstApp    = 0
)

// The waves of the platform/ objects, inside the platform Application:
// Namespaces first, since everything else of the environment lives in
// them; then what workloads need to exist before they start (quotas and
// limits, storage and priority classes, ServiceAccounts and RBAC,
// ConfigMaps; in secrets/, the secret stores before the
// ExternalSecrets that read from them); then, in wave 0, the workloads (the Cluster
// Autoscaler's Deployment). Argo CD already applies kinds in a similar
// order inside one wave (gitops-engine pkg/sync/sync_tasks.go, kindOrder);
// the waves make the order explicit and make each step wait for the one
// before to be healthy.
const (
	waveNamespaces = -2
	wavePrereqs    = -1
)

// platformWaves are the waves of the platform objects that do not belong in
// wave 0, by API group and kind.
var platformWaves = map[groupKind]int{
	{"", "Namespace"}: waveNamespaces,
	{"apiextensions.k8s.io", "CustomResourceDefinition"}: waveNamespaces,
	{"", "ResourceQuota"}:                                wavePrereqs,
	{"", "LimitRange"}:                                   wavePrereqs,
	{"", "ServiceAccount"}:                               wavePrereqs,
	{"", "ConfigMap"}:                                    wavePrereqs,
	{"storage.k8s.io", "StorageClass"}:                   wavePrereqs,
	{"scheduling.k8s.io", "PriorityClass"}:               wavePrereqs,
	{"rbac.authorization.k8s.io", "ClusterRole"}:         wavePrereqs,
	{"rbac.authorization.k8s.io", "ClusterRoleBinding"}:  wavePrereqs,
	{"rbac.authorization.k8s.io", "Role"}:                wavePrereqs,
	{"rbac.authorization.k8s.io", "RoleBinding"}:         wavePrereqs,
	{"external-secrets.io", "SecretStore"}:               wavePrereqs,
	{"external-secrets.io", "ClusterSecretStore"}:        wavePrereqs,
}

// Annotate returns objs with the sync-wave annotation set on the
// environment-wide objects (App == "", rendered under platform/) whose
// order matters: wave -2 for Namespaces, -1 for ResourceQuotas,
// LimitRanges, StorageClasses, PriorityClasses, ServiceAccounts,
// ConfigMaps, RBAC and secret stores; workloads stay in wave 0, without
// the annotation. An annotation already present is kept.
//
// The objects of apps are left alone: each app is one Application, whose
// own wave (see [Build]) orders it after the platform and after the apps
// it depends on, and inside an app Argo CD's kind order already applies
// ServiceAccounts and ConfigMaps before the workload that uses them.
//
// Without env.ArgoCD, Annotate returns objs as they are. It never modifies
// objs: an annotated object is a copy (its metadata is copied, the rest
// shared).
func Annotate(env *model.Environment, objs []object.Object) []object.Object {
	if env == nil || env.ArgoCD == nil {
		return objs
	}
	out := make([]object.Object, len(objs))
	for i, o := range objs {
		out[i] = o
		if o.App != "" {
			continue
		}
		wave, ok := platformWaves[groupKindOf(o)]
		if !ok {
			continue
		}
		md, _ := o.Lookup("metadata").(map[string]any)
		ann, _ := md[annotationsKey].(map[string]any)
		if _, ok := ann[SyncWave]; ok {
			continue
		}
		content := maps.Clone(o.Content)
		md = maps.Clone(md)
		if md == nil {
			md = map[string]any{}
		}
		ann = maps.Clone(ann)
		if ann == nil {
			ann = map[string]any{}
		}
		ann[SyncWave] = strconv.Itoa(wave)
		md[annotationsKey] = ann
		content["metadata"] = md
		out[i] = object.Object{App: o.App, Content: content}
	}
	return out
}

const annotationsKey = "annotations"

// groupKindOf returns o's API group ("" for the core group) and kind.
func groupKindOf(o object.Object) groupKind { return groupKind{Group: o.Group(), Kind: o.Kind()} }

// Waves returns the sync wave of every enabled app: 0 for an app that
// depends on no enabled app, else one more than the latest wave of the
// enabled apps it depends on. dependsOn may name a disabled app: it is not
// synced in this environment, so it orders nothing.
//
// When the waves are undefined, Waves returns the reasons instead, one
// error per problem, positioned at the dependsOn entry that causes it: a
// name that is no app of the environment (checked for disabled apps too:
// a typo is a typo), or a cycle among enabled apps (an app that depends
// on itself included). This is the one place that walks the dependsOn
// graph: [Build] orders the Applications by it, and the render gate
// check.DependsOn reports its errors, with or without Argo CD, before
// anything is resolved or built.
func Waves(env *model.Environment) (map[string]int, cueerrors.Error) {
	names := slices.Sorted(maps.Keys(env.Apps))
	var errs cueerrors.Error
	// deps[a] are the enabled apps a depends on, sorted by name.
	deps := map[string][]edge{}
	for _, name := range names {
		app := env.Apps[name]
		seen := map[string]bool{}
		for i, dep := range app.DependsOn {
			target, ok := env.Apps[dep]
			switch {
			case !ok:
				errs = cueerrors.Append(errs, env.Errorf(app.Path(fmt.Sprintf("dependsOn[%d]", i)),
					"app %s depends on %q, which is no app of environment %s", name, dep, env.Name))
			case app.Enabled && target.Enabled && !seen[dep]:
				seen[dep] = true
				deps[name] = append(deps[name], edge{dep, i})
			}
		}
		slices.SortFunc(deps[name], func(a, b edge) int { return strings.Compare(a.to, b.to) })
	}

	// A depth-first walk in name order finds every cycle through a back
	// edge; each is reported once, starting at its smallest name.
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	waves := map[string]int{}
	reported := map[string]bool{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = active
		stack = append(stack, name)
		wave := waveFirstApp
		for _, e := range deps[name] {
			switch state[e.to] {
			case unseen:
				visit(e.to)
			case active:
				cycle := slices.Clone(stack[slices.Index(stack, e.to):])
				if key := cycleKey(cycle); !reported[key] {
					reported[key] = true
					errs = cueerrors.Append(errs, cycleError(env, cycle, deps))
				}
				continue
			}
			wave = max(wave, waves[e.to]+1)
		}
		waves[name] = wave
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, name := range names {
		if env.Apps[name].Enabled && state[name] == unseen {
			visit(name)
		}
	}
	if errs != nil {
		return nil, errs
	}
	return waves, nil
}

// cycleKey identifies a cycle whatever app it is entered at.
func cycleKey(cycle []string) string {
	return strings.Join(rotate(cycle), " ")
}

// rotate returns cycle starting at its smallest name.
func rotate(cycle []string) []string {
	i := slices.Index(cycle, slices.Min(cycle))
	return append(slices.Clone(cycle[i:]), cycle[:i]...)
}

// edge is a dependency on app to, named by dependsOn[index].
type edge struct {
	to    string
	index int
}

// cycleError reports cycle (a -> b -> ... -> a, given without the closing
// a) at the dependsOn entry of its smallest app that starts it, and also
// shows the entries that close it.
func cycleError(env *model.Environment, cycle []string, deps map[string][]edge) cueerrors.Error {
	cycle = rotate(cycle)
	paths := make([]string, len(cycle))
	for i, from := range cycle {
		to := cycle[(i+1)%len(cycle)]
		for _, e := range deps[from] {
			if e.to == to {
				paths[i] = env.Apps[from].Path(fmt.Sprintf("dependsOn[%d]", e.index))
			}
		}
	}
	if len(cycle) == 1 {
		return env.Errorf(paths[0], "app %s depends on itself", cycle[0])
	}
	return env.ErrorAt(paths, "apps depend on each other in a cycle: %s -> %s; Argo CD cannot sync any of them first",
		strings.Join(cycle, " -> "), cycle[0])
}
