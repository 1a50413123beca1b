package check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// IngressAccess reports each app's Ingress whose load balancer the app's
// pods would not accept: an ALB with IP targets connects to the pods
// from its own addresses in the VPC, so in a namespace whose
// NetworkPolicies isolate the pods, one of them must admit the VPC's CIDR
// on every port a path sends traffic to. gen's own NetworkPolicies admit
// it (package kube); this check keeps the rendered objects consistent
// after the patches, which may change either side. It reads the
// objects as rendered: the Ingress's backends, their Services' target
// ports, the pods' labels and container ports, the namespace's
// NetworkPolicies.
func IngressAccess(env *model.Environment, objs []object.Object) error {
	vpc, err := netip.ParsePrefix(env.Cluster.VPC.CIDR)
	if err != nil {
		return nil // the schema refuses a malformed CIDR
	}
	services := map[string]object.Object{}
	policies := map[string][]object.Object{}
	workloads := map[string]object.Object{}
	for _, o := range objs {
		switch o.Kind() {
		case "Service":
			services[o.Namespace()+"/"+o.Name()] = o
		case "NetworkPolicy":
			policies[o.Namespace()] = append(policies[o.Namespace()], o)
		default:
			if _, ok := o.PodSpec(); ok && o.App != "" {
				if _, seen := workloads[o.App]; !seen {
					workloads[o.App] = o
				}
			}
		}
	}
	var errs cueerrors.Error
	for _, ing := range objs {
		app := env.Apps[ing.App]
		if ing.Kind() != "Ingress" || app == nil || object.String(ing.Lookup("metadata", "annotations", "alb.ingress.kubernetes.io/target-type")) != "ip" {
			continue
		}
		w, ok := workloads[ing.App]
		if !ok {
			continue
		}
		labels := w.PodLabels()
		reported := map[int64]bool{}
		for _, r := range object.Maps(ing.Lookup("spec", "rules")) {
			for _, p := range object.Maps(object.Lookup(r, "http", "paths")) {
				svc, ok := services[ing.Namespace()+"/"+object.String(object.Lookup(p, "backend", "service", "name"))]
				if !ok {
					continue // no Service: the reference checks' concern
				}
				backends := []any{object.Lookup(p, "backend", "service", "port")}
				if object.String(object.Lookup(backends[0], "name")) == "use-annotation" {
					// Argo Rollouts' weighted forward action, to the
					// Service's ports through its canary and stable copies.
					backends = nil
					for _, sp := range object.Maps(svc.Lookup("spec", "ports")) {
						backends = append(backends, map[string]any{"number": sp["port"]})
					}
				}
				for _, backend := range backends {
					port, name, ok := targetPort(svc, w, backend)
					if !ok || reported[port] {
						continue
					}
					if by, ok := admitted(policies[ing.Namespace()], labels, port, name, vpc); !ok {
						reported[port] = true
						errs = cueerrors.Append(errs, env.Errorf(app.Path("ingress"),
							"%s: its load balancer reaches the pods of app %s on port %d from the VPC (%s), which %s selecting them admits; admit it, or undo the patch that took it away",
							ing.ID(), app.Name, port, vpc, by))
					}
				}
			}
		}
	}
	if errs == nil {
		return nil
	}
	return errs
}

// targetPort returns the container port, by number and name, that a
// backend's Service port (by name or number) sends traffic to.
func targetPort(svc, w object.Object, backend any) (int64, string, bool) {
	want := object.String(object.Lookup(backend, "name"))
	wantNum, _ := object.Int(object.Lookup(backend, "number"))
	for _, sp := range object.Maps(svc.Lookup("spec", "ports")) {
		n, _ := object.Int(sp["port"])
		if object.String(sp["name"]) != want && (wantNum == 0 || n != wantNum) {
			continue
		}
		target := sp["targetPort"]
		if target == nil {
			return n, "", true
		}
		if num, ok := object.Int(target); ok {
			return num, "", true
		}
		name := object.String(target)
		for _, c := range w.Containers() {
			for _, cp := range object.Maps(c["ports"]) {
				if object.String(cp["name"]) == name {
					num, ok := object.Int(cp["containerPort"])
					return num, name, ok
				}
			}
		}
	}
	return 0, "", false
}

// admitted reports whether the NetworkPolicies of a namespace admit
// traffic from every address of vpc to pods with these labels on port
// (named name, "" when unnamed, over TCP): true when none of them
// selects the pods for ingress, or one has a rule that admits it. When
// not, by names the policies that select the pods.
func admitted(policies []object.Object, labels map[string]any, port int64, name string, vpc netip.Prefix) (by string, ok bool) {
	var selecting []string
	for _, np := range policies {
		types := object.Lookup(np.Content, "spec", "policyTypes")
		if ts, isList := types.([]any); isList && !slices.ContainsFunc(ts, func(t any) bool { return object.String(t) == "Ingress" }) {
			continue
		}
		if !selects(np.Lookup("spec", "podSelector"), labels) {
			continue
		}
		selecting = append(selecting, np.ID())
		for _, rule := range object.Maps(np.Lookup("spec", "ingress")) {
			if rulePorts(rule["ports"], port, name) && ruleFrom(rule["from"], vpc) {
				return "", true
			}
		}
	}
	if len(selecting) == 0 {
		return "", true
	}
	return fmt.Sprintf("none of %s", strings.Join(selecting, ", ")), false
}

// selects reports whether a label selector selects labels.
func selects(sel any, labels map[string]any) bool {
	match, _ := object.Lookup(sel, "matchLabels").(map[string]any)
	for k, v := range match {
		if object.String(labels[k]) != object.String(v) || labels[k] == nil {
			return false
		}
	}
	for _, e := range object.Maps(object.Lookup(sel, "matchExpressions")) {
		v, has := labels[object.String(e["key"])]
		values, _ := e["values"].([]any)
		in := slices.ContainsFunc(values, func(x any) bool { return object.String(x) == object.String(v) })
		switch object.String(e["operator"]) {
		case "In":
			if !has || !in {
				return false
			}
		case "NotIn":
			if has && in {
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
		}
	}
	return true
}

// rulePorts reports whether a rule's ports admit TCP port (named name).
func rulePorts(ports any, port int64, name string) bool {
	list := object.Maps(ports)
	if len(list) == 0 {
		return true
	}
	for _, p := range list {
		if proto := object.String(p["protocol"]); proto != "" && proto != "TCP" {
			continue
		}
		switch v := p["port"]; {
		case v == nil:
			return true
		case name != "" && object.String(v) == name:
			return true
		default:
			n, ok := object.Int(v)
			end, hasEnd := object.Int(p["endPort"])
			if ok && (n == port || hasEnd && n <= port && port <= end) {
				return true
			}
		}
	}
	return false
}

// ruleFrom reports whether a rule's peers admit every address of vpc:
// no peers (anyone), or an ipBlock that holds vpc and excepts none of it.
func ruleFrom(from any, vpc netip.Prefix) bool {
	peers := object.Maps(from)
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		block, ok := p["ipBlock"].(map[string]any)
		if !ok {
			continue
		}
		cidr, err := netip.ParsePrefix(object.String(block["cidr"]))
		if err != nil || cidr.Bits() > vpc.Bits() || !cidr.Contains(vpc.Addr()) {
			continue
		}
		excepted := false
		except, _ := block["except"].([]any)
		for _, e := range except {
			if ex, err := netip.ParsePrefix(object.String(e)); err == nil && ex.Overlaps(vpc) {
				excepted = true
			}
		}
		if !excepted {
			return true
		}
	}
	return false
}
