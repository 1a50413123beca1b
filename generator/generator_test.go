package generator_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/internal/cluster"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/slo"
	"github.com/gitops-gen/gen/internal/golden"
	"github.com/gitops-gen/gen/internal/repotest"
	"github.com/gitops-gen/gen/internal/schematest"
)

// repoRoot is the repository holding the default environments.
const repoRoot = ".."

func render(t *testing.T, root string) *generator.Result {
	t.Helper()
	res, err := generator.Render(context.Background(), generator.Options{Root: root})
	if err != nil {
		var b strings.Builder
		generator.PrintError(&b, err, root)
		t.Fatalf("Render(%s) failed:\n%s", root, b.String())
	}
	return res
}

// TestDefaultEnvironments is the golden test of every committed
// environment (chatbot's dev, staging and prod, and any other platform's): the
// committed rendered/ tree is the expected output. With -update (or
// GEN_UPDATE=1) it rewrites rendered/, as "gen render --all" does.
func TestDefaultEnvironments(t *testing.T) {
	res := render(t, repoRoot)
	var names []string
	for _, e := range res.Envs {
		names = append(names, e.Name)
	}
	// Every environment under environments/, whatever its platform, so
	// that a platform moved in is covered; the chatbot platform's three
	// among them.
	want, err := generator.Environments(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("environments = %v, want %v", names, want)
	}
	for _, env := range []string{"chatbot/dev", "chatbot/prod", "chatbot/staging"} {
		if !slices.Contains(names, env) {
			t.Errorf("environments = %v, want %s among them", names, env)
		}
	}
	if golden.Update() {
		if _, err := generator.Write(generator.Options{Root: repoRoot, AllowViolations: true}, res); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, e := range res.Envs {
		c, err := output.Compare(filepath.Join(repoRoot, e.Dir), e.Files)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Empty() {
			t.Errorf("rendered/%s is out of date (stale %v, missing %v, extra %v); run: make render-all",
				e.Name, c.Stale, c.Missing, c.Extra)
		}
	}
}

// TestCheckRepo is "gen check" on the repository itself.
func TestCheckRepo(t *testing.T) {
	res, err := generator.Check(context.Background(), generator.Options{Root: repoRoot})
	if err != nil {
		t.Fatal(err)
	}
	// The default environments fit their clusters without even a warning.
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
	for _, c := range res.Changes {
		t.Errorf("gen check: %v", c.Paths())
	}
	// And they pass every policy: violations are fixed or waived, and no
	// waiver is expired or unused.
	for _, r := range res.Policies {
		for _, v := range r.Violations {
			t.Errorf("%s: policy %s: %s %s: %s=%s: %s", r.Env, v.Policy, v.Object(), v.File, v.Field, v.Value, v.Message)
		}
		for _, w := range r.Expired {
			t.Errorf("%s: expired waiver: %s", r.Env, w.Message)
		}
		for _, w := range r.Unused {
			t.Errorf("%s: unused waiver: %s", r.Env, w.Message)
		}
	}
}

// TestDefaultEnvironmentsContent pins the facts the seeds give, so that a
// change to the environments that breaks them fails here with a message
// rather than only as a golden diff.
func TestDefaultEnvironmentsContent(t *testing.T) {
	res := render(t, repoRoot)
	files := map[string]map[string]any{}
	for _, e := range res.Envs {
		for _, f := range e.Files {
			var m map[string]any
			if err := yaml.Unmarshal(f.Data, &m); err != nil {
				t.Fatalf("%s/%s: %v", e.Dir, f.Path, err)
			}
			files[e.Name+"/"+f.Path] = m
		}
	}
	get := func(file string, keys ...string) any {
		t.Helper()
		v, ok := any(files[file]), files[file] != nil
		if !ok {
			t.Fatalf("%s is not rendered", file)
		}
		for _, k := range keys {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	for _, tc := range []struct {
		file string
		path string
		want any
	}{
		// Seed 003: MongoDB storage 5/20/100Gi.
		{"chatbot/dev/apps/mongodb/statefulset-mongodb.yaml", "spec.volumeClaimTemplates", "5Gi"},
		{"chatbot/staging/apps/mongodb/statefulset-mongodb.yaml", "spec.volumeClaimTemplates", "20Gi"},
		{"chatbot/prod/apps/mongodb/statefulset-mongodb.yaml", "spec.volumeClaimTemplates", "100Gi"},
		// Seed 004: HPA 5-50 on CPU 70% and memory 80%, PDB minAvailable 3, 30 s grace.
		{"koorde/prod/apps/koorde-node/horizontalpodautoscaler-koorde-node.yaml", "spec.minReplicas", 5.0},
		{"koorde/prod/apps/koorde-node/horizontalpodautoscaler-koorde-node.yaml", "spec.maxReplicas", 50.0},
		{"koorde/prod/apps/koorde-node/poddisruptionbudget-koorde-node.yaml", "spec.minAvailable", 3.0},
		{"koorde/prod/apps/koorde-node/statefulset-koorde-node.yaml", "spec.template.spec.terminationGracePeriodSeconds", 30.0},
		{"koorde/prod/apps/koorde-node/service-koorde-headless.yaml", "spec.clusterIP", "None"},
		{"koorde/prod/apps/koorde-node/service-koorde-cache-http.yaml", "spec.type", "LoadBalancer"},
		// Seed 002: HPA at 80% CPU, at most 10.
		{"shuttle/prod/apps/shuttle/horizontalpodautoscaler-shuttle.yaml", "spec.maxReplicas", 10.0},
		// HPA-managed workloads leave replicas to the HPA.
		{"chatbot/prod/apps/backend/deployment-backend.yaml", "spec.replicas", nil},
		{"chatbot/dev/apps/backend/deployment-backend.yaml", "spec.replicas", 1.0},
		// Seed 003: ML runs on the ML node group.
		{"chatbot/prod/apps/ml/deployment-ml.yaml", "spec.template.spec.nodeSelector.workload", "ml"},
	} {
		got := get(tc.file, strings.Split(tc.path, ".")...)
		if tc.path == "spec.volumeClaimTemplates" {
			got = got.([]any)[0].(map[string]any)["spec"].(map[string]any)["resources"].(map[string]any)["requests"].(map[string]any)["storage"]
		}
		if !cmp.Equal(got, tc.want) {
			t.Errorf("%s: %s = %v, want %v", tc.file, tc.path, got, tc.want)
		}
	}
	// Seed 003: ML is off in dev.
	for f := range files {
		if strings.HasPrefix(f, "chatbot/dev/apps/ml/") || strings.HasPrefix(f, "chatbot/dev/apps/ml-retrain/") {
			t.Errorf("%s rendered, but ML is disabled in dev", f)
		}
	}
}

// TestDeterministic renders twice, and once more from a copy whose input
// files have other names (so CUE visits them in another order), and
// requires identical bytes.
func TestDeterministic(t *testing.T) {
	first := render(t, repoRoot)
	second := render(t, repoRoot)
	// The bytes written must not change; the model and the policy report
	// (which names the source files) may.
	ignoreModel := cmp.Options{cmpopts.IgnoreFields(generator.Env{}, "Model", "Policy"), cmpopts.IgnoreUnexported(generator.Result{}), cmp.AllowUnexported(generator.Env{})}
	if diff := cmp.Diff(first, second, ignoreModel); diff != "" {
		t.Fatalf("two renders differ (-first +second):\n%s", diff)
	}

	// A copy of the repository inputs with every environments/ file renamed
	// so that sorting by name reverses their order.
	root := t.TempDir()
	for _, dir := range []string{"cue.mod", "schema", "policies"} {
		if err := os.CopyFS(filepath.Join(root, dir), os.DirFS(filepath.Join(repoRoot, dir))); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(repoRoot, "environments")
	var n int
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		renamed := rel // lock files keep their names
		if strings.HasSuffix(p, ".cue") {
			n++
			renamed = filepath.Join(filepath.Dir(rel), string(rune('z'-n))+"_"+filepath.Base(rel))
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, "environments", renamed)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	third := render(t, root)
	if diff := cmp.Diff(first, third, ignoreModel); diff != "" {
		t.Fatalf("renaming input files changed the output (-before +after):\n%s", diff)
	}
}

// externalSecretsCRDs are the CRD files of the External Secrets Operator's
// kinds gen renders, in the shared folder's schemas/crds/.
var externalSecretsCRDs = map[string]string{
	kube.KindSecretStore:        "external-secrets.io_secretstores.yaml",
	kube.KindClusterSecretStore: "external-secrets.io_clustersecretstores.yaml",
	kube.KindExternalSecret:     "external-secrets.io_externalsecrets.yaml",
}

// monitoringCRDs are the CRD files of prometheus-operator's kinds gen
// renders.
var monitoringCRDs = map[string]string{
	kube.KindServiceMonitor:     "monitoring.coreos.com_servicemonitors.yaml",
	kube.KindPodMonitor:         "monitoring.coreos.com_podmonitors.yaml",
	kube.KindPrometheusRule:     "monitoring.coreos.com_prometheusrules.yaml",
	kube.KindAlertmanagerConfig: "monitoring.coreos.com_alertmanagerconfigs.yaml",
}

// TestMonitoringMatchesCRDs validates every rendered ServiceMonitor,
// PodMonitor, PrometheusRule and AlertmanagerConfig against
// prometheus-operator's CRDs (unknown fields rejected), and parses every
// expression of every PrometheusRule with Prometheus' parser, printing it
// and parsing it again: what is committed is what Prometheus reads.
func TestMonitoringMatchesCRDs(t *testing.T) {
	res := render(t, repoRoot)
	var objects, exprs int
	for _, e := range res.Envs {
		for _, f := range e.Files {
			name := path.Join(e.Dir, f.Path)
			var obj map[string]any
			if err := yaml.Unmarshal(f.Data, &obj); err != nil {
				t.Fatal(err)
			}
			crd, ok := monitoringCRDs[fmt.Sprint(obj["kind"])]
			if !ok || !strings.HasPrefix(fmt.Sprint(obj["apiVersion"]), "monitoring.coreos.com/") {
				continue
			}
			objects++
			if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", crd), obj); err != nil {
				t.Errorf("%s does not satisfy its CRD: %v", name, err)
			}
			var rule kube.PrometheusRule
			if obj["kind"] != kube.KindPrometheusRule {
				continue
			}
			if err := yaml.UnmarshalStrict(f.Data, &rule); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, g := range rule.Spec.Groups {
				for _, r := range g.Rules {
					exprs++
					first, err := slo.Parse(r.Expr)
					if err != nil {
						t.Errorf("%s: %s%s: %v", name, r.Record, r.Alert, err)
						continue
					}
					if second, err := slo.Parse(first.String()); err != nil || second.String() != first.String() {
						t.Errorf("%s: %s%s does not round-trip: %q, then %v %v", name, r.Record, r.Alert, first, second, err)
					}
				}
			}
		}
	}
	if objects == 0 || exprs == 0 {
		t.Errorf("%d monitoring objects, %d expressions: the environments monitor nothing", objects, exprs)
	}
	t.Logf("%d monitoring objects, %d expressions parsed", objects, exprs)
}

// rolloutsCRDs are the CRD files of Argo Rollouts' kinds gen renders.
var rolloutsCRDs = map[string]string{
	kube.KindRollout:          "argo-rollouts-rollout-crd.yaml",
	kube.KindAnalysisTemplate: "argo-rollouts-analysis-template-crd.yaml",
}

// localCRD returns the CRD file of a kind gen renders with a local type.
func localCRD(apiVersion, kind string) (string, bool) {
	crds := map[string]map[string]string{kube.ExternalSecretsAPIVersion: externalSecretsCRDs, kube.RolloutsAPIVersion: rolloutsCRDs}
	crd, ok := crds[apiVersion][kind]
	return crd, ok
}

// TestStrictDecode decodes every rendered file into its k8s.io/api type,
// rejecting unknown fields, and requires the round trip to lose nothing.
func TestStrictDecode(t *testing.T) {
	res := render(t, repoRoot)
	for _, e := range res.Envs {
		for _, f := range e.Files {
			name := path.Join(e.Dir, f.Path)
			var meta struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal(f.Data, &meta); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			typed, ok := kube.NewTyped(meta.APIVersion, meta.Kind)
			if meta.APIVersion == cluster.APIVersion && meta.Kind == cluster.Kind {
				typed, ok = new(cluster.ClusterConfig), true // and TestClusterConfigSchema
			}
			if crd, ok := localCRD(meta.APIVersion, meta.Kind); ok {
				// No Go type either: the External Secrets Operator's or
				// Argo Rollouts' CRD, closed (unknown fields rejected).
				var obj map[string]any
				if err := yaml.Unmarshal(f.Data, &obj); err != nil {
					t.Fatal(err)
				}
				if err := schematest.ValidateCRD(repotest.SharedFile(t, "schemas", "crds", crd), obj); err != nil {
					t.Errorf("%s does not satisfy the %s CRD: %v", name, meta.Kind, err)
				}
				continue
			}
			if meta.APIVersion == argocd.APIVersion {
				continue // no Go type here: TestArgoCD validates against the CRDs
			}
			if !ok {
				t.Errorf("%s: no k8s.io/api type for %s %s", name, meta.APIVersion, meta.Kind)
				continue
			}
			if err := yaml.UnmarshalStrict(f.Data, typed); err != nil {
				t.Errorf("%s does not decode strictly into %T: %v", name, typed, err)
				continue
			}
			back, err := yaml.Marshal(typed)
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			_ = yaml.Unmarshal(f.Data, &want)
			_ = yaml.Unmarshal(back, &got)
			stripEmpty(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s loses or changes fields through %T (-file +typed):\n%s", name, typed, diff)
			}
		}
	}
}

// stripEmpty removes what typed objects add when re-encoded:
// creationTimestamp: null and empty status or resources maps. The empty
// objects that mean something stay, as kube.Build keeps them: an emptyDir
// volume, and a NetworkPolicy's podSelector or namespaceSelector that
// selects everything.
func stripEmpty(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			stripEmpty(c)
			if c == nil && k == "creationTimestamp" {
				delete(v, k)
			}
			if m, ok := c.(map[string]any); ok && len(m) == 0 && !meaningfulEmpty[k] {
				delete(v, k)
			}
			if k == "status" {
				delete(v, k)
			}
		}
	case []any:
		for _, c := range v {
			stripEmpty(c)
		}
	}
}

// meaningfulEmpty are the fields whose empty object kube.Build writes on
// purpose (its keepEmpty).
var meaningfulEmpty = map[string]bool{"emptyDir": true, "podSelector": true, "namespaceSelector": true}

// TestRenderedYAMLIsCanonical re-encodes every rendered file with
// sigs.k8s.io/yaml and requires the same bytes: sorted keys and the usual
// Kubernetes YAML layout, so diffs stay minimal whichever tool touches them.
func TestRenderedYAMLIsCanonical(t *testing.T) {
	res := render(t, repoRoot)
	for _, e := range res.Envs {
		for _, f := range e.Files {
			var v any
			if err := yaml.Unmarshal(f.Data, &v); err != nil {
				t.Fatal(err)
			}
			again, err := yaml.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, f.Data) {
				t.Errorf("%s/%s is not canonical YAML:\n%s", e.Dir, f.Path, cmp.Diff(string(again), string(f.Data)))
			}
		}
	}
}

