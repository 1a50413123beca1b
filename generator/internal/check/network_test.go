package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// TestNetwork covers what the NetworkPolicies are built from: the apps
// an app depends on must serve a port, and its egress destinations must
// be CIDRs, 0.0.0.0/0 only with a reason; the same for controllers.
func TestNetwork(t *testing.T) {
	tests := []struct {
		name string
		src  string // CUE besides [base] and [web]
		want []problem
	}{
		{
			name: "seed 003: the backend reaches MongoDB and Redis",
			src: `apps: {
	mongodb: {kind: "StatefulSet", ports: mongodb: port: 27017}
	web: {
		dependsOn: ["mongodb"]
		networkPolicy: {
			egress: {
				redis: {cidrs: ["10.1.0.0/24"], ports: [6379]}
				"aws-apis": {cidrs: ["0.0.0.0/0"], ports: [443], reason: "STS and S3 without VPC endpoints"}
			}
			kubernetesAPI: true
		}
	}
}`,
		},
		{
			name: "a dependency on a disabled app is no call",
			src:  `apps: {quiet: enabled: false, web: dependsOn: ["quiet"]}`,
		},
		{
			name: "a dependency that exposes no port",
			src:  `apps: {worker: {}, web: dependsOn: ["worker"]}`,
			want: []problem{{
				Path:  path("apps", "web", "dependsOn", "0"),
				Error: `apps.web.dependsOn.0: app web depends on "worker", which exposes no port: dependsOn lists the apps an app calls, and its NetworkPolicy lets it reach their ports; give worker a port, or remove it from dependsOn`,
			}},
		},
		{
			name: "a dependency on a Job",
			src:  `apps: {migrate: {kind: "Job", ports: http: port: 8080}, web: dependsOn: ["mongodb", "migrate"], mongodb: ports: db: port: 27017}`,
			want: []problem{{
				Path:  path("apps", "web", "dependsOn", "1"),
				Error: `apps.web.dependsOn.1: app web depends on "migrate", which is a Job: no Service selects its pods, and it runs to completion: dependsOn lists the apps an app calls, and its NetworkPolicy lets it reach their ports; give migrate a port, or remove it from dependsOn`,
			}},
		},
		{
			name: "a CIDR with host bits",
			src:  `apps: web: networkPolicy: egress: redis: {cidrs: ["10.1.0.0/24", "10.1.2.3/16"], ports: [6379]}`,
			want: []problem{{
				Path:  path("apps", "web", "networkPolicy", "egress", "redis", "cidrs", "1"),
				Error: `apps.web.networkPolicy.egress.redis.cidrs.1: egress redis: 10.1.2.3/16 has host bits set; the range is 10.1.0.0/16`,
			}},
		},
		{
			name: "an address out of range",
			src:  `apps: web: networkPolicy: egress: kafka: {cidrs: ["10.300.0.0/16"], ports: [9092, 9094]}`,
			want: []problem{{
				Path:  path("apps", "web", "networkPolicy", "egress", "kafka", "cidrs", "0"),
				Error: `apps.web.networkPolicy.egress.kafka.cidrs.0: egress kafka: "10.300.0.0/16" is not an IPv4 CIDR such as 10.0.0.0/16`,
			}},
		},
		{
			name: "everywhere without a reason",
			src:  `apps: web: networkPolicy: egress: "aws-apis": {cidrs: ["0.0.0.0/0"], ports: [443]}`,
			want: []problem{{
				Path:  path("apps", "web", "networkPolicy", "egress", `"aws-apis"`, "cidrs", "0"),
				Error: `apps.web.networkPolicy.egress."aws-apis".cidrs.0: egress aws-apis: 0.0.0.0/0 lets the pods reach every address on TCP 443; give the destination's CIDR (a VPC endpoint's, a peered network's), or say why with reason: "..."`,
			}},
		},
		{
			name: "an IRSA role, and TCP 443 to a VPC endpoint",
			src:  `apps: web: {serviceAccount: iamRole: "web-reader", networkPolicy: egress: sts: {cidrs: ["10.0.0.0/16"], ports: [443]}}`,
		},
		{
			name: "an IRSA role in a namespace open by default",
			src: `namespaces: open: defaultDeny: false
apps: web: {namespace: "open", serviceAccount: iamRole: "web-reader"}`,
		},
		{
			name: "an IRSA role without TCP 443",
			src:  `apps: web: {serviceAccount: iamRole: "web-reader", networkPolicy: egress: redis: {cidrs: ["10.1.0.0/24"], ports: [6379]}}`,
			want: []problem{{
				Path:  path("apps", "web", "serviceAccount", "iamRole"),
				Error: `apps.web.serviceAccount.iamRole: app web assumes IAM role web-reader, but namespace chatbot denies egress by default and its NetworkPolicy lets it reach no address on TCP 443: it could not reach STS for the role's credentials, nor the AWS APIs the role is for; add networkPolicy.egress: "aws-apis": {cidrs: [...], ports: [443]} (a VPC endpoint's CIDR, or 0.0.0.0/0 with a reason)`,
			}},
		},
		{
			name: "a controller's IRSA role without TCP 443",
			src:  `platform: controllers: "argo-rollouts": serviceAccount: iamRole: "rollouts"`,
			want: []problem{{
				Path:  path("platform", "controllers", `"argo-rollouts"`, "serviceAccount", "iamRole"),
				Error: `platform.controllers."argo-rollouts".serviceAccount.iamRole: controller argo-rollouts assumes IAM role rollouts, but namespace argo-rollouts denies egress by default and its NetworkPolicy lets it reach no address on TCP 443: it could not reach STS for the role's credentials, nor the AWS APIs the role is for; add platform.controllers."argo-rollouts".egress: "aws-apis": {cidrs: [...], ports: [443]} (a VPC endpoint's CIDR, or 0.0.0.0/0 with a reason)`,
			}},
		},
		{
			name: "a controller's destination",
			src:  `platform: controllers: "argo-rollouts": egress: prometheus: {cidrs: ["10.0.0.1/8"], ports: [9090]}`,
			want: []problem{{
				Path:  path("platform", "controllers", `"argo-rollouts"`, "egress", "prometheus", "cidrs", "0"),
				Error: `platform.controllers."argo-rollouts".egress.prometheus.cidrs.0: egress prometheus: 10.0.0.1/8 has host bits set; the range is 10.0.0.0/8`,
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			err := check.Environment(env)
			if diff := cmp.Diff(tt.want, problems(err)); diff != "" {
				t.Errorf("Environment() problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
