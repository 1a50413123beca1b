package policy

import (
	"slices"
	"strconv"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// longRunning are the kinds whose pods are meant to run forever.
var longRunning = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true}

// scalable are the kinds with spec.replicas that an HPA can scale.
var scalable = map[string]bool{"Deployment": true, "StatefulSet": true, "ReplicaSet": true}

// facts are what the inputs of one environment's objects are built from:
// each object's workload, HPA and PDB, computed once for all objects.
type facts struct {
	env        *model.Environment
	objs       []object.Object
	registries []any // env.Policy.AllowedRegistries, never nil

	// workload[i] is, for a workload, i; for an HPA or PDB, the workload
	// it targets or selects; else -1.
	workload []int
	// hpa[w] and pdb[w] are the HPA and PDB of workload w, when it has
	// them.
	hpa, pdb map[int]int
	// scaling counts workloads' pods (a Rollout's, an HPA's).
	scaling object.Scaling
	// labels[w] are workload w's pod template labels.
	labels map[int]map[string]any
	// netpols, quotas and limitRanges are the NetworkPolicies,
	// ResourceQuotas and LimitRanges by namespace.
	netpols, quotas, limitRanges map[string][]any // of map[string]any
	// inNamespace are the workloads by namespace, in object order.
	inNamespace map[string][]int
}

func newFacts(env *model.Environment, objs []object.Object) *facts {
	f := &facts{
		env:         env,
		objs:        objs,
		registries:  make([]any, 0, len(env.Policy.AllowedRegistries)),
		workload:    make([]int, len(objs)),
		hpa:         map[int]int{},
		pdb:         map[int]int{},
		labels:      map[int]map[string]any{},
		netpols:     map[string][]any{},
		quotas:      map[string][]any{},
		limitRanges: map[string][]any{},
	}
	f.inNamespace = map[string][]int{}
	f.scaling = object.NewScaling(objs)
	for _, r := range env.Policy.AllowedRegistries {
		f.registries = append(f.registries, r)
	}
	type key struct{ ns, kind, name string }
	byName := map[key]int{}
	var hpas, pdbs []int
	for i, o := range objs {
		f.workload[i] = -1
		switch kind := o.Kind(); {
		case object.PodSpecPath(kind) != nil:
			f.workload[i] = i
			f.labels[i] = o.PodLabels()
			byName[key{o.Namespace(), kind, o.Name()}] = i
			f.inNamespace[o.Namespace()] = append(f.inNamespace[o.Namespace()], i)
		case isScaler(o):
			hpas = append(hpas, i)
		case kind == "PodDisruptionBudget":
			pdbs = append(pdbs, i)
		case kind == "NetworkPolicy":
			f.netpols[o.Namespace()] = append(f.netpols[o.Namespace()], o.Content)
		case kind == "ResourceQuota" && o.Group() == "":
			f.quotas[o.Namespace()] = append(f.quotas[o.Namespace()], o.Content)
		case kind == "LimitRange" && o.Group() == "":
			f.limitRanges[o.Namespace()] = append(f.limitRanges[o.Namespace()], o.Content)
		}
	}
	// A Rollout with a workloadRef runs that workload's pods: an HPA
	// that targets the Rollout scales them.
	for _, o := range objs {
		ref, _ := o.Lookup("spec", "workloadRef").(map[string]any)
		if o.Kind() != "Rollout" || o.Group() != "argoproj.io" || ref == nil {
			continue
		}
		if w, ok := byName[key{o.Namespace(), object.String(ref["kind"]), object.String(ref["name"])}]; ok {
			byName[key{o.Namespace(), o.Kind(), o.Name()}] = w
		}
	}
	// The first HPA or KEDA ScaledObject (in object order) that targets a
	// workload (or the Rollout that runs its pods) is its HPA.
	for _, h := range hpas {
		kind, name, _ := objs[h].ScaleTarget()
		w, ok := byName[key{objs[h].Namespace(), kind, name}]
		if !ok {
			continue
		}
		f.workload[h] = w
		if _, taken := f.hpa[w]; !taken {
			f.hpa[w] = h
		}
	}
	// A PDB selects the workloads whose pod template labels match its
	// selector, in its namespace; the first PDB that does is the
	// workload's, the first workload the PDB's.
	for _, p := range pdbs {
		sel, _ := objs[p].Lookup("spec", "selector").(map[string]any)
		for _, w := range f.inNamespace[objs[p].Namespace()] {
			if !matches(sel, f.labels[w]) {
				continue
			}
			if f.workload[p] < 0 {
				f.workload[p] = w
			}
			if _, taken := f.pdb[w]; !taken {
				f.pdb[w] = p
			}
		}
	}
	return f
}