// TestClusterConfigSchema validates every environment's
// cluster/eksctl.yaml against eksctl's JSON schema (unknown fields are
// errors there), so that it is what "eksctl create cluster -f" accepts.
func TestClusterConfigSchema(t *testing.T) {
	schema := repotest.SharedFile(t, "schemas", "eksctl", "schema.json")
	res := render(t, repoRoot)
	for _, e := range res.Envs {
		var found bool
		for _, f := range e.Files {
			if f.Path != "cluster/eksctl.yaml" {
				continue
			}
			found = true
			var content map[string]any
			if err := yaml.Unmarshal(f.Data, &content); err != nil {
				t.Fatal(err)
			}
			if err := schematest.ValidateEksctl(schema, content); err != nil {
				t.Errorf("%s/cluster/eksctl.yaml does not satisfy eksctl's schema: %v", e.Dir, err)
			}
		}
		if !found {
			t.Errorf("%s has no cluster/eksctl.yaml", e.Dir)
		}
	}
}

// TestArgoCD checks each environment's argocd/ folder: every object
// validates against its CRD's schema (unknown fields rejected), every
// Application's path is a folder of the rendered tree, every app folder
// and every other folder but cluster/ (platform/, secrets/, ingress/) has
// exactly one Application, none points at cluster/, and every object of a
// CRD's kind (no built-in API group serves it) is synced by an Application
// of a later wave than the controllers whose charts bring the CRDs:
// before, Argo CD's dry run refuses it.
func TestArgoCD(t *testing.T) {
	crds := map[string]string{
		argocd.KindApplication: repotest.SharedFile(t, "schemas", "crds", "argocd-application-crd.yaml"),
		argocd.KindAppProject:  repotest.SharedFile(t, "schemas", "crds", "argocd-appproject-crd.yaml"),
	}
	res := render(t, repoRoot)
	for _, e := range res.Envs {
		folders := map[string]int{}       // rendered folder -> Applications pointing at it
		crdFiles := map[string][]string{} // rendered folder -> its files of CRD kinds
		for _, f := range e.Files {
			dir := folderOf(f.Path)
			if dir == "cluster" {
				continue
			}
			folders[path.Join(e.Dir, dir)] += 0
			var obj struct{ APIVersion string }
			if err := yaml.Unmarshal(f.Data, &obj); err != nil {
				t.Fatal(err)
			}
			group, _, _ := strings.Cut(obj.APIVersion, "/")
			if !strings.Contains(obj.APIVersion, "/") {
				group = "" // the core group: "v1"
			}
			if dir != "argocd" && !scheme.Scheme.IsGroupRegistered(group) {
				crdFiles[path.Join(e.Dir, dir)] = append(crdFiles[path.Join(e.Dir, dir)], f.Path)
			}
		}
		waves := map[string]int{} // rendered folder -> its Application's wave
		controllerWave := math.MinInt
		var apps, controllers int
		for _, f := range e.Files {
			if !strings.HasPrefix(f.Path, "argocd/") {
				continue
			}
			var obj map[string]any
			if err := yaml.Unmarshal(f.Data, &obj); err != nil {
				t.Fatal(err)
			}
			kind, _ := obj["kind"].(string)
			crd, ok := crds[kind]
			if !ok {
				t.Errorf("%s/%s: unexpected kind %s", e.Dir, f.Path, kind)
				continue
			}
			if err := schematest.ValidateCRD(crd, obj); err != nil {
				t.Errorf("%s/%s does not satisfy the %s CRD: %v", e.Dir, f.Path, kind, err)
			}
			if kind != argocd.KindApplication {
				continue
			}
			apps++
			spec, _ := obj["spec"].(map[string]any)
			source, _ := spec["source"].(map[string]any)
			if chart, _ := source["chart"].(string); chart != "" {
				// A controller: an upstream chart at one exact version,
				// from a repository its project allows.
				rev, _ := source["targetRevision"].(string)
				if !regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(rev) {
					t.Errorf("%s/%s installs chart %s at %q, not an exact version", e.Dir, f.Path, chart, rev)
				}
				if _, ok := source["path"]; ok {
					t.Errorf("%s/%s has both a chart and a path", e.Dir, f.Path)
				}
				controllers++
				controllerWave = max(controllerWave, wave(t, obj))
				continue
			}
			p, _ := source["path"].(string)
			waves[p] = wave(t, obj)
			if strings.Contains("/"+p+"/", "/cluster/") {
				t.Errorf("%s/%s points at %s: Argo CD must never sync cluster/", e.Dir, f.Path, p)
			}
			if _, ok := folders[p]; !ok {
				t.Errorf("%s/%s points at %s, which is not a folder of the rendered tree", e.Dir, f.Path, p)
				continue
			}
			folders[p]++
		}
		if apps == 0 {
			t.Errorf("%s has no Application", e.Dir)
		}
		if want := len(e.Model.EnabledControllers()); controllers != want {
			t.Errorf("%s has %d controller Applications, want %d (one per enabled controller)", e.Dir, controllers, want)
		}
		for dir, n := range folders {
			if n != 1 {
				t.Errorf("%s: %d Applications point at it, want exactly 1", dir, n)
			}
		}
		for dir, files := range crdFiles {
			if w, ok := waves[dir]; ok && w <= controllerWave {
				t.Errorf("%s holds objects of CRD kinds (%s) but is synced in wave %d, not after the controllers (wave %d)",
					dir, strings.Join(files, ", "), w, controllerWave)
			}
		}
	}
}

