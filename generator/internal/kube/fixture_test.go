package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// newApp returns an app of kind in namespace chatbot, with the schema's
// defaults (schema/app.cue) and src, further CUE fields of #App, as the
// loader would decode it. Its image is
// 123456789012.dkr.ecr.ap-south-1.amazonaws.com/<name>:1.0.0.
func newApp(t testing.TB, name, kind string, src ...string) *model.App {
	t.Helper()
	return modeltest.App(t, name, fmt.Sprintf(`kind: %q
namespace: "chatbot"
image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/%s", tag: "1.0.0"}
`, kind, name)+strings.Join(src, "\n"))
}

// cluster is seed 003's cluster ([modeltest.ChatbotProd]) with its ml
// node group tainted and seed 001's spot group.
const cluster = modeltest.ChatbotProd + `
cluster: {
	nodeGroups: {
		ml: taints: [{key: "workload", value: "ml"}, {key: "nvidia.com/gpu", effect: "NoExecute"}]
		spot: {
			instanceTypes: ["c6i.large", "c5.large"]
			minSize: 0
			maxSize: 4
			spot:    true
		}
	}
}
`

// noControllers turns off the controllers the schema enables.
const noControllers = `platform: controllers: {
	"aws-load-balancer-controller": enabled: false
	"external-secrets": enabled:             false
	"prometheus-operator": enabled:          false
	"argo-rollouts": enabled:                false
	"fluent-bit": enabled:                   false
}
`

// envWith returns the environment prod on [cluster] as the loader would
// decode it from src, CUE fields of #Environment, with the given apps
// added. The Cluster Autoscaler and the controllers are off
// (autoscaler_test.go and controller_test.go turn them on): tests see the
// apps' objects, the namespaces' and the schema's gp3 StorageClass.
func envWith(t testing.TB, src string, apps ...*model.App) *model.Environment {
	t.Helper()
	env := modeltest.Env(t, "prod", cluster+"cluster: autoscaler: enabled: false\n"+noControllers+src)
	for _, app := range apps {
		env.Apps[app.Name] = app
	}
	return env
}

// newEnv returns envWith the namespace chatbot, which denies ingress by
// default, as the schema's namespaces do, and the given apps.
func newEnv(t testing.TB, apps ...*model.App) *model.Environment {
	t.Helper()
	return envWith(t, "namespaces: chatbot: {}\n", apps...)
}

// defaultStorageClass is a storage class with the schema's defaults: an
// encrypted gp3 class that is not the default one.
func defaultStorageClass(t testing.TB) model.StorageClass {
	t.Helper()
	return envWith(t, "cluster: storageClasses: data: {}\n").Cluster.StorageClasses["data"]
}

