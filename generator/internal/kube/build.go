package kube

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Build returns the Kubernetes objects of env: per namespace a Namespace
// (with default-deny and allow-dns NetworkPolicies when it has
// defaultDeny, and a ResourceQuota and a LimitRange named after it), the
// Cluster Autoscaler when it is enabled, per storage class an EBS
// StorageClass, per secret store its ServiceAccount and
// (Cluster)SecretStore, per Secret provided "external" its ExternalSecret,
// per isolated ingress group an IngressClass and its IngressClassParams,
// and per enabled app its ServiceAccount, ConfigMaps, NetworkPolicy,
// workload, Services, Ingress, HorizontalPodAutoscaler,
// PodDisruptionBudget, with a delivery its Rollout, AnalysisTemplate and
// the Services the release switches between, and, with metrics, its
// ServiceMonitor or PodMonitor, PrometheusRule and AlertmanagerConfig.
//
// The objects are ordered: environment-wide objects (App == "") first, then
// the apps by name, and within each by the kind order of kindorder.go and by
// name. Build is pure and deterministic: the same env always gives the same
// objects in the same order.
func Build(env *model.Environment) ([]object.Object, error) {
	if env == nil {
		return nil, errors.New("no environment")
	}
	var objs []object.Object
	typed, err := platformObjects(env)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", env.Cluster.Name, err)
	}
	if objs, err = appendObjects(objs, "", typed); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", env.Cluster.Name, err)
	}
	deps, calls := dependents(env), admitted(env)
	var apps []object.Object
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if app == nil {
			return nil, fmt.Errorf("app %s: no definition", name)
		}
		if app.Name != name {
			return nil, fmt.Errorf("app %s: name is %q", name, app.Name)
		}
		if !app.Enabled {
			continue
		}
		typed, err := appObjects(newInstance(env, app, deps[name], calls[name]))
		if err != nil {
			return nil, fmt.Errorf("app %s: %w", name, err)
		}
		if apps, err = appendObjects(apps, name, typed); err != nil {
			return nil, fmt.Errorf("app %s: %w", name, err)
		}
	}
	// The namespaces' quotas are derived from the pods the apps and the
	// controllers run.
	ranges := map[string]model.LimitRange{}
	for name, ns := range env.Namespaces {
		ranges[name] = ns.LimitRange
	}
	peaks := capacity.Peak(apps, ranges)
	controllers := map[string]bool{}
	for ns, peak := range capacity.ControllerPeak(env) {
		controllers[ns] = true
		if peaks[ns] == nil {
			peaks[ns] = capacity.Amounts{}
		}
		peaks[ns].Add(peak)
	}
	for _, name := range slices.Sorted(maps.Keys(env.Namespaces)) {
		typed, err := namespaceObjects(env, name, peaks[name], controllers[name])
		if err != nil {
			return nil, fmt.Errorf("namespace %s: %w", name, err)
		}
		if objs, err = appendObjects(objs, "", typed); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", name, err)
		}
	}
	objs = append(objs, apps...)
	sortObjects(objs)
	return objs, nil
}

// instance is one app in one environment: what the builders of the app's
// objects share.
type instance struct {
	env        *model.Environment
	app        *model.App
	labels     map[string]string // of every object and pod; see appLabels
	selector   map[string]string // selects the app's pods; see selectorLabels
	dependents []*model.App      // enabled apps that depend on this one; see dependents
	calls      []*model.App      // enabled apps that name this one in networkPolicy.from; see admitted
}

func newInstance(env *model.Environment, app *model.App, dependents, calls []*model.App) *instance {
	return &instance{
		env:        env,
		app:        app,
		labels:     appLabels(env.Base(), app),
		selector:   selectorLabels(env.Base(), app),
		dependents: dependents,
		calls:      calls,
	}
}

// workloadMeta is the metadata of the app's workload: it alone carries the
// app's annotations (besides its pods).
func (in *instance) workloadMeta() metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:        in.app.Name,
		Namespace:   in.app.Namespace,
		Labels:      in.labels,
		Annotations: in.app.Annotations,
	}
}

