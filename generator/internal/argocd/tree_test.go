package argocd

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
)

// TestTree checks the Applications against the tree they sync, as
// output.Path lays it out: every Application's path is a folder of
// rendered/<env>/ that holds files, every app folder, platform/, ingress/
// and secrets/ (with its folder per namespace) have exactly one
// Application, argocd/ is the root's, and no path reaches cluster/. And
// every object of a kind that no built-in API group serves (a CRD's: a
// controller's chart installs it) is synced by an Application in a later
// wave than the controllers': before, Argo CD's dry run refuses it and the
// sync never gets past that wave.
func TestTree(t *testing.T) {
	tests := []struct {
		name   string
		env    func(testing.TB) *model.Environment
		objs   func() []object.Object
		change func(env *model.Environment)
	}{
		{"prod", fixture, fixtureObjects, nil},
		{"automated, named cluster", fixture, fixtureObjects, func(env *model.Environment) {
			env.ArgoCD.AutoSync = true
			env.ArgoCD.Destination = "chatbot-prod"
		}},
		{"ml-retrain disabled", fixture, func() []object.Object {
			var out []object.Object
			for _, o := range fixtureObjects() {
				if o.App != "ml-retrain" {
					out = append(out, o)
				}
			}
			return out
		}, func(env *model.Environment) { env.Apps["ml-retrain"].Enabled = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, objs := tt.env(t), tt.objs()
			if tt.change != nil {
				tt.change(env)
			}
			objs = Annotate(env, objs)
			built := build(t, env, objs)

			// The folders of the tree and how many files each holds.
			files := map[string]int{}
			for _, o := range append(slices.Clone(objs), built...) {
				dir := path.Dir(output.Path(o))
				if strings.HasPrefix(dir, secretsDir+"/") {
					dir = secretsDir // synced recursively, a folder per namespace
				}
				files[dir]++
			}
			// Application paths, by folder relative to dir.
			apps := map[string][]string{}
			for _, o := range built {
				if o.Kind() != KindApplication {
					continue
				}
				if o.Lookup("spec", "source", "chart") != nil {
					continue // a controller's chart, not a folder
				}
				p, _ := o.Lookup("spec", "source", "path").(string)
				rel, ok := strings.CutPrefix(p, dir+"/")
				if !ok {
					t.Errorf("%s syncs %q, outside %s/", o.ID(), p, dir)
					continue
				}
				if rel == "cluster" || strings.HasPrefix(rel, "cluster/") || strings.Contains(p, "/cluster") {
					t.Errorf("%s syncs %q: cluster/ is not for Argo CD", o.ID(), p)
				}
				if path.Clean(p) != p {
					t.Errorf("%s syncs %q, not a clean path", o.ID(), p)
				}
				if files[rel] == 0 {
					t.Errorf("%s syncs %q, which holds no file", o.ID(), p)
				}
				apps[rel] = append(apps[rel], o.Name())
			}
			// Every folder but cluster/ has exactly one Application.
			want := map[string][]string{}
			for folder := range files {
				switch {
				case folder == "argocd":
					want[folder] = []string{RootName}
				case folder == "platform":
					want[folder] = []string{PlatformName}
				case folder == secretsDir:
					want[folder] = []string{SecretsName}
				case folder == ingressDir:
					want[folder] = []string{IngressName}
				case strings.HasPrefix(folder, "apps/"):
					want[folder] = []string{strings.TrimPrefix(folder, "apps/")}
				case folder == "cluster":
				default:
					t.Errorf("unexpected folder %s", folder)
				}
			}
			if diff := gocmp.Diff(want, apps); diff != "" {
				t.Errorf("Applications per folder mismatch (-want +got):\n%s", diff)
			}
			// Objects of CRD kinds come after the controllers.
			waveOf := map[string]int{} // folder -> its Application's wave
			for _, o := range built {
				p, _ := o.Lookup("spec", "source", "path").(string)
				if rel, ok := strings.CutPrefix(p, dir+"/"); ok && o.Kind() == KindApplication {
					ann, _ := o.Lookup("metadata", "annotations").(map[string]any)
					ws, _ := ann[SyncWave].(string)
					w, err := strconv.Atoi(cmp.Or(ws, "0")) // no wave: 0
					if err != nil {
						t.Fatalf("%s: sync wave: %v", o.ID(), err)
					}
					waveOf[rel] = w
				}
			}
			for _, o := range objs {
				if scheme.Scheme.IsGroupRegistered(o.Group()) {
					continue
				}
				folder := path.Dir(output.Path(o))
				if folder == output.ClusterDir {
					continue // eksctl's, never applied to the cluster
				}
				if strings.HasPrefix(folder, secretsDir+"/") {
					folder = secretsDir
				}
				if w, ok := waveOf[folder]; !ok || w <= waveControllers {
					t.Errorf("%s (a CRD's kind) is in %s/, synced in wave %d (found %v); the controllers are in %d", o.ID(), folder, w, ok, waveControllers)
				}
			}
			// Every enabled app has its folder.
			for name, app := range env.Apps {
				if _, ok := apps["apps/"+name]; ok != app.Enabled {
					t.Errorf("app %s (enabled %v) has an Application: %v", name, app.Enabled, ok)
				}
			}
		})
	}
}
