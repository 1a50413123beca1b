package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/model"
)

// Dir is the folder under the root that holds one subfolder per environment.
const Dir = "environments"

// SchemaDir is the folder under the root that holds the CUE definitions.
const SchemaDir = "schema"

// Environments returns the names of the environments under root: the
// subfolders of environments/ that hold at least one .cue file, sorted.
// Folders starting with "." or "_" are skipped, as CUE and Go skip them.
func Environments(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, Dir))
	if err != nil {
		return nil, fmt.Errorf("listing environments: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		if HasCUEFile(filepath.Join(root, Dir, e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names, nil // os.ReadDir sorts by name
}

// HasCUEFile reports whether dir holds a regular .cue file: whether CUE
// finds a package there.
func HasCUEFile(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".cue") {
			return true
		}
	}
	return false
}

// Load evaluates the named environments under root and returns them sorted
// by name. Problems with the input are returned as [*model.EnvError] values
// (joined with errors.Join), one per environment, each listing every CUE
// error of that environment with its positions. The environments that did
// load are returned even then, so that later stages can report their
// problems too; callers must not render anything when err is not nil.
func Load(root string, names []string) ([]*model.Environment, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	envs := make([]*model.Environment, len(names))
	errs := make([]error, len(names))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			envs[i], errs[i] = loadOne(root, name)
			return nil
		})
	}
	_ = g.Wait()
	var loaded []*model.Environment
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, err)
		} else {
			loaded = append(loaded, envs[i])
		}
	}
	if len(failed) > 0 {
		return loaded, errors.Join(failed...)
	}
	return loaded, nil
}

func loadOne(root, name string) (*model.Environment, error) {
	env := &model.Environment{Name: name, Dir: path.Join(Dir, name)}
	fail := func(err error) (*model.Environment, error) {
		return nil, &model.EnvError{Env: name, Err: env.InUserFiles(err, SchemaDir)}
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	envVal, schemaVal, inputs, err := WithSchema(absRoot, env.Dir)
	if err != nil {
		return fail(err)
	}
	env.Inputs = inputs
	def := schemaVal.LookupPath(cue.ParsePath("#Environment"))
	if !def.Exists() {
		return fail(fmt.Errorf("%s/ defines no #Environment", SchemaDir))
	}
	// Fill the name into the (small) definition rather than into the
	// unified value: FillPath on the result would evaluate it all again.
	v := envVal.Unify(def.FillPath(cue.ParsePath("name"), name))
	env.Value, env.Source = v, envVal
	// MarshalJSON stops at the first problem; only then is the value
	// validated, to report every problem. This saves a full pass over a
	// clean environment.
	b, err := v.MarshalJSON()
	if err != nil {
		if verr := v.Validate(cue.Concrete(true), cue.Final()); verr != nil {
			return fail(verr)
		}
		return fail(err)
	}
	if err := json.Unmarshal(b, env); err != nil {
		return fail(fmt.Errorf("decoding environment %s: %w", name, err))
	}
	return env, nil
}

// WithSchema evaluates the CUE package in dir (slash-separated, relative
// to absRoot, e.g. "environments/prod" or "policies") and the package of
// schema/, in a new CUE context, and returns both with the folders, relative
// to absRoot, whose files they were read from (see cache.InputDirs). The
// error, if any, is the CUE error of loading or building them.
func WithSchema(absRoot, dir string) (pkg, schema cue.Value, inputs []string, err error) {
	ctx := cuecontext.New()
	insts := load.Instances([]string{"./" + dir, "./" + SchemaDir}, &load.Config{Dir: absRoot})
	for _, inst := range insts {
		if inst.Err != nil {
			return cue.Value{}, cue.Value{}, nil, inst.Err
		}
	}
	inputs = cache.InputDirs(absRoot, insts)
	vals, err := ctx.BuildInstances(insts)
	if err != nil {
		return cue.Value{}, cue.Value{}, nil, err
	}
	return vals[0], vals[1], inputs, nil
}
