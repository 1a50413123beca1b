package check_test

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// The explanations that k8s.io/apimachinery's validation appends to our
// messages.
const (
	dnsLabelMsg   = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)

// base is the CUE of the environment of check's tests, besides their
// apps: seed 003's cluster chatbot-prod ([modeltest.ChatbotProd], with the
// node groups general and ml) and the namespaces chatbot, which apps are in
// by default, and koorde-cache. Every app's image is
// 123456789012.dkr.ecr.ap-south-1.amazonaws.com/<name>:1.0.0 unless it
// gives one.
const base = modeltest.ChatbotProd + `
namespaces: {
	chatbot: {}
	"koorde-cache": {}
}
defaults: namespace: "chatbot"
apps: [Name=_]: image: *{repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"} | _
`

// web is the CUE of the app most tests check: a Deployment with one port,
// http 8080, and no Services.
const web = `apps: web: ports: http: port: 8080
`

// newEnv returns the environment prod of [base] and src, more CUE of it,
// as the loader decodes it. Its cue.Value is the zero value: errors have
// no position.
func newEnv(t testing.TB, src string) *model.Environment {
	t.Helper()
	return modeltest.Env(t, "prod", base+src)
}

// problem is one error as a user sees it: its CUE path and its message.
type problem struct {
	Path  []string
	Error string
}

func problems(err error) []problem {
	var got []problem
	for _, e := range cueerrors.Errors(err) {
		got = append(got, problem{Path: e.Path(), Error: e.Error()})
	}
	return got
}

func path(sels ...string) []string { return sels }

func int32p(n int32) *int32 { return &n }

