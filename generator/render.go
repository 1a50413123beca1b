package generator

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sync/atomic"
	"time"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/cluster"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/patch"
	"github.com/gitops-gen/gen/generator/internal/policy"
	"github.com/gitops-gen/gen/generator/model"
)

// Result is what a render produced, per environment.
type Result struct {
	// Envs are the environments rendered, sorted by name.
	Envs []Env
	// Unlocked, with Options.SkipUnlocked, lists the environments left
	// out of Envs because tags they use are missing from their lock files;
	// nil when none is.
	Unlocked *images.MissingError
	// all records that the render covered every environment (Options.Envs
	// was empty), so that Write may remove the folders of those gone.
	all bool
	// started is when Render began reading the inputs.
	started time.Time
}

// Env is one rendered environment.
type Env struct {
	Name string
	// Dir is the environment's rendered folder relative to the root,
	// e.g. "rendered/prod".
	Dir string
	// Files are the rendered files, sorted by path.
	Files []File
	// Lock is the environment's image lock file as it must be written.
	Lock images.Pinned
	// Warnings are problems that do not stop the render (a cluster above
	// 80% of its capacity at peak, a Kubernetes version past standard
	// support), each starting with the environment's name.
	Warnings []string
	// Model is the environment as loaded and pinned. Its CUE values are
	// released once the environment is rendered (see
	// [model.Environment.Release]): positions are then unknown.
	Model *model.Environment
	// Policy is what the policies in policies/ found.
	Policy PolicyReport
	// Inputs are the folders, relative to the root, whose files the
	// environment and the policies were read from.
	Inputs []string
	// Unchanged is set when the environment was not rendered, with
	// Options.SkipUnchanged: a recorded render of the same inputs wrote
	// what its folder and lock file hold. Files, Model and Lock.Data are
	// then empty, Warnings and Policy the recorded render's; Write leaves
	// the environment alone.
	Unchanged bool
	// reliances say which objects rely on which add-on, and objects are
	// the rendered objects (with Options.keepObjects), for gen plan.
	reliances []check.Reliance
	objects   []object.Object
	// recorded is the number of files of an Unchanged environment.
	recorded int
}

// FileCount is the number of the environment's rendered files, also when
// it is Unchanged.
func (e Env) FileCount() int {
	if e.Unchanged {
		return e.recorded
	}
	return len(e.Files)
}

