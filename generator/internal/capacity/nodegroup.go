package capacity

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// Labels EKS puts on every node of a managed node group, and the
// well-known labels a nodeSelector may use.
const (
	nodeGroupLabel    = "eks.amazonaws.com/nodegroup"
	capacityTypeLabel = "eks.amazonaws.com/capacityType"
	instanceTypeLabel = "node.kubernetes.io/instance-type"
	zoneLabel         = "topology.kubernetes.io/zone"
	regionLabel       = "topology.kubernetes.io/region"
	osLabel           = "kubernetes.io/os"
	archLabel         = "kubernetes.io/arch"
)

// Group is one node group and what a node of it offers.
type Group struct {
	// Name is the node group's name, and NodeGroup the node group.
	Name      string
	NodeGroup model.NodeGroup
	// Types are the listed instance types gen knows, in order; Unknown
	// the listed types it does not know.
	Types   []*Instance
	Unknown []string
	// PerNode is the allocatable of a node, the least over the listed
	// types (the autoscaler may start any of them); EphemeralStorage is
	// its root volume's ([EphemeralAllocatable]), Pods the effective pod
	// limit.
	PerNode Resources
	// ENIPods is the smallest VPC CNI pod limit of the listed types and
	// ENIType the type that has it.
	ENIPods int64
	ENIType *Instance
	// Zones are the node group's zones, the cluster's when it names
	// none.
	Zones []string
	// Labels are the labels of its nodes: EKS's and the node group's.
	Labels map[string]string
	// Blocking are the NoSchedule and NoExecute taints.
	Blocking []model.Taint
}

// Known reports whether gen knows every instance type of the group, so
// that its capacity is known.
func (g *Group) Known() bool { return len(g.Unknown) == 0 && len(g.Types) > 0 }

// TypeList names the group's instance types, e.g. "t3.medium" or
// "m5.large/m6i.large".
func (g *Group) TypeList() string { return strings.Join(g.NodeGroup.InstanceTypes, "/") }

// PodLimit explains the group's pods per node, e.g. "17 per node, the VPC
// CNI limit of t3.medium".
func (g *Group) PodLimit() string {
	if g.PerNode.Pods < g.ENIPods {
		return fmt.Sprintf("%d per node, its maxPodsPerNode", g.PerNode.Pods)
	}
	return fmt.Sprintf("%d per node, the VPC CNI limit of %s", g.PerNode.Pods, g.ENIType.Type)
}

func newGroup(env *model.Environment, name string, ng model.NodeGroup) *Group {
	g := &Group{Name: name, NodeGroup: ng, Zones: ng.Zones}
	if len(g.Zones) == 0 {
		g.Zones = env.Cluster.Zones
	}
	for _, t := range ng.InstanceTypes {
		i, ok := LookupInstance(t)
		if !ok {
			g.Unknown = append(g.Unknown, t)
			continue
		}
		g.Types = append(g.Types, i)
	}
	for n, i := range g.Types {
		alloc := i.Allocatable()
		if n == 0 {
			g.PerNode, g.ENIPods, g.ENIType = alloc, alloc.Pods, i
			continue
		}
		g.PerNode.CPU = min(g.PerNode.CPU, alloc.CPU)
		g.PerNode.Memory = min(g.PerNode.Memory, alloc.Memory)
		if alloc.Pods < g.ENIPods {
			g.ENIPods, g.ENIType = alloc.Pods, i
		}
	}
	g.PerNode.Pods = g.ENIPods
	if len(g.Types) > 0 {
		g.PerNode.EphemeralStorage = EphemeralAllocatable(ng.VolumeSize)
	}
	if ng.MaxPodsPerNode != nil && int64(*ng.MaxPodsPerNode) < g.ENIPods {
		g.PerNode.Pods = int64(*ng.MaxPodsPerNode)
	}
	capacity := "ON_DEMAND"
	if ng.Spot {
		capacity = "SPOT"
	}
	g.Labels = map[string]string{
		nodeGroupLabel:    name,
		capacityTypeLabel: capacity,
		osLabel:           "linux",
		// Every type in data/aws.json is x86_64.
		archLabel: "amd64",
	}
	if len(ng.InstanceTypes) == 1 {
		g.Labels[instanceTypeLabel] = ng.InstanceTypes[0]
	}
	maps.Copy(g.Labels, ng.Labels)
	for _, t := range ng.Taints {
		if t.Effect == "NoSchedule" || t.Effect == "NoExecute" || t.Effect == "" {
			g.Blocking = append(g.Blocking, t)
		}
	}
	return g
}

// Accepts returns "" when a pod with selector and tolerations may land on
// the group's nodes, or why not.
func (g *Group) Accepts(env *model.Environment, selector map[string]string, tolerations []Toleration) string {
	for _, k := range slices.Sorted(maps.Keys(selector)) {
		v := selector[k]
		switch k {
		case zoneLabel:
			if !slices.Contains(g.Zones, v) {
				return fmt.Sprintf("%s is not in zone %s", g.Name, v)
			}
		case regionLabel:
			if v != env.Cluster.Region {
				return fmt.Sprintf("%s is not in region %s", g.Name, v)
			}
		default:
			if got, ok := g.Labels[k]; !ok || got != v {
				return fmt.Sprintf("%s has no label %s=%s", g.Name, k, v)
			}
		}
	}
	for _, t := range g.Blocking {
		if !slices.ContainsFunc(tolerations, func(tol Toleration) bool { return tol.Tolerates(t) }) {
			return fmt.Sprintf("%s has taint %s, not tolerated", g.Name, FormatTaint(t))
		}
	}
	return ""
}

// Toleration is a pod toleration.
type Toleration struct {
	Key, Operator, Value, Effect string
}

// Tolerates follows Kubernetes' Toleration.ToleratesTaint.
func (t Toleration) Tolerates(taint model.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key == "" {
		return t.Operator == "Exists"
	}
	if t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "Exists":
		return true
	case "", "Equal":
		return t.Value == taint.Value
	}
	return false
}

// FormatTaint writes a taint as kubectl does: "workload=ml:NoSchedule".
func FormatTaint(t model.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + t.Effect
}
