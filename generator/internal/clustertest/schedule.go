package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/kubetest"
)

// Labels the kubelet and EKS put on every node that gen's capacity model
// leaves to the nodes (capacity.Group.Labels has the rest).
const (
	hostnameLabel = "kubernetes.io/hostname"
	zoneLabel     = "topology.kubernetes.io/zone"
	regionLabel   = "topology.kubernetes.io/region"
)

// pauseImage is the image of the stand-in pods of add-ons; nothing pulls
// it, since no kubelet runs.
const pauseImage = "registry.k8s.io/pause:3.10"

// systemNamespace is where the add-ons' pods run.
const systemNamespace = metav1.NamespaceSystem

// Fixture is the cluster that an environment asks for at the node groups'
// minimum or maximum size, as Kubernetes objects to create: its nodes, and
// the pods that run on them.
type Fixture struct {
	// Nodes are the nodes of every node group, named <group>-<n> from 1,
	// with the allocatable gen's capacity model computes (capacity.Group.
	// PerNode, as capacity as well), the group's labels and taints,
	// kubernetes.io/hostname, topology.kubernetes.io/region, and
	// topology.kubernetes.io/zone round-robin over the group's zones.
	Nodes []*corev1.Node
	// Namespaces are the rendered Namespaces, and any other namespace a
	// pod is in but kube-system.
	Namespaces []*corev1.Namespace
	// ServiceAccounts are those the pods run as, which admission requires
	// to exist (no controller-manager creates the "default" ones).
	ServiceAccounts []*corev1.ServiceAccount
	// LimitRanges and ResourceQuotas are the rendered ones: admission
	// gives the pods the LimitRanges' defaults and refuses a pod the
	// quota of its namespace cannot hold, as in the real cluster.
	LimitRanges    []*corev1.LimitRange
	ResourceQuotas []*corev1.ResourceQuota
	// Pods are, in the order to create them:
	//   - the add-ons' and controllers' DaemonSet pods
	//     (capacity.Analysis.DaemonSets), kube-system/<daemonset>-<node>,
	//     on the nodes of the node groups each runs on, each bound to its
	//     node by node affinity, as the DaemonSet controller does, and
	//     tolerating every taint;
	//   - the add-ons' cluster-wide pods (capacity.Analysis.System),
	//     kube-system/<name>-<n>, tolerating none of the node groups'
	//     taints;
	//   - each enabled app's pods, <namespace>/<workload>-<n>, from its
	//     rendered workload's pod template: a Deployment's or StatefulSet's
	//     replicas at rest (the HPA's minReplicas, else spec.replicas) or at
	//     peak (the HPA's maxReplicas), a Job's or CronJob's one run of
	//     spec.parallelism pods (no more than its completions).
	// Every pod has the template's nodeSelector, affinity, tolerations,
	// topologySpreadConstraints and requests; a StatefulSet's
	// volumeClaimTemplates become emptyDir volumes, since no provisioner
	// runs (the volumes' zones are not modelled).
	Pods []*corev1.Pod
}

// NewFixture returns the cluster of env at its node groups' minSize
// (atMax false) or maxSize (atMax true), with the pods of objs, env's
// rendered objects. It reads the nodes and the add-ons from
// capacity.Analyze(env, objs) and the apps' pods from objs.
func NewFixture(env *model.Environment, objs []object.Object, atMax bool) (*Fixture, error) {
	a := capacity.Analyze(env, objs, time.Time{})
	f := &Fixture{}
	for _, g := range a.Groups {
		n := g.NodeGroup.MinSize
		if atMax {
			n = g.NodeGroup.MaxSize
		}
		for i := range n {
			f.Nodes = append(f.Nodes, node(env, g, i))
		}
	}
	for _, n := range f.Nodes {
		for _, ds := range a.DaemonSets {
			if !slices.Contains(ds.Groups, n.Labels["eks.amazonaws.com/nodegroup"]) {
				continue
			}
			for i := range ds.Replicas {
				name := ds.Name + "-" + n.Name
				if ds.Replicas > 1 {
					name = fmt.Sprintf("%s-%d", name, i+1)
				}
				f.Pods = append(f.Pods, overheadPod(name, ds.Requests, n.Name))
			}
		}
	}
	for _, s := range a.System {
		for i := range s.Replicas {
			f.Pods = append(f.Pods, overheadPod(fmt.Sprintf("%s-%d", s.Name, i+1), s.Requests, ""))
		}
	}
	for _, d := range a.Apps {
		pods, err := appPods(d.App, objs, atMax)
		if err != nil {
			return nil, err
		}
		f.Pods = append(f.Pods, pods...)
	}

	for _, o := range objs {
		if o.Group() != "" {
			continue
		}
		switch o.Kind() {
		case "LimitRange":
			var lr corev1.LimitRange
			if err := convert(o.Content, &lr); err != nil {
				return nil, fmt.Errorf("%s: %w", o.ID(), err)
			}
			f.LimitRanges = append(f.LimitRanges, &lr)
		case "ResourceQuota":
			var q corev1.ResourceQuota
			if err := convert(o.Content, &q); err != nil {
				return nil, fmt.Errorf("%s: %w", o.ID(), err)
			}
			f.ResourceQuotas = append(f.ResourceQuotas, &q)
		}
	}
	namespaces := map[string]bool{systemNamespace: true}
	for _, o := range objs {
		if o.Group() != "" || o.Kind() != "Namespace" {
			continue
		}
		var ns corev1.Namespace
		if err := convert(o.Content, &ns); err != nil {
			return nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		f.Namespaces = append(f.Namespaces, &ns)
		namespaces[ns.Name] = true
	}
	accounts := map[string]bool{}
	for _, p := range f.Pods {
		if !namespaces[p.Namespace] {
			f.Namespaces = append(f.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: p.Namespace}})
			namespaces[p.Namespace] = true
		}
		sa := p.Spec.ServiceAccountName
		if sa == "" {
			sa = "default"
		}
		if !accounts[p.Namespace+"/"+sa] {
			accounts[p.Namespace+"/"+sa] = true
			f.ServiceAccounts = append(f.ServiceAccounts, &corev1.ServiceAccount{
				ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: p.Namespace},
			})
		}
	}
	return f, nil
}

