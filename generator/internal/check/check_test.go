package check_test

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// The explanations that k8s.io/apimachinery's validation appends to our
// messages.
const (
	dnsLabelMsg   = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	labelValueMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)

// newApp returns a valid app with the schema's defaults (schema/app.cue),
// as the loader would decode it: a Deployment in namespace chatbot with one
// port, http 8080, and no Services.
func newApp(name string) *model.App {
	return &model.App{
		Name:      name,
		Enabled:   true,
		Namespace: "chatbot",
		PartOf:    name,
		Kind:      model.Deployment,
		Image: model.Image{
			Repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/" + name,
			Tag:        "1.0.0",
		},
		Ports:    map[string]model.Port{"http": {Port: 8080, Protocol: "TCP"}},
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
		Job: model.JobOptions{
			BackoffLimit:      3,
			RestartPolicy:     "OnFailure",
			ConcurrencyPolicy: "Forbid",
		},
		Labels:      map[string]string{},
		Annotations: map[string]string{},
	}
}

// newEnv returns an environment with the namespaces chatbot and
// koorde-cache, a cluster chatbot-prod with the node groups general and ml,
// and the given apps. Its cue.Value is the zero value: errors have no
// position.
func newEnv(apps ...*model.App) *model.Environment {
	env := &model.Environment{
		Name: "prod",
		Cluster: model.Cluster{
			Name:      "chatbot-prod",
			Region:    "ap-south-1",
			Version:   "1.35",
			AccountID: "123456789012",
			Zones:     []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"},
			NodeGroups: map[string]model.NodeGroup{
				"general": {InstanceTypes: []string{"t3.medium"}, MinSize: 2, MaxSize: 5},
				"ml":      {InstanceTypes: []string{"m5.large"}, MinSize: 1, MaxSize: 3},
			},
			StorageClasses: map[string]model.StorageClass{
				"gp3": {Type: "gp3", Encrypted: true, Default: true},
			},
		},
		Namespaces: map[string]model.Namespace{
			"chatbot":      {},
			"koorde-cache": {},
		},
		Apps: map[string]*model.App{},
	}
	for _, a := range apps {
		env.Apps[a.Name] = a
	}
	return env
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
		// app changes the app web (nil: keep it as newApp returns it).
		app func(a *model.App)
		// env changes the environment, after app.
		env  func(env *model.Environment)
		want []problem
	}{
		{
			name: "clean",
		},
		{
			name: "clean with everything that is allowed",
			app: func(a *model.App) {
				a.Kind = model.StatefulSet
				a.Image = model.Image{Repository: a.Image.Repository, Digest: "sha256:" + strings.Repeat("a", 64)}
				a.PartOf = "shop_v1.2"
				a.NodeGroup = "ml"
				a.ServiceAccount = model.ServiceAccount{Create: true, IAMRole: "web-reader"}
				a.Ports = map[string]model.Port{
					"dns":             {Port: 53, Protocol: "TCP"},
					"dns-udp":         {Port: 53, Protocol: "UDP"},
					"fifteen-chars-x": {Port: 9090, Protocol: "TCP"},
					"grpc":            {Port: 4000, Protocol: "TCP"},
					"http":            {Port: 8080, Protocol: "TCP"},
				}
				a.Resources = model.Resources{
					Requests: model.ResourceList{CPU: "500m", Memory: "1Gi"},
					Limits:   model.ResourceList{CPU: "0.5", Memory: "1024Mi"},
				}
				a.Probes = model.Probes{
					Liveness:  &model.Probe{Port: "http", Path: "/healthz", SuccessThreshold: 1},
					Readiness: &model.Probe{Port: "grpc", GRPC: true, SuccessThreshold: 3},
					Startup:   &model.Probe{Port: "dns"},
				}
				a.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(2), MaxReplicas: int32p(2), CPU: int32p(70), Memory: int32p(80)}
				a.Disruption = &model.Disruption{MinAvailable: &model.IntOrString{String: "50%", IsStr: true}}
				a.Storage = map[string]model.Volume{"data": {Size: "5Gi", StorageClass: "gp3", MountPath: "/data", AccessMode: "ReadWriteOnce"}}
				a.Services = map[string]model.Service{
					"web":      {Type: model.ClusterIP},
					"web-grpc": {Type: model.Headless, Ports: []string{"grpc"}, ServicePorts: map[string]int32{"grpc": 80}},
				}
			},
		},
		{
			name: "limits equal to or above requests",
			app: func(a *model.App) {
				a.Resources = model.Resources{
					Requests: model.ResourceList{CPU: "500m", Memory: "1Gi"},
					Limits:   model.ResourceList{CPU: "1", Memory: "1024Mi"},
				}
			},
		},
		{
			name: "only a request or only a limit",
			app: func(a *model.App) {
				a.Resources = model.Resources{
					Requests: model.ResourceList{CPU: "2"},
					Limits:   model.ResourceList{Memory: "1Mi"},
				}
			},
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
			app:  func(a *model.App) { a.Autoscaling = &model.Autoscaling{Enabled: false} },
		},
		{
			name: "disabled apps are not checked",
			app: func(a *model.App) {
				a.Enabled = false
				a.Namespace = "shop"
				a.NodeGroup = "gpu"
				a.Image.Tag = ""
			},
			env: func(env *model.Environment) {
				bad := newApp("Bad_App")
				bad.Enabled = false
				env.Apps[bad.Name] = bad
			},
		},
		{
			name: "invalid namespace names",
			env: func(env *model.Environment) {
				env.Namespaces["Web_1"] = model.Namespace{}
				env.Namespaces["../x"] = model.Namespace{}
			},
			want: []problem{
				{path("namespaces", `"../x"`), `namespaces."../x": namespace name "../x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("namespaces", "Web_1"), `namespaces.Web_1: namespace name "Web_1" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "invalid app name stops the checks of the app",
			env: func(env *model.Environment) {
				for _, name := range []string{"Web_1", "../x"} {
					a := newApp(name)
					a.NodeGroup = "gpu"
					a.Namespace = "shop"
					env.Apps[name] = a
				}
			},
			want: []problem{
				{path("apps", `"../x"`), `apps."../x": app name "../x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("apps", "Web_1"), `apps.Web_1: app name "Web_1" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "partOf is not a label value",
			app:  func(a *model.App) { a.PartOf = "my shop" },
			want: []problem{
				{path("apps", "web", "partOf"), `apps.web.partOf: partOf "my shop" is not a valid label value: ` + labelValueMsg},
			},
		},
		{
			name: "partOf is too long",
			app:  func(a *model.App) { a.PartOf = strings.Repeat("a", 64) },
			want: []problem{
				{path("apps", "web", "partOf"), `apps.web.partOf: partOf "` + strings.Repeat("a", 64) + `" is not a valid label value: must be no more than 63 bytes`},
			},
		},
		{
			name: "namespace not in the environment",
			app:  func(a *model.App) { a.Namespace = "shop" },
			want: []problem{
				{path("apps", "web", "namespace"), `apps.web.namespace: namespace "shop" is not one of the environment's namespaces (chatbot, koorde-cache)`},
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
			app:  func(a *model.App) { a.NodeGroup = "gpu" },
			want: []problem{
				{path("apps", "web", "nodeGroup"), `apps.web.nodeGroup: node group "gpu" does not exist in cluster chatbot-prod (node groups: general, ml)`},
			},
		},
		{
			name: "IAM role without the app's ServiceAccount",
			app:  func(a *model.App) { a.ServiceAccount = model.ServiceAccount{Create: false, IAMRole: "web-reader"} },
			want: []problem{
				{path("apps", "web", "serviceAccount", "iamRole"), `apps.web.serviceAccount.iamRole: an IAM role needs the app's own ServiceAccount; remove create: false or the role`},
			},
		},
		{
			name: "duplicate port number and protocol",
			app: func(a *model.App) {
				a.Ports["metrics"] = model.Port{Port: 8080, Protocol: "TCP"}
				a.Ports["web"] = model.Port{Port: 8080, Protocol: "TCP"}
				a.Ports["dns"] = model.Port{Port: 8080, Protocol: "UDP"}
			},
			want: []problem{
				{path("apps", "web", "ports", "metrics", "port"), `apps.web.ports.metrics.port: port 8080/TCP is also used by port "http"`},
				{path("apps", "web", "ports", "web", "port"), `apps.web.ports.web.port: port 8080/TCP is also used by port "metrics"`},
			},
		},
		{
			name: "port name longer than 15 characters",
			app:  func(a *model.App) { a.Ports["sixteen-chars-xy"] = model.Port{Port: 9090, Protocol: "TCP"} },
			want: []problem{
				{path("apps", "web", "ports", `"sixteen-chars-xy"`), `apps.web.ports."sixteen-chars-xy": port name "sixteen-chars-xy" is longer than 15 characters`},
			},
		},
		{
			name: "limits below requests",
			app: func(a *model.App) {
				a.Resources = model.Resources{
					Requests: model.ResourceList{CPU: "1", Memory: "1Gi"},
					Limits:   model.ResourceList{CPU: "500m", Memory: "1023Mi"},
				}
			},
			want: []problem{
				{path("apps", "web", "resources", "limits", "cpu"), `apps.web.resources.limits.cpu: cpu limit 500m is below the request 1`},
				{path("apps", "web", "resources", "limits", "memory"), `apps.web.resources.limits.memory: memory limit 1023Mi is below the request 1Gi`},
			},
		},
		{
			name: "probe on a missing port",
			app: func(a *model.App) {
				a.Ports["metrics"] = model.Port{Port: 9090, Protocol: "TCP"}
				a.Probes.Liveness = &model.Probe{Port: "htp", Path: "/healthz"}
				a.Probes.Startup = &model.Probe{Port: "grpc"}
			},
			want: []problem{
				{path("apps", "web", "probes", "liveness", "port"), `apps.web.probes.liveness.port: liveness probe uses port "htp", which is not one of the app's ports (http, metrics)`},
				{path("apps", "web", "probes", "startup", "port"), `apps.web.probes.startup.port: startup probe uses port "grpc", which is not one of the app's ports (http, metrics)`},
			},
		},
		{
			name: "probe on an app without ports",
			app: func(a *model.App) {
				a.Ports = map[string]model.Port{}
				a.Probes.Readiness = &model.Probe{Port: "http"}
			},
			want: []problem{
				{path("apps", "web", "probes", "readiness", "port"), `apps.web.probes.readiness.port: readiness probe uses port "http", which is not one of the app's ports (it has none)`},
			},
		},
		{
			name: "probe with path and grpc",
			app:  func(a *model.App) { a.Probes.Readiness = &model.Probe{Port: "http", Path: "/ready", GRPC: true} },
			want: []problem{
				{path("apps", "web", "probes", "readiness"), `apps.web.probes.readiness: readiness probe sets both path (HTTP) and grpc; choose one`},
			},
		},
		{
			name: "successThreshold above 1 outside readiness",
			app: func(a *model.App) {
				a.Probes = model.Probes{
					Liveness:  &model.Probe{Port: "http", SuccessThreshold: 2},
					Readiness: &model.Probe{Port: "http", SuccessThreshold: 2},
					Startup:   &model.Probe{Port: "http", SuccessThreshold: 3},
				}
			},
			want: []problem{
				{path("apps", "web", "probes", "liveness", "successThreshold"), `apps.web.probes.liveness.successThreshold: liveness probe successThreshold must be 1`},
				{path("apps", "web", "probes", "startup", "successThreshold"), `apps.web.probes.startup.successThreshold: startup probe successThreshold must be 1`},
			},
		},
		{
			name: "CronJob without schedule",
			app:  func(a *model.App) { a.Kind = model.CronJob },
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: a CronJob needs a schedule`},
			},
		},
		{
			name: "CronJob with schedule",
			app:  func(a *model.App) { a.Kind, a.Schedule = model.CronJob, "0 3 * * *" },
		},
		{
			name: "schedule on a Deployment",
			app:  func(a *model.App) { a.Schedule = "0 3 * * *" },
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: schedule is only for CronJobs, and this app is a Deployment`},
			},
		},
		{
			name: "schedule on a Job",
			app:  func(a *model.App) { a.Kind, a.Schedule = model.Job, "0 3 * * *" },
			want: []problem{
				{path("apps", "web", "schedule"), `apps.web.schedule: schedule is only for CronJobs, and this app is a Job`},
			},
		},
		{
			name: "storage on a Deployment",
			app: func(a *model.App) {
				a.Storage = map[string]model.Volume{"data": {Size: "1Gi", StorageClass: "gp3", MountPath: "/data"}}
			},
			want: []problem{
				{path("apps", "web", "storage"), `apps.web.storage: persistent storage needs kind "StatefulSet", and this app is a Deployment`},
			},
		},
		{
			name: "Job with Services, autoscaling and a disruption budget",
			app: func(a *model.App) {
				a.Kind = model.Job
				a.Services = map[string]model.Service{"web": {Type: model.ClusterIP}}
				// Incomplete on purpose: a Job's autoscaling is not checked further.
				a.Autoscaling = &model.Autoscaling{Enabled: true}
				a.Disruption = &model.Disruption{MaxUnavailable: &model.IntOrString{Int: 1}}
			},
			want: []problem{
				{path("apps", "web", "services"), `apps.web.services: a Job cannot have Services`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: a Job cannot be autoscaled`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a Job cannot have a PodDisruptionBudget`},
			},
		},
		{
			name: "CronJob with Services, autoscaling and a disruption budget",
			app: func(a *model.App) {
				a.Kind, a.Schedule = model.CronJob, "@daily"
				a.Services = map[string]model.Service{"web": {Type: model.ClusterIP}}
				a.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(1), MaxReplicas: int32p(2), CPU: int32p(50)}
				a.Disruption = &model.Disruption{}
			},
			want: []problem{
				{path("apps", "web", "services"), `apps.web.services: a CronJob cannot have Services`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: a CronJob cannot be autoscaled`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a CronJob cannot have a PodDisruptionBudget`},
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "Job with disabled autoscaling",
			app: func(a *model.App) {
				a.Kind = model.Job
				a.Autoscaling = &model.Autoscaling{Enabled: false}
			},
		},
		{
			name: "autoscaling without min, max and targets",
			app:  func(a *model.App) { a.Autoscaling = &model.Autoscaling{Enabled: true} },
			want: []problem{
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling is enabled but minReplicas is not set (set it, or enabled: false)`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling is enabled but maxReplicas is not set (set it, or enabled: false)`},
				{path("apps", "web", "autoscaling"), `apps.web.autoscaling: autoscaling needs a cpu or memory utilisation target`},
			},
		},
		{
			name: "autoscaling min above max",
			app: func(a *model.App) {
				a.Resources.Requests.Memory = "1Gi"
				a.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(5), MaxReplicas: int32p(2), Memory: int32p(80)}
			},
			want: []problem{
				{path("apps", "web", "autoscaling", "minReplicas"), `apps.web.autoscaling.minReplicas: autoscaling minReplicas 5 is greater than maxReplicas 2`},
			},
		},
		{
			name: "autoscaling targets without requests",
			app: func(a *model.App) {
				a.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(1), MaxReplicas: int32p(3), CPU: int32p(70), Memory: int32p(80)}
			},
			want: []problem{
				{path("apps", "web", "autoscaling", "cpu"), `apps.web.autoscaling.cpu: autoscaling on cpu needs resources.requests.cpu (utilisation is a percentage of it)`},
				{path("apps", "web", "autoscaling", "memory"), `apps.web.autoscaling.memory: autoscaling on memory needs resources.requests.memory (utilisation is a percentage of it)`},
			},
		},
		{
			name: "disruption with both",
			app: func(a *model.App) {
				a.Disruption = &model.Disruption{MinAvailable: &model.IntOrString{Int: 1}, MaxUnavailable: &model.IntOrString{Int: 1}}
			},
			want: []problem{
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "disruption with neither",
			app:  func(a *model.App) { a.Disruption = &model.Disruption{} },
			want: []problem{
				{path("apps", "web", "disruption"), `apps.web.disruption: a disruption budget needs exactly one of minAvailable and maxUnavailable`},
			},
		},
		{
			name: "Service port missing",
			app: func(a *model.App) {
				a.Services = map[string]model.Service{"web-grpc": {Type: model.ClusterIP, Ports: []string{"http", "grpc"}}}
			},
			want: []problem{
				{path("apps", "web", "services", `"web-grpc"`, "ports", "1"), `apps.web.services."web-grpc".ports.1: Service web-grpc uses port "grpc", which is not one of the app's ports (http)`},
			},
		},
		{
			name: "servicePorts key missing",
			app: func(a *model.App) {
				a.Services = map[string]model.Service{"web": {Type: model.ClusterIP, ServicePorts: map[string]int32{"http": 80, "metrics": 9090}}}
			},
			want: []problem{
				{path("apps", "web", "services", "web", "servicePorts", "metrics"), `apps.web.services.web.servicePorts.metrics: Service web maps port "metrics", which is not one of the app's ports (http)`},
			},
		},
		{
			name: "Service on an app without ports",
			app: func(a *model.App) {
				a.Ports = map[string]model.Port{}
				a.Services = map[string]model.Service{"web": {Type: model.ClusterIP}}
			},
			want: []problem{
				{path("apps", "web", "services", "web"), `apps.web.services.web: Service web selects an app that has no ports`},
			},
		},
		{
			name: "every problem is reported, namespaces first, then apps by name",
			app: func(a *model.App) {
				a.NodeGroup = "gpu"
				a.Image.Tag = ""
			},
			env: func(env *model.Environment) {
				env.Namespaces["Shop"] = model.Namespace{}
				api := newApp("api")
				api.Namespace = "shop"
				env.Apps["api"] = api
			},
			want: []problem{
				{path("namespaces", "Shop"), `namespaces.Shop: namespace name "Shop" is not a valid DNS-1123 label: ` + dnsLabelMsg},
				{path("apps", "api", "namespace"), `apps.api.namespace: namespace "shop" is not one of the environment's namespaces (Shop, chatbot, koorde-cache)`},
				{path("apps", "web", "image"), `apps.web.image: image 123456789012.dkr.ecr.ap-south-1.amazonaws.com/web has neither a tag nor a digest`},
				{path("apps", "web", "nodeGroup"), `apps.web.nodeGroup: node group "gpu" does not exist in cluster chatbot-prod (node groups: general, ml)`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			web := newApp("web")
			if tt.app != nil {
				tt.app(web)
			}
			env := newEnv(web)
			if tt.env != nil {
				tt.env(env)
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
		env  func(env *model.Environment)
		want []problem
	}{
		{
			name: "namespace",
			env:  func(env *model.Environment) { env.Namespaces["_x"] = model.Namespace{} },
			want: []problem{
				{path("namespaces", `"_x"`), `namespaces."_x": namespace name "_x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
		{
			name: "app",
			env:  func(env *model.Environment) { env.Apps["_x"] = newApp("_x") },
			want: []problem{
				{path("apps", `"_x"`), `apps."_x": app name "_x" is not a valid DNS-1123 label: ` + dnsLabelMsg},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv()
			tt.env(env)
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
			err := check.Objects(newEnv(), tt.objs)
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
	web := newApp("web")
	web.NodeGroup = "gpu"
	env := newEnv(web, newApp("api"))
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
