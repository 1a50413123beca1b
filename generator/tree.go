package generator

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/policy"
	"github.com/gitops-gen/gen/generator/model"
)

// Warnings returns the warnings of every environment, in order.
func (r *Result) Warnings() []string {
	var w []string
	for _, e := range r.Envs {
		w = append(w, e.Warnings...)
	}
	return w
}

// Change is how one environment's rendered folder and lock file differ
// from a render.
type Change struct {
	Env string
	// Dir is the rendered folder relative to the root, e.g. "rendered/prod".
	Dir string
	output.Changes
	// LockChanged reports that the lock file differs (or exists and should
	// not, or the other way round); Lock is its path relative to the root.
	LockChanged bool
	Lock        string
	// Orphan marks the folder of an environment that no longer exists:
	// gen render --all removes it.
	Orphan bool
}

// Empty reports whether nothing differs.
func (c Change) Empty() bool { return c.Changes.Empty() && !c.LockChanged }

// Paths returns every changed path relative to the root, labelled
// "stale", "missing" or "extra", sorted by path within each label.
func (c Change) Paths() []string {
	var out []string
	for _, p := range c.Stale {
		out = append(out, "stale: "+path.Join(c.Dir, p))
	}
	for _, p := range c.Missing {
		out = append(out, "missing: "+path.Join(c.Dir, p))
	}
	for _, p := range c.Extra {
		out = append(out, "extra: "+path.Join(c.Dir, p))
	}
	if c.LockChanged {
		out = append(out, "stale: "+c.Lock)
	}
	return out
}

// LockPath is the lock file of env relative to the root, e.g.
// "environments/prod/images.lock.json".
func LockPath(env string) string {
	return path.Join(load.Dir, env, images.LockFile)
}

// Write makes rendered/<env>/ under root hold exactly the files of each
// environment in res. An environment whose files are unchanged is not
// touched; a changed one is swapped in whole. It returns what changed.
func Write(root string, res *Result) ([]Change, error) {
	var changes []Change
	for _, e := range res.Envs {
		c, err := output.Write(dir(root, e), e.Files)
		if err != nil {
			return changes, fmt.Errorf("writing %s: %w", e.Dir, err)
		}
		// The lock goes last: it records what rendered/ now holds.
		lock := filepath.Join(root, filepath.FromSlash(e.Lock.Path))
		changed, err := images.Changed(lock, e.Lock.Data)
		if err != nil {
			return changes, err
		}
		if changed {
			if err := images.WriteLock(lock, e.Lock.Data); err != nil {
				return changes, err
			}
		}
		changes = append(changes, Change{Env: e.Name, Dir: e.Dir, Changes: c, LockChanged: changed, Lock: e.Lock.Path})
	}
	return changes, nil
}

// CheckResult is what Check found.
type CheckResult struct {
	// Envs are the environments checked, sorted.
	Envs []string
	// Cached are those of Envs answered from the cache, without a render.
	Cached []string
	// Changes are the environments whose rendered folder or lock differs.
	Changes []Change
	// Warnings of the render.
	Warnings []string
	// Policies are each environment's policy report.
	Policies []policy.Report
}

// Failed reports whether the check fails: something is out of date or a
// policy failed.
func (c *CheckResult) Failed() bool {
	if len(c.Changes) > 0 {
		return true
	}
	for _, r := range c.Policies {
		if r.Failed() {
			return true
		}
	}
	return false
}

// Check renders the environments in opts in memory, compares them with
// rendered/ and evaluates the policies. Changes lists the environments
// whose folder differs (none when everything is up to date). When opts
// names no environment, a folder of rendered/ whose environment no longer
// exists is reported too, its files as extra. It writes nothing to the
// root.
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
			c.Changes, err = output.CompareDigests(filepath.Join(root, filepath.FromSlash(d)), hit.Files)
			c.LockChanged = hit.LockStale
			out.Warnings = append(out.Warnings, hit.Warnings...)
			out.Policies = append(out.Policies, hit.Policy)
		} else {
			e := rendered[name]
			c.Changes, err = output.Compare(dir(root, e), e.Files)
			if err == nil {
				c.Lock = e.Lock.Path
				c.LockChanged, err = images.Changed(filepath.Join(root, filepath.FromSlash(e.Lock.Path)), e.Lock.Data)
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

// Prune removes the folders of rendered/ whose environment is not in res
// (an environment that was deleted or renamed), and returns what it
// removed. Call it after rendering every environment.
func Prune(root string, res *Result) ([]Change, error) {
	var names []string
	for _, e := range res.Envs {
		names = append(names, e.Name)
	}
	gone, err := orphans(root, names)
	if err != nil {
		return nil, err
	}
	for _, c := range gone {
		if err := os.RemoveAll(filepath.Join(root, filepath.FromSlash(c.Dir))); err != nil {
			return nil, fmt.Errorf("removing %s: %w", c.Dir, err)
		}
	}
	return gone, nil
}

// orphans lists the folders of rendered/ that belong to none of the
// environments named, with their files as Extra.
func orphans(root string, names []string) ([]Change, error) {
	entries, err := os.ReadDir(filepath.Join(root, RenderedDir))
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
		c, err := output.Compare(filepath.Join(root, filepath.FromSlash(d)), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Change{Env: name, Dir: d, Changes: c, Orphan: true})
	}
	return out, nil
}

// Diff renders the environments in opts in memory and returns a unified
// diff, file by file, of what rendering them would change in rendered/,
// and the render's warnings. File names in the diff are relative to the
// root. It is empty when everything is up to date.
func Diff(ctx context.Context, opts Options) ([]byte, []string, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	for _, e := range res.Envs {
		d, err := output.Diff(dir(opts.root(), e), e.Files, e.Dir)
		if err != nil {
			return nil, nil, fmt.Errorf("comparing %s: %w", e.Dir, err)
		}
		buf.Write(d)
	}
	return buf.Bytes(), res.Warnings(), nil
}

// PrintError writes err for a person: each environment's problems, one per
// paragraph, with the field path, the message and the source positions
// relative to cwd.
func PrintError(w io.Writer, err error, cwd string) {
	cfg := &cueerrors.Config{Cwd: cwd, ToSlash: true}
	for _, e := range flatten(err) {
		var envErr *model.EnvError
		if errors.As(e, &envErr) {
			for _, ce := range cueerrors.Errors(envErr.Err) {
				fmt.Fprintf(w, "%s: ", envErr.Env)
				cueerrors.Print(w, ce, cfg)
			}
			continue
		}
		fmt.Fprintf(w, "%v\n", e)
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func envOf(err error) string {
	var envErr *model.EnvError
	if errors.As(err, &envErr) {
		return envErr.Env
	}
	return ""
}

// IsInputError reports whether err is about the user's input (CUE errors
// with positions) rather than the machine (I/O).
func IsInputError(err error) bool {
	var envErr *model.EnvError
	return errors.As(err, &envErr)
}

// joinErrors joins the non-nil errors, flattening joined ones, sorted by
// environment name.
func joinErrors(errs []error) error {
	var all []error
	for _, err := range errs {
		if err != nil {
			all = append(all, flatten(err)...)
		}
	}
	slices.SortStableFunc(all, func(a, b error) int { return cmp.Compare(envOf(a), envOf(b)) })
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return errors.Join(all...)
}
