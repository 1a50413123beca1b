package generator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/output"
)

// CheckResult is what Check found.
type CheckResult struct {
	// Envs are the environments checked, sorted.
	Envs []string
	// Cached are those of Envs answered from the cache, without a render.
	Cached []string
	// Changes are the environments whose rendered folder or lock differs,
	// and the folders of environments that no longer exist.
	Changes []Change
	// Warnings of the render.
	Warnings []string
	// Policies are each environment's policy report.
	Policies []PolicyReport
}

// Failed reports whether the check fails: something is out of date or a
// policy failed.
func (c *CheckResult) Failed() bool {
	return len(c.Changes) > 0 || slices.ContainsFunc(c.Policies, func(r PolicyReport) bool { return r.Failed() })
}

// Check renders the environments in opts in memory, compares them with
// rendered/ and the lock files, and evaluates the policies. Changes lists
// the environments whose folder differs (none when everything is up to
// date). When opts names no environment, a folder of rendered/ whose
// environment no longer exists is reported too, its files as extra. It
// writes nothing under the root.
//
// With opts.Cache, an environment whose inputs are those of a recorded
// render is not rendered again: its folder is compared with the recorded
// files' digests, and the recorded warnings and policy report are
// returned. The others are rendered and recorded.
func Check(ctx context.Context, opts Options) (*CheckResult, error) {
	root := opts.root()
	names, err := opts.envNames()
	if err != nil {
		return nil, err
	}
	hits := map[string]*entry{}
	var misses []string
	for _, name := range names {
		if e, ok := opts.cached(name); ok {
			hits[name] = e
		} else {
			misses = append(misses, name)
		}
	}
	rendered := map[string]Env{}
	if len(misses) > 0 {
		o := opts
		o.Envs = misses
		res, err := Render(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Envs {
			rendered[e.Name] = e
		}
		defer opts.remember(res)
	}

	out := &CheckResult{Envs: names}
	if len(opts.Envs) == 0 {
		orphans, err := orphans(root, names)
		if err != nil {
			return nil, err
		}
		out.Changes = append(out.Changes, orphans...)
	}
	for _, name := range names {
		d := path.Join(RenderedDir, name)
		c := Change{Env: name, Dir: d, Lock: LockPath(name)}
		var err error
		if hit := hits[name]; hit != nil {
			out.Cached = append(out.Cached, name)
			c.FileChanges, err = output.CompareDigests(dir(root, d), hit.Files)
			c.LockChanged = hit.LockStale
			out.Warnings = append(out.Warnings, hit.Warnings...)
			out.Policies = append(out.Policies, hit.Policy)
		} else {
			e := rendered[name]
			c.FileChanges, err = output.Compare(dir(root, e.Dir), e.Files)
			if err == nil {
				c.Lock = e.Lock.Path
				c.LockChanged, err = images.Changed(dir(root, e.Lock.Path), e.Lock.Data)
			}
			out.Warnings = append(out.Warnings, e.Warnings...)
			out.Policies = append(out.Policies, e.Policy)
		}
		if err != nil {
			return nil, fmt.Errorf("comparing %s: %w", d, err)
		}
		if !c.Empty() {
			out.Changes = append(out.Changes, c)
		}
	}
	return out, nil
}

// orphans lists the folders of rendered/ that belong to none of the
// environments named, with their files as Extra.
func orphans(root string, names []string) ([]Change, error) {
	entries, err := os.ReadDir(dir(root, RenderedDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", RenderedDir, err)
	}
	var out []Change
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || slices.Contains(names, name) {
			continue
		}
		d := path.Join(RenderedDir, name)
		c, err := output.Compare(dir(root, d), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Change{Env: name, Dir: d, FileChanges: c, Orphan: true})
	}
	return out, nil
}
