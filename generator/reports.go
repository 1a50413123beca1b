package generator

import (
	"context"
	"fmt"
	"io"

	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/internal/objdiff"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/plan"
	"github.com/gitops-gen/gen/generator/internal/policy"
)

// The types below are what gen's commands print. They are defined by the
// internal stages that compute them and re-exported here, so that a
// program embedding gen needs no package but this one (and [model] and
// [images] for the inputs). Their JSON encodings are the stable shapes
// that README documents for "-o json".
type (
	// File is one rendered file: its path relative to the environment's
	// folder (e.g. "apps/web/deployment-web.yaml") and its bytes.
	File = output.File
	// FileChanges lists, relative to an environment's folder, the files
	// that are stale, missing or extra compared with a render.
	FileChanges = output.Changes

	// Policy is one rule of policies/: its name, description, severity and
	// the environments and kinds it applies to.
	Policy = policy.Policy
	// PolicyReport is what the policies found in one environment:
	// violations, waived violations, expired and unused waivers.
	PolicyReport = policy.Report

	// DiffReport compares two sets of rendered files object by object,
	// each change classified (image, scale, config, added, removed). Its
	// WriteText method prints it for a person.
	DiffReport = objdiff.Report
	// DiffSummary counts the objects of a DiffReport by class.
	DiffSummary = objdiff.Summary

	// Plan is an environment's capacity and cost: node groups at min and
	// max size, the apps' requests at min and max replicas, headroom and
	// monthly cost. Its Text method prints it for a person.
	Plan = plan.Plan

	// Cache remembers, outside the repository, what earlier renders read
	// and wrote, so that Check can skip environments whose inputs did not
	// change. See [OpenCache].
	Cache = cache.Cache
)

// OpenCache returns the cache of earlier renders in $GEN_CACHE_DIR, by
// default gen/ in the user's cache folder, or nil when GEN_CACHE=off or
// no folder can be found: a nil *Cache is valid in [Options] and means no
// cache.
func OpenCache() *Cache { return cache.Open() }

// NewCache returns a cache of earlier renders kept in dir, which it
// creates when it first records a render.
func NewCache(dir string) *Cache { return cache.New(dir) }

// Policies loads the policies of policies/ under root, sorted by name.
func Policies(root string) ([]Policy, error) {
	set, err := policy.Load(root)
	if err != nil {
		return nil, err
	}
	return set.Policies(), nil
}

// WritePolicyText writes the policy reports for a person: violations
// grouped by environment and app, then expired and unused waivers.
func WritePolicyText(w io.Writer, reports []PolicyReport) { policy.WriteText(w, reports) }

// WritePolicyJSON writes the policy reports as the JSON document of
// "gen policies --report -o json".
func WritePolicyJSON(w io.Writer, reports []PolicyReport) error {
	return policy.WriteJSON(w, reports)
}

// WritePolicySARIF writes the policy reports as SARIF 2.1.0, for code
// scanning; policies are the rules (see [Policies]).
func WritePolicySARIF(w io.Writer, reports []PolicyReport, policies []Policy) error {
	return policy.WriteSARIF(w, reports, policies)
}

// PlanEnv renders env (a plan of an environment that does not render
// would mislead) and returns its capacity and cost as of opts.Today, with
// the render's warnings.
func PlanEnv(ctx context.Context, opts Options, env string) (*Plan, []string, error) {
	res, err := renderOne(ctx, opts, env)
	if err != nil {
		return nil, nil, err
	}
	po := opts.planOptions()
	// The requests and placement of the workloads as rendered, patches
	// included, as the render's capacity check read them.
	po.Objects = res.Envs[0].objects
	for _, r := range res.Envs[0].reliances {
		po.Reliances = append(po.Reliances, plan.Reliance(r))
	}
	p := plan.Build(res.Envs[0].Model, po)
	return &p, res.Warnings(), nil
}

// renderOne renders the environment env alone, keeping its model and
// objects for a report to read.
func renderOne(ctx context.Context, opts Options, env string) (*Result, error) {
	opts.Envs, opts.keepObjects = []string{env}, true
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	if len(res.Envs) != 1 {
		return nil, fmt.Errorf("rendering %s: got %d environments", env, len(res.Envs))
	}
	return res, nil
}
