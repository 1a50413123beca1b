package modeltest

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/model"
)

// TestApp checks a few of the schema's defaults (schema/app.cue) and
// those App adds.
func TestApp(t *testing.T) {
	app := App(t, "web", `ports: http: port: 8080`)
	type summary struct {
		Name, Namespace, PartOf, Kind, Image string
		Enabled, ReadOnlyRoot, CreateSA      bool
		Replicas                             int32
		Grace                                int64
		Port                                 model.Port
		Surge                                model.IntOrString
		Spread                               model.Spread
		Job                                  model.JobOptions
	}
	got := summary{
		Name: app.Name, Namespace: app.Namespace, PartOf: app.PartOf, Kind: app.Kind, Image: app.Image.Reference(),
		Enabled: app.Enabled, ReadOnlyRoot: app.SecurityContext.ReadOnlyRootFilesystem, CreateSA: app.ServiceAccount.Create,
		Replicas: app.Replicas, Grace: app.TerminationGracePeriodSeconds, Port: app.Ports["http"],
		Surge: app.RollingUpdate.MaxSurge, Spread: app.Spread, Job: app.Job,
	}
	want := summary{
		Name: "web", Namespace: "default", PartOf: "web", Kind: model.Deployment,
		Image:   "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0",
		Enabled: true, ReadOnlyRoot: true, CreateSA: true,
		Replicas: 1, Grace: 30, Port: model.Port{Port: 8080, Protocol: "TCP"},
		Surge:  model.IntOrString{String: "25%", IsStr: true},
		Spread: model.Spread{Zones: "none", Hosts: "none"},
		Job:    model.JobOptions{BackoffLimit: 3, RestartPolicy: "OnFailure", ConcurrencyPolicy: "Forbid", StartingDeadlineSeconds: new(int64(3600))},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("App(web) mismatch (-want +got):\n%s", diff)
	}
	if app.Env == nil || app.Labels == nil || app.Services == nil || app.Config.MountPath != "/etc/config" {
		t.Errorf("App(web) = %+v, want empty maps and the default config mount path", app)
	}
}

// TestAppOverrides: src wins over App's own defaults.
func TestAppOverrides(t *testing.T) {
	app := App(t, "db", `
		kind: "StatefulSet"
		namespace: "data"
		image: {repository: "docker.io/library/mongo", tag: "7.0"}
	`)
	if app.Kind != model.StatefulSet || app.Namespace != "data" || app.Image.Reference() != "docker.io/library/mongo:7.0" {
		t.Errorf("App(db) = kind %s, namespace %s, image %s", app.Kind, app.Namespace, app.Image.Reference())
	}
	const pinned = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if got := App(t, "db", `image: {repository: "r.example/db", digest: "`+pinned+`"}`).Image.Reference(); got != "r.example/db@"+pinned {
		t.Errorf("App(db, an image by digest) image = %s, want no tag", got)
	}
}

func TestEnv(t *testing.T) {
	env := Env(t, "prod", `
cluster: {
	name: "prod", region: "ap-south-1", accountID: "123456789012", version: "1.35"
	zones: ["ap-south-1a", "ap-south-1b"]
}`)
	if env.Name != "prod" || env.Dir != "environments/prod" {
		t.Errorf("Env(prod) name, dir = %q, %q", env.Name, env.Dir)
	}
	c := env.Cluster
	if !c.Autoscaler.Enabled || c.Autoscaler.IAMRole != "prod-cluster-autoscaler" || !c.StorageClasses["gp3"].Default || c.VPC.NAT != "Single" {
		t.Errorf("Env(prod) cluster = %+v, want the schema's defaults", c)
	}
	if diff := cmp.Diff([]string{"123456789012.dkr.ecr.ap-south-1.amazonaws.com"}, env.Policy.AllowedRegistries); diff != "" {
		t.Errorf("Env(prod) allowed registries mismatch (-want +got):\n%s", diff)
	}
}

// TestChatbotProdApps: the shared environment loads, with what its
// documentation promises and the schema's defaults for the rest.
func TestChatbotProdApps(t *testing.T) {
	env := Env(t, "prod", ChatbotProdApps)
	if diff := cmp.Diff([]string{"backend", "ml", "mongodb", "retrain"}, slices.Sorted(maps.Keys(env.Apps))); diff != "" {
		t.Errorf("Env(ChatbotProdApps) apps mismatch (-want +got):\n%s", diff)
	}
	c := env.Cluster
	if diff := cmp.Diff([]model.Taint{{Key: "workload", Value: "ml", Effect: "NoSchedule"}}, c.NodeGroups["ml"].Taints); diff != "" {
		t.Errorf("Env(ChatbotProdApps) ml taints mismatch (-want +got):\n%s", diff)
	}
	if !c.Autoscaler.Enabled || c.Autoscaler.IAMRole != "chatbot-prod-cluster-autoscaler" || len(c.IAM.Roles) != 6 {
		t.Errorf("Env(ChatbotProdApps) cluster = %+v, want the schema's controllers and roles and two of its own", c)
	}
	backend, mongodb := env.Apps["backend"], env.Apps["mongodb"]
	if backend.PartOf != "chatbot" || backend.Namespace != "chatbot" || backend.Services["backend-public"].Scheme != "internet-facing" ||
		mongodb.Storage["data"].StorageClass != "gp3" || mongodb.Ports["http"].Port != 8080 {
		t.Errorf("Env(ChatbotProdApps) backend = %+v, mongodb = %+v", backend, mongodb)
	}
}

// TestFreshCopies: a test that changes what it got changes nothing that
// later calls return.
func TestFreshCopies(t *testing.T) {
	a := App(t, "web", `labels: team: "a"`)
	a.Labels["team"] = "b"
	a.Replicas = 7
	a.Image.Tag = "x"
	b := App(t, "web", `labels: team: "a"`)
	if b.Labels["team"] != "a" || b.Replicas != 1 || b.Image.Tag != "1.0.0" {
		t.Errorf("App after a change to an earlier copy = labels %v, replicas %d, tag %s", b.Labels, b.Replicas, b.Image.Tag)
	}
}

// TestParallel loads the same and different sources at once; run with
// -race.
func TestParallel(t *testing.T) {
	var wg sync.WaitGroup
	apps := make([]*model.App, 16)
	for i := range apps {
		wg.Go(func() {
			apps[i] = App(t, "web", []string{`replicas: 2`, `replicas: 3`}[i%2])
			apps[i].Replicas++
		})
	}
	wg.Wait()
	for i, a := range apps {
		if want := int32(3 + i%2); a.Replicas != want {
			t.Errorf("apps[%d].Replicas = %d, want %d", i, a.Replicas, want)
		}
	}
}

// TestErrors: a source that does not load is reported with the CUE
// errors, relative to the temporary root, on every call.
func TestErrors(t *testing.T) {
	for range 2 {
		_, err := loaded("dev", `apps: web: {replicas: -1, image: repository: "x"}`)
		if err == nil {
			t.Fatal("loaded(invalid) = nil error")
		}
		for _, want := range []string{"apps.web.replicas", "./environments/dev/dev.cue:3:"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("loaded(invalid) = %v, want it to mention %q", err, want)
			}
		}
	}
}
