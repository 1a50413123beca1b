package capacity

import (
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// requests parses the app's requests; a quantity that does not parse
// counts as zero (the schema's #Quantity reports it).
func requests(r model.Resources) Resources {
	return Resources{
		CPU:              millicores(r.Requests.CPU),
		Memory:           Bytes(r.Requests.Memory),
		EphemeralStorage: Bytes(r.Requests.EphemeralStorage),
	}
}

// appRequests returns what one of app's pods requests, from the model:
// its container's requests plus its sidecars' (native sidecars run beside
// it for the pod's whole life, and the scheduler adds them).
func appRequests(app *model.App) Resources {
	var sum Resources
	for _, c := range app.Containers() {
		sum = sum.Add(requests(c.Resources))
	}
	return sum
}

// podRequests returns a workload's effective requests per pod: its
// containers' and sidecars' (restartable init containers') sum, or the
// largest other init container's, whichever is larger, as the scheduler
// counts them.
func podRequests(o object.Object) Resources {
	var sum, initMax Resources
	for _, c := range o.Containers() {
		sum = sum.Add(containerRequests(c))
	}
	for _, c := range o.InitContainers() {
		r := containerRequests(c)
		if c["restartPolicy"] == "Always" {
			sum = sum.Add(r)
			continue
		}
		initMax.CPU = max(initMax.CPU, r.CPU)
		initMax.Memory = max(initMax.Memory, r.Memory)
		initMax.EphemeralStorage = max(initMax.EphemeralStorage, r.EphemeralStorage)
	}
	return Resources{
		CPU:              max(sum.CPU, initMax.CPU),
		Memory:           max(sum.Memory, initMax.Memory),
		EphemeralStorage: max(sum.EphemeralStorage, initMax.EphemeralStorage),
		Pods:             1,
	}
}

func containerRequests(c map[string]any) Resources {
	req := object.Lookup(c, "resources", "requests")
	return Resources{
		CPU:              millicores(object.Scalar(object.Lookup(req, "cpu"))),
		Memory:           Bytes(object.Scalar(object.Lookup(req, "memory"))),
		EphemeralStorage: Bytes(object.Scalar(object.Lookup(req, "ephemeral-storage"))),
	}
}

// modelPlacement is the nodeSelector and tolerations that kube.Build gives
// the app's pods: the labels of its node group (EKS's node group label
// when the group has none) and a toleration per taint. missing reports a
// nodeGroup that does not exist.
func modelPlacement(env *model.Environment, app *model.App) (selector map[string]string, tols []Toleration, missing bool) {
	if app.NodeGroup == "" {
		return nil, nil, false
	}
	ng, ok := env.Cluster.NodeGroups[app.NodeGroup]
	if !ok {
		return nil, nil, true
	}
	selector = ng.Labels
	if len(selector) == 0 {
		selector = map[string]string{nodeGroupLabel: app.NodeGroup}
	}
	for _, t := range ng.Taints {
		tol := Toleration{Key: t.Key, Operator: "Equal", Value: t.Value, Effect: t.Effect}
		if t.Value == "" {
			tol.Operator = "Exists"
		}
		tols = append(tols, tol)
	}
	return selector, tols, false
}

// objectPlacement reads a pod spec's nodeSelector and tolerations.
func objectPlacement(spec map[string]any) (map[string]string, []Toleration) {
	var selector map[string]string
	if m, ok := spec["nodeSelector"].(map[string]any); ok {
		selector = make(map[string]string, len(m))
		for k, v := range m {
			selector[k] = object.Scalar(v)
		}
	}
	var tols []Toleration
	for _, t := range object.Maps(spec["tolerations"]) {
		if t == nil {
			continue // not an object
		}
		tols = append(tols, Toleration{
			Key: object.Scalar(t["key"]), Operator: object.Scalar(t["operator"]),
			Value: object.Scalar(t["value"]), Effect: object.Scalar(t["effect"]),
		})
	}
	return selector, tols
}

// Topology keys the scheduler's spread and anti-affinity rules name, as
// kube.Build renders them.
const hostnameLabel = "kubernetes.io/hostname"

// SpreadConstraint is a topology spread constraint that refuses to
// schedule: in the domains of TopologyKey, the app's pods may differ by at
// most MaxSkew.
type SpreadConstraint struct {
	TopologyKey string
	MaxSkew     int64
}

// modelConstraints is what kube.Build renders of the app's spread and
// antiAffinity that the scheduler enforces: "required" spread over zones
// and hosts with maxSkew 1, and "required" anti-affinity on hosts.
func modelConstraints(app *model.App) ([]SpreadConstraint, []string) {
	var spread []SpreadConstraint
	if app.Spread.Zones == "required" {
		spread = append(spread, SpreadConstraint{TopologyKey: zoneLabel, MaxSkew: 1})
	}
	if app.Spread.Hosts == "required" {
		spread = append(spread, SpreadConstraint{TopologyKey: hostnameLabel, MaxSkew: 1})
	}
	var anti []string
	if app.AntiAffinity == "required" {
		anti = append(anti, hostnameLabel)
	}
	return spread, anti
}

// objectConstraints reads a pod spec's topology spread constraints that
// refuse to schedule (whenUnsatisfiable DoNotSchedule, the API's only
// other value being ScheduleAnyway) and the topology keys of its required
// pod anti-affinity terms. Their label selectors are taken to select the
// workload's own pods, as kube.Build renders them.
func objectConstraints(spec map[string]any) ([]SpreadConstraint, []string) {
	var spread []SpreadConstraint
	for _, c := range object.Maps(spec["topologySpreadConstraints"]) {
		if c == nil || object.Scalar(c["whenUnsatisfiable"]) == "ScheduleAnyway" {
			continue
		}
		skew, ok := object.Int(c["maxSkew"])
		if !ok || skew < 1 {
			skew = 1
		}
		spread = append(spread, SpreadConstraint{TopologyKey: object.Scalar(c["topologyKey"]), MaxSkew: skew})
	}
	var anti []string
	for _, term := range object.Maps(object.Lookup(spec, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution")) {
		if term != nil {
			anti = append(anti, object.Scalar(term["topologyKey"]))
		}
	}
	return spread, anti
}

// runPods is how many pods a run of a Job or CronJob starts at once: its
// parallelism (1 when unset), or its completions when fewer.
func runPods(o object.Object) int64 {
	spec := o.Lookup("spec")
	if o.Kind() == model.CronJob {
		spec = o.Lookup("spec", "jobTemplate", "spec")
	}
	n := int64(1)
	if p, ok := object.Int(object.Lookup(spec, "parallelism")); ok {
		n = p
	}
	if c, ok := object.Int(object.Lookup(spec, "completions")); ok && c < n {
		n = c
	}
	return max(n, 0)
}
