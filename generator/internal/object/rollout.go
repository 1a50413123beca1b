package object

// Scaling answers, for the workloads among a list of objects, what sets
// how many pods they run: an Argo Rollouts Rollout whose workloadRef names
// a workload runs that workload's pods (its pod template is the
// workload's, its spec.replicas counts them, and it scales the workload
// itself down), and a HorizontalPodAutoscaler or a KEDA ScaledObject scales the workload or the
// Rollout that runs it.
type Scaling struct {
	hpas     map[string]*Object // by the key of what they target
	rollouts map[string]*Object // by the key of the workload they reference
}

func key(namespace, kind, name string) string { return namespace + "/" + kind + "/" + name }

// NewScaling returns the Scaling of objs; the first HPA or ScaledObject
// (in object order) that targets a workload or Rollout is its HPA. The pointers are into
// objs.
func NewScaling(objs []Object) Scaling {
	s := Scaling{hpas: map[string]*Object{}, rollouts: map[string]*Object{}}
	for i, o := range objs {
		switch {
		case o.Kind() == "HorizontalPodAutoscaler" || o.Kind() == KindScaledObject:
			kind, name, _ := o.ScaleTarget()
			k := key(o.Namespace(), kind, name)
			if s.hpas[k] == nil {
				s.hpas[k] = &objs[i]
			}
		case o.Kind() == "Rollout" && o.Group() == "argoproj.io":
			ref, _ := o.Lookup("spec", "workloadRef").(map[string]any)
			if ref != nil {
				s.rollouts[key(o.Namespace(), String(ref["kind"]), String(ref["name"]))] = &objs[i]
			}
		}
	}
	return s
}

// Rollout returns the Rollout that runs workload w's pods, or nil.
func (s Scaling) Rollout(w Object) *Object { return s.rollouts[key(w.Namespace(), w.Kind(), w.Name())] }

// HPA returns the HPA that scales workload w's pods, targeting w or the
// Rollout that runs them, or nil.
func (s Scaling) HPA(w Object) *Object {
	if r := s.Rollout(w); r != nil {
		return s.hpas[key(r.Namespace(), r.Kind(), r.Name())]
	}
	return s.hpas[key(w.Namespace(), w.Kind(), w.Name())]
}

// Of returns the Scale of workload w's pods: of the Rollout that runs
// them when there is one, else of w, with the HPA that scales either.
func (s Scaling) Of(w Object) Scale {
	owner := w
	if r := s.Rollout(w); r != nil {
		owner = *r
	}
	return ScaleOf(owner, s.HPA(w))
}
