package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// newApp returns an app with the schema's defaults (schema/app.cue), as the
// loader would decode it.
func newApp(name, kind string) *model.App {
	return &model.App{
		Name:      name,
		Enabled:   true,
		Namespace: "chatbot",
		PartOf:    name,
		Kind:      kind,
		Image: model.Image{
			Repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/" + name,
			Tag:        "1.0.0",
		},
		Ports:    map[string]model.Port{},
		Env:      map[string]model.EnvVar{},
		Config:   model.Config{MountPath: "/etc/config"},
		Replicas: 1,
		Spread:   model.Spread{Zones: "none", Hosts: "none"},
		RollingUpdate: model.RollingUpdate{
			MaxSurge:       model.IntOrString{String: "25%", IsStr: true},
			MaxUnavailable: model.IntOrString{String: "25%", IsStr: true},
		},
		AntiAffinity:                  "none",
		TerminationGracePeriodSeconds: 30,
		Services:                      map[string]model.Service{},
		Storage:                       map[string]model.Volume{},
		ServiceAccount:                model.ServiceAccount{Create: true},
		SecurityContext:               model.SecurityContext{ReadOnlyRootFilesystem: true},
		Job: model.JobOptions{
			BackoffLimit:      3,
			RestartPolicy:     "OnFailure",
			ConcurrencyPolicy: "Forbid",
		},
		Labels:      map[string]string{},
		Annotations: map[string]string{},
	}
}

// newEnv returns an environment on the seed 003 cluster (ap-south-1, a
// general and an ml node group) with the namespace chatbot (which denies
// ingress by default, as the schema's namespaces do) and the given apps.
func newEnv(apps ...*model.App) *model.Environment {
	env := &model.Environment{
		Name: "prod",
		Cluster: model.Cluster{
			Name:      "chatbot-prod",
			Region:    "ap-south-1",
			Version:   "1.30",
			AccountID: "123456789012",
			Zones:     []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"},
			NodeGroups: map[string]model.NodeGroup{
				"general": {
					InstanceTypes: []string{"t3.medium"},
					MinSize:       2,
					MaxSize:       5,
					Labels:        map[string]string{"workload": "general"},
					VolumeSize:    20,
					VolumeType:    "gp3",
				},
				"ml": {
					InstanceTypes: []string{"m5.large"},
					MinSize:       1,
					MaxSize:       3,
					Labels:        map[string]string{"workload": "ml"},
					Taints: []model.Taint{
						{Key: "workload", Value: "ml", Effect: "NoSchedule"},
						{Key: "nvidia.com/gpu", Effect: "NoExecute"},
					},
					VolumeSize: 50,
					VolumeType: "gp3",
				},
				"spot": {
					InstanceTypes: []string{"c6i.large", "c5.large"},
					MinSize:       0,
					MaxSize:       4,
					Spot:          true,
					VolumeSize:    20,
					VolumeType:    "gp3",
				},
			},
		},
		Namespaces: map[string]model.Namespace{"chatbot": {DefaultDeny: true}},
		Apps:       map[string]*model.App{},
	}
	for _, app := range apps {
		env.Apps[app.Name] = app
	}
	return env
}

// defaultAutoscaler is the Cluster Autoscaler with the schema's defaults
// (schema/environment.cue), as the loader would decode it.
func defaultAutoscaler() model.Autoscaler {
	return model.Autoscaler{
		Enabled: true,
		Image: model.Image{
			Repository: "registry.k8s.io/autoscaling/cluster-autoscaler",
			Tag:        "v1.35.0",
		},
		Expander:               "least-waste",
		ScaleDownDelayAfterAdd: "10m",
		ScaleDownUnneededTime:  "10m",
		IAMRole:                "cluster-autoscaler",
	}
}

// defaultStorageClass is a storage class with the schema's defaults: an
// encrypted gp3 class that is not the default one.
func defaultStorageClass() model.StorageClass {
	return model.StorageClass{
		Type:                 "gp3",
		Encrypted:            true,
		ReclaimPolicy:        "Delete",
		VolumeBindingMode:    "WaitForFirstConsumer",
		AllowVolumeExpansion: true,
	}
}

