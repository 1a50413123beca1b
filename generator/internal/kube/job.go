package kube

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cronJob returns the app's CronJob; checksum is its config checksum.
func cronJob(in *instance, checksum string) (*batchv1.CronJob, error) {
	spec, err := jobSpec(in, checksum)
	if err != nil {
		return nil, err
	}
	return &batchv1.CronJob{
		TypeMeta:   cronJobType,
		ObjectMeta: in.workloadMeta(),
		Spec: batchv1.CronJobSpec{
			Schedule:          in.app.Schedule,
			ConcurrencyPolicy: batchv1.ConcurrencyPolicy(in.app.Job.ConcurrencyPolicy),
			// kube-score's cronjob-has-deadline: a missed run is skipped
			// after this long rather than started late.
			StartingDeadlineSeconds: in.app.Job.StartingDeadlineSeconds,
			JobTemplate: batchv1.JobTemplateSpec{
				// The Jobs the CronJob creates carry the app's labels too.
				ObjectMeta: metav1.ObjectMeta{Labels: in.labels},
				Spec:       spec,
			},
		},
	}, nil
}

// job returns the app's Job; checksum is its config checksum.
func job(in *instance, checksum string) (*batchv1.Job, error) {
	spec, err := jobSpec(in, checksum)
	if err != nil {
		return nil, err
	}
	return &batchv1.Job{
		TypeMeta:   jobType,
		ObjectMeta: in.workloadMeta(),
		Spec:       spec,
	}, nil
}

// jobSpec is the spec shared by Jobs and the job template of CronJobs. The
// selector is left to the Job controller, which generates it.
func jobSpec(in *instance, checksum string) (batchv1.JobSpec, error) {
	opts := in.app.Job
	tmpl, err := podTemplate(in, checksum, corev1.RestartPolicy(opts.RestartPolicy))
	if err != nil {
		return batchv1.JobSpec{}, err
	}
	return batchv1.JobSpec{
		BackoffLimit:            new(opts.BackoffLimit),
		ActiveDeadlineSeconds:   opts.ActiveDeadlineSeconds,
		TTLSecondsAfterFinished: opts.TTLSecondsAfterFinished,
		Template:                tmpl,
	}, nil
}