// node returns the i-th node (from 0) of g.
func node(env *model.Environment, g *capacity.Group, i int) *corev1.Node {
	name := fmt.Sprintf("%s-%d", g.Name, i+1)
	labels := maps.Clone(g.Labels)
	labels[hostnameLabel] = name
	if env.Cluster.Region != "" {
		labels[regionLabel] = env.Cluster.Region
	}
	if len(g.Zones) > 0 {
		labels[zoneLabel] = g.Zones[i%len(g.Zones)]
	}
	var taints []corev1.Taint
	for _, t := range g.NodeGroup.Taints {
		effect := corev1.TaintEffect(t.Effect)
		if effect == "" {
			effect = corev1.TaintEffectNoSchedule
		}
		taints = append(taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: effect})
	}
	// The ephemeral storage of the node's root volume: without it the
	// scheduler finds none, and every pod that requests some stays
	// Pending.
	alloc := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(g.PerNode.CPU, resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(g.PerNode.Memory, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(g.PerNode.EphemeralStorage, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(g.PerNode.Pods, resource.DecimalSI),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status:     corev1.NodeStatus{Capacity: alloc, Allocatable: alloc},
	}
}

// overheadPod returns an add-on's pod: on the node named onNode, which it
// tolerates whatever its taints, or, when onNode is "", wherever the
// scheduler finds room among the nodes without taints.
func overheadPod(name string, req capacity.Resources, onNode string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: systemNamespace},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: pauseImage,
			Resources: corev1.ResourceRequirements{Requests: requests(req)},
		}}},
	}
	if onNode != "" {
		// As the DaemonSet controller pins its pods.
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{onNode}}},
			}}},
		}}
		p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	}
	return p
}

func requests(r capacity.Resources) corev1.ResourceList {
	l := corev1.ResourceList{}
	if r.CPU > 0 {
		l[corev1.ResourceCPU] = *resource.NewMilliQuantity(r.CPU, resource.DecimalSI)
	}
	if r.Memory > 0 {
		l[corev1.ResourceMemory] = *resource.NewQuantity(r.Memory, resource.BinarySI)
	}
	if r.EphemeralStorage > 0 {
		l[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(r.EphemeralStorage, resource.BinarySI)
	}
	return l
}

// appPods returns the pods of app's rendered workload among objs.
func appPods(app *model.App, objs []object.Object, atMax bool) ([]*corev1.Pod, error) {
	var w *object.Object
	for i, o := range objs {
		if o.App != app.Name {
			continue
		}
		if o.Kind() == app.Kind && o.Name() == app.Name && w == nil {
			w = &objs[i]
		}
	}
	if w == nil {
		return nil, fmt.Errorf("app %s: no rendered %s %s", app.Name, app.Kind, app.Name)
	}
	scaling := object.NewScaling(objs)
	var count int64
	switch w.Kind() {
	case model.Job, model.CronJob:
		job := []string{"spec"}
		if w.Kind() == model.CronJob {
			job = []string{"spec", "jobTemplate", "spec"}
		}
		count = 1
		if n, ok := object.Int(w.Lookup(append(job, "parallelism")...)); ok {
			count = n
		}
		if n, ok := object.Int(w.Lookup(append(job, "completions")...)); ok {
			count = min(count, n)
		}
	default:
		lo, hi := scaling.Of(*w).Range()
		count = lo
		if atMax {
			count = hi
		}
	}

	specPath := object.PodSpecPath(w.Kind())
	if specPath == nil {
		return nil, fmt.Errorf("%s has no pod template", w.ID())
	}
	var tmpl corev1.PodTemplateSpec
	if err := convert(w.Lookup(specPath[:len(specPath)-1]...), &tmpl); err != nil {
		return nil, fmt.Errorf("%s: the pod template: %w", w.ID(), err)
	}
	for _, vct := range object.Maps(w.Lookup("spec", "volumeClaimTemplates")) {
		name := object.String(object.Lookup(vct, "metadata", "name"))
		if !slices.ContainsFunc(tmpl.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == name }) {
			tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{
				Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
			})
		}
	}
	pods := make([]*corev1.Pod, 0, count)
	for i := range count {
		p := &corev1.Pod{ObjectMeta: *tmpl.ObjectMeta.DeepCopy(), Spec: *tmpl.Spec.DeepCopy()}
		p.Name = fmt.Sprintf("%s-%d", w.Name(), i+1)
		p.Namespace = w.Namespace()
		pods = append(pods, p)
	}
	return pods, nil
}

