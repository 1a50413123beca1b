package capacity

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// Amounts are resources as a ResourceQuota counts them, by its resource
// names ("requests.cpu", "limits.memory", "pods",
// "requests.ephemeral-storage"), in thousandths of their unit (millicores
// for CPU, thousandths of a byte for memory and storage, thousandths of a
// pod), so that every resource adds up the same way and none is rounded.
type Amounts map[string]int64

// Add adds o to a, resource by resource.
func (a Amounts) Add(o Amounts) {
	for k, v := range o {
		a[k] += v
	}
}

// Format formats the amount of resource name as a Kubernetes quantity:
// CPU in cores or millicores ("2", "250m"), bytes in binary units when
// whole ("20Gi", "768Mi"), counts as integers.
func Format(name string, milli int64) string {
	switch {
	case strings.HasSuffix(name, "cpu"):
		return resource.NewMilliQuantity(milli, resource.DecimalSI).String()
	case countResource(name):
		return resource.NewMilliQuantity(milli, resource.DecimalSI).String()
	}
	q := resource.NewMilliQuantity(milli, resource.BinarySI)
	if milli%1000 == 0 {
		q = resource.NewQuantity(milli/1000, resource.BinarySI)
	}
	return q.String()
}

// countResource reports whether a quota resource counts objects ("pods",
// "services.loadbalancers", "count/jobs.batch") rather than amounts.
func countResource(name string) bool {
	return name == "pods" || !strings.HasPrefix(name, "requests.") && !strings.HasPrefix(name, "limits.") &&
		name != "cpu" && name != "memory" && name != "ephemeral-storage"
}

// ParseAmount parses quantity q of quota resource name into thousandths of
// its unit; ok is false when q is no quantity.
func ParseAmount(q string) (int64, bool) {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, false
	}
	return v.MilliValue(), true
}

// QuotaStep is what a derived quota is rounded up to, per kind of
// resource: a tenth of a core, 256Mi, or a whole object. Round numbers
// read as a decision in a review, and a quota that moves by a few
// millicores whenever an app changes would be noise.
func QuotaStep(name string) int64 {
	switch {
	case strings.HasSuffix(name, "cpu"):
		return 100
	case countResource(name):
		return 1000
	}
	return 256 * MiB * 1000
}

