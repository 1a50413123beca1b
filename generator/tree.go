package generator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/generator/output"
)

// Change is how one environment's rendered folder differs from a render.
type Change struct {
	Env string
	// Dir is the rendered folder relative to the root, e.g. "rendered/prod".
	Dir string
	output.Changes
}

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
	return out
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
		changes = append(changes, Change{Env: e.Name, Dir: e.Dir, Changes: c})
	}
	return changes, nil
}

// Check renders the environments in opts in memory and compares them with
// rendered/. It returns the environments whose folder differs (empty when
// everything is up to date). It writes nothing.
func Check(ctx context.Context, opts Options) ([]Change, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	var stale []Change
	for _, e := range res.Envs {
		c, err := output.Compare(dir(opts.root(), e), e.Files)
		if err != nil {
			return nil, fmt.Errorf("comparing %s: %w", e.Dir, err)
		}
		if !c.Empty() {
			stale = append(stale, Change{Env: e.Name, Dir: e.Dir, Changes: c})
		}
	}
	return stale, nil
}

// Diff renders the environments in opts in memory and returns a unified
// diff, file by file, of what rendering them would change in rendered/.
// File names in the diff are relative to the root. It is empty when
// everything is up to date.
func Diff(ctx context.Context, opts Options) ([]byte, error) {
	res, err := Render(ctx, opts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, e := range res.Envs {
		d, err := output.Diff(dir(opts.root(), e), e.Files)
		if err != nil {
			return nil, fmt.Errorf("comparing %s: %w", e.Dir, err)
		}
		buf.Write(prefixDiffPaths(d, e.Dir))
	}
	return buf.Bytes(), nil
}

// prefixDiffPaths turns "--- a/x" and "+++ b/x" headers into paths
// relative to the root ("a/rendered/prod/x"), as git shows them.
func prefixDiffPaths(d []byte, dir string) []byte {
	lines := bytes.SplitAfter(d, []byte("\n"))
	for i, l := range lines {
		switch {
		case bytes.HasPrefix(l, []byte("diff a/")):
			l = bytes.Replace(l, []byte(" a/"), []byte(" a/"+dir+"/"), 1)
			lines[i] = bytes.Replace(l, []byte(" b/"), []byte(" b/"+dir+"/"), 1)
		case bytes.HasPrefix(l, []byte("--- a/")), bytes.HasPrefix(l, []byte("+++ b/")):
			lines[i] = append([]byte(string(l[:6])+dir+"/"), l[6:]...)
		}
	}
	return bytes.Join(lines, nil)
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

// IsInputError reports whether err is about the user's input (CUE errors
// with positions) rather than the machine (I/O).
func IsInputError(err error) bool {
	var envErr *model.EnvError
	return errors.As(err, &envErr)
}

func joinErrors(errs []error) error {
	var all []error
	for _, err := range errs {
		if err != nil {
			all = append(all, err)
		}
	}
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return errors.Join(all...)
}
