package generator

import (
	"github.com/gitops-gen/gen/generator/internal/check"
	"runtime"
	"slices"
	"time"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/plan"
)

// RenderedDir is the folder under the root that holds one rendered tree
// per environment.
const RenderedDir = "rendered"

// Options configure every function of this package.
type Options struct {
	// Root is the repository root holding schema/, environments/,
	// policies/ and rendered/. The default is the current directory.
	Root string
	// Envs are the environments to work on. The default (none) is all of
	// them; Write then also removes the rendered folders of environments
	// that no longer exist, and Check and Diff report them.
	Envs []string
	// Jobs bounds how many environments are rendered at once. The
	// default is GOMAXPROCS when a registry is to be asked (every
	// environment is then loaded before any is built) and 1 otherwise:
	// the evaluated CUE of an environment is most of what a render holds,
	// so that one at a time bounds its memory by the largest environment,
	// not by the sum of them all, for the same CPU time. Comparing
	// rendered folders uses GOMAXPROCS jobs by default.
	Jobs int
	// Images configures digest pinning. Its Resolver is nil by default:
	// every tag must then be in the environment's lock file (offline).
	Images images.PinOptions
	// Today is the date the Kubernetes version is checked against (EKS end
	// of support) and policy waivers expire by. It only changes warnings,
	// errors and reports, never a rendered file. The default is the
	// current date.
	Today time.Time
	// Cache lets Check skip the environments whose inputs did not change
	// since a render or check recorded them, and Write record them. The
	// default (nil) is no cache; see [OpenCache].
	Cache *Cache
	// SkipUnchanged, with Cache, makes Render leave out of the render the
	// environments whose inputs are those of a render the cache recorded
	// and whose rendered folder and lock file still hold what it wrote:
	// their Env is Unchanged, with the recorded warnings and policy
	// report, and Write leaves them alone. For a render that is written
	// (gen render); the default renders every environment.
	SkipUnchanged bool
	// AllowViolations makes Write write a render whose policies failed.
	// The default is to refuse it with [ErrPoliciesFailed].
	AllowViolations bool
	// NoWait makes Write fail with an error matching [ErrLocked] when
	// another process is writing rendered/. The default is to wait for it,
	// calling Waiting (if not nil) once first.
	NoWait  bool
	Waiting func()
	// SkipUnlocked makes Render, Check, Diff and Patch go on without the
	// environments whose only problem is image tags missing from their
	// lock files (offline), and report those in their result instead of
	// failing: after a tag shared by several environments is bumped, the
	// others can still be reviewed. The default is to fail with a
	// [*images.MissingError].
	SkipUnlocked bool

	// keepObjects keeps each environment's rendered objects in the
	// Result, for PlanEnv; other callers let them go after the policies.
	keepObjects bool
	// knownClusters are the clusters of environments left out of the
	// render because the cache answers for them (Check, SkipUnchanged),
	// by environment: an environment rendered is still refused their
	// clusters (check.ClusterSet.Known).
	knownClusters map[string]check.ClusterID
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

// today is opts.Today, or the current date when it is zero.
func (o Options) today() time.Time {
	if o.Today.IsZero() {
		return time.Now()
	}
	return o.Today
}

func (o Options) planOptions() plan.Options {
	return plan.Options{Today: o.today()}
}

// envJobs is Jobs for rendering offline, one environment at a time
// by default.
func (o Options) envJobs() int {
	if o.Jobs <= 0 {
		return 1
	}
	return o.Jobs
}

func (o Options) jobs() int {
	if o.Jobs <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return o.Jobs
}

// Environments returns the names of the environments under root, sorted:
// the folders of environments/ that hold a .cue file.
func Environments(root string) ([]string, error) {
	return load.Environments(root)
}

// Resolve returns the environments, among known (as [Environments]
// returns them), that args name, sorted and without repeats. Each arg is
// an environment's full name ("prod", "chatbot/prod"), a platform's name
// ("chatbot": all of its environments) or an environment folder's own
// name when only one platform has it ("prod" for chatbot/prod). An arg
// that names nothing, or environments of several platforms, is an error
// that says which names it could be.
func Resolve(known []string, args ...string) ([]string, error) {
	var out []string
	for _, a := range args {
		envs, err := load.Resolve(known, a)
		if err != nil {
			return nil, err
		}
		out = append(out, envs...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
