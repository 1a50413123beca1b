package check

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Quotas reports every ResourceQuota among objs (the rendered objects,
// after the patches) whose limit on a resource is below what the pods of
// its namespace need at their peak (capacity.Peak: the workloads at
// maximum replicas with their rolling-update surge, a run of each Job and
// CronJob, the controllers' pods): the API server would refuse the pods
// above it, during a rollout or when the HPA scales up. The error is at
// the namespace's quota when it states the limit, and names both numbers
// and what the peak is made of.
func Quotas(env *model.Environment, objs []object.Object) error {
	ranges := map[string]model.LimitRange{}
	for name, ns := range env.Namespaces {
		ranges[name] = ns.LimitRange
	}
	peaks := capacity.Peak(objs, ranges)
	for ns, p := range capacity.ControllerPeak(env) {
		if peaks[ns] == nil {
			peaks[ns] = capacity.Amounts{}
		}
		peaks[ns].Add(p)
	}
	var errs cueerrors.Error
	for _, o := range objs {
		if o.Group() != "" || o.Kind() != "ResourceQuota" || o.App != "" {
			continue
		}
		ns, declared := o.Namespace(), env.Namespaces[o.Namespace()]
		hard, _ := o.Lookup("spec", "hard").(map[string]any)
		peak := peaks[ns]
		for _, res := range slices.Sorted(maps.Keys(hard)) {
			limit, ok := capacity.ParseAmount(object.Scalar(hard[res]))
			if !ok || limit >= peak[res] {
				continue
			}
			path := "namespaces." + model.Label(ns)
			how := "derived from the apps before their patches; state a quota for it"
			if _, ok := declared.Quota[res]; ok {
				path += ".quota." + model.Label(res)
				how = "raise it, or leave it out to have it derived"
			}
			errs = cueerrors.Append(errs, env.Errorf(path,
				"namespace %s: quota %s %s is below the %s its pods need at their peak (%s); the API server would refuse the pods above it: %s",
				ns, res, capacity.Format(res, limit), capacity.Format(res, peak[res]), peakParts(env, objs, ranges, ns, res), how))
		}
	}
	if errs == nil {
		return nil
	}
	return errs
}

// peakParts says what namespace ns's peak of resource res is made of:
// each workload's pods at peak and what one counts, largest first, then
// the controllers' pods.
func peakParts(env *model.Environment, objs []object.Object, ranges map[string]model.LimitRange, ns, res string) string {
	type part struct {
		name   string
		amount int64
		text   string
	}
	var parts []part
	for _, w := range capacity.Workloads(objs, ranges) {
		if w.Namespace != ns || w.Pod[res] == 0 {
			continue
		}
		text := fmt.Sprintf("%s %d × %s", w.Name, w.Pods, capacity.Format(res, w.Pod[res]))
		if res == "pods" {
			text = fmt.Sprintf("%s %d", w.Name, w.Pods)
		}
		parts = append(parts, part{w.Name, w.Pod[res] * w.Pods, text})
	}
	slices.SortStableFunc(parts, func(a, b part) int {
		return cmp.Or(cmp.Compare(b.amount, a.amount), cmp.Compare(a.name, b.name))
	})
	var out []string
	for _, p := range parts {
		out = append(out, p.text)
	}
	if c := capacity.ControllerPeak(env)[ns][res]; c > 0 {
		out = append(out, "controllers "+capacity.Format(res, c))
	}
	return strings.Join(out, ", ")
}

// limitRanges checks each namespace's LimitRange, whose items the API
// server refuses unless min ≤ defaultRequest ≤ default ≤ max, resource by
// resource.
func (c *checker) limitRanges() {
	for _, name := range slices.Sorted(maps.Keys(c.env.Namespaces)) {
		lr := c.env.Namespaces[name].LimitRange
		at := "namespaces." + model.Label(name) + ".limitRange."
		fields := []struct {
			name string
			m    map[string]string
		}{{"min", lr.Min}, {"defaultRequest", lr.DefaultRequest}, {"default", lr.Default}, {"max", lr.Max}}
		for i, lo := range fields {
			for _, hi := range fields[i+1:] {
				for _, res := range slices.Sorted(maps.Keys(lo.m)) {
					l, ok1 := capacity.ParseAmount(lo.m[res])
					h, ok2 := capacity.ParseAmount(hi.m[res])
					if _, ok := hi.m[res]; !ok || !ok1 || !ok2 || l <= h {
						continue
					}
					c.errorf(at+hi.name+"."+model.Label(res),
						"namespace %s: LimitRange %s %s %s is below its %s %s; the API server refuses a LimitRange unless min ≤ defaultRequest ≤ default ≤ max",
						name, hi.name, res, hi.m[res], lo.name, lo.m[res])
				}
			}
		}
	}
}

// appLimitRange checks the app's requests and limits against its
// namespace's LimitRange: the API server refuses a pod with a container
// that requests or is limited to less than min or more than max. A
// container that states no request or limit is given the LimitRange's
// defaults, which limitRanges keeps within min and max.
func (c *checker) appLimitRange(app *model.App, ct model.Container) {
	ns, ok := c.env.Namespaces[app.Namespace]
	if !ok {
		return
	}
	lr := ns.LimitRange
	for _, side := range []struct {
		name string
		list model.ResourceList
	}{{"requests", ct.Resources.Requests}, {"limits", ct.Resources.Limits}} {
		what := strings.TrimSuffix(side.name, "s")
		for _, res := range slices.Sorted(maps.Keys(resourceMap(side.list))) {
			q := resourceMap(side.list)[res]
			v, ok := capacity.ParseAmount(q)
			if !ok {
				continue
			}
			path := ct.Path(app, "resources."+side.name+"."+model.Label(res))
			if m, ok := lr.Min[res]; ok {
				if min, ok := capacity.ParseAmount(m); ok && v < min {
					c.errorf(path, "%s %s %s is below the minimum %s of namespace %s's LimitRange (namespaces.%s.limitRange.min.%s): the API server would refuse the pod",
						res, what, q, m, app.Namespace, model.Label(app.Namespace), model.Label(res))
				}
			}
			if m, ok := lr.Max[res]; ok {
				if max, ok := capacity.ParseAmount(m); ok && v > max {
					c.errorf(path, "%s %s %s is above the maximum %s of namespace %s's LimitRange (namespaces.%s.limitRange.max.%s): the API server would refuse the pod",
						res, what, q, m, app.Namespace, model.Label(app.Namespace), model.Label(res))
				}
			}
		}
	}
}

// resourceMap returns the quantities a ResourceList states, by resource
// name.
func resourceMap(r model.ResourceList) map[string]string {
	out := map[string]string{}
	if r.CPU != "" {
		out["cpu"] = r.CPU
	}
	if r.Memory != "" {
		out["memory"] = r.Memory
	}
	if r.EphemeralStorage != "" {
		out["ephemeral-storage"] = r.EphemeralStorage
	}
	return out
}