// appObjects returns the typed objects of one app, in no particular order.
func appObjects(in *instance) ([]any, error) {
	var objs []any
	if sa := serviceAccount(in); sa != nil {
		objs = append(objs, sa)
	}
	cms, checksum := configMaps(in)
	for _, cm := range cms {
		objs = append(objs, cm)
	}
	if np, err := networkPolicy(in); err != nil {
		return nil, err
	} else if np != nil {
		objs = append(objs, np)
	}
	switch in.app.Kind {
	case model.Deployment:
		d, err := deployment(in, checksum)
		if err != nil {
			return nil, err
		}
		objs = append(objs, d)
	case model.StatefulSet:
		s, err := statefulSet(in, checksum)
		if err != nil {
			return nil, err
		}
		objs = append(objs, s)
	case model.CronJob:
		c, err := cronJob(in, checksum)
		if err != nil {
			return nil, err
		}
		return append(objs, c), nil // jobs have no Services, Ingress, HPA or PDB
	case model.Job:
		j, err := job(in, checksum)
		if err != nil {
			return nil, err
		}
		return append(objs, j), nil
	default:
		return nil, fmt.Errorf("unknown kind %q", in.app.Kind)
	}
	svcs, err := services(in)
	if err != nil {
		return nil, err
	}
	for _, svc := range svcs {
		objs = append(objs, svc)
	}
	if release, err := rolloutObjects(in); err != nil {
		return nil, err
	} else {
		objs = append(objs, release...)
	}
	if ing, err := ingress(in); err != nil {
		return nil, err
	} else if ing != nil {
		objs = append(objs, ing)
	}
	if hpa, err := horizontalPodAutoscaler(in); err != nil {
		return nil, err
	} else if hpa != nil {
		objs = append(objs, hpa)
	}
	if so, err := scaledObject(in); err != nil {
		return nil, err
	} else if so != nil {
		objs = append(objs, so)
	}
	if pdb, err := podDisruptionBudget(in); err != nil {
		return nil, err
	} else if pdb != nil {
		objs = append(objs, pdb)
	}
	mon, err := monitoringObjects(in)
	if err != nil {
		return nil, fmt.Errorf("monitoring: %w", err)
	}
	return append(objs, mon...), nil
}

// appendObjects converts typed objects owned by app and appends them to objs.
func appendObjects(objs []object.Object, app string, typed []any) ([]object.Object, error) {
	for _, t := range typed {
		o, err := object.FromTyped(app, t)
		if err != nil {
			return nil, err
		}
		delete(o.Content, "status") // Build states desired state only
		prune(o.Content)
		objs = append(objs, o)
	}
	return objs, nil
}

// prune removes null values and empty objects from m, at any depth. Go
// structs without omitempty-able zero values marshal fields Build never sets
// as {} or null (a container's "resources", a Namespace's "spec"); they say
// nothing and must not reach the rendered files. The fields of keepEmpty are
// the exception: there an empty object is what Build means.
func prune(m map[string]any) {
	for k, v := range m {
		if pruneValue(v) && !(keepEmpty[k] && v != nil) {
			delete(m, k)
		}
	}
}

// keepEmpty are the fields whose empty object says something: an emptyDir
// volume with the defaults (the /tmp of a read-only root filesystem), and a
// NetworkPolicy's podSelector (or a peer's namespaceSelector) that selects
// everything (the default-deny policy). Dropping them would leave a volume
// without a source and a policy without its required podSelector.
var keepEmpty = map[string]bool{
	"emptyDir":          true,
	"podSelector":       true,
	"namespaceSelector": true,
}

// pruneValue prunes v and reports whether it is now null or an empty object.
func pruneValue(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		prune(v)
		return len(v) == 0
	case []any:
		for _, e := range v {
			pruneValue(e)
		}
	}
	return false
}