// convert decodes v, a value of the unstructured form, into typed.
func convert(v any, typed any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, typed)
}

// Create creates the fixture's namespaces, LimitRanges, ResourceQuotas,
// service accounts, nodes and pods in c, in that order. Each quota's
// status is set to nothing used, as the controller-manager (which does not
// run) would: the quota admission refuses every pod of a namespace whose
// quota has no status yet.
func (f *Fixture) Create(ctx context.Context, c *kubetest.Cluster) error {
	core := c.Client.CoreV1()
	for _, ns := range f.Namespaces {
		if _, err := core.Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", ns.Name, err)
		}
	}
	for _, lr := range f.LimitRanges {
		if _, err := core.LimitRanges(lr.Namespace).Create(ctx, lr, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating LimitRange %s/%s: %w", lr.Namespace, lr.Name, err)
		}
	}
	for _, q := range f.ResourceQuotas {
		created, err := core.ResourceQuotas(q.Namespace).Create(ctx, q, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("creating ResourceQuota %s/%s: %w", q.Namespace, q.Name, err)
		}
		created.Status = corev1.ResourceQuotaStatus{Hard: created.Spec.Hard.DeepCopy(), Used: corev1.ResourceList{}}
		for name := range created.Spec.Hard {
			created.Status.Used[name] = resource.Quantity{}
		}
		if _, err := core.ResourceQuotas(q.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("setting the status of ResourceQuota %s/%s: %w", q.Namespace, q.Name, err)
		}
	}
	for _, sa := range f.ServiceAccounts {
		if _, err := core.ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating service account %s/%s: %w", sa.Namespace, sa.Name, err)
		}
	}
	for _, n := range f.Nodes {
		if err := c.AddNode(ctx, n); err != nil {
			return err
		}
	}
	for _, p := range f.Pods {
		if _, err := core.Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("creating pod %s/%s: %w", p.Namespace, p.Name, err)
		}
	}
	return nil
}

// ScheduleEnv starts a control plane with kube-scheduler, creates in it
// the cluster of env at its node groups' minSize (atMax false) or maxSize
// (atMax true) with the pods of objs, env's rendered objects (see
// [Fixture]), and waits until the scheduler has decided on every pod. It
// returns where the scheduler placed each pod ("namespace/name" → node)
// and, for each pod it found no node for, its message: "0/4 nodes are
// available: 1 Insufficient cpu, 3 node(s) had untolerated taint(s). ...".
//
// No kubelet, controller-manager or cluster autoscaler runs: the nodes
// are those of the size asked for, and nothing is evicted, preempted
// or scaled.
func ScheduleEnv(t testing.TB, env *model.Environment, objs []object.Object, atMax bool) (placed, pending map[string]string) {
	t.Helper()
	f, err := NewFixture(env, objs, atMax)
	if err != nil {
		t.Fatalf("%s: %v", env.Name, err)
	}
	c := kubetest.Start(t, kubetest.Options{Scheduler: true})
	if err := f.Create(t.Context(), c); err != nil {
		t.Fatalf("%s: %v", env.Name, err)
	}
	p := c.WaitScheduled(t)
	return p.Placed, p.Pending
}

// PendingReport formats pending (pod → the scheduler's message) one pod a
// line, sorted, for logs and failure messages.
func PendingReport(pending map[string]string) string {
	if len(pending) == 0 {
		return "none"
	}
	var b strings.Builder
	for _, pod := range slices.Sorted(maps.Keys(pending)) {
		fmt.Fprintf(&b, "\n  %s: %s", pod, pending[pod])
	}
	return b.String()
}