// caDigest is the digest the pin stage gives the autoscaler's image in the
// fixture.
const caDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// fixture is a realistic environment after seeds 003 and 004: the Cluster
// Autoscaler (its image pinned), the default gp3 StorageClass and a faster
// one, a backend Deployment with an HPA, a mongodb StatefulSet with storage
// and a headless Service, a nightly retraining CronJob on the ml nodes, a
// cache behind an NLB, a load-test Job and a disabled ml app. Both
// namespaces deny ingress by default: backend depends on mongodb, in the
// other namespace, and admits the cache (and the disabled ml).
func fixture() *model.Environment {
	backend := newApp("backend", model.Deployment)
	backend.PartOf = "chatbot"
	backend.Replicas = 3
	backend.Ports = map[string]model.Port{
		"http":    {Port: 8080, Protocol: "TCP"},
		"metrics": {Port: 9090, Protocol: "TCP"},
	}
	backend.Env = map[string]model.EnvVar{
		"MONGODB_URI": {SecretRef: &model.SecretKeyRef{Secret: "mongodb", Key: "uri"}},
		"LOG_LEVEL":   {Value: "info"},
		"REDIS_URL":   {SecretRef: &model.SecretKeyRef{Secret: "redis", Key: "url"}},
	}
	backend.Config = model.Config{
		Env:       map[string]string{"FEATURE_CHAT": "on", "ML_URL": "http://ml:8000"},
		Files:     map[string]string{"app.yaml": "timeout: 30s\n"},
		MountPath: "/etc/backend",
	}
	backend.Resources = model.Resources{
		Requests: model.ResourceList{CPU: "500m", Memory: "512Mi"},
		Limits:   model.ResourceList{CPU: "1", Memory: "1Gi"},
	}
	backend.Autoscaling = &model.Autoscaling{
		Enabled:                       true,
		MinReplicas:                   new(int32(3)),
		MaxReplicas:                   new(int32(10)),
		CPU:                           new(int32(70)),
		ScaleDownStabilizationSeconds: new(int32(300)),
	}
	backend.Probes = model.Probes{
		Liveness:  &model.Probe{Port: "http", Path: "/healthz", PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3},
		Readiness: &model.Probe{Port: "http", Path: "/ready", InitialDelaySeconds: 5, PeriodSeconds: 5, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 2},
	}
	backend.Disruption = &model.Disruption{MinAvailable: &model.IntOrString{Int: 2}}
	backend.Spread = model.Spread{Zones: "required", Hosts: "preferred"}
	backend.AntiAffinity = "preferred"
	backend.NodeGroup = "general"
	backend.Services = map[string]model.Service{
		"backend": {Type: model.ClusterIP, Ports: []string{"http"}, ServicePorts: map[string]int32{"http": 80}},
	}
	backend.ServiceAccount.IAMRole = "chatbot-backend"
	backend.DependsOn = []string{"mongodb"}
	backend.NetworkPolicy.From = []string{"cache", "ml"}
	backend.Labels = map[string]string{"team": "chat"}
	backend.Annotations = map[string]string{"prometheus.io/scrape": "true"}

	mongodb := newApp("mongodb", model.StatefulSet)
	mongodb.Namespace = "data"
	mongodb.PartOf = "chatbot"
	mongodb.Replicas = 3
	mongodb.Image = model.Image{Repository: "docker.io/library/mongo", Tag: "7.0", PullPolicy: "IfNotPresent"}
	mongodb.Args = []string{"--replSet", "rs0", "--bind_ip_all"}
	mongodb.Ports = map[string]model.Port{"mongodb": {Port: 27017, Protocol: "TCP"}}
	mongodb.Resources = model.Resources{Requests: model.ResourceList{CPU: "0.5", Memory: "1Gi"}}
	mongodb.Probes = model.Probes{
		Liveness: &model.Probe{Port: "mongodb", InitialDelaySeconds: 30, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 6},
	}
	mongodb.Storage = map[string]model.Volume{
		"data":   {Size: "20Gi", StorageClass: "gp3", MountPath: "/data/db", AccessMode: "ReadWriteOnce"},
		"config": {Size: "1Gi", StorageClass: "gp3", MountPath: "/data/configdb", AccessMode: "ReadWriteOnce"},
	}
	mongodb.Services = map[string]model.Service{
		"mongodb":          {Type: model.ClusterIP},
		"mongodb-headless": {Type: model.Headless, PublishNotReadyAddresses: true},
	}
	mongodb.Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{Int: 1}}
	mongodb.RollingUpdate.MaxUnavailable = model.IntOrString{Int: 1}
	mongodb.AntiAffinity = "required"
	mongodb.ServiceAccount.Create = false
	mongodb.TerminationGracePeriodSeconds = 60

	retrain := newApp("retrain", model.CronJob)
	retrain.PartOf = "chatbot"
	retrain.Schedule = "0 2 * * *"
	retrain.Command = []string{"python", "-m", "retrain"}
	retrain.NodeGroup = "ml"
	retrain.Resources = model.Resources{Requests: model.ResourceList{CPU: "1", Memory: "4Gi"}}
	retrain.Env = map[string]model.EnvVar{"MODEL_BUCKET": {Value: "s3://chatbot-models"}}
	retrain.Job.RestartPolicy = "Never"
	retrain.Job.BackoffLimit = 1
	retrain.Job.ActiveDeadlineSeconds = new(int64(7200))
	retrain.Job.TTLSecondsAfterFinished = new(int32(86400))
	retrain.ServiceAccount.IAMRole = "chatbot-retrain"

	cache := newApp("cache", model.Deployment)
	cache.Replicas = 5
	cache.Ports = map[string]model.Port{
		"http": {Port: 8080, Protocol: "TCP"},
		"grpc": {Port: 4000, Protocol: "TCP"},
	}
	cache.Probes = model.Probes{
		Liveness:  &model.Probe{Port: "http", Path: "/health", PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3},
		Readiness: &model.Probe{Port: "grpc", GRPC: true, PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3},
	}
	cache.Services = map[string]model.Service{
		"cache-public": {
			Type:         model.LoadBalancer,
			Ports:        []string{"http"},
			ServicePorts: map[string]int32{"http": 80},
			Scheme:       "internet-facing",
			Annotations:  map[string]string{"service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true"},
		},
	}
	cache.Autoscaling = &model.Autoscaling{Enabled: false}
	cache.Spread.Zones = "preferred"
	cache.NodeGroup = "spot"

	loadtest := newApp("loadtest", model.Job)
	loadtest.Args = []string{"-rate", "500"}
	loadtest.Job.ActiveDeadlineSeconds = new(int64(600))
	loadtest.ServiceAccount.Create = false

	ml := newApp("ml", model.Deployment)
	ml.Enabled = false
	ml.NodeGroup = "ml"
	ml.Services = map[string]model.Service{"ml": {Type: model.ClusterIP}}

	env := newEnv(backend, mongodb, retrain, cache, loadtest, ml)
	env.Cluster.Autoscaler = defaultAutoscaler()
	env.Cluster.Autoscaler.Image.Digest = caDigest
	gp3 := defaultStorageClass()
	gp3.Default = true
	fast := defaultStorageClass()
	fast.IOPS = new(6000)
	fast.Throughput = new(250)
	fast.ReclaimPolicy = "Retain"
	env.Cluster.StorageClasses = map[string]model.StorageClass{"gp3": gp3, "gp3-fast": fast}
	env.Namespaces = map[string]model.Namespace{
		"chatbot": {
			Labels:      map[string]string{"team": "chat", "environment": "not-this"},
			Annotations: map[string]string{"owner": "platform"},
			Quota:       map[string]string{"requests.cpu": "10", "requests.memory": "20Gi", "pods": "100"},
			DefaultDeny: true,
		},
		"data": {DefaultDeny: true},
	}
	return env
}

