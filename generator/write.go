package generator

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/internal/output"
)

// Change is how one environment's rendered folder and lock file differ
// from a render.
type Change struct {
	Env string
	// Dir is the rendered folder relative to the root, e.g. "rendered/prod".
	Dir string
	FileChanges
	// LockChanged reports that the lock file differs (or exists and should
	// not, or the other way round); Lock is its path relative to the root.
	LockChanged bool
	Lock        string
	// Orphan marks the folder of an environment that no longer exists:
	// Write removes it when it writes every environment.
	Orphan bool
}

// Empty reports whether nothing differs.
func (c Change) Empty() bool { return c.FileChanges.Empty() && !c.LockChanged }

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

// Written is what Write changed under the root.
type Written struct {
	// Envs has one entry per environment of the render, in its order,
	// saying what changed (Empty when nothing did).
	Envs []Change
	// Removed are the folders of environments that no longer exist, which
	// Write removed because the render covered every environment.
	Removed []Change
}

// Write makes the root hold what res rendered, for each environment:
// rendered/<env>/ holds exactly its files and its lock file what the
// render pinned. An environment whose files are unchanged is not touched;
// a changed one is built whole beside its folder and swapped in at once,
// so that it is never seen half written (see output.Write). When res
// covers every environment (opts.Envs was empty), the folders of
// rendered/ whose environment no longer exists are removed. Last, with
// opts.Cache, the render is recorded so that the next Check need not
// render again.
//
// Write first takes the lock on rendered/ that serializes concurrent runs
// (waiting for it unless opts.NoWait; see [ErrLocked]) and removes what a
// run killed before it finished left behind. It refuses, before writing
// anything, when rendered/ or the folder of an environment it writes is a
// symbolic link or not a directory, or holds a symbolic link.
//
// A render in which a policy failed is not written unless
// opts.AllowViolations is set: Write then returns [ErrPoliciesFailed] and
// changes nothing.
func Write(opts Options, res *Result) (*Written, error) {
	if res.Unlocked != nil {
		// A render that left environments out is for reading only.
		return nil, res.Unlocked
	}
	if res.PolicyFailed() && !opts.AllowViolations {
		return nil, ErrPoliciesFailed
	}
	root := opts.root()
	rendered := dir(root, RenderedDir)
	for _, e := range res.Envs {
		if e.Unchanged {
			continue
		}
		if err := output.Writable(dir(root, e.Dir)); err != nil {
			return nil, err
		}
	}
	unlock, err := output.Lock(rendered, !opts.NoWait, opts.Waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	w := &Written{}
	for _, e := range res.Envs {
		if e.Unchanged {
			w.Envs = append(w.Envs, Change{Env: e.Name, Dir: e.Dir, Lock: e.Lock.Path})
			continue
		}
		c, err := output.WriteRecorded(dir(root, e.Dir), e.Files, opts.recordedFiles(e.Name), res.started.Add(-mtimeSlack))
		if err != nil {
			return w, fmt.Errorf("writing %s: %w", e.Dir, err)
		}
		// The lock goes last: it records what rendered/ now holds.
		changed, err := writeLock(root, e.Lock)
		if err != nil {
			return w, err
		}
		w.Envs = append(w.Envs, Change{Env: e.Name, Dir: e.Dir, FileChanges: c, LockChanged: changed, Lock: e.Lock.Path})
	}
	if res.all {
		removed, err := prune(root, res)
		if err != nil {
			return w, err
		}
		w.Removed = removed
	}
	opts.remember(res) // the next check is answered from the cache
	return w, nil
}

// writeLock writes the lock file p under root (atomically) when its
// content differs, and reports whether it did.
func writeLock(root string, p images.Pinned) (bool, error) {
	file := filepath.Join(root, filepath.FromSlash(p.Path))
	changed, err := images.Changed(file, p.Data)
	if err != nil || !changed {
		return false, err
	}
	if err := images.WriteLock(file, p.Data); err != nil {
		return false, err
	}
	return true, nil
}

// prune removes the folders of rendered/ whose environment is not in res
// (an environment that was deleted or renamed), and returns what it
// removed.
func prune(root string, res *Result) ([]Change, error) {
	gone, err := orphans(root, res.names())
	if err != nil {
		return nil, err
	}
	for _, c := range gone {
		// orphans lists real directories only; RemoveAll removes a
		// symbolic link inside one, never what it points to.
		if err := os.RemoveAll(dir(root, c.Dir)); err != nil {
			return nil, fmt.Errorf("removing %s: %w", c.Dir, err)
		}
	}
	return gone, nil
}

// checkRendered refuses rendered/ as a symbolic link, or as something
// other than a folder, before a tree below it is read: output checks a
// tree's folder and its parent only, and a platform's environment is two
// folders below rendered/.
func checkRendered(root string) error {
	return output.CheckDir(dir(root, RenderedDir))
}

// dir returns the folder of rel (slash-separated, relative to root).
func dir(root, rel string) string {
	return filepath.Join(root, filepath.FromSlash(rel))
}
