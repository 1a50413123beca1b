package generator

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/output"
)

// unchanged returns, of names, the environments a render need not touch,
// with their recorded render: those whose inputs (told by the digests and
// metadata a check recorded, see Check) are the inputs of a
// render opts.Cache recorded, whose lock file then held what that render
// pinned, whose policies passed, whose cluster is recorded, and whose
// rendered folder still holds exactly the recorded files (output.CompareRecords, which reads only
// the files whose metadata changed).
func (o Options) unchanged(names []string, since time.Time) map[string]*entry {
	if o.Cache == nil {
		return nil
	}
	root := o.root()
	// As in Check, an input file is read only if its metadata is not
	// what a check recorded with its digest.
	hs := o.inputHasher(since)
	out := map[string]*entry{}
	for _, name := range names {
		e, ok := o.cached(name, hs)
		if !ok || e.LockStale || e.Policy.Failed() || e.Cluster == nil {
			continue
		}
		c, settled, err := output.CompareRecordList(dir(root, path.Join(RenderedDir, name)), e.Files, since)
		if err != nil || !c.Empty() {
			continue
		}
		o.settle(name, e, settled)
		out[name] = e
	}
	return out
}

// renderChanged is Render with opts.SkipUnchanged: the environments
// unchanged since a recorded render (see unchanged) are not rendered;
// each has an Env with Unchanged set and what the record holds. ok is
// false when every environment must be rendered.
func renderChanged(ctx context.Context, opts Options, names []string, started time.Time) (res *Result, ok bool, err error) {
	hits := opts.unchanged(names, started.Add(-mtimeSlack))
	if len(hits) == 0 {
		return nil, false, nil
	}
	o := opts
	o.SkipUnchanged = false
	o.knownClusters = knownClusters(hits)
	o.Envs = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return hits[n] != nil })
	if len(o.Envs) > 0 {
		if res, err = Render(ctx, o); err != nil {
			return nil, true, err
		}
	} else {
		res = &Result{}
	}
	res.all, res.started = len(opts.Envs) == 0, started
	for name, hit := range hits {
		res.Envs = append(res.Envs, Env{
			Name:      name,
			Dir:       path.Join(RenderedDir, name),
			Lock:      images.Pinned{Path: LockPath(name)},
			Warnings:  hit.Warnings,
			Policy:    hit.Policy,
			Inputs:    hit.Inputs,
			Unchanged: true,
			recorded:  hit.Files.Files(),
		})
	}
	slices.SortFunc(res.Envs, func(a, b Env) int { return strings.Compare(a.Name, b.Name) })
	return res, true, nil
}

// knownClusters are the recorded clusters of the entries, by environment.
func knownClusters(hits map[string]*entry) map[string]check.ClusterID {
	out := map[string]check.ClusterID{}
	for name, e := range hits {
		if e.Cluster != nil {
			out[name] = *e.Cluster
		}
	}
	return out
}
