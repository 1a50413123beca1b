package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// TestSidecars covers what a sidecar is held to: the checks of the app's
// own container at the sidecar's fields, and what only sidecars and
// shared volumes bring (names, mounts, the log sidecar's IAM role).
func TestSidecars(t *testing.T) {
	const proxy = `apps: web: sidecars: proxy: {
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy", tag: "1.0.0"}
	ports: admin: port: 9901
	resources: {requests: {cpu: "50m", memory: "64Mi"}, limits: memory: "64Mi"}
}
`
	tests := []struct {
		name string
		src  string
		want []problem
	}{
		{name: "clean", src: proxy + `apps: web: {
	volumes: shared: mountPath: "/var/run/shared"
	sidecars: proxy: {
		probes: readiness: {port: "admin", path: "/ready"}
		config: {files: "proxy.yaml": "listen: 9901", mountPath: "/etc/proxy"}
		mounts: shared: {mountPath: "/var/run/shared", readOnly: true}
	}
}
`},
		{
			name: "the checks of every container",
			src: `apps: web: sidecars: proxy: {
	image: repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy"
	ports: admin: port: 9901
	resources: {requests: memory: "64Mi", limits: memory: "32Mi"}
	probes: liveness: port: "http"
}
`,
			want: []problem{
				{path("apps", "web", "sidecars", "proxy", "image"), `apps.web.sidecars.proxy.image: image 123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy has neither a tag nor a digest`},
				{path("apps", "web", "sidecars", "proxy", "resources", "limits", "memory"), `apps.web.sidecars.proxy.resources.limits.memory: memory limit 32Mi is below the request 64Mi`},
				{path("apps", "web", "sidecars", "proxy", "probes", "liveness", "port"), `apps.web.sidecars.proxy.probes.liveness.port: liveness probe uses port "http", which is not one of the sidecar proxy's ports (admin)`},
			},
		},
		{
			name: "a request below the namespace's LimitRange",
			src: proxy + `namespaces: chatbot: limitRange: min: cpu: "100m"
apps: web: resources: requests: cpu: "100m"
`,
			want: []problem{
				{path("apps", "web", "sidecars", "proxy", "resources", "requests", "cpu"), `apps.web.sidecars.proxy.resources.requests.cpu: cpu request 50m is below the minimum 100m of namespace chatbot's LimitRange (namespaces.chatbot.limitRange.min.cpu): the API server would refuse the pod`},
			},
		},
		{
			name: "names and ports shared with the app's container",
			src: proxy + `apps: web: sidecars: {
	proxy: ports: http: port: 8080
	web: {
		image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy", tag: "1.0.0"}
	}
}
`,
			want: []problem{
				{path("apps", "web", "sidecars", "proxy", "ports", "http", "port"), `apps.web.sidecars.proxy.ports.http.port: port 8080/TCP is also used by port "http" of container web: the pod's containers share one network; choose another port`},
				{path("apps", "web", "sidecars", "proxy", "ports", "http"), `apps.web.sidecars.proxy.ports.http: port name "http" is also a port of container web; a pod's port names must differ`},
				{path("apps", "web", "sidecars", "web"), `apps.web.sidecars.web: sidecar web has the name of the app's own container (the app's name); rename the sidecar`},
			},
		},
		{
			name: "mounts",
			src: proxy + `apps: web: {
	config: files: "app.yaml": "a: 1"
	volumes: {
		cache: mountPath: "/etc/config/"
		tmp: {}
		spool: {}
	}
	sidecars: proxy: {
		config: files: "proxy.yaml": "listen: 9901"
		mounts: {
			cache: mountPath: "/tmp"
			logs: mountPath: "/var/log"
		}
	}
}
`,
			want: []problem{
				{path("apps", "web", "sidecars", "proxy", "config"), `apps.web.sidecars.proxy.config: sidecar proxy has config files but no config.mountPath; say where to mount them`},
				{path("apps", "web", "sidecars", "proxy", "mounts", "cache", "mountPath"), `apps.web.sidecars.proxy.mounts.cache.mountPath: volume cache would be mounted at /tmp, where the container already mounts the /tmp emptyDir; choose another path`},
				{path("apps", "web", "sidecars", "proxy", "mounts", "logs"), `apps.web.sidecars.proxy.mounts.logs: sidecar proxy mounts volume "logs", which is not one of the app's volumes (cache, spool, tmp); declare it under volumes`},
				{path("apps", "web", "volumes", "cache", "mountPath"), `apps.web.volumes.cache.mountPath: volume cache would be mounted at /etc/config, where the container already mounts config files (config.mountPath); choose another path`},
				{path("apps", "web", "volumes", "spool"), `apps.web.volumes.spool: volume spool is mounted by no container; give it a mountPath or mount it in a sidecar, or remove it`},
				{path("apps", "web", "volumes", "tmp"), `apps.web.volumes.tmp: volume name tmp is taken by the /tmp emptyDir; rename the volume`},
				{path("apps", "web", "volumes", "tmp"), `apps.web.volumes.tmp: volume tmp is mounted by no container; give it a mountPath or mount it in a sidecar, or remove it`},
			},
		},
		{
			name: "a log sidecar without an IAM role",
			src:  `apps: web: logging: sidecar: path: "/var/log/web"`,
			want: []problem{
				{path("apps", "web", "logging", "sidecar"), `apps.web.logging.sidecar: the Fluent Bit sidecar sends logs to CloudWatch Logs (group /eks/chatbot-prod/chatbot/web) with the pod's IAM role, and the app has none; set serviceAccount.iamRole to a role that allows logs:CreateLogStream and logs:PutLogEvents (the AWS managed policy CloudWatchAgentServerPolicy does)`},
			},
		},
		{
			name: "a log sidecar with its role",
			src: `apps: web: {
	logging: sidecar: path: "/var/log/web"
	serviceAccount: iamRole: "web-logs"
	networkPolicy: egress: "cloudwatch-logs": {cidrs: ["10.0.0.0/16"], ports: [443]}
}
cluster: iam: roles: "web-logs": policyARNs: ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check.Environment(newEnv(t, web+tt.src))
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