// input returns the #Input of object i, unstructured: its values are
// shared with the objects, to be copied only as far as a check reads them
// (see [encoder]).
func (f *facts) input(i int) map[string]any {
	o := f.objs[i]
	kind := o.Kind()
	in := map[string]any{
		"object":      o.Content,
		"kind":        kind,
		"env":         map[string]any{"name": f.env.Base(), "allowedRegistries": f.registries},
		"app":         o.App,
		"longRunning": longRunning[kind],
	}
	if object.PodSpecPath(kind) != nil {
		if pod, ok := o.PodSpec(); ok {
			in["pod"] = pod
		}
		uses := o.Images()
		list := make([]any, len(uses))
		for j, u := range uses {
			list[j] = map[string]any{
				"container":     u.Container,
				"initContainer": u.InitContainer,
				"reference":     u.Reference,
				"registry":      u.Registry,
				"repository":    u.Repository,
				"tag":           u.Tag,
				"digest":        u.Digest,
				"pinned":        u.Pinned,
				"valid":         u.Valid,
			}
		}
		in["images"] = list
	}
	w := f.workload[i]
	if w >= 0 {
		replicas, hasReplicas := f.replicas(w)
		if hasReplicas {
			in["replicas"] = replicas
		}
		// The workload's HPA and PDB; an HPA gets the PDB and a PDB the HPA.
		if h, ok := f.hpa[w]; ok && h != i {
			in["hpa"] = f.objs[h].Content
		}
		if p, ok := f.pdb[w]; ok && p != i {
			in["pdb"] = f.objs[p].Content
		}
		pdb, hasPDB := f.pdb[w]
		if kind == "PodDisruptionBudget" {
			pdb, hasPDB = i, true
		}
		if hasPDB {
			if n, ok := minAvailable(f.objs[pdb], replicas, hasReplicas); ok {
				in["pdbMinAvailable"] = n
			}
		}
	} else if kind == "PodDisruptionBudget" {
		// A PDB that selects no workload: only a count can be resolved.
		if n, ok := minAvailable(o, 0, false); ok {
			in["pdbMinAvailable"] = n
		}
	}
	switch kind {
	case "Service":
		in["selects"] = f.selects(o)
	case "Namespace":
		in["networkPolicies"] = append([]any{}, f.netpols[o.Name()]...)
		in["resourceQuotas"] = append([]any{}, f.quotas[o.Name()]...)
		in["limitRanges"] = append([]any{}, f.limitRanges[o.Name()]...)
	}
	return in
}

// replicas returns the minimum number of pods of workload w: its HPA's
// minReplicas (1 when unset, as in Kubernetes), else spec.replicas (1
// when unset), as [object.Scale.Range] counts them. Only scalable kinds
// have replicas.
func (f *facts) replicas(w int) (int64, bool) {
	if !scalable[f.objs[w].Kind()] {
		return 0, false
	}
	lo, _ := f.scaling.Of(f.objs[w]).Range()
	return lo, true
}

// selects returns how many workloads in the Service's namespace its
// selector matches. A Service without a selector (headless with manual
// Endpoints, ExternalName) counts as selecting 1: it has its endpoints
// some other way, and a rule "every Service selects a workload" must not
// fire on it.
func (f *facts) selects(svc object.Object) int64 {
	sel, _ := svc.Lookup("spec", "selector").(map[string]any)
	if len(sel) == 0 {
		return 1
	}
	var n int64
	for _, w := range f.inNamespace[svc.Namespace()] {
		if subset(sel, f.labels[w]) {
			n++
		}
	}
	return n
}

// minAvailable returns the PDB's spec.minAvailable as a number of pods:
// an int as is, a percentage of replicas rounded up (as the disruption
// controller does). A percentage without replicas, or no minAvailable,
// has no number.
func minAvailable(pdb object.Object, replicas int64, hasReplicas bool) (int64, bool) {
	v := pdb.Lookup("spec", "minAvailable")
	if n, ok := object.Int(v); ok {
		return n, true
	}
	s, ok := v.(string)
	if !ok || !hasReplicas || len(s) < 2 || s[len(s)-1] != '%' {
		return 0, false
	}
	pct, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil {
		return 0, false
	}
	return (pct*replicas + 99) / 100, true
}

// matches reports whether a metav1.LabelSelector (unstructured) selects
// labels. A nil selector selects nothing; an empty one everything, as
// for policy/v1 PodDisruptionBudgets.
func matches(sel map[string]any, labels map[string]any) bool {
	if sel == nil {
		return false
	}
	ml, _ := sel["matchLabels"].(map[string]any)
	if !subset(ml, labels) {
		return false
	}
	for _, e := range object.Maps(sel["matchExpressions"]) {
		v, has := labels[object.String(e["key"])]
		values, _ := e["values"].([]any)
		in := has && slices.Contains(values, v)
		switch object.String(e["operator"]) {
		case "In":
			if !in {
				return false
			}
		case "NotIn":
			if in {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// subset reports whether every key of sel has the same value in labels.
func subset(sel, labels map[string]any) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// isScaler reports whether o is an HPA or a KEDA ScaledObject.
func isScaler(o object.Object) bool {
	_, _, ok := o.ScaleTarget()
	return ok
}
