package clustertest

import (
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/repotest"
)

// Env is a committed environment.
type Env struct {
	// Name is the environment's name, e.g. "prod".
	Name string
	// Model is the environment as gen loads it from environments/.
	Model *model.Environment
	// Objects are the Kubernetes objects of rendered/<env>/, in the order
	// of their paths, each with App set to the app whose folder
	// (apps/<app>/) holds it. The eksctl ClusterConfig of cluster/, which
	// is for eksctl and never reaches the cluster, is not among them.
	Objects []object.Object
	// Paths are the objects' files, relative to rendered/<env>/, by
	// object ID ([object.Object.ID]).
	Paths map[string]string
}

// clusterDir holds the eksctl ClusterConfig.
const clusterDir = "cluster/"

// Committed loads every environment of the repository and reads its
// rendered tree as committed. It fails t when an environment does not
// load or a rendered file does not decode.
func Committed(t testing.TB) []Env {
	t.Helper()
	root, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	names, err := load.Environments(root)
	if err != nil {
		t.Fatal(err)
	}
	models, err := load.Load(root, names)
	if err != nil {
		t.Fatalf("loading the environments: %v", err)
	}
	var envs []Env
	for _, m := range models {
		dir := filepath.Join(root, "rendered", m.Name)
		files, err := output.ReadTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("%s holds no rendered files", dir)
		}
		env := Env{Name: m.Name, Model: m, Paths: map[string]string{}}
		for _, p := range slices.Sorted(maps.Keys(files)) {
			if strings.HasPrefix(p, clusterDir) || path.Ext(p) != ".yaml" {
				continue
			}
			o, err := decodeFile(p, files[p])
			if err != nil {
				t.Fatalf("rendered/%s/%s: %v", m.Name, p, err)
			}
			env.Objects = append(env.Objects, o)
			env.Paths[o.ID()] = p
		}
		envs = append(envs, env)
	}
	return envs
}

// decodeFile decodes the rendered file at p (relative to rendered/<env>/).
func decodeFile(p string, data []byte) (object.Object, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return object.Object{}, err
	}
	content, err := object.Decode(j)
	if err != nil {
		return object.Object{}, err
	}
	var app string
	if rest, ok := strings.CutPrefix(p, "apps/"); ok {
		app, _, _ = strings.Cut(rest, "/")
	}
	return object.Object{App: app, Content: content}, nil
}