// caDigest is the digest the pin stage gives the autoscaler's image in the
// fixture.
const caDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// prod is a realistic environment after seeds 003 and 004: the Cluster
// Autoscaler (its image pinned), the default gp3 StorageClass and a faster
// one, a backend Deployment with an HPA, a mongodb StatefulSet with storage
// and a headless Service behind an isolated ALB, a nightly retraining
// CronJob on the ml nodes, a cache behind an NLB, a load-test Job and a
// disabled ml app. Both
// namespaces deny ingress by default: backend depends on mongodb, in the
// other namespace, and admits the cache (and the disabled ml).
const prod = cluster + `
cluster: {
	autoscaler: image: digest: "` + caDigest + `"
	storageClasses: "gp3-fast": {iops: 6000, throughput: 250, reclaimPolicy: "Retain"}
}
namespaces: {
	chatbot: {
		labels: {team: "chat", environment: "not-this"}
		annotations: owner: "platform"
		quota: {"requests.cpu": "10", "requests.memory": "20Gi", pods: "100"}
	}
	data: {}
}
namespaces: chatbot: secrets: "alertmanager-slack": {provided: "by-hand", reason: "test", keys: ["url"]}
alerting: {
	receivers: slack: slack: {channel: "#alerts", apiURL: {secret: "alertmanager-slack", key: "url"}}
	receiver: "slack"
}
defaults: namespace: "chatbot"
ingressGroups: web: {
	certificateARNs: ["arn:aws:acm:ap-south-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"]
	isolated: true
}
apps: [Name=_]: image: *{repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"} | _
apps: {
	backend: {
		partOf:   "chatbot"
		replicas: 3
		ports: {http: port: 8080, metrics: port: 9090}
		env: {
			MONGODB_URI: {secret: "mongodb", key: "uri"}
			LOG_LEVEL: "info"
			REDIS_URL: {secret: "redis", key: "url"}
		}
		config: {
			env: {FEATURE_CHAT: "on", ML_URL: "http://ml:8000"}
			files: "app.yaml": "timeout: 30s\n"
			mountPath: "/etc/backend"
		}
		resources: {
			requests: {cpu: "500m", memory: "512Mi"}
			limits: {cpu: "1", memory: "1Gi"}
		}
		autoscaling: {minReplicas: 3, maxReplicas: 10, cpu: 70, scaleDownStabilizationSeconds: 300}
		probes: {
			liveness: {port: "http", path: "/healthz"}
			readiness: {port: "http", path: "/ready", initialDelaySeconds: 5, periodSeconds: 5, successThreshold: 2}
		}
		disruption: minAvailable: 2
		spread: {zones: "required", hosts: "preferred"}
		antiAffinity: "preferred"
		nodeGroup:    "general"
		services: backend: {ports: ["http"], servicePorts: http: 80}
		ingress: {group: "web", hosts: ["chat.example.com"], paths: "/api": port: "http"}
		serviceAccount: iamRole: "chatbot-backend"
		dependsOn: ["mongodb"]
		networkPolicy: from: ["cache", "ml"]
		labels: team: "chat"
		annotations: "prometheus.io/scrape": "true"
		metrics: port: "metrics"
		objectives: availability: target: 0.999
	}
	mongodb: {
		namespace: "data"
		partOf:    "chatbot"
		kind:      "StatefulSet"
		replicas:  3
		image: {repository: "docker.io/library/mongo", tag: "7.0", pullPolicy: "IfNotPresent"}
		args: ["--replSet", "rs0", "--bind_ip_all"]
		ports: mongodb: port: 27017
		resources: requests: {cpu: "0.5", memory: "1Gi"}
		probes: liveness: {port: "mongodb", initialDelaySeconds: 30, timeoutSeconds: 5, failureThreshold: 6}
		storage: {
			data: {size: "20Gi", mountPath: "/data/db"}
			config: {size: "1Gi", mountPath: "/data/configdb"}
		}
		services: {
			mongodb: {}
			"mongodb-headless": {type: "Headless", publishNotReadyAddresses: true}
		}
		disruption: maxUnavailable:    1
		rollingUpdate: maxUnavailable: 1
		antiAffinity: "required"
		serviceAccount: create: false
		terminationGracePeriodSeconds: 60
	}
	retrain: {
		partOf:   "chatbot"
		kind:     "CronJob"
		schedule: "0 2 * * *"
		command: ["python", "-m", "retrain"]
		nodeGroup: "ml"
		resources: requests: {cpu: "1", memory: "4Gi"}
		env: MODEL_BUCKET: "s3://chatbot-models"
		job: {restartPolicy: "Never", backoffLimit: 1, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 86400}
		serviceAccount: iamRole: "chatbot-retrain"
	}
	cache: {
		replicas: 5
		ports: {http: port: 8080, grpc: port: 4000}
		probes: {
			liveness: {port: "http", path: "/health"}
			readiness: {port: "grpc", grpc: true}
		}
		services: "cache-public": {
			type: "LoadBalancer"
			ports: ["http"]
			servicePorts: http: 80
			annotations: "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true"
		}
		autoscaling: enabled: false
		spread: zones:         "preferred"
		nodeGroup: "spot"
	metrics: port: "http"
	}
	// A queue worker that KEDA scales on its backlog, and on CPU.
	worker: {
		partOf: "chatbot"
		args: ["--queue", "tasks"]
		resources: requests: {cpu: "250m", memory: "256Mi"}
		autoscaling: {
			minReplicas: 2
			maxReplicas: 8
			cpu:         80
			keda: {
				pollingInterval: 15
				prometheus: backlog: {
					serverAddress: "http://prometheus-operated.monitoring.svc:9090"
					query:         "sum(tasks_queued{queue=\"tasks\"})"
					threshold:     20
					activationThreshold: 0.5
				}
			}
			behavior: {
				scaleUp: policies: [{type: "Pods", value: 2, periodSeconds: 60}]
				scaleDown: {stabilizationWindowSeconds: 600, selectPolicy: "Min"}
			}
		}
	}
	loadtest: {
		kind: "Job"
		args: ["-rate", "500"]
		job: activeDeadlineSeconds: 600
		serviceAccount: create:     false
	}
	ml: {
		enabled:   false
		nodeGroup: "ml"
		services: ml: {}
	}
}
`

// fixture returns the environment [prod].
func fixture(t testing.TB) *model.Environment {
	t.Helper()
	return modeltest.Env(t, "prod", prod)
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
	for _, o := range build(t, newEnv(t, app)) {
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
