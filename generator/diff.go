package generator

import (
	"bytes"
	"context"
	"fmt"
	"path"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/objdiff"
	"github.com/gitops-gen/gen/generator/internal/output"
)

// EnvDiff is how one environment's rendered folder differs from a render,
// object by object.
type EnvDiff struct {
	Env string
	// Report compares the folder (From, e.g. "rendered/prod") with the
	// render (To, "gen render prod"). Paths are relative to the folder.
	Report *DiffReport
	// Lock is the lock file relative to the root; LockStale reports that
	// gen render would rewrite it. Both are empty for an orphan folder.
	Lock      string
	LockStale bool
	// Orphan marks the folder of an environment that no longer exists.
	Orphan bool
}

// Empty reports whether nothing differs.
func (d EnvDiff) Empty() bool { return len(d.Report.Objects) == 0 && !d.LockStale }

// DiffResult is what Diff found.
type DiffResult struct {
	// Envs has one entry per environment compared, differing or not, and
	// one per folder of an environment that no longer exists.
	Envs []EnvDiff
	// Warnings of the render.
	Warnings []string
	// Unlocked, with Options.SkipUnlocked, lists the environments not
	// compared because tags they use are missing from their lock files;
	// nil when none is.
	Unlocked *images.MissingError
}

// Diff renders the environments in opts in memory and compares each
// rendered folder with its render, object by object, each change
// classified (image, scale, config, added, removed). When opts names no
// environment, the folders of environments that no longer exist are
// compared with nothing. It writes nothing.
func Diff(ctx context.Context, opts Options) (*DiffResult, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	root := opts.root()
	if err := checkRendered(root); err != nil {
		return nil, err
	}
	out := &DiffResult{Warnings: res.Warnings(), Unlocked: res.Unlocked}
	if res.all {
		names := res.names()
		if res.Unlocked != nil {
			names = append(names, res.Unlocked.Envs()...) // not rendered, but not gone
		}
		gone, err := orphans(root, names)
		if err != nil {
			return nil, err
		}
		for _, c := range gone {
			r, err := compareFolder(root, c.Dir, nil, "gen render --all (no environment "+c.Env+")")
			if err != nil {
				return nil, err
			}
			out.Envs = append(out.Envs, EnvDiff{Env: c.Env, Report: r, Orphan: true})
		}
	}
	for _, e := range res.Envs {
		r, err := compareFolder(root, e.Dir, fileMap(e.Files), "gen render "+e.Name)
		if err != nil {
			return nil, err
		}
		stale, err := images.Changed(dir(root, e.Lock.Path), e.Lock.Data)
		if err != nil {
			return nil, err
		}
		out.Envs = append(out.Envs, EnvDiff{Env: e.Name, Report: r, Lock: e.Lock.Path, LockStale: stale})
	}
	return out, nil
}

// compareFolder compares the rendered folder rel (relative to root) with
// files, labelled to.
func compareFolder(root, rel string, files map[string][]byte, to string) (*DiffReport, error) {
	have, err := output.ReadTree(dir(root, rel))
	if err != nil {
		return nil, err
	}
	r, err := objdiff.Compare(have, files, objdiff.Options{From: rel, To: to})
	if err != nil {
		return nil, fmt.Errorf("comparing %s: %w", rel, err)
	}
	return r, nil
}

// DiffEnvs renders environments from and to in memory and compares their
// renders object by object, with each one's own name normalised away
// (environment: staging equals environment: prod): what would change in
// from's objects if it were rendered as to. It returns the report and the
// render's warnings, and writes nothing.
func DiffEnvs(ctx context.Context, opts Options, from, to string) (*DiffReport, []string, error) {
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
	// The names that differ are normalised away: the environment folders'
	// own names, which labels and paths carry (dev and prod for
	// chatbot/dev and chatbot/prod), or, when those are one name (two
	// platforms' prod), the full names, which the paths carry.
	fromEnv, toEnv := path.Base(from), path.Base(to)
	if fromEnv == toEnv {
		fromEnv, toEnv = from, to
	}
	r, err := objdiff.Compare(files[from], files[to], objdiff.Options{
		From: from, To: to, FromEnv: fromEnv, ToEnv: toEnv,
	})
	if err != nil {
		return nil, nil, err
	}
	return r, res.Warnings(), nil
}

// Patch renders the environments in opts in memory and returns a unified
// diff, file by file, of what rendering them would change in rendered/,
// which git apply takes, and the render's warnings. File names in the
// diff are relative to the root. It is empty when everything is up to
// date. With opts.SkipUnlocked, the environments that miss lock entries
// are left out, and the error is then a [*images.MissingError] returned
// with the diff of the others.
func Patch(ctx context.Context, opts Options) ([]byte, []string, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRendered(opts.root()); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	for _, e := range res.Envs {
		d, err := output.Diff(dir(opts.root(), e.Dir), e.Files, e.Dir)
		if err != nil {
			return nil, nil, fmt.Errorf("comparing %s: %w", e.Dir, err)
		}
		buf.Write(d)
	}
	if res.Unlocked != nil {
		return buf.Bytes(), res.Warnings(), res.Unlocked
	}
	return buf.Bytes(), res.Warnings(), nil
}

func fileMap(files []output.File) map[string][]byte {
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m
}
