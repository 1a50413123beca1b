package check

import (
	"cmp"
	"slices"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Objects reports objects that two apps (or an app and the environment)
// both render: the second would silently replace the first in the cluster.
func Objects(env *model.Environment, objs []object.Object) error {
	type key struct{ group, kind, ns, name string }
	first := map[key]object.Object{}
	var errs cueerrors.Error
	for _, o := range objs {
		k := key{o.Group(), o.Kind(), o.Namespace(), o.Name()}
		prev, ok := first[k]
		if !ok {
			first[k] = o
			continue
		}
		errs = cueerrors.Append(errs, duplicate(env, o, prev))
	}
	errs = cueerrors.Append(errs, scalers(env, objs))
	if errs == nil {
		return nil
	}
	return errs
}

func duplicate(env *model.Environment, o, prev object.Object) cueerrors.Error {
	owners := []string{prev.App, o.App}
	slices.SortFunc(owners, cmp.Compare)
	at := func(app string) string {
		if app == "" {
			return "namespaces"
		}
		return "apps." + model.Label(app)
	}
	name := func(app string) string {
		if app == "" {
			return "the environment"
		}
		return "app " + app
	}
	if owners[0] == owners[1] {
		return env.Errorf(at(owners[0]), "%s renders %s twice; rename one of them", name(owners[0]), o.ID())
	}
	return env.ErrorAt([]string{at(owners[1]), at(owners[0])},
		"%s and %s both render %s; rename one of them", name(owners[0]), name(owners[1]), o.ID())
}

// scalers refuses a workload that two autoscalers scale (two HPAs, or an
// HPA and a KEDA ScaledObject, whose own HPA KEDA then makes): each sets
// spec.replicas to its own count, and they fight over it.
func scalers(env *model.Environment, objs []object.Object) cueerrors.Error {
	type target struct{ ns, kind, name string }
	first := map[target]object.Object{}
	var errs cueerrors.Error
	for _, o := range objs {
		kind, name, ok := o.ScaleTarget()
		if !ok {
			continue
		}
		t := target{o.Namespace(), kind, name}
		prev, ok := first[t]
		if !ok {
			first[t] = o
			continue
		}
		if prev.ID() == o.ID() {
			continue // an object rendered twice, reported as such
		}
		at := "namespaces"
		if app := env.Apps[o.App]; app != nil && app.HPA() {
			at = app.Path("autoscaling")
		} else if o.App != "" {
			at = "apps." + model.Label(o.App)
		}
		errs = cueerrors.Append(errs, env.Errorf(at,
			"%s/%s/%s is scaled by both %s and %s, which would fight over its replicas; keep one: autoscaling renders an HPA, or with keda a ScaledObject, and no patch may point another scaler at it",
			kind, t.ns, name, prev.ID(), o.ID()))
	}
	return errs
}