func TestEnvironment(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the environment besides [base] and [web]: what
		// the case is about, e.g. the app web's fields.
		src string
		// app changes the app web in Go, for what its CUE cannot say:
		// values the schema refuses, an image without a tag, no ports
		// (nil: nothing).
		app  func(a *model.App)
		want []problem
	}{
		{
			name: "clean",
		},
		{
			name: "clean with everything that is allowed",
			src: `apps: web: {
	kind:      "StatefulSet"
	partOf:    "shop_v1.2"
	nodeGroup: "ml"
	serviceAccount: iamRole: "web-reader"
	networkPolicy: egress: "aws-apis": {cidrs: ["10.0.0.0/16"], ports: [443]}
	ports: {
		dns: port: 53
		"dns-udp": {port: 53, protocol: "UDP"}
		"fifteen-chars-x": port: 9090
		grpc: port: 4000
	}
	resources: {
		requests: {cpu: "500m", memory: "1Gi"}
		limits: {cpu: "0.5", memory: "1024Mi"}
	}
	probes: {
		liveness: {port: "http", path: "/healthz", successThreshold: 1}
		readiness: {port: "grpc", grpc: true, successThreshold: 3}
		startup: port: "dns"
	}
	autoscaling: {minReplicas: 2, maxReplicas: 2, cpu: 70, memory: 80}
	disruption: minAvailable: "50%"
	storage: data: {size: "5Gi", mountPath: "/data"}
	services: {
		web: {}
		"web-grpc": {type: "Headless", ports: ["grpc"], servicePorts: grpc: 80}
	}
}`,
			// An image by digest alone: the fixture's CUE always adds a tag.
			app: func(a *model.App) { a.Image.Tag, a.Image.Digest = "", "sha256:"+strings.Repeat("a", 64) },
		},
		{
			name: "limits equal to or above requests",
			src:  `apps: web: resources: {requests: {cpu: "500m", memory: "1Gi"}, limits: {cpu: "1", memory: "1024Mi"}}`,
		},
		{
			name: "only a request or only a limit",
			src:  `apps: web: resources: {requests: cpu: "2", limits: memory: "1Mi"}`,
		},
		{
			name: "unparsable quantities are left to the schema",
			app: func(a *model.App) {
				a.Resources = model.Resources{
					Requests: model.ResourceList{CPU: "lots", Memory: "1Gi"},
					Limits:   model.ResourceList{CPU: "1m", Memory: "some"},
				}
			},
		},
		{
			name: "disabled autoscaling needs nothing",
			src:  `apps: web: autoscaling: enabled: false`,
		},
		{
			name: "disabled apps are not checked",
			src: `apps: {
	web: {enabled: false, namespace: "shop", nodeGroup: "gpu"}
	Bad_App: enabled: false
}`,
			app: func(a *model.App) { a.Image.Tag = "" },
		},
		{
			name: "invalid namespace names",
			src:  `namespaces: {Web_1: {}, "../x": {}}`,
			want: []problem{
				{path("namespaces", `"../x"`), `namespaces."../x": namespace name "../x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("namespaces", "Web_1"), `namespaces.Web_1: namespace name "Web_1" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "invalid app name stops the checks of the app",
			src: `apps: {
	Web_1: {nodeGroup: "gpu", namespace: "shop"}
	"../x": {nodeGroup: "gpu", namespace: "shop"}
}`,
			want: []problem{
				{path("apps", `"../x"`), `apps."../x": app name "../x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("apps", "Web_1"), `apps.Web_1: app name "Web_1" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "partOf is not a label value",
			src:  `apps: web: partOf: "my shop"`,
			want: []problem{
				{path("apps", "web", "partOf"), `apps.web.partOf: partOf "my shop" is not a valid label value: ` + labelValueMsg},
			},
		},
		{
			name: "partOf is too long",
			src:  `apps: web: partOf: "` + strings.Repeat("a", 64) + `"`,
			want: []problem{
				{path("apps", "web", "partOf"), `apps.web.partOf: partOf "` + strings.Repeat("a", 64) + `" is not a valid label value: must be no more than 63 bytes`},
			},
		},
		{
			name: "namespace not in the environment",
			src:  `apps: web: namespace: "shop"`,
			want: []problem{
				{path("apps", "web", "namespace"), `apps.web.namespace: namespace "shop" is not one of the environment's namespaces (argo-rollouts, chatbot, external-secrets, koorde-cache, logging, monitoring)`},
			},
		},
		{
			name: "image without tag and digest",
			app:  func(a *model.App) { a.Image.Tag = "" },
			want: []problem{
				{path("apps", "web", "image"), `apps.web.image: image 123456789012.dkr.ecr.ap-south-1.amazonaws.com/web has neither a tag nor a digest`},
			},
		},
		{
			name: "unknown node group",
			src:  `apps: web: nodeGroup: "gpu"`,
			want: []problem{
				{path("apps", "web", "nodeGroup"), `apps.web.nodeGroup: node group "gpu" does not exist in cluster chatbot-prod (node groups: general, ml)`},
			},
		},
		{
			name: "IAM role without the app's ServiceAccount",
			src:  `apps: web: serviceAccount: {create: false, iamRole: "web-reader"}`,
			want: []problem{
				{path("apps", "web", "serviceAccount", "iamRole"), `apps.web.serviceAccount.iamRole: an IAM role needs the app's own ServiceAccount; remove create: false or the role`},
			},
		},
		{
			name: "duplicate port number and protocol",
			src:  `apps: web: ports: {metrics: port: 8080, web: port: 8080, dns: {port: 8080, protocol: "UDP"}}`,
			want: []problem{
				{path("apps", "web", "ports", "metrics", "port"), `apps.web.ports.metrics.port: port 8080/TCP is also used by port "http"`},
				{path("apps", "web", "ports", "web", "port"), `apps.web.ports.web.port: port 8080/TCP is also used by port "metrics"`},
			},
		},
		{
			name: "port name longer than 15 characters",
			src:  `apps: web: ports: "sixteen-chars-xy": port: 9090`,
			want: []problem{
				{path("apps", "web", "ports", `"sixteen-chars-xy"`), `apps.web.ports."sixteen-chars-xy": port name "sixteen-chars-xy" is longer than 15 characters`},
			},
		},
		{
			name: "limits below requests",
			src:  `apps: web: resources: {requests: {cpu: "1", memory: "1Gi"}, limits: {cpu: "500m", memory: "1023Mi"}}`,
			want: []problem{
				{path("apps", "web", "resources", "limits", "cpu"), `apps.web.resources.limits.cpu: cpu limit 500m is below the request 1`},
				{path("apps", "web", "resources", "limits", "memory"), `apps.web.resources.limits.memory: memory limit 1023Mi is below the request 1Gi`},
			},
		},
		{
			// The default limit, 1Gi, is below a larger request.
			name: "ephemeral-storage request above the default limit",
			src:  `apps: web: resources: requests: "ephemeral-storage": "2Gi"`,
			want: []problem{
				{path("apps", "web", "resources", "limits", `"ephemeral-storage"`), `apps.web.resources.limits."ephemeral-storage": ephemeral-storage limit 1Gi is below the request 2Gi`},
			},
		},
		{
			name: "probe on a missing port",
			src: `apps: web: {
	ports: metrics: port: 9090
	probes: {
		liveness: {port: "htp", path: "/healthz"}
		startup: port: "grpc"
	}
}`,
			want: []problem{
				{path("apps", "web", "probes", "liveness", "port"), `apps.web.probes.liveness.port: liveness probe uses port "htp", which is not one of the app's ports (http, metrics)`},
				{path("apps", "web", "probes", "startup", "port"), `apps.web.probes.startup.port: startup probe uses port "grpc", which is not one of the app's ports (http, metrics)`},
			},
		},
		{
			name: "probe on an app without ports",
			src:  `apps: web: probes: readiness: port: "http"`,
			app:  func(a *model.App) { clear(a.Ports) },
			want: []problem{
				{path("apps", "web", "probes", "readiness", "port"), `apps.web.probes.readiness.port: readiness probe uses port "http", which is not one of the app's ports (it has none)`},
			},
		},
		{
			name: "probe with path and grpc",
			src:  `apps: web: probes: readiness: {port: "http", path: "/ready", grpc: true}`,
			want: []problem{
				{path("apps", "web", "probes", "readiness"), `apps.web.probes.readiness: readiness probe sets both path (HTTP) and grpc; choose one`},
			},
		},
		{
			name: "successThreshold above 1 outside readiness",
			src: `apps: web: probes: {
	liveness: {port: "http", successThreshold: 2}
	readiness: {port: "http", successThreshold: 2}
	startup: {port: "http", successThreshold: 3}
}`,
			want: []problem{
				{path("apps", "web", "probes", "liveness", "successThreshold"), `apps.web.probes.liveness.successThreshold: liveness probe successThreshold must be 1`},
				{path("apps", "web", "probes", "startup", "successThreshold"), `apps.web.probes.startup.successThreshold: startup probe successThreshold must be 1`},
			},
		},
		{
			name: "CronJob without schedule",
			src:  `apps: web: kind: "CronJob"`,
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: a CronJob needs a schedule`},
			},
		},
		{
			name: "CronJob with schedule",
			src:  `apps: web: {kind: "CronJob", schedule: "0 3 * * *"}`,
		},
		{
			name: "schedule on a Deployment",
			src:  `apps: web: schedule: "0 3 * * *"`,
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: schedule is only for CronJobs, and this app is a Deployment`},
			},
		},
		{
			name: "schedule on a Job",
			src:  `apps: web: {kind: "Job", schedule: "0 3 * * *"}`,
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: schedule is only for CronJobs, and this app is a Job`},
			},
		},
		{
			name: "storage on a Deployment",
			src:  `apps: web: storage: data: {size: "1Gi", mountPath: "/data"}`,
			want: []problem{
				{path("apps", "web", "storage"), `apps.web.storage: persistent storage needs kind "StatefulSet", and this app is a Deployment`},
			},
		},
		{
			name: "Job with Services, autoscaling and a disruption budget",
			// Autoscaling incomplete on purpose: a Job's autoscaling is
			// not checked further.
			src: `apps: web: {
	kind: "Job"
	services: web: {}
	autoscaling: {}
	disruption: maxUnavailable: 1
}`,
			want: []problem{
				{path("apps", "web", "services"), `apps.web.services: a Job cannot have Services`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: a Job cannot be autoscaled`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a Job cannot have a PodDisruptionBudget`},
			},
		},
		{
			name: "CronJob with Services, autoscaling and a disruption budget",
			src: `apps: web: {
	kind:     "CronJob"
	schedule: "@daily"
	services: web: {}
	autoscaling: {minReplicas: 1, maxReplicas: 2, cpu: 50}
	disruption: {}
}`,
			want: []problem{
				{path("apps", "web", "services"), `apps.web.services: a CronJob cannot have Services`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: a CronJob cannot be autoscaled`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a CronJob cannot have a PodDisruptionBudget`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "Job with disabled autoscaling",
			src:  `apps: web: {kind: "Job", autoscaling: enabled: false}`,
		},
		{
			name: "autoscaling without min, max and targets",
			src:  `apps: web: autoscaling: {}`,
			want: []problem{
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling is enabled but minReplicas is not set (set it, or enabled: false)`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling is enabled but maxReplicas is not set (set it, or enabled: false)`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling needs a cpu or memory utilisation target, metrics, or keda.prometheus triggers`},
			},
		},
		{
			name: "KEDA on a PromQL query that does not parse, beside HPA metrics",
			src: `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 4, metrics: rps: averageValue: "10", keda: prometheus: {
	ok: {serverAddress: "http://prometheus:9090", query: "sum(rate(http_requests_total[2m]))", threshold: 10}
	rps: {serverAddress: "http://prometheus:9090", query: "sum(rate(http_requests_total[2m])", threshold: 10}
}}`,
			want: []problem{
				{path("apps", "web", "autoscaling", "metrics", "rps"), `apps.web.autoscaling.metrics.rps: metric rps is an HPA's custom metric, and keda renders a KEDA ScaledObject instead of an HPA; scale on a Prometheus query: autoscaling: keda: prometheus: rps: {serverAddress: ..., query: ..., threshold: ...}`},
				{path("apps", "web", "autoscaling", "keda", "prometheus", "rps", "query"), `apps.web.autoscaling.keda.prometheus.rps.query: the PromQL query of trigger rps does not parse: 1:34: parse error: unclosed left parenthesis; fix the query (Prometheus' own parser reads it as Prometheus would)`},
			},
		},
		{
			name: "custom metrics without a usable target",
			src: `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 4, metrics: {
	a: {}
	b: value: "10"
	c: {type: "External", averageValue: "99999999999999999999"}
	d: {type: "Object", value: "5", object: {kind: "Ingress", name: "web"}}
}}`,
			want: []problem{
				{path("apps", "web", "autoscaling", "metrics", "a"), `apps.web.autoscaling.metrics.a: metric a needs a target: averageValue (per pod) or value`},
				{path("apps", "web", "autoscaling", "metrics", "b", "value"), `apps.web.autoscaling.metrics.b.value: metric b is a Pods metric, averaged over the pods: set averageValue, not value`},
				{path("apps", "web", "autoscaling", "metrics", "c", "averageValue"), `apps.web.autoscaling.metrics.c.averageValue: metric c: averageValue "99999999999999999999" is too large: it must fit a 64-bit integer of units (below 9223372036854775807)`},
			},
		},
		{
			name: "prometheus-adapter without prometheus-operator",
			src:  `platform: controllers: {"prometheus-adapter": enabled: true, "prometheus-operator": enabled: false}`,
			want: []problem{
				{path("platform", "controllers", `"prometheus-adapter"`, "enabled"), `platform.controllers."prometheus-adapter".enabled: controller prometheus-adapter serves metrics from the Prometheus that prometheus-operator runs (http://prometheus-operated.monitoring.svc:9090), but prometheus-operator is not enabled; set: platform: controllers: "prometheus-operator": enabled: true`},
			},
		},
		{
			// Two apps may share a metric only if they read it the same
			// way; a name the default cannot make a series needs series.
			name: "custom metrics prometheus-adapter cannot serve",
			src: `platform: controllers: "prometheus-adapter": enabled: true
apps: web: autoscaling: {minReplicas: 1, maxReplicas: 4, metrics: {
	"jobs.waiting": averageValue: "5"
	http_requests_per_second: averageValue: "10"
	hits: {type: "Object", value: "5", object: {kind: "Ingress", name: "web"}}
}}
apps: api: {
	namespace: "chatbot"
	image: {repository: "api", tag: "1.0.0"}
	ports: http: port: 8080
	autoscaling: {minReplicas: 1, maxReplicas: 4, metrics: {
		http_requests_per_second: {averageValue: "10", series: "requests_total"}
		hits: {type: "Object", value: "5", object: {apiVersion: "extensions/v1beta1", kind: "Ingress", name: "api"}}
	}}
}`,
			want: []problem{
				{path("apps", "web", "autoscaling", "metrics", "hits", "object", "kind"), `apps.web.autoscaling.metrics.hits.object.kind: metric hits: the series' label ingress would name both ingress.networking.k8s.io (app web) and ingress.extensions (app api); give one of them another metric name`},
				{path("apps", "web", "autoscaling", "metrics", "http_requests_per_second", "series"), `apps.web.autoscaling.metrics.http_requests_per_second.series: metric http_requests_per_second: app web reads it from series http_requests_total, but app api from requests_total; prometheus-adapter serves one metric of a name, from one series: read the same series, or give one of them another metric name`},
				{path("apps", "web", "autoscaling", "metrics", `"jobs.waiting"`, "series"), `apps.web.autoscaling.metrics."jobs.waiting".series: metric jobs.waiting: "jobs.waiting" is not a Prometheus series name, which prometheus-adapter needs to serve the metric; set series to the series it is computed from, e.g. series: "http_requests_total"`},
			},
		},
		{
			name: "autoscaling min above max",
			src:  `apps: web: {resources: requests: memory: "1Gi", autoscaling: {minReplicas: 5, maxReplicas: 2, memory: 80}}`,
			want: []problem{
				{path("apps", "web", "autoscaling", "minReplicas"), `apps.web.autoscaling.minReplicas: autoscaling minReplicas 5 is greater than maxReplicas 2`},
			},
		},
		{
			name: "autoscaling targets without requests",
			src:  `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, cpu: 70, memory: 80}`,
			want: []problem{
				{path("apps", "web", "autoscaling", "cpu"), `apps.web.autoscaling.cpu: autoscaling on cpu needs resources.requests.cpu (utilisation is a percentage of it)`},
				{path("apps", "web", "autoscaling", "memory"), `apps.web.autoscaling.memory: autoscaling on memory needs resources.requests.memory (utilisation is a percentage of it)`},
			},
		},
		{
			name: "disruption with both",
			src:  `apps: web: disruption: {minAvailable: 1, maxUnavailable: 1}`,
			want: []problem{
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "disruption with neither",
			src:  `apps: web: disruption: {}`,
			want: []problem{
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "Service port missing",
			src:  `apps: web: services: "web-grpc": ports: ["http", "grpc"]`,
			want: []problem{
				{path("apps", "web", "services", `"web-grpc"`, "ports", "1"), `apps.web.services."web-grpc".ports.1: Service web-grpc uses port "grpc", which is not one of the app's ports (http)`},
			},
		},
		{
			name: "servicePorts key missing",
			src:  `apps: web: services: web: servicePorts: {http: 80, metrics: 9090}`,
			want: []problem{
				{path("apps", "web", "services", "web", "servicePorts", "metrics"), `apps.web.services.web.servicePorts.metrics: Service web maps port "metrics", which is not one of the app's ports (http)`},
			},
		},
		{
			name: "Service on an app without ports",
			src:  `apps: web: services: web: {}`,
			app:  func(a *model.App) { clear(a.Ports) },
			want: []problem{
				{path("apps", "web", "services", "web"), `apps.web.services.web: Service web selects an app that has no ports`},
			},
		},
		{
			name: "every problem is reported, namespaces first, then apps by name",
			src: `namespaces: Shop: {}
apps: {
	web: nodeGroup: "gpu"
	api: namespace: "shop"
}`,
			app: func(a *model.App) { a.Image.Tag = "" },
			want: []problem{
				{path("namespaces", "Shop"), `namespaces.Shop: namespace name "Shop" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("apps", "api", "namespace"), `apps.api.namespace: namespace "shop" is not one of the environment's namespaces (Shop, argo-rollouts, chatbot, external-secrets, koorde-cache, logging, monitoring)`},
				{path("apps", "web", "image"), `apps.web.image: image 123456789012.dkr.ecr.ap-south-1.amazonaws.com/web has neither a tag nor a digest`},
				{path("apps", "web", "nodeGroup"), `apps.web.nodeGroup: node group "gpu" does not exist in cluster chatbot-prod (node groups: general, ml)`},
			},
		},
		{
			name: "a controller's per-node pod",
			src:  modeltest.NodeAgent,
		},
		{
			// A DaemonSet's count is the nodes': replicas would count
			// nothing, and gen would count one pod per node anyway.
			name: "a controller's per-node pod with replicas",
			src:  modeltest.NodeAgent + `platform: controllers: "node-agent": pods: controller: replicas: 3`,
			want: []problem{
				{path("platform", "controllers", `"node-agent"`, "pods", "controller", "replicas"), `platform.controllers."node-agent".pods.controller.replicas: controller node-agent: pod controller is perNode, a DaemonSet's: it runs one pod on every node of the node groups its nodeSelector and tolerations admit, so replicas 3 would count nothing; remove replicas, or perNode for a workload that runs a number of pods`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			if tt.app != nil {
				tt.app(env.Apps["web"])
			}
			err := check.Environment(env)
			if tt.want == nil && err != nil {
				t.Fatalf("Environment() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvironmentHiddenLabels covers names that CUE would read as hidden
// fields (a leading "_"): the schema does not constrain namespace names, so
// such a name reaches the check.
func TestEnvironmentHiddenLabels(t *testing.T) {
	tests := []struct {
		name string
		// src is CUE of the environment besides [base].
		src  string
		want []problem
	}{
		{
			name: "namespace",
			src:  `namespaces: "_x": {}`,
			want: []problem{
				{path("namespaces", `"_x"`), `namespaces."_x": namespace name "_x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "app",
			src:  `apps: "_x": {}`,
			want: []problem{
				{path("apps", `"_x"`), `apps."_x": app name "_x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, tt.src)
			if diff := cmp.Diff(tt.want, problems(check.Environment(env))); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// obj returns an object rendered by app ("" for the environment).
func obj(app, apiVersion, kind, namespace, name string) object.Object {
	meta := map[string]any{"name": name}
	if namespace != "" {
		meta["namespace"] = namespace
	}
	return object.Object{App: app, Content: map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata":   meta,
	}}
}

func TestObjects(t *testing.T) {
	tests := []struct {
		name string
		objs []object.Object
		want []problem
	}{
		{
			name: "none",
		},
		{
			name: "distinct objects",
			objs: []object.Object{
				obj("", "v1", "Namespace", "", "chatbot"),
				obj("web", "apps/v1", "Deployment", "chatbot", "web"),
				obj("web", "v1", "Service", "chatbot", "web"),
				obj("api", "apps/v1", "Deployment", "chatbot", "api"),
			},
		},
		{
			name: "same name, different kind",
			objs: []object.Object{
				obj("web", "v1", "Service", "chatbot", "web"),
				obj("web", "v1", "ServiceAccount", "chatbot", "web"),
				obj("web", "v1", "ConfigMap", "chatbot", "web"),
			},
		},
		{
			name: "same kind and name, different namespace",
			objs: []object.Object{
				obj("web", "v1", "Service", "chatbot", "web"),
				obj("web-koorde", "v1", "Service", "koorde-cache", "web"),
			},
		},
		{
			name: "same kind and name, different group",
			objs: []object.Object{
				obj("web", "apps/v1", "Deployment", "chatbot", "web"),
				obj("api", "example.com/v1", "Deployment", "chatbot", "web"),
				obj("db", "v1", "Deployment", "chatbot", "web"),
			},
		},
		{
			name: "two apps render the same Service",
			objs: []object.Object{
				obj("web", "v1", "Service", "chatbot", "web"),
				obj("api", "v1", "Service", "chatbot", "web"),
			},
			want: []problem{
				{path("apps", "web"), `apps.web: app api and app web both render Service/chatbot/web; rename one of them`},
			},
		},
		{
			name: "same group, other version",
			objs: []object.Object{
				obj("web", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "web"),
				obj("web", "autoscaling/v1", "HorizontalPodAutoscaler", "chatbot", "web"),
			},
			want: []problem{
				{path("apps", "web"), `apps.web: app web renders HorizontalPodAutoscaler/chatbot/web twice; rename one of them`},
			},
		},
		{
			name: "an app renders the same object twice",
			objs: []object.Object{
				obj("web", "v1", "ConfigMap", "chatbot", "web-env"),
				obj("web", "v1", "ConfigMap", "chatbot", "web-env"),
			},
			want: []problem{
				{path("apps", "web"), `apps.web: app web renders ConfigMap/chatbot/web-env twice; rename one of them`},
			},
		},
		{
			name: "an app collides with the environment",
			objs: []object.Object{
				obj("", "v1", "Namespace", "", "chatbot"),
				obj("ml-retrain", "v1", "Namespace", "", "chatbot"),
			},
			want: []problem{
				{path("apps", `"ml-retrain"`), `apps."ml-retrain": the environment and app ml-retrain both render Namespace/chatbot; rename one of them`},
			},
		},
		{
			name: "the environment renders the same object twice",
			objs: []object.Object{
				obj("", "v1", "ResourceQuota", "chatbot", "chatbot"),
				obj("", "v1", "ResourceQuota", "chatbot", "chatbot"),
			},
			want: []problem{
				{path("namespaces"), `namespaces: the environment renders ResourceQuota/chatbot/chatbot twice; rename one of them`},
			},
		},
		{
			name: "an HPA and a KEDA ScaledObject scale one Deployment",
			objs: []object.Object{
				obj("web", "apps/v1", "Deployment", "chatbot", "web"),
				with(obj("web", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "web-cpu"), "spec",
					map[string]any{"scaleTargetRef": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}),
				// KEDA's scaleTargetRef.kind defaults to Deployment.
				with(obj("web", "keda.sh/v1alpha1", "ScaledObject", "chatbot", "web"), "spec",
					map[string]any{"scaleTargetRef": map[string]any{"name": "web"}}),
				// Another workload's scaler is no conflict.
				with(obj("web", "keda.sh/v1alpha1", "ScaledObject", "chatbot", "worker"), "spec",
					map[string]any{"scaleTargetRef": map[string]any{"name": "worker"}}),
			},
			want: []problem{
				{path("apps", "web"), `apps.web: Deployment/chatbot/web is scaled by both HorizontalPodAutoscaler/chatbot/web-cpu and ScaledObject/chatbot/web, which would fight over its replicas; keep one: autoscaling renders an HPA, or with keda a ScaledObject, and no patch may point another scaler at it`},
			},
		},
		{
			name: "three apps, each later one reported against the first",
			objs: []object.Object{
				obj("b", "v1", "Service", "chatbot", "web"),
				obj("c", "v1", "Service", "chatbot", "web"),
				obj("a", "v1", "Service", "chatbot", "web"),
			},
			want: []problem{
				{path("apps", "c"), `apps.c: app b and app c both render Service/chatbot/web; rename one of them`},
				{path("apps", "b"), `apps.b: app a and app b both render Service/chatbot/web; rename one of them`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check.Objects(newEnv(t, ""), tt.objs)
			if tt.want == nil && err != nil {
				t.Fatalf("Objects() = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Objects() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPositions: with the environment's CUE, problems point at the fields
// they are about.
func TestPositions(t *testing.T) {
	const src = `apps: {
	api: image: tag: "1.0.0"
	web: {
		nodeGroup: "gpu"
		ports: http: port: 8080
	}
}
`
	v := cuecontext.New().CompileString(src, cue.Filename("environments/dev/dev.cue"))
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, src)
	env.Source = v

	type position struct {
		File      string
		Line, Col int
	}
	positions := func(e cueerrors.Error) []position {
		var out []position
		for _, p := range cueerrors.Positions(e) {
			out = append(out, position{p.Filename(), p.Line(), p.Column()})
		}
		return out
	}

	errs := cueerrors.Errors(check.Environment(env))
	if len(errs) != 1 {
		t.Fatalf("Environment() = %v, want one error", errs)
	}
	if diff := cmp.Diff([]position{{"environments/dev/dev.cue", 4, 14}}, positions(errs[0])); diff != "" {
		t.Errorf("Environment() positions mismatch (-want +got):\n%s", diff)
	}

	// A duplicate is reported at the later app, and also at the other one.
	errs = cueerrors.Errors(check.Objects(env, []object.Object{
		obj("api", "v1", "Service", "chatbot", "web"),
		obj("web", "v1", "Service", "chatbot", "web"),
	}))
	if len(errs) != 1 {
		t.Fatalf("Objects() = %v, want one error", errs)
	}
	want := []position{{"environments/dev/dev.cue", 3, 7}, {"environments/dev/dev.cue", 2, 7}}
	if diff := cmp.Diff(want, positions(errs[0])); diff != "" {
		t.Errorf("Objects() positions mismatch (-want +got):\n%s", diff)
	}
}