// folderOf returns the folder of rendered/<env>/ that an Application
// syncs the file p from: apps/<app>/ for an app's, else the top folder
// (secrets/ is synced recursively, a folder per namespace).
func folderOf(p string) string {
	top, rest, _ := strings.Cut(p, "/")
	if top == "apps" {
		app, _, _ := strings.Cut(rest, "/")
		return top + "/" + app
	}
	return top
}

// wave returns the sync wave of an object, 0 when it has none.
func wave(t *testing.T, obj map[string]any) int {
	t.Helper()
	md, _ := obj["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	s, _ := ann[argocd.SyncWave].(string)
	if s == "" {
		return 0
	}
	w, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("sync wave %q: %v", s, err)
	}
	return w
}

// TestIngressClassParams validates every rendered IngressClassParams
// against the AWS Load Balancer Controller's CRD (unknown fields
// rejected), and requires one: seed 003's chatbot group is isolated.
func TestIngressClassParams(t *testing.T) {
	crd := repotest.SharedFile(t, "schemas", "crds", "elbv2.k8s.aws_ingressclassparams.yaml")
	res := render(t, repoRoot)
	n := 0
	for _, e := range res.Envs {
		for _, f := range e.Files {
			var obj map[string]any
			if err := yaml.Unmarshal(f.Data, &obj); err != nil {
				t.Fatalf("%s/%s: %v", e.Dir, f.Path, err)
			}
			if obj["kind"] != "IngressClassParams" {
				continue
			}
			n++
			if err := schematest.ValidateCRD(crd, obj); err != nil {
				t.Errorf("%s/%s does not satisfy the IngressClassParams CRD: %v", e.Dir, f.Path, err)
			}
		}
	}
	if n == 0 {
		t.Error("no environment renders an IngressClassParams: this test covers nothing")
	}
}
