package check_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/object"
)

// with returns o with spec set to spec.
func with(o object.Object, key string, v any) object.Object {
	o.Content[key] = v
	return o
}

// The capability table, row by row: each object kind with what it needs,
// once with the cluster providing it and once without.
func TestCapabilities(t *testing.T) {
	const (
		noEnforcement = `cluster: addons: "vpc-cni": configurationValues: enableNetworkPolicy: "false"` + "\n"
		noMetrics     = `cluster: addons: "metrics-server": enabled: false` + "\n"
		noEBS         = `cluster: addons: "aws-ebs-csi-driver": enabled: false` + "\n"
	)
	ebsClass := with(obj("", "storage.k8s.io/v1", "StorageClass", "", "gp3"), "provisioner", "ebs.csi.aws.com")
	defaultClass := with(obj("", "storage.k8s.io/v1", "StorageClass", "", "gp3"), "provisioner", "ebs.csi.aws.com")
	defaultClass.Content["metadata"].(map[string]any)["annotations"] = map[string]any{"storageclass.kubernetes.io/is-default-class": "true"}
	otherClass := with(obj("", "storage.k8s.io/v1", "StorageClass", "", "efs"), "provisioner", "efs.csi.aws.com")
	hpa := func(metrics ...any) object.Object {
		spec := map[string]any{"maxReplicas": 3}
		if metrics != nil {
			spec["metrics"] = metrics
		}
		return with(obj("web", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "web"), "spec", spec)
	}
	resource := map[string]any{"type": "Resource", "resource": map[string]any{"name": "cpu"}}
	external := map[string]any{"type": "External", "external": map[string]any{"metric": map[string]any{"name": "queue_messages"}}}
	pods := map[string]any{"type": "Pods", "pods": map[string]any{"metric": map[string]any{"name": "http_requests_per_second"}}}
	const (
		rpsMetric = `apps: web: autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: http_requests_per_second: averageValue: "10"}` + "\n"
		adapter   = `platform: controllers: "prometheus-adapter": enabled: true` + "\n"
	)
	adapterMissing := func(what string) string {
		return "HorizontalPodAutoscaler/chatbot/web needs " + what + `, which prometheus-adapter provides, but the cluster does not; set: platform: controllers: "prometheus-adapter": enabled: true (it serves the metric from Prometheus and needs prometheus-operator); or scale on a Prometheus query through KEDA instead: apps: <app>: autoscaling: keda: prometheus: <name>: {serverAddress: ..., query: ..., threshold: ...}, with platform: controllers: keda: enabled: true`
	}
	statefulSet := func(class string) object.Object {
		return with(obj("web", "apps/v1", "StatefulSet", "chatbot", "web"), "spec", map[string]any{
			"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "data"},
				"spec": map[string]any{"storageClassName": class}}},
		})
	}
	off := func(name string) string { return fmt.Sprintf("platform: controllers: %q: enabled: false\n", name) }
	controllerMissing := func(id, what, provider, label string) string {
		return id + " needs " + what + ", which " + provider + " provides, but the cluster does not; set: platform: controllers: " + label + ": enabled: true"
	}
	nlb := with(obj("web", "v1", "Service", "chatbot", "web"), "spec", map[string]any{"type": "LoadBalancer", "loadBalancerClass": "service.k8s.aws/nlb"})
	albIngress := with(obj("web", "networking.k8s.io/v1", "Ingress", "chatbot", "web"), "spec", map[string]any{"ingressClassName": "alb"})
	externalSecret := obj("web", "external-secrets.io/v1", "ExternalSecret", "chatbot", "web")
	serviceMonitor := obj("web", "monitoring.coreos.com/v1", "ServiceMonitor", "chatbot", "web")
	rollout := obj("web", "argoproj.io/v1alpha1", "Rollout", "chatbot", "web")
	scaledObject := obj("web", "keda.sh/v1alpha1", "ScaledObject", "chatbot", "web")
	const (
		enforcement = "NetworkPolicy/chatbot/web needs NetworkPolicy enforcement, which the vpc-cni add-on's network policy agent provides, but the cluster does not; set: " +
			`cluster: addons: "vpc-cni": {enabled: true, configurationValues: enableNetworkPolicy: "true"}`
		metricsAPI = "HorizontalPodAutoscaler/chatbot/web needs the metrics API (metrics.k8s.io), which the metrics-server add-on provides, but the cluster does not; set: " +
			`cluster: addons: "metrics-server": enabled: true`
		ebs = "StatefulSet/chatbot/web needs EBS volume provisioning (ebs.csi.aws.com), which the aws-ebs-csi-driver add-on provides, but the cluster does not; set: " +
			`cluster: addons: "aws-ebs-csi-driver": enabled: true`
	)
	tests := []struct {
		name string
		src  string
		objs []object.Object
		want []problem
	}{
		{name: "NetworkPolicy, enforced", objs: []object.Object{obj("web", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", "web")}},
		{
			name: "NetworkPolicy, enforcement off", src: noEnforcement,
			objs: []object.Object{obj("web", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", "web")},
			want: []problem{{path("apps", "web", "networkPolicy"), "apps.web.networkPolicy: " + enforcement}},
		}, {
			name: "the namespace's own NetworkPolicy, enforcement off", src: noEnforcement,
			objs: []object.Object{obj("", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", "default-deny-chatbot")},
			want: []problem{{path("cluster", "addons", `"vpc-cni"`), `cluster.addons."vpc-cni": NetworkPolicy/chatbot/default-deny-chatbot needs NetworkPolicy enforcement, which the vpc-cni add-on's network policy agent provides, but the cluster does not; set: cluster: addons: "vpc-cni": {enabled: true, configurationValues: enableNetworkPolicy: "true"}`}},
		},
		{name: "HPA on cpu, metrics-server", objs: []object.Object{hpa(resource)}},
		{
			name: "HPA on cpu, no metrics-server", src: noMetrics, objs: []object.Object{hpa(resource)},
			want: []problem{{path("apps", "web", "autoscaling"), "apps.web.autoscaling: " + metricsAPI}},
		}, {
			name: "HPA without metrics scales on cpu", src: noMetrics, objs: []object.Object{hpa()},
			want: []problem{{path("apps", "web", "autoscaling"), "apps.web.autoscaling: " + metricsAPI}},
		}, {
			// The error points at the metric, and names both ways out.
			name: "HPA on a Pods metric, no prometheus-adapter", src: rpsMetric, objs: []object.Object{hpa(resource, pods)},
			want: []problem{{path("apps", "web", "autoscaling", "metrics", "http_requests_per_second"),
				"apps.web.autoscaling.metrics.http_requests_per_second: " + adapterMissing("the custom metrics API (custom.metrics.k8s.io)")}},
		},
		{name: "HPA on a Pods metric, prometheus-adapter", src: rpsMetric + adapter, objs: []object.Object{hpa(resource, pods)}},
		{
			// A metric a patch added has no field of its own.
			name: "HPA on an external metric, no prometheus-adapter", objs: []object.Object{hpa(resource, external)},
			want: []problem{{path("apps", "web", "autoscaling"), "apps.web.autoscaling: " + adapterMissing("the external metrics API (external.metrics.k8s.io)")}},
		},
		{name: "HPA on an external metric, prometheus-adapter", src: adapter, objs: []object.Object{hpa(resource, external)}},
		{name: "EBS volume, EBS CSI driver", objs: []object.Object{ebsClass, statefulSet("gp3")}},
		{
			name: "EBS volume, no EBS CSI driver", src: noEBS, objs: []object.Object{ebsClass, statefulSet("gp3")},
			want: []problem{{path("apps", "web", "storage"), "apps.web.storage: " + ebs}},
		},
		{
			// EKS's own gp2 class: the in-tree plugin hands it to the driver.
			name: "EKS's gp2 volume, no EBS CSI driver", src: noEBS, objs: []object.Object{ebsClass, statefulSet("gp2")},
			want: []problem{{path("apps", "web", "storage"), "apps.web.storage: " + ebs}},
		}, {
			name: "a claim on the default EBS class, no EBS CSI driver", src: noEBS,
			objs: []object.Object{defaultClass, with(obj("web", "v1", "PersistentVolumeClaim", "chatbot", "data"), "spec", map[string]any{})},
			want: []problem{{path("apps", "web", "storage"), "apps.web.storage: PersistentVolumeClaim/chatbot/data needs EBS volume provisioning (ebs.csi.aws.com), which the aws-ebs-csi-driver add-on provides, but the cluster does not; set: " +
				`cluster: addons: "aws-ebs-csi-driver": enabled: true`}},
		},
		{name: "another provisioner's volume, no EBS CSI driver", src: noEBS, objs: []object.Object{otherClass, statefulSet("efs")}},
		{name: "no volumes, no EBS CSI driver", src: noEBS, objs: []object.Object{ebsClass}},

		{name: "NLB Service, LBC", objs: []object.Object{nlb}},
		{
			name: "NLB Service, no LBC", src: off("aws-load-balancer-controller"), objs: []object.Object{nlb},
			want: []problem{{path("apps", "web", "services"), "apps.web.services: " + controllerMissing("Service/chatbot/web", "AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)", "the AWS Load Balancer Controller", `"aws-load-balancer-controller"`)}},
		}, {
			name: "a LoadBalancer Service without the LBC's class or annotation (EKS's own provider), no LBC", src: off("aws-load-balancer-controller"),
			objs: []object.Object{with(obj("web", "v1", "Service", "chatbot", "web"), "spec", map[string]any{"type": "LoadBalancer"})},
		}, {
			name: "ALB Ingress, no LBC", src: off("aws-load-balancer-controller"), objs: []object.Object{albIngress},
			want: []problem{{path("apps", "web", "ingress"), "apps.web.ingress: " + controllerMissing("Ingress/chatbot/web", "AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)", "the AWS Load Balancer Controller", `"aws-load-balancer-controller"`)}},
		},
		{
			name: "an Ingress of an isolated group's class, no LBC", src: off("aws-load-balancer-controller"),
			objs: []object.Object{
				with(obj("", "networking.k8s.io/v1", "IngressClass", "", "alb-web"), "spec", map[string]any{"controller": "ingress.k8s.aws/alb"}),
				with(obj("web", "networking.k8s.io/v1", "Ingress", "chatbot", "web"), "spec", map[string]any{"ingressClassName": "alb-web"}),
			},
			want: []problem{
				{path("platform", "controllers", `"aws-load-balancer-controller"`), `platform.controllers."aws-load-balancer-controller": ` + controllerMissing("IngressClass/alb-web", "AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)", "the AWS Load Balancer Controller", `"aws-load-balancer-controller"`)},
				{path("apps", "web", "ingress"), "apps.web.ingress: " + controllerMissing("Ingress/chatbot/web", "AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)", "the AWS Load Balancer Controller", `"aws-load-balancer-controller"`)},
			},
		},
		{
			name: "an Ingress of another controller's class, no LBC", src: off("aws-load-balancer-controller"),
			objs: []object.Object{with(obj("web", "networking.k8s.io/v1", "Ingress", "chatbot", "web"), "spec", map[string]any{"ingressClassName": "nginx"})},
		},
		{name: "ClusterIP Service, no LBC", src: off("aws-load-balancer-controller"), objs: []object.Object{obj("web", "v1", "Service", "chatbot", "web")}},
		{name: "ExternalSecret, ESO", objs: []object.Object{externalSecret}},
		{
			name: "ExternalSecret, no ESO", src: off("external-secrets"), objs: []object.Object{externalSecret},
			want: []problem{{path("apps", "web"), "apps.web: " + controllerMissing("ExternalSecret/chatbot/web", "External Secrets (external-secrets.io)", "the External Secrets Operator", `"external-secrets"`)}},
		}, {
			name: "a platform ClusterSecretStore, no ESO", src: off("external-secrets"),
			objs: []object.Object{obj("", "external-secrets.io/v1", "ClusterSecretStore", "", "aws")},
			want: []problem{{path("platform", "controllers", `"external-secrets"`), `platform.controllers."external-secrets": ` + controllerMissing("ClusterSecretStore/aws", "External Secrets (external-secrets.io)", "the External Secrets Operator", `"external-secrets"`)}},
		},
		{name: "ServiceMonitor, prometheus-operator", objs: []object.Object{serviceMonitor}},
		{
			name: "ServiceMonitor, no prometheus-operator", src: off("prometheus-operator"), objs: []object.Object{serviceMonitor},
			want: []problem{{path("apps", "web", "metrics"), "apps.web.metrics: " + controllerMissing("ServiceMonitor/chatbot/web", "prometheus-operator's kinds (monitoring.coreos.com)", "prometheus-operator", `"prometheus-operator"`)}},
		},
		{name: "Rollout, Argo Rollouts", objs: []object.Object{rollout}},
		{
			name: "Rollout, no Argo Rollouts", src: off("argo-rollouts"), objs: []object.Object{rollout},
			want: []problem{{path("apps", "web", "delivery"), "apps.web.delivery: " + controllerMissing("Rollout/chatbot/web", "progressive delivery (Rollouts, AnalysisTemplates)", "Argo Rollouts", `"argo-rollouts"`)}},
		},
		{name: "an Argo CD Application is not Argo Rollouts'", src: off("argo-rollouts"), objs: []object.Object{obj("", "argoproj.io/v1alpha1", "Application", "argocd", "web")}},
		{
			name: "ScaledObject, KEDA off by default", objs: []object.Object{scaledObject},
			want: []problem{{path("apps", "web"), "apps.web: " + controllerMissing("ScaledObject/chatbot/web", "event-driven autoscaling (keda.sh)", "KEDA", "keda")}},
		},
		{name: "ScaledObject, KEDA enabled", src: "platform: controllers: keda: enabled: true\n", objs: []object.Object{scaledObject}},
		{
			// KEDA's cpu scaler reads the metrics API as an HPA does.
			name: "ScaledObject on cpu, no metrics-server", src: "platform: controllers: keda: enabled: true\n" + noMetrics,
			objs: []object.Object{with(obj("web", "keda.sh/v1alpha1", "ScaledObject", "chatbot", "web"), "spec", map[string]any{
				"triggers": []any{map[string]any{"type": "cpu"}, map[string]any{"type": "prometheus"}},
			})},
			want: []problem{{path("apps", "web", "autoscaling"), "apps.web.autoscaling: ScaledObject/chatbot/web needs the metrics API (metrics.k8s.io), which the metrics-server add-on provides, but the cluster does not; set: " +
				`cluster: addons: "metrics-server": enabled: true`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			_, err := check.Capabilities(env, tt.objs)
			got := problems(err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Capabilities() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The reliances Capabilities returns, for gen plan: which objects rely on
// which add-on, whether the cluster provides it or not.
func TestReliances(t *testing.T) {
	objs := []object.Object{
		obj("", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", "default-deny-chatbot"),
		with(obj("web", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "web"), "spec", map[string]any{}),
		obj("web", "networking.k8s.io/v1", "NetworkPolicy", "chatbot", "web"),
		obj("web", "v1", "Service", "chatbot", "web"),
	}
	// What the environment provides is listed even when nothing relies on
	// it (KEDA is off by default, so it is not); what something relies on
	// is listed even when the environment does not provide it.
	want := []check.Reliance{
		{Controller: "argo-rollouts", Capability: "progressive delivery (Rollouts, AnalysisTemplates)"},
		{Addon: "aws-ebs-csi-driver", Capability: "EBS volume provisioning (ebs.csi.aws.com)"},
		{Controller: "aws-load-balancer-controller", Capability: "AWS load balancers (NLB Services, ALB Ingresses, TargetGroupBindings)"},
		{Controller: "external-secrets", Capability: "External Secrets (external-secrets.io)"},
		{Addon: "metrics-server", Capability: "the metrics API (metrics.k8s.io)", Objects: []string{"HorizontalPodAutoscaler/chatbot/web"}},
		{Controller: "prometheus-operator", Capability: "prometheus-operator's kinds (monitoring.coreos.com)"},
		{Addon: "vpc-cni", Capability: "NetworkPolicy enforcement", Objects: []string{"NetworkPolicy/chatbot/default-deny-chatbot", "NetworkPolicy/chatbot/web"}},
	}
	for _, src := range []string{"", `cluster: addons: "metrics-server": enabled: false` + "\n"} {
		got, _ := check.Capabilities(newEnv(t, web+src), objs)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Capabilities(%q) reliances mismatch (-want +got):\n%s", src, diff)
		}
	}
}

// An HPA on a Pods metric relies on prometheus-adapter, which provides
// both APIs, as a CPU HPA relies on metrics-server.
func TestReliancesCustomMetrics(t *testing.T) {
	hpa := with(obj("web", "autoscaling/v2", "HorizontalPodAutoscaler", "chatbot", "web"), "spec", map[string]any{
		"metrics": []any{
			map[string]any{"type": "Resource", "resource": map[string]any{"name": "cpu"}},
			map[string]any{"type": "Pods", "pods": map[string]any{"metric": map[string]any{"name": "http_requests_per_second"}}},
		},
	})
	got, err := check.Capabilities(newEnv(t, web+`platform: controllers: "prometheus-adapter": enabled: true`+"\n"), []object.Object{hpa})
	if err != nil {
		t.Fatalf("Capabilities() = %v", err)
	}
	want := map[string]check.Reliance{
		"metrics-server": {Addon: "metrics-server", Capability: "the metrics API (metrics.k8s.io)", Objects: []string{"HorizontalPodAutoscaler/chatbot/web"}},
		"prometheus-adapter": {Controller: "prometheus-adapter",
			Capability: "the custom metrics API (custom.metrics.k8s.io) and the external metrics API (external.metrics.k8s.io)",
			Objects:    []string{"HorizontalPodAutoscaler/chatbot/web"}},
	}
	for _, r := range got {
		key := r.Addon + r.Controller
		if w, ok := want[key]; ok {
			if diff := cmp.Diff(w, r); diff != "" {
				t.Errorf("Capabilities() reliance on %s mismatch (-want +got):\n%s", key, diff)
			}
			delete(want, key)
		}
	}
	for key := range want {
		t.Errorf("Capabilities() lists no reliance on %s", key)
	}
}
