package clustertest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gitops-gen/gen/generator/internal/clustertest"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/internal/kubetest"
)

// TestAPIServer sends every object of every committed rendered tree to a
// real kube-apiserver, as a dry-run server-side apply with strict field
// validation, after installing the shared CRDs and creating the rendered
// Namespaces (and Argo CD's): every object must be accepted. It first
// checks that a rejection is reported, on a Deployment with an invalid
// label value.
func TestAPIServer(t *testing.T) {
	c := kubetest.Start(t, kubetest.Options{})
	envs := clustertest.Committed(t)
	clustertest.InstallSharedCRDs(t, c)

	// The apiserver is of the minor tools/kubernetes pins, which
	// TestControlPlaneMinor compares with the clusters'.
	minor, err := kubetest.Minor()
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Client.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Major + "." + v.Minor; got != minor {
		t.Fatalf("kube-apiserver reports version %s (%s), want the minor %s that %s/go.mod pins", got, v.GitVersion, minor, kubetest.ModuleDir)
	}
	// Built from the module, the binary has no git version (v0.0.0-master):
	// its major and minor are the release's own.
	t.Logf("kube-apiserver %s.%s (git version %s)", v.Major, v.Minor, v.GitVersion)

	t.Run("rejection", func(t *testing.T) {
		e := envs[0]
		bad, good := firstOf(t, e, "Deployment"), firstOf(t, e, "ServiceAccount")
		bad = clone(t, bad)
		labels := bad.Lookup("metadata", "labels").(map[string]any)
		labels["environment"] = "not a label value!"
		if err := clustertest.CreateNamespaces(t.Context(), c, e.Objects); err != nil {
			t.Fatal(err)
		}
		rejected, _, err := clustertest.DryRun(t.Context(), c, []object.Object{good, bad})
		if err != nil {
			t.Fatal(err)
		}
		if len(rejected) != 1 || rejected[0].ID != bad.ID() ||
			!strings.Contains(rejected[0].Message, `metadata.labels: Invalid value: "not a label value!"`) {
			t.Fatalf("DryRun(%s, %s with an invalid label) rejected %+v, want %s alone, for its label",
				good.ID(), bad.ID(), rejected, bad.ID())
		}
		t.Logf("rejected as expected: %s: %s", rejected[0].ID, rejected[0].Message)
	})

	// The autoscalers the committed environments do not use yet: a KEDA
	// ScaledObject with Prometheus triggers and behavior, and an HPA on
	// Pods, Object and External metrics with behavior both ways.
	t.Run("autoscalers", func(t *testing.T) {
		env := modeltest.Env(t, "prod", modeltest.ChatbotProd+`
platform: controllers: keda: enabled: true
namespaces: shop: {}
apps: [Name=_]: {
	namespace: "shop"
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/\(Name)", tag: "1.0.0"}
	resources: requests: {cpu: "100m", memory: "128Mi"}
}
apps: queue: autoscaling: {
	minReplicas: 2
	maxReplicas: 8
	cpu:         80
	keda: {pollingInterval: 15, prometheus: backlog: {serverAddress: "http://prometheus-operated.monitoring.svc:9090", query: "sum(tasks_queued)", threshold: 20, activationThreshold: 0.5}}
	behavior: {
		scaleUp: {selectPolicy: "Max", policies: [{type: "Percent", value: 100, periodSeconds: 30}, {type: "Pods", value: 4, periodSeconds: 60}]}
		scaleDown: {stabilizationWindowSeconds: 600, policies: [{type: "Pods", value: 1, periodSeconds: 60}]}
	}
}
apps: web: autoscaling: {
	minReplicas: 2
	maxReplicas: 10
	metrics: {
		http_requests_per_second: averageValue: "50"
		queue_messages_ready: {type: "External", selector: queue: "tasks", value: "100"}
		requests_per_second: {type: "Object", value: "2k", object: {kind: "Ingress", name: "web"}}
	}
	behavior: scaleDown: {selectPolicy: "Min", stabilizationWindowSeconds: 300, policies: [{type: "Percent", value: 10, periodSeconds: 60}]}
}
`)
		built, err := kube.Build(env)
		if err != nil {
			t.Fatal(err)
		}
		var objs []object.Object
		for _, o := range built {
			if _, _, ok := o.ScaleTarget(); ok {
				objs = append(objs, o)
			}
		}
		if len(objs) != 2 {
			t.Fatalf("built %d autoscalers, want the ScaledObject and the HPA", len(objs))
		}
		if err := clustertest.CreateNamespaces(t.Context(), c, built); err != nil {
			t.Fatal(err)
		}
		rejected, _, err := clustertest.DryRun(t.Context(), c, objs)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rejected {
			t.Errorf("%s rejected: %s", r.ID, r.Message)
		}
	})

	for _, e := range envs {
		t.Run(e.Name, func(t *testing.T) {
			var provided []string // namespaces that exist before gen's objects
			if e.Model.ArgoCD != nil {
				provided = append(provided, e.Model.ArgoCD.Namespace)
			}
			if err := clustertest.CreateNamespaces(t.Context(), c, e.Objects, provided...); err != nil {
				t.Fatal(err)
			}
			rejected, warnings, err := clustertest.DryRun(t.Context(), c, e.Objects)
			if err != nil {
				t.Fatal(err)
			}
			logWarnings(t, e, warnings)
			if len(rejected) > 0 {
				var b strings.Builder
				for _, r := range rejected {
					fmt.Fprintf(&b, "\n  rendered/%s/%s (%s): %s", e.Name, e.Paths[r.ID], r.ID, r.Message)
				}
				t.Errorf("kube-apiserver rejected %d of the %d objects of rendered/%s:%s", len(rejected), len(e.Objects), e.Name, b.String())
				return
			}
			t.Logf("kube-apiserver accepted all %d objects of rendered/%s", len(e.Objects), e.Name)
		})
	}
}

// logWarnings logs the apiserver's warnings, each once with the files it
// was sent for.
func logWarnings(t *testing.T, e clustertest.Env, warnings []clustertest.Warning) {
	t.Helper()
	files := map[string][]string{}
	var order []string
	for _, w := range warnings {
		if files[w.Message] == nil {
			order = append(order, w.Message)
		}
		files[w.Message] = append(files[w.Message], "rendered/"+e.Name+"/"+e.Paths[w.ID])
	}
	for _, msg := range order {
		t.Logf("kube-apiserver warned: %s\n  for %s", msg, strings.Join(files[msg], "\n  and "))
	}
}

// firstOf returns e's first object of kind.
func firstOf(t *testing.T, e clustertest.Env, kind string) object.Object {
	t.Helper()
	for _, o := range e.Objects {
		if o.Kind() == kind {
			return o
		}
	}
	t.Fatalf("rendered/%s has no %s", e.Name, kind)
	return object.Object{}
}

// clone returns a deep copy of o.
func clone(t *testing.T, o object.Object) object.Object {
	t.Helper()
	b, err := json.Marshal(o.Content)
	if err != nil {
		t.Fatal(err)
	}
	content, err := object.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return object.Object{App: o.App, Content: content}
}
