package generator

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
)

// ErrPoliciesFailed is returned by Write when a policy failed in the
// render and Options.AllowViolations is not set; nothing was written.
var ErrPoliciesFailed = errors.New("policies failed; nothing written")

// ErrLocked is returned by Write with Options.NoWait when another process
// is writing rendered/ (it holds rendered/.gen.lock); nothing was written.
var ErrLocked = output.ErrLocked

// LockFile is the name of that lock file in rendered/.
const LockFile = output.LockFile

// PrintError writes err for a person: each environment's problems, one per
// paragraph, with the field path, the message and the source positions
// relative to cwd.
//
// Common CUE failures are retold in plain words (a value of the wrong
// type, a quantity such as "100GB", a field the schema does not have);
// PrintErrorVerbose adds CUE's own text under each.
func PrintError(w io.Writer, err error, cwd string) { printError(w, err, cwd, false) }

// PrintErrorVerbose is PrintError with CUE's own errors under those it
// retells.
func PrintErrorVerbose(w io.Writer, err error, cwd string) { printError(w, err, cwd, true) }

func printError(w io.Writer, err error, cwd string, verbose bool) {
	cfg := &cueerrors.Config{Cwd: cwd, ToSlash: true}
	for _, e := range flatten(err) {
		var envErr *model.EnvError
		if errors.As(e, &envErr) {
			for _, ce := range cueerrors.Errors(envErr.Err) {
				fmt.Fprintf(w, "%s: ", envErr.Env)
				cueerrors.Print(w, ce, cfg)
				var ex *model.Explained
				if verbose && errors.As(ce, &ex) {
					for _, raw := range ex.CUE {
						var b strings.Builder
						cueerrors.Print(&b, raw, cfg)
						for i, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
							if i == 0 {
								line = "CUE: " + line
							}
							fmt.Fprintf(w, "    %s\n", line)
						}
					}
				}
			}
			if envErr.Incomplete {
				fmt.Fprintf(w, "%s: gen's own checks (placement, autoscaling, network, policies) run once these are fixed, and may find more\n", envErr.Env)
			}
			continue
		}
		fmt.Fprintf(w, "%v\n", e)
	}
}

// IsInputError reports whether err is about the user's input (CUE errors
// with positions) rather than the machine (I/O).
func IsInputError(err error) bool {
	var envErr *model.EnvError
	return errors.As(err, &envErr)
}

// envError attributes err, a CUE error or a list of them, to env.
func envError(env *model.Environment, err error) error {
	return &model.EnvError{Env: env.Name, Err: cueerrors.Promote(err, "")}
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
