package generator

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	cueerrors "cuelang.org/go/cue/errors"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/cluster"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/patch"
	"github.com/gitops-gen/gen/generator/internal/plan"
	"github.com/gitops-gen/gen/generator/internal/policy"
	"github.com/gitops-gen/gen/generator/model"
)

// RenderedDir is the folder under the root that holds one rendered tree
// per environment.
const RenderedDir = "rendered"

// Options configure Render, Check and Diff.
type Options struct {
	// Root is the repository root holding schema/, environments/ and
	// rendered/. The default is the current directory.
	Root string
	// Envs are the environments to render. The default is all of them.
	Envs []string
	// Jobs bounds how many environments are built at once. The default is
	// GOMAXPROCS.
	Jobs int
	// Images configures digest pinning. Its Resolver is nil by default:
	// every tag must then be in the environment's lock file (offline).
	Images images.PinOptions
	// Today is the date the Kubernetes version is checked against (EKS end
	// of support). It only changes warnings and errors, never a rendered
	// file. The default is the current date.
	Today time.Time
	// Cache lets Check skip the environments whose inputs did not change
	// since a render or check recorded them, and Write record them. Nil
	// means no cache.
	Cache *cache.Cache
}

// envNames returns the environments opts names, sorted and without
// repeats, or all of those under the root when it names none.
func (o Options) envNames() ([]string, error) {
	if len(o.Envs) == 0 {
		return load.Environments(o.root())
	}
	return slices.Compact(slices.Sorted(slices.Values(o.Envs))), nil
}

func (o Options) root() string {
	if o.Root == "" {
		return "."
	}
	return o.Root
}

// Result is what a render produced, per environment.
type Result struct {
	Envs []Env
	// started is when Render began reading the inputs.
	started time.Time
}

// Env is one rendered environment.
type Env struct {
	Name string
	// Dir is the environment's rendered folder relative to the root,
	// e.g. "rendered/prod".
	Dir   string
	Files []output.File
	// Lock is the environment's image lock file as it must be written.
	Lock images.Pinned
	// Warnings are problems that do not stop the render (a cluster above
	// 80% of its capacity at peak, a Kubernetes version past standard
	// support), each starting with the environment's name.
	Warnings []string
	// Model is the environment as loaded and pinned, for reports such as
	// gen plan.
	Model *model.Environment
	// Policy is what the policies in policies/ found.
	Policy policy.Report
	// Inputs are the folders, relative to the root, whose files the
	// environment and the policies were read from (see cache.InputDirs).
	Inputs []string
}

// Environments returns the names of the environments under root.
func Environments(root string) ([]string, error) {
	return load.Environments(root)
}

