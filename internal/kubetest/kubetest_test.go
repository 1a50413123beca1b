package kubetest

import (
	"io/fs"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSchedule starts a control plane with a scheduler, registers one
// node of one CPU and creates two pods: the scheduler binds the one that
// fits and says why the other does not.
func TestSchedule(t *testing.T) {
	c := Start(t, Options{Scheduler: true})
	ctx := t.Context()

	// The kubeconfig reaches the same apiserver.
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != c.Config.Host {
		t.Errorf("kubeconfig server %s, want %s", cfg.Host, c.Config.Host)
	}

	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("1"),
		corev1.ResourceMemory: resource.MustParse("2Gi"),
		corev1.ResourcePods:   resource.MustParse("10"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{"kubernetes.io/hostname": "node-1"}},
		Status:     corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
	}
	if err := c.AddNode(ctx, node); err != nil {
		t.Fatal(err)
	}
	got, err := c.Client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Taints) != 0 {
		t.Errorf("node-1 has taints %v, want none", got.Spec.Taints)
	}

	if _, err := c.Client.CoreV1().ServiceAccounts("default").Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, cpu := range map[string]string{"small": "500m", "large": "2"} {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "c", Image: "registry.k8s.io/pause:3.10",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
			}}},
		}
		if _, err := c.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := c.WaitScheduled(t)
	if got := p.Placed["default/small"]; got != "node-1" {
		t.Errorf("default/small placed on %q, want node-1 (placement %+v)", got, p)
	}
	msg, ok := p.Pending["default/large"]
	if !ok || !strings.HasPrefix(msg, "0/1 nodes are available: 1 Insufficient cpu") {
		t.Errorf("default/large: pending %t with %q, want the scheduler's Insufficient cpu (placement %+v)", ok, msg, p)
	}
}

// TestUnavailable checks when the control plane tests are skipped, and that
// CI skips none of them.
func TestUnavailable(t *testing.T) {
	missing := &fs.PathError{Op: "stat", Path: etcdBin, Err: fs.ErrNotExist}
	for _, tc := range []struct {
		name        string
		etcd        error
		ci, short   bool
		want        string // a part of the message; "" for none
		wantFailure bool
	}{
		{name: "installed", etcd: nil},
		{name: "installed, CI", etcd: nil, ci: true},
		{name: "missing", etcd: missing, want: "SKIPPED: this test starts etcd and kube-apiserver on 127.0.0.1 and needs Debian's etcd-server package (stat /usr/bin/etcd: file does not exist); install it to run the test: apt-get install etcd-server"},
		{name: "missing, CI", etcd: missing, ci: true, want: "FAILED under CI: this test starts etcd", wantFailure: true},
		{name: "short", etcd: nil, short: true, want: "SKIPPED under -short"},
		{name: "short, CI", etcd: nil, ci: true, short: true},
	} {
		msg, fail := unavailable(tc.etcd, tc.ci, tc.short)
		if tc.want == "" && msg != "" || !strings.Contains(msg, tc.want) || fail != tc.wantFailure {
			t.Errorf("%s: unavailable() = %q, %t; want %q, %t", tc.name, msg, fail, tc.want, tc.wantFailure)
		}
	}
}

func TestWithoutRace(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"-race":                        "",
		"-mod=readonly -race -v":       "-mod=readonly -v",
		"-buildvcs=false -mod=vendor":  "-buildvcs=false -mod=vendor",
		"-race=true -trimpath --race ": "-trimpath",
	} {
		if got := withoutRace(in); got != want {
			t.Errorf("withoutRace(%q) = %q, want %q", in, got, want)
		}
	}
}