// WithHeadroom returns peak plus percent of it, each resource rounded up
// to its step (see QuotaStep): the quota gen derives for a namespace.
func WithHeadroom(peak Amounts, percent int64) Amounts {
	out := Amounts{}
	for k, v := range peak {
		v += ceilDiv(v*percent, 100)
		step := QuotaStep(k)
		out[k] = ceilDiv(v, step) * step
	}
	return out
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// Peak returns, per namespace, what the pods of the workloads among objs
// need at their peak, as the namespace's ResourceQuota counts them: the
// sum of [Workloads]' pods times what one pod counts.
func Peak(objs []object.Object, ranges map[string]model.LimitRange) map[string]Amounts {
	out := map[string]Amounts{}
	for _, w := range Workloads(objs, ranges) {
		ns := out[w.Namespace]
		if ns == nil {
			ns = Amounts{}
			out[w.Namespace] = ns
		}
		for k, v := range w.Pod {
			ns[k] += v * w.Pods
		}
	}
	return out
}

// WorkloadPeak is one workload at its peak.
type WorkloadPeak struct {
	Namespace, Name string
	// Pods is how many pods it runs at once at its peak (see peakPods).
	Pods int64
	// Pod is what one of its pods counts against a quota (see
	// [PodAmounts]).
	Pod Amounts
}

// Workloads returns the workloads among objs that run pods at their peak,
// in the order of objs: each workload's pod (its containers and sidecars,
// or its largest init container, whichever is larger, per resource, as
// the API server counts a pod against a quota) and its pods at peak. A
// container's missing requests and limits are those its namespace's
// LimitRange gives it when the pod is created (see defaulted): ranges
// maps a namespace to its LimitRange. The resource names are those the
// containers state or are given (requests.cpu, limits.memory,
// requests.ephemeral-storage...), and pods.
func Workloads(objs []object.Object, ranges map[string]model.LimitRange) []WorkloadPeak {
	scaling := object.NewScaling(objs)
	var out []WorkloadPeak
	for _, o := range objs {
		if _, ok := o.PodSpec(); !ok {
			continue
		}
		n := peakPods(o, scaling)
		if n == 0 {
			continue
		}
		out = append(out, WorkloadPeak{Namespace: o.Namespace(), Name: o.Name(), Pods: n, Pod: PodAmounts(o, ranges[o.Namespace()])})
	}
	return out
}

// peakPods is how many pods workload o runs at once at its peak: a
// Deployment its replicas at maximum (the HPA's maxReplicas) plus its
// rolling update's maxSurge of them (a rollout at peak creates the new
// pods before it removes the old ones), or, when an Argo Rollouts Rollout
// runs its pods, plus what a release adds (see ReleaseSurge); a
// StatefulSet its replicas at maximum (it replaces pods one by one, never
// above replicas); a Job or a CronJob one run at its parallelism
// (concurrencyPolicy Forbid, gen's default, keeps runs from overlapping).
func peakPods(o object.Object, scaling object.Scaling) int64 {
	_, hi := scaling.Of(o).Range()
	switch o.Kind() {
	case model.Job, model.CronJob:
		return runPods(o)
	case model.Deployment:
		if r := scaling.Rollout(o); r != nil {
			return hi + ReleaseSurge(*r, hi)
		}
		return hi + Surge(o.Lookup("spec", "strategy"), hi)
	}
	return hi
}

// ReleaseSurge is how many pods above replicas a Rollout's release runs
// at its peak: a blue-green release all of them (the new version's
// ReplicaSet starts whole beside the old one); a canary routed by a
// traffic router all of them too (the canary's ReplicaSet is scaled to
// the weight of the stable one's replicas, up to 100% before the stable
// one goes); a canary without one its maxSurge, as a Deployment's.
func ReleaseSurge(rollout object.Object, replicas int64) int64 {
	strategy, _ := rollout.Lookup("spec", "strategy").(map[string]any)
	canary, _ := strategy["canary"].(map[string]any)
	if canary == nil || canary["trafficRouting"] != nil {
		return replicas
	}
	return Surge(map[string]any{"rollingUpdate": map[string]any{"maxSurge": canary["maxSurge"]}}, replicas)
}

// Surge is how many pods above replicas a Deployment's rollout creates,
// from its spec.strategy: maxSurge, a count or a percentage of replicas
// rounded up, as the Deployment controller resolves it; 25% when unset
// (Kubernetes' default), none for the Recreate strategy.
func Surge(strategy any, replicas int64) int64 {
	s, _ := strategy.(map[string]any)
	if object.String(s["type"]) == "Recreate" {
		return 0
	}
	v := object.Lookup(s, "rollingUpdate", "maxSurge")
	if v == nil {
		v = "25%"
	}
	if n, ok := object.Int(v); ok {
		return n
	}
	str := object.String(v)
	var pct int64
	if _, err := fmt.Sscanf(str, "%d%%", &pct); err != nil {
		return 0
	}
	return ceilDiv(replicas*pct, 100)
}

// PodAmounts is what one pod of workload o counts against a quota in a
// namespace with LimitRange lr: per resource, its containers' (and
// sidecars') sum or its largest init container's, whichever is larger,
// and one pod.
func PodAmounts(o object.Object, lr model.LimitRange) Amounts {
	sum, initMax := Amounts{}, Amounts{}
	for _, c := range o.Containers() {
		sum.Add(containerAmounts(c, lr))
	}
	for _, c := range o.InitContainers() {
		a := containerAmounts(c, lr)
		if c["restartPolicy"] == "Always" {
			sum.Add(a)
			continue
		}
		for k, v := range a {
			initMax[k] = max(initMax[k], v)
		}
	}
	for k, v := range initMax {
		sum[k] = max(sum[k], v)
	}
	sum["pods"] = 1000
	return sum
}

// containerAmounts returns a container's requests and limits as quota
// resources ("requests.cpu", "limits.memory"), after defaulted.
func containerAmounts(c map[string]any, lr model.LimitRange) Amounts {
	req, lim := defaulted(quantities(object.Lookup(c, "resources", "requests")), quantities(object.Lookup(c, "resources", "limits")), lr)
	out := Amounts{}
	for k, v := range req {
		out["requests."+k] = v
	}
	for k, v := range lim {
		out["limits."+k] = v
	}
	return out
}

func quantities(m any) map[string]int64 {
	out := map[string]int64{}
	mm, _ := m.(map[string]any)
	for k, v := range mm {
		if n, ok := ParseAmount(object.Scalar(v)); ok {
			out[k] = n
		}
	}
	return out
}

// defaulted returns a container's requests and limits as the API server
// admits it into a namespace with LimitRange lr: a limit it does not
// state is lr's default; a request it does not state is its limit when it
// states one (the API's own defaulting, before admission), else lr's
// defaultRequest, else the limit lr gave it (LimitRanger's order).
func defaulted(req, lim map[string]int64, lr model.LimitRange) (map[string]int64, map[string]int64) {
	for k, v := range lim {
		if _, ok := req[k]; !ok {
			req[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(lr.Default)) {
		if _, ok := lim[k]; !ok {
			if n, ok := ParseAmount(lr.Default[k]); ok {
				lim[k] = n
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(lr.DefaultRequest)) {
		if _, ok := req[k]; !ok {
			if n, ok := ParseAmount(lr.DefaultRequest[k]); ok {
				req[k] = n
			}
		}
	}
	for k, v := range lim {
		if _, ok := req[k]; !ok {
			req[k] = v
		}
	}
	return req, lim
}

// ControllerPeak returns, per namespace, what the enabled controllers'
// pods need at their peak, from their declared pods: requests and pods
// only (gen counts their requests; limits are the charts'), each pod
// with Kubernetes' default rolling-update surge of 25% (the charts'
// Deployments keep it). A per-node pod counts once per node of the node
// groups it runs on, at their maxSize; a DaemonSet's rolling update
// replaces a node's pod without a surge (maxSurge 0, the default).
func ControllerPeak(env *model.Environment) map[string]Amounts {
	out := map[string]Amounts{}
	for _, name := range env.EnabledControllers() {
		c := env.Platform.Controllers[name]
		ns := out[c.Namespace]
		if ns == nil {
			ns = Amounts{}
			out[c.Namespace] = ns
		}
		for _, pod := range slices.Sorted(maps.Keys(c.Pods)) {
			p := c.Pods[pod]
			n := p.Count()
			n += ceilDiv(n*25, 100)
			if p.PerNode {
				n = 0
				for _, name := range slices.Sorted(maps.Keys(env.Cluster.NodeGroups)) {
					g := newGroup(env, name, env.Cluster.NodeGroups[name])
					if g.Accepts(env, c.NodeSelector, tolerations(c.Tolerations)) == "" {
						n += int64(g.NodeGroup.MaxSize)
					}
				}
			}
			for _, r := range p.AllRequests() {
				if v, ok := ParseAmount(r.CPU); ok {
					ns["requests.cpu"] += v * n
				}
				if v, ok := ParseAmount(r.Memory); ok {
					ns["requests.memory"] += v * n
				}
			}
			ns["pods"] += 1000 * n
		}
	}
	return out
}