// Render loads, checks and builds the environments in opts and returns the
// files of each, sorted by path, with what the policies found. It reads
// schema/, environments/ and policies/ and writes nothing; it asks a
// registry only for tags missing from a lock file, and only when
// opts.Images has a Resolver. Problems with the input come back as
// [*model.EnvError] values (print them with [PrintError]); every problem
// of every environment is reported, not only the first.
func Render(ctx context.Context, opts Options) (*Result, error) {
	started := time.Now()
	names, err := opts.envNames()
	if err != nil {
		return nil, err
	}
	if opts.SkipUnchanged {
		if res, ok, err := renderChanged(ctx, opts, names, started); ok {
			return res, err
		}
	}
	policies, policyErr := policy.Load(opts.root())
	if opts.Images.Resolver != nil {
		return renderAtOnce(ctx, opts, started, policies, policyErr)
	}
	// Offline, each environment is loaded, checked, pinned from its lock
	// file, built and encoded on its own, and its CUE and objects let go
	// before the next: what a render holds at once is one environment's
	// (per job), not all of them, and the files, which are small. The
	// errors are reported as when every environment is loaded first:
	// every environment's input problems (a typo never waits for another
	// environment's build), else the policies', waivers', pins' and
	// builds' in that order; an environment is not built once another's
	// input is known to be wrong.
	var (
		res     = &Result{Envs: make([]Env, len(names)), all: len(opts.Envs) == 0, started: started}
		loadErr = make([]error, len(names))
		waivErr = make([]error, len(names))
		pinErr  = make([]error, len(names))
		envErr  = make([]error, len(names))
		// missed: with SkipUnlocked, the tags an environment's lock file
		// lacks; that environment is left out, the others rendered.
		missed = make([]*images.MissingError, len(names))
		// loadFailed: an environment's input is wrong; failed: that, or
		// its waivers or pins are. Either way nothing need be built.
		loadFailed, failed atomic.Bool
		// clusters holds each environment's cluster as it loads, for the
		// clash of two clusters of one name (check.Clusters); the
		// environment found clashing is blamed while its CUE is at hand.
		clusters = check.NewClusterSet()
	)
	for env, id := range opts.knownClusters {
		clusters.Known(env, id)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.envJobs())
	today := opts.today()
	for i, name := range names {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			env, err := loadOneChecked(opts, name)
			if err == nil {
				if err = clusters.Add(env); err != nil {
					err = envError(env, err)
				}
			}
			if err != nil {
				loadErr[i] = err
				loadFailed.Store(true)
				failed.Store(true)
				return nil
			}
			if policyErr != nil || loadFailed.Load() {
				return nil
			}
			if err := check.Waivers(env, policies.Names()); err != nil {
				waivErr[i] = envError(env, err)
				failed.Store(true)
				return nil
			}
			locks, err := images.Pin(ctx, opts.root(), []*model.Environment{env}, opts.Images)
			if miss := (*images.MissingError)(nil); errors.As(err, &miss) && opts.SkipUnlocked {
				missed[i] = miss
				return nil
			}
			if err != nil {
				pinErr[i] = err
				failed.Store(true)
				return nil
			}
			if failed.Load() {
				return nil // another environment's problem is what will be reported
			}
			if !opts.keepObjects {
				suspend(opts, env)
			}
			res.Envs[i], envErr[i] = renderPinned(env, locks[0], opts, policies, today)
			if !opts.keepObjects {
				env.Release()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, errs := range [][]error{loadErr, {policyErr}, waivErr, pinErr} {
		if err := joinErrors(errs); err != nil {
			if miss := missingOnly(errs); miss != nil {
				return nil, miss
			}
			return nil, err
		}
	}
	res.Unlocked = images.JoinMissing(missed...)
	if err := joinErrors(envErr); err != nil {
		if res.Unlocked != nil {
			return nil, errors.Join(err, res.Unlocked) // still a MissingError to errors.As
		}
		return nil, err
	}
	if res.Unlocked != nil {
		kept := res.Envs[:0]
		for i, env := range res.Envs {
			if missed[i] == nil {
				kept = append(kept, env)
			}
		}
		res.Envs = kept
	}
	return res, nil
}

// missingOnly returns errs as one *images.MissingError when each of them
// is one (tags missing from lock files are then one list and one command,
// as when every environment is pinned at once), else nil.
func missingOnly(errs []error) error {
	var misses []*images.MissingError
	for _, err := range errs {
		if err == nil {
			continue
		}
		var miss *images.MissingError
		if !errors.As(err, &miss) || miss != err {
			return nil
		}
		misses = append(misses, miss)
	}
	if m := images.JoinMissing(misses...); m != nil {
		return m
	}
	return nil
}

// renderAtOnce is Render with a registry to ask: every environment is
// loaded and checked first, so that the tags missing from the lock files
// of all of them are resolved once each, together.
func renderAtOnce(ctx context.Context, opts Options, started time.Time, policies *policy.Set, policyErr error) (*Result, error) {
	// Load and check: nothing is resolved or built from input with
	// problems, so a typo never reaches a registry.
	envs, err := loadChecked(opts)
	if err != nil {
		return nil, err
	}
	if policyErr != nil {
		return nil, policyErr
	}
	// Waivers must name a policy and a date: a typo would waive nothing.
	var waiverErrs []error
	for _, env := range envs {
		if err := check.Waivers(env, policies.Names()); err != nil {
			waiverErrs = append(waiverErrs, envError(env, err))
		}
	}
	if err := joinErrors(waiverErrs); err != nil {
		return nil, err
	}
	// Pin every image to its digest: from the lock files, or a registry.
	locks, err := images.Pin(ctx, opts.root(), envs, opts.Images)
	var unlocked *images.MissingError
	switch {
	case errors.As(err, &unlocked) && opts.SkipUnlocked:
		envs = slices.DeleteFunc(envs, func(env *model.Environment) bool {
			return slices.Contains(unlocked.Envs(), env.Name)
		})
	case err != nil:
		return nil, err
	}
	// Build, patch, check and encode each environment; then police it.
	// No environment's CUE is needed for that but for positions.
	if !opts.keepObjects {
		for _, env := range envs {
			suspend(opts, env)
		}
	}
	res := &Result{Envs: make([]Env, len(envs)), Unlocked: unlocked, all: len(opts.Envs) == 0, started: started}
	errs := make([]error, len(envs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.jobs())
	today := opts.today()
	for i, env := range envs {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			res.Envs[i], errs[i] = renderPinned(env, locks[i], opts, policies, today)
			if !opts.keepObjects {
				env.Release()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := joinErrors(errs); err != nil {
		if unlocked != nil {
			return nil, errors.Join(err, unlocked) // still a MissingError to errors.As
		}
		return nil, err
	}
	return res, nil
}

// renderPinned builds, patches, checks and encodes a pinned environment,
// then polices it.
func renderPinned(env *model.Environment, lock images.Pinned, opts Options, policies *policy.Set, today time.Time) (Env, error) {
	dir := path.Join(RenderedDir, env.Name)
	r, err := renderEnv(env, dir, today)
	e := Env{Name: env.Name, Dir: dir, Files: r.files, Lock: lock,
		Warnings: r.warnings, Model: env, Inputs: union(env.Inputs, policies.Inputs()), reliances: r.reliances}
	if err == nil {
		e.Policy = policies.Evaluate(env, r.objects, today)
		reportAllowances(&e.Policy, env, opts.root(), r.allowed)
	}
	if opts.keepObjects {
		e.objects = r.objects
	}
	return e, err
}

// suspend lets go of env's evaluated CUE before its objects are built:
// the two together were the largest part of a render's memory. What a
// render that succeeds asks positions of, the apps' fields that policy
// reports point at, is noted first; an error, or any other position,
// loads the environment again (see [model.Environment.Suspend]).
func suspend(opts Options, env *model.Environment) {
	env.Suspend(reportedPaths(env), func() (cue.Value, cue.Value, error) {
		envs, err := load.LoadMemo(opts.root(), []string{env.Name}, opts.memo())
		if err != nil {
			return cue.Value{}, cue.Value{}, err
		}
		return envs[0].Value, envs[0].Source, nil
	})
}

// reportedPaths are the CUE paths whose positions policy reports give as
// the source of what they list: each app, its waivers and its credential
// scan's allowances and the fields they allow.
func reportedPaths(env *model.Environment) []string {
	var paths []string
	for _, app := range env.Apps {
		paths = append(paths, app.Path(""))
		for policy := range app.Waivers {
			paths = append(paths, app.Path("waivers."+model.Label(policy)))
		}
		for field := range app.CredentialScan.Allow {
			paths = append(paths, app.Path("credentialScan.allow."+model.Label(field)), app.Path(field))
		}
	}
	return paths
}

// loadChecked loads the environments in opts (all of them by default)
// and checks each. Environments that fail to load are reported together
// with the problems the checks find in the others.
func loadChecked(opts Options) ([]*model.Environment, error) {
	names, err := opts.envNames()
	if err != nil {
		return nil, err
	}
	envs, loadErr := load.LoadMemo(opts.root(), names, opts.memo())
	errs := []error{loadErr}
	clusters := check.Clusters(envs, opts.knownClusters)
	for _, env := range envs {
		if err := clusters[env]; err != nil {
			errs = append(errs, envError(env, err))
		}
		errs = append(errs, checkLoaded(env)...)
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return envs, nil
}

// loadOneChecked loads the environment name and checks it.
func loadOneChecked(opts Options, name string) (*model.Environment, error) {
	envs, err := load.LoadMemo(opts.root(), []string{name}, opts.memo())
	if err != nil {
		return nil, err
	}
	if err := joinErrors(checkLoaded(envs[0])); err != nil {
		return nil, err
	}
	return envs[0], nil
}

// checkLoaded checks a loaded environment, its dependsOn names and cycles
// among them.
func checkLoaded(env *model.Environment) []error {
	var errs []error
	if err := check.Environment(env); err != nil {
		errs = append(errs, envError(env, err))
	}
	if err := check.DependsOn(env); err != nil {
		errs = append(errs, envError(env, err))
	}
	return errs
}

// rendered is one environment after the stages that follow pinning.
type rendered struct {
	// files are every rendered file, sorted by path.
	files []output.File
	// objects are the Kubernetes objects among them, for the policies
	// (not the eksctl ClusterConfig, which no policy reads).
	objects []object.Object
	// warnings are the problems that do not stop the render.
	warnings []string
	// reliances say which objects rely on which add-on.
	reliances []check.Reliance
	// allowed are the apps' credential scan allowances, used or not.
	allowed []check.CredentialAllowance
}

// renderEnv runs the stages after pinning for one environment, whose
// rendered folder is dir (relative to the root). The warnings are kept
// when it fails, so that they are not lost with the error.
func renderEnv(env *model.Environment, dir string, today time.Time) (rendered, error) {
	var r rendered
	built, err := kube.Build(env)
	if err != nil {
		return r, envError(env, err)
	}
	objs, err := patchApps(env, built)
	if err != nil {
		return r, envError(env, err)
	}
	objs = argocd.Annotate(env, objs) // sync waves of the platform pieces
	apps, err := argocd.Build(env, dir, objs)
	if err != nil {
		return r, envError(env, err)
	}
	objs = append(objs, apps...)
	cc, err := cluster.Build(env)
	if err != nil {
		return r, envError(env, err)
	}
	all := append(slices.Clip(objs), cc)
	if err := check.Objects(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether each namespace's quota holds its pods at their peak.
	if err := check.Quotas(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether the API server would accept every value of every object.
	if err := check.API(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether every ServiceAccount, ConfigMap, Secret, claim and class the
	// objects name exists; built tells what the patches added.
	if err := check.References(env, built, all); err != nil {
		return r, envError(env, err)
	}
	// Whether a Secret carries values (only a patch can add one): refused.
	if err := check.SecretData(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether every Ingress's load balancer is admitted by the
	// NetworkPolicies of the pods it sends traffic to.
	if err := check.IngressAccess(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether a string the objects hold is a credential: refused, unless
	// the app allows the field (then reported with the policies).
	if r.allowed, err = check.Credentials(env, built, all); err != nil {
		return r, envError(env, err)
	}
	// Whether the cluster provides what the objects rely on.
	if r.reliances, err = check.Capabilities(env, all); err != nil {
		return r, envError(env, err)
	}
	// Whether the workloads fit the hardware they are sent to.
	warnings, err := check.Capacity(env, all, today)
	r.warnings = warnings
	if err != nil {
		return r, envError(env, err)
	}
	if r.files, err = output.Files(all); err != nil {
		return r, envError(env, err)
	}
	r.objects = objs
	return r, nil
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

// names returns the names of the environments rendered.
func (r *Result) names() []string {
	names := make([]string, len(r.Envs))
	for i, e := range r.Envs {
		names[i] = e.Name
	}
	return names
}

// Warnings returns the warnings of every environment, in order.
func (r *Result) Warnings() []string {
	var w []string
	for _, e := range r.Envs {
		w = append(w, e.Warnings...)
	}
	return w
}

// PolicyFailed reports whether a policy failed in any environment (an
// error-severity violation or an expired waiver).
func (r *Result) PolicyFailed() bool {
	return slices.ContainsFunc(r.Envs, func(e Env) bool { return e.Policy.Failed() })
}

// PolicyReports returns each environment's policy report.
func (r *Result) PolicyReports() []PolicyReport {
	var out []PolicyReport
	for _, e := range r.Envs {
		out = append(out, e.Policy)
	}
	return out
}

// union returns the sorted union of the lists.
func union(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
