package kube

import (
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

func TestCronJob(t *testing.T) {
	objs := build(t, fixture(t))
	c := decode[batchv1.CronJob](t, find(t, objs, "CronJob", "retrain"))
	if c.Spec.Schedule != "0 2 * * *" {
		t.Errorf("schedule = %q, want %q", c.Spec.Schedule, "0 2 * * *")
	}
	if c.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy = %q, want Forbid", c.Spec.ConcurrencyPolicy)
	}
	// The schema's default: a run missed for an hour is skipped.
	if got := c.Spec.StartingDeadlineSeconds; got == nil || *got != 3600 {
		t.Errorf("startingDeadlineSeconds = %v, want 3600", got)
	}
	if diff := cmp.Diff(c.Labels, c.Spec.JobTemplate.Labels); diff != "" {
		t.Errorf("jobTemplate labels mismatch (-want +got):\n%s", diff)
	}
	spec := c.Spec.JobTemplate.Spec
	checkJobSpec(t, spec, jobSpecWant{
		backoffLimit:   1,
		activeDeadline: new(int64(7200)),
		ttl:            new(int32(86400)),
		restartPolicy:  corev1.RestartPolicyNever,
	})
	if got := spec.Template.Spec.ServiceAccountName; got != "retrain" {
		t.Errorf("serviceAccountName = %q, want retrain", got)
	}
}

func TestJob(t *testing.T) {
	objs := build(t, fixture(t))
	j := decode[batchv1.Job](t, find(t, objs, "Job", "loadtest"))
	checkJobSpec(t, j.Spec, jobSpecWant{
		backoffLimit:   3,
		activeDeadline: new(int64(600)),
		restartPolicy:  corev1.RestartPolicyOnFailure,
	})
	if j.Spec.Selector != nil {
		t.Errorf("selector = %v, want it left to the Job controller", j.Spec.Selector)
	}
}

type jobSpecWant struct {
	backoffLimit   int32
	activeDeadline *int64
	ttl            *int32
	restartPolicy  corev1.RestartPolicy
}

func checkJobSpec(t *testing.T, spec batchv1.JobSpec, want jobSpecWant) {
	t.Helper()
	got := jobSpecWant{
		backoffLimit:   *spec.BackoffLimit,
		activeDeadline: spec.ActiveDeadlineSeconds,
		ttl:            spec.TTLSecondsAfterFinished,
		restartPolicy:  spec.Template.Spec.RestartPolicy,
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(jobSpecWant{})); diff != "" {
		t.Errorf("job spec mismatch (-want +got):\n%s", diff)
	}
}

// TestJobsIgnoreServices checks that Jobs and CronJobs render no Service,
// HPA or PDB, even when the model asks for them (the check stage rejects
// such apps; Build just ignores the fields), and that their NetworkPolicy
// opens no port for the Services they do not have.
func TestJobsIgnoreServices(t *testing.T) {
	for _, kind := range []string{model.CronJob, model.Job} {
		t.Run(kind, func(t *testing.T) {
			app := newApp(t, "batch", kind, `
schedule: "*/5 * * * *"
ports: http: port: 8080
services: batch: type: "LoadBalancer"
autoscaling: maxReplicas: 3
disruption: minAvailable: 1`)
			objs := buildApp(t, app)
			want := []string{"ServiceAccount/batch", "NetworkPolicy/batch", kind + "/batch"}
			if diff := cmp.Diff(want, kinds(objs)); diff != "" {
				t.Errorf("objects mismatch (-want +got):\n%s", diff)
			}
			if np := decode[networkingv1.NetworkPolicy](t, find(t, objs, "NetworkPolicy", "batch")); np.Spec.Ingress != nil {
				t.Errorf("NetworkPolicy ingress = %v, want none", np.Spec.Ingress)
			}
		})
	}
}
