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
	"time"

	"golang.org/x/sync/errgroup"

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
	// Unlocked, with Options.SkipUnlocked, lists the environments not
	// checked because tags they use are missing from their lock files;
	// they are not in Envs. nil when none is.
	Unlocked *images.MissingError
}

// Failed reports whether the check fails: something is out of date, a
// policy failed, or an environment could not be checked (Unlocked).
func (c *CheckResult) Failed() bool {
	return len(c.Changes) > 0 || c.Unlocked != nil || slices.ContainsFunc(c.Policies, func(r PolicyReport) bool { return r.Failed() })
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
	// A file read from here on and found unchanged may have its metadata
	// recorded only if it was last changed before this, less a slack.
	since := time.Now().Add(-mtimeSlack)
	root := opts.root()
	if err := checkRendered(root); err != nil {
		return nil, err
	}
	names, err := opts.envNames()
	if err != nil {
		return nil, err
	}
	// Each environment the cache knows is compared with its records at
	// once, in parallel: reading the entries and the metadata of
	// thousands of files is most of a check the cache answers.
	hits := make([]*entry, len(names))
	changes := make([]Change, len(names))
	// The input files are read only if their metadata is not what a
	// check recorded with their digests.
	inputs := opts.inputHasher(since)
	defer opts.keepInputs(inputs)
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(opts.jobs())
	for i, name := range names {
		g.Go(func() error {
			hit, ok := opts.cached(name, inputs)
			if !ok {
				return nil
			}
			d := path.Join(RenderedDir, name)
			c := Change{Env: name, Dir: d, Lock: LockPath(name), LockChanged: hit.LockStale}
			var settled output.Records
			var err error
			c.FileChanges, settled, err = output.CompareRecordList(dir(root, d), hit.Files, since)
			if err != nil {
				return fmt.Errorf("comparing %s: %w", d, err)
			}
			opts.settle(name, hit, settled)
			hits[i], changes[i] = hit, c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var misses []string
	known := map[string]*entry{}
	for i, name := range names {
		if hits[i] == nil {
			misses = append(misses, name)
		} else {
			known[name] = hits[i]
		}
	}
	rendered := map[string]Env{}
	out := &CheckResult{}
	if len(misses) > 0 {
		o := opts
		o.Envs = misses
		o.knownClusters = knownClusters(known)
		res, err := Render(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Envs {
			rendered[e.Name] = e
		}
		out.Unlocked = res.Unlocked
		defer opts.remember(res)
	}
	if len(opts.Envs) == 0 {
		orphans, err := orphans(root, names)
		if err != nil {
			return nil, err
		}
		out.Changes = append(out.Changes, orphans...)
	}
	// The environments rendered are compared with what was rendered, in
	// parallel too; those left out as unlocked are not.
	g, _ = errgroup.WithContext(ctx)
	g.SetLimit(opts.jobs())
	for i, name := range names {
		e, ok := rendered[name]
		if hits[i] != nil || !ok {
			continue
		}
		g.Go(func() error {
			c := Change{Env: name, Dir: path.Join(RenderedDir, name), Lock: e.Lock.Path}
			var err error
			c.FileChanges, err = output.CompareRecorded(dir(root, e.Dir), e.Files, opts.recordedFiles(name), since)
			if err == nil {
				c.LockChanged, err = images.Changed(dir(root, e.Lock.Path), e.Lock.Data)
			}
			if err != nil {
				return fmt.Errorf("comparing %s: %w", c.Dir, err)
			}
			changes[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var kept []string
	for i, name := range names {
		if out.Unlocked != nil && hits[i] == nil && slices.Contains(out.Unlocked.Envs(), name) {
			continue
		}
		kept = append(kept, name)
		if hit := hits[i]; hit != nil {
			out.Cached = append(out.Cached, name)
			out.Warnings = append(out.Warnings, hit.Warnings...)
			out.Policies = append(out.Policies, hit.Policy)
		} else {
			e := rendered[name]
			out.Warnings = append(out.Warnings, e.Warnings...)
			out.Policies = append(out.Policies, e.Policy)
		}
		if !changes[i].Empty() {
			out.Changes = append(out.Changes, changes[i])
		}
	}
	out.Envs = kept
	return out, nil
}

// orphans lists the folders of rendered/ that belong to none of the
// environments named, with their files as Extra: rendered/<env>/, or
// rendered/<platform>/<env>/ inside the folder of a platform that has
// environments still, or the whole rendered/<platform>/ of one that has
// none.
func orphans(root string, names []string) ([]Change, error) {
	platforms := map[string]bool{}
	for _, n := range names {
		if i := strings.LastIndexByte(n, '/'); i >= 0 {
			platforms[n[:i]] = true
		}
	}
	var out []Change
	var walk func(rel string) error
	walk = func(rel string) error {
		entries, err := os.ReadDir(dir(root, rel))
		if errors.Is(err, fs.ErrNotExist) && rel == RenderedDir {
			return nil
		}
		if err != nil {
			return fmt.Errorf("listing %s: %w", rel, err)
		}
		for _, e := range entries {
			d := path.Join(rel, e.Name())
			name := strings.TrimPrefix(d, RenderedDir+"/")
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || slices.Contains(names, name) {
				continue
			}
			if platforms[name] {
				if err := walk(d); err != nil {
					return err
				}
				continue
			}
			c, err := output.Compare(dir(root, d), nil)
			if err != nil {
				return err
			}
			out = append(out, Change{Env: name, Dir: d, FileChanges: c, Orphan: true})
		}
		return nil
	}
	if err := walk(RenderedDir); err != nil {
		return nil, err
	}
	return out, nil
}