// build returns Build(env) and fails the test on an error.
func build(t testing.TB, env *model.Environment) []object.Object {
	t.Helper()
	objs, err := Build(env)
	if err != nil {
		t.Fatalf("Build() error = %v", err)
	}
	return objs
}

// find returns the object of kind called name and fails the test if there is none.
func find(t *testing.T, objs []object.Object, kind, name string) object.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s %s among %d objects", kind, name, len(objs))
	return object.Object{}
}

// has reports whether objs holds an object of kind called name.
func has(objs []object.Object, kind, name string) bool {
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return true
		}
	}
	return false
}

// decode decodes o strictly into a new T: every field must be known to T.
func decode[T any](t *testing.T, o object.Object) *T {
	t.Helper()
	b, err := json.Marshal(o.Content)
	if err != nil {
		t.Fatalf("encoding %s: %v", o.ID(), err)
	}
	v := new(T)
	if err := strictUnmarshal(b, v); err != nil {
		t.Fatalf("decoding %s into %T: %v", o.ID(), v, err)
	}
	return v
}

// strictUnmarshal decodes b into v, rejecting unknown fields and trailing data.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("trailing data after the object")

// buildApp builds an environment holding only app and returns the objects of
// app, failing the test on an error.
func buildApp(t *testing.T, app *model.App) []object.Object {
	t.Helper()
	var objs []object.Object
	for _, o := range build(t, newEnv(app)) {
		if o.App == app.Name {
			objs = append(objs, o)
		}
	}
	return objs
}

// kinds lists the kind and name of each object.
func kinds(objs []object.Object) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Kind()+"/"+o.Name())
	}
	return ks
}