// Render loads, checks and builds the environments in opts and returns the
// files of each, sorted by path. It reads only schema/ and environments/
// and writes nothing. Problems with the input come back as
// [*model.EnvError] values (print them with [PrintError]); every problem
// of every environment is reported, not only the first.
func Render(ctx context.Context, opts Options) (*Result, error) {
	started := time.Now()
	root := opts.root()
	envs, err := loadChecked(opts)
	if err != nil {
		return nil, err
	}
	policies, err := policy.Load(root)
	if err != nil {
		return nil, err
	}

	locks, err := images.Pin(ctx, root, envs, opts.Images)
	if err != nil {
		return nil, err
	}

	res := &Result{Envs: make([]Env, len(envs)), started: started}
	errs := make([]error, len(envs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs(opts.Jobs))
	for i, env := range envs {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			po := opts.planOptions()
			files, objs, warnings, err := renderEnv(env, path.Join(RenderedDir, env.Name), po)
			res.Envs[i] = Env{Name: env.Name, Dir: path.Join(RenderedDir, env.Name), Files: files, Lock: locks[i],
				Warnings: warnings, Model: env, Inputs: union(env.Inputs, policies.Inputs())}
			if err == nil {
				res.Envs[i].Policy = policies.Evaluate(env, objs, po.Today)
			}
			errs[i] = err
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return res, nil
}

// loadChecked loads the environments in opts (all of them by default)
// and checks each. Environments that fail to load are reported together
// with the problems the checks find in the others; nothing is resolved or
// built from input with problems, so a typo never reaches a registry.
func loadChecked(opts Options) ([]*model.Environment, error) {
	names, err := opts.envNames()
	if err != nil {
		return nil, err
	}
	envs, loadErr := load.Load(opts.root(), names)
	errs := []error{loadErr}
	for _, env := range envs {
		if err := check.Environment(env); err != nil {
			errs = append(errs, envError(env, err))
		}
		if err := check.DependsOn(env); err != nil { // dependsOn: names and cycles
			errs = append(errs, envError(env, err))
		}
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return envs, nil
}

// renderEnv runs the stages after pinning for one environment, whose
// rendered folder is dir (relative to the root).
// It returns the files, the Kubernetes objects among them (for the
// policies: not the eksctl ClusterConfig) and the warnings.
func renderEnv(env *model.Environment, dir string, po plan.Options) ([]output.File, []object.Object, []string, error) {
	objs, err := kube.Build(env)
	if err != nil {
		return nil, nil, nil, envError(env, err)
	}
	if objs, err = patchApps(env, objs); err != nil {
		return nil, nil, nil, envError(env, err)
	}
	objs = argocd.Annotate(env, objs) // sync waves of the platform pieces
	apps, err := argocd.Build(env, dir, objs)
	if err != nil {
		return nil, nil, nil, envError(env, err)
	}
	objs = append(objs, apps...)
	cc, err := cluster.Build(env)
	if err != nil {
		return nil, nil, nil, envError(env, err)
	}
	all := append(slices.Clip(objs), cc)
	if err := check.Objects(env, all); err != nil {
		return nil, nil, nil, envError(env, err)
	}
	// Whether the workloads fit the hardware they are sent to.
	warnings, err := check.Capacity(env, all, po.Today)
	if err != nil {
		return nil, nil, warnings, envError(env, err)
	}
	files, err := output.Files(all)
	if err != nil {
		return nil, nil, warnings, envError(env, err)
	}
	return files, objs, warnings, nil
}

// PolicyFailed reports whether a policy failed in any environment (an
// error-severity violation or an expired waiver).
func (r *Result) PolicyFailed() bool {
	for _, e := range r.Envs {
		if e.Policy.Failed() {
			return true
		}
	}
	return false
}

// PolicyReports returns each environment's policy report.
func (r *Result) PolicyReports() []policy.Report {
	var out []policy.Report
	for _, e := range r.Envs {
		out = append(out, e.Policy)
	}
	return out
}

func (o Options) planOptions() plan.Options {
	today := o.Today
	if today.IsZero() {
		today = time.Now()
	}
	return plan.Options{Today: today}
}

// patchApps applies each app's patches to that app's objects, keeping the
// order of objs.
func patchApps(env *model.Environment, objs []object.Object) ([]object.Object, error) {
	var errs cueerrors.Error
	out := make([]object.Object, 0, len(objs))
	for start := 0; start < len(objs); {
		end := start + 1
		for end < len(objs) && objs[end].App == objs[start].App {
			end++
		}
		group := objs[start:end]
		start = end
		app := env.Apps[group[0].App]
		if app == nil || len(app.Patches) == 0 {
			out = append(out, group...)
			continue
		}
		patched, err := patch.Apply(group, app.Patches)
		if err != nil {
			errs = cueerrors.Append(errs, patchError(env, app, err))
			continue
		}
		out = append(out, patched...)
	}
	if errs != nil {
		return nil, errs
	}
	return out, nil
}

func patchError(env *model.Environment, app *model.App, err error) cueerrors.Error {
	at := app.Path("patches")
	if pe, ok := err.(*patch.Error); ok {
		at = app.Path(fmt.Sprintf("patches[%d]", pe.Index))
	}
	return env.Errorf(at, "%v", err)
}

func envError(env *model.Environment, err error) error {
	return &model.EnvError{Env: env.Name, Err: cueerrors.Promote(err, "")}
}

func jobs(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}

// dir returns the absolute-or-relative folder of env under root.
func dir(root string, e Env) string {
	return filepath.Join(root, filepath.FromSlash(e.Dir))
}
