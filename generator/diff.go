package generator

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/objdiff"
	"github.com/gitops-gen/gen/generator/internal/output"
)

// TreeDiff is how one environment's rendered folder differs from a
// render, object by object.
type TreeDiff struct {
	Env string
	// Report compares the folder (From, e.g. "rendered/prod") with the
	// render (To, "gen render prod"). Paths are relative to the folder.
	Report *objdiff.Report
	// Lock is the lock file relative to the root; LockStale reports that
	// gen render would rewrite it. Both are empty for an orphan folder.
	Lock      string
	LockStale bool
	// Orphan marks the folder of an environment that no longer exists.
	Orphan bool
}

// Empty reports whether nothing differs.
func (d TreeDiff) Empty() bool { return len(d.Report.Objects) == 0 && !d.LockStale }

// CompareTree renders the environments in opts in memory and compares
// each rendered folder with its render, object by object (see
// [objdiff.Compare]). When opts names no environment, the folders of
// environments that no longer exist are compared with nothing. It returns
// one TreeDiff per environment, differing or not, and the warnings of the
// render. It writes nothing.
func CompareTree(ctx context.Context, opts Options) ([]TreeDiff, []string, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	root := opts.root()
	var out []TreeDiff
	if len(opts.Envs) == 0 {
		var names []string
		for _, e := range res.Envs {
			names = append(names, e.Name)
		}
		gone, err := orphans(root, names)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range gone {
			have, err := output.ReadTree(filepath.Join(root, filepath.FromSlash(c.Dir)))
			if err != nil {
				return nil, nil, err
			}
			r, err := objdiff.Compare(have, nil, objdiff.Options{From: c.Dir, To: "gen render --all (no environment " + c.Env + ")"})
			if err != nil {
				return nil, nil, err
			}
			out = append(out, TreeDiff{Env: c.Env, Report: r, Orphan: true})
		}
	}
	for _, e := range res.Envs {
		have, err := output.ReadTree(dir(root, e))
		if err != nil {
			return nil, nil, err
		}
		r, err := objdiff.Compare(have, fileMap(e.Files), objdiff.Options{From: e.Dir, To: "gen render " + e.Name})
		if err != nil {
			return nil, nil, fmt.Errorf("comparing %s: %w", e.Dir, err)
		}
		stale, err := images.Changed(filepath.Join(root, filepath.FromSlash(e.Lock.Path)), e.Lock.Data)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, TreeDiff{Env: e.Name, Report: r, Lock: e.Lock.Path, LockStale: stale})
	}
	return out, res.Warnings(), nil
}

// CompareEnvs renders environments from and to in memory and compares
// their renders object by object, with each one's own name normalised
// away (see [objdiff.Options]): what would change in from's objects if it
// were rendered as to. It writes nothing.
func CompareEnvs(ctx context.Context, opts Options, from, to string) (*objdiff.Report, []string, error) {
	if from == to {
		return nil, nil, fmt.Errorf("comparing %s with itself: name two different environments", from)
	}
	opts.Envs = []string{from, to}
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	files := map[string]map[string][]byte{}
	for _, e := range res.Envs {
		files[e.Name] = fileMap(e.Files)
	}
	r, err := objdiff.Compare(files[from], files[to], objdiff.Options{
		From: from, To: to, FromEnv: from, ToEnv: to,
	})
	if err != nil {
		return nil, nil, err
	}
	return r, res.Warnings(), nil
}

func fileMap(files []output.File) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}
