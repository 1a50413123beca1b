package kubetest

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AddNode creates node as a kubelet would have registered it, Ready, with
// the capacity, allocatable and taints it states: no kubelet runs, so
// the node is created through the API and its status written after.
// TaintNodesByCondition gives every new node the not-ready taint, which
// the node lifecycle controller would lift once the node is Ready; AddNode
// lifts it, since no controller-manager runs either.
func (c *Cluster) AddNode(ctx context.Context, node *corev1.Node) error {
	want := node.DeepCopy()
	created, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("creating node %s: %w", node.Name, err)
	}
	created.Spec.Taints = want.Spec.Taints
	updated, err := c.Client.CoreV1().Nodes().Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("setting the taints of node %s: %w", node.Name, err)
	}
	updated.Status = want.Status
	if len(updated.Status.Conditions) == 0 {
		now := metav1.Now()
		updated.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now,
		}}
	}
	if _, err := c.Client.CoreV1().Nodes().UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("setting the status of node %s: %w", node.Name, err)
	}
	return nil
}

// Placement is where the scheduler put pods: Placed maps a pod
// ("namespace/name") to its node; Pending maps each pod the scheduler
// found no node for to the scheduler's message, e.g. "0/4 nodes are
// available: 1 Insufficient cpu, 3 node(s) had untolerated taint(s).
// ...".
type Placement struct {
	Placed  map[string]string
	Pending map[string]string
}

// scheduleTimeout bounds the wait for the scheduler to decide on every
// pod.
const scheduleTimeout = 5 * time.Minute

// settle is how long the decisions must stay the same before they are
// taken as final: a pod the scheduler found no room for is tried again
// when other pods are bound, after a backoff of at most 10 seconds
// (kube-scheduler's podMaxBackoffSeconds), and may fit then.
const settle = 12 * time.Second

// WaitScheduled waits until the scheduler has decided on every pod of the
// cluster (bound it to a node, or marked it PodScheduled=False with
// reason Unschedulable) and the decisions have stopped changing, and
// returns them. It needs a cluster started with Options.Scheduler.
func (c *Cluster) WaitScheduled(t testing.TB) Placement {
	t.Helper()
	deadline := time.Now().Add(scheduleTimeout)
	var last Placement
	var since time.Time // when the decisions were last seen to change
	for {
		pods, err := c.Client.CoreV1().Pods(metav1.NamespaceAll).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("listing pods: %v", err)
		}
		p := Placement{Placed: map[string]string{}, Pending: map[string]string{}}
		var undecided []string
		for _, pod := range pods.Items {
			id := pod.Namespace + "/" + pod.Name
			if pod.Spec.NodeName != "" {
				p.Placed[id] = pod.Spec.NodeName
				continue
			}
			if msg, ok := unschedulable(&pod); ok {
				p.Pending[id] = msg
				continue
			}
			undecided = append(undecided, id)
		}
		switch {
		case len(undecided) == 0 && len(p.Pending) == 0:
			return p // every pod is bound: nothing is left to change
		case len(undecided) > 0 || !maps.Equal(p.Placed, last.Placed) || !maps.Equal(p.Pending, last.Pending):
			since = time.Now()
		case time.Since(since) >= settle:
			return p
		}
		last = p
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler did not decide on every pod within %s; undecided: %v", scheduleTimeout, undecided)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// unschedulable returns the scheduler's message when it marked pod
// unschedulable.
func unschedulable(pod *corev1.Pod) (string, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.Message, true
		}
	}
	return "", false
}
