package capacity

import (
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// requests parses the app's requests; a quantity that does not parse
// counts as zero (the schema's #Quantity reports it).
func requests(r model.Resources) Resources {
	return Resources{CPU: millicores(r.Requests.CPU), Memory: Bytes(r.Requests.Memory)}
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
	}
	return Resources{CPU: max(sum.CPU, initMax.CPU), Memory: max(sum.Memory, initMax.Memory), Pods: 1}
}

func containerRequests(c map[string]any) Resources {
	req := object.Lookup(c, "resources", "requests")
	return Resources{
		CPU:    millicores(object.Scalar(object.Lookup(req, "cpu"))),
		Memory: Bytes(object.Scalar(object.Lookup(req, "memory"))),
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
