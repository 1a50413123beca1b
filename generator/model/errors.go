package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// EnvError is a problem with one environment's input. Err is a list of CUE
// errors, each with a field path and source positions.
type EnvError struct {
	Env string
	Err cueerrors.Error
	// Incomplete: the errors stopped the environment's evaluation, so
	// gen's own checks (placement, autoscaling, network, policies) have
	// not run and may find more once these are fixed.
	Incomplete bool
}

func (e *EnvError) Error() string { return e.Env + ": " + e.Err.Error() }

// Unwrap returns the CUE errors.
func (e *EnvError) Unwrap() error { return e.Err }

// fieldError is a CUE-style error anchored at a field of the input.
type fieldError struct {
	path   []string
	pos    token.Pos
	also   []token.Pos
	format string
	args   []any
}

func (e *fieldError) Position() token.Pos         { return e.pos }
func (e *fieldError) InputPositions() []token.Pos { return e.also }
func (e *fieldError) Path() []string              { return e.path }
func (e *fieldError) Msg() (string, []any)        { return e.format, e.args }
func (e *fieldError) Error() string {
	msg := fmt.Sprintf(e.format, e.args...)
	if len(e.path) > 0 {
		return strings.Join(e.path, ".") + ": " + msg
	}
	return msg
}

// Errorf returns an error about the field at path (a CUE path such as
// "apps.web.replicas"), positioned at that field's source.
func (e *Environment) Errorf(path, format string, args ...any) cueerrors.Error {
	var sels []string
	if path != "" {
		for _, s := range cue.ParsePath(path).Selectors() {
			sels = append(sels, s.String())
		}
	}
	return &fieldError{path: sels, pos: e.Pos(path), format: format, args: args}
}

// NewError returns an error positioned at pos that also lists the
// positions also: for input that is not CUE, such as a lock file, whose
// positions are made with token.NewFile.
func NewError(pos token.Pos, also []token.Pos, format string, args ...any) cueerrors.Error {
	return &fieldError{pos: pos, also: also, format: format, args: args}
}

// ErrorAt is Errorf for a problem that involves several fields: the error
// is reported at paths[0] and also lists the positions of the others.
func (e *Environment) ErrorAt(paths []string, format string, args ...any) cueerrors.Error {
	err := e.Errorf(paths[0], format, args...).(*fieldError)
	for _, p := range paths[1:] {
		err.also = append(err.also, e.Pos(p))
	}
	return err
}

// InUserFiles points each CUE error at the user's files. An error that
// has positions in the user's files keeps only those: the schema's lines
// are the product's contract, not what the user should edit. An error that
// CUE placed only in schema/ (a missing required field, a failed pattern
// constraint) gets the position of the field it is about in the user's
// files, first, and keeps the schema's.
func (e *Environment) InUserFiles(err error, schemaDir string) cueerrors.Error {
	var out cueerrors.Error
	for _, ce := range cueerrors.Errors(err) {
		all := cueerrors.Positions(ce)
		if len(all) == 0 {
			// A summary such as "2 errors in empty disjunction:", followed
			// by the errors themselves.
			out = cueerrors.Append(out, ce)
			continue
		}
		var user []token.Pos
		for _, p := range all {
			if !inDir(p, schemaDir) {
				user = append(user, p)
			}
		}
		switch {
		case len(user) > 0:
			ce = &positioned{err: ce, pos: user[0], also: user[1:]}
		case len(ce.Path()) > 0:
			if pos := e.Pos(cue.MakePath(selectors(ce.Path())...).String()); pos.IsValid() && !inDir(pos, schemaDir) {
				ce = &positioned{err: ce, pos: pos, also: all}
			}
		}
		out = cueerrors.Append(out, ce)
	}
	return out
}

// positioned is a CUE error shown at other positions.
type positioned struct {
	err  cueerrors.Error
	pos  token.Pos
	also []token.Pos
}

func (p *positioned) Position() token.Pos         { return p.pos }
func (p *positioned) InputPositions() []token.Pos { return p.also }
func (p *positioned) Error() string               { return p.err.Error() }
func (p *positioned) Path() []string              { return p.err.Path() }
func (p *positioned) Msg() (string, []any)        { return p.err.Msg() }

func inDir(p token.Pos, dir string) bool {
	f := filepath.ToSlash(p.Filename())
	return strings.Contains(f, "/"+dir+"/") || strings.HasPrefix(f, dir+"/")
}

// selectors turns an error's path ("apps", "web", "0", `"a-b"`) into CUE
// selectors.
func selectors(path []string) []cue.Selector {
	sels := make([]cue.Selector, 0, len(path))
	for _, p := range path {
		if n, err := strconv.Atoi(p); err == nil {
			sels = append(sels, cue.Index(n))
			continue
		}
		if !strings.HasPrefix(p, `"`) {
			p = Label(p)
		}
		sels = append(sels, cue.ParsePath(p).Selectors()...)
	}
	return sels
}

// Explained is a CUE error retold in a platform engineer's words, at the
// same field and positions; CUE holds CUE's own errors it was made from,
// which gen prints with --verbose.
type Explained struct {
	path []string
	pos  token.Pos
	also []token.Pos
	msg  string
	CUE  []cueerrors.Error
}

// Explain returns an Explained error about the field at path, positioned
// where from (CUE's errors, the first one's position first) is, saying msg.
func Explain(path []string, msg string, from ...cueerrors.Error) *Explained {
	e := &Explained{path: path, msg: msg, CUE: from}
	for _, f := range from {
		for _, p := range append([]token.Pos{f.Position()}, f.InputPositions()...) {
			switch {
			case !p.IsValid() || p == e.pos || slices.Contains(e.also, p):
			case !e.pos.IsValid():
				e.pos = p
			default:
				e.also = append(e.also, p)
			}
		}
	}
	return e
}

func (e *Explained) Position() token.Pos         { return e.pos }
func (e *Explained) InputPositions() []token.Pos { return e.also }
func (e *Explained) Path() []string              { return e.path }
func (e *Explained) Msg() (string, []any)        { return "%s", []any{e.msg} }
func (e *Explained) Error() string {
	if len(e.path) > 0 {
		return strings.Join(e.path, ".") + ": " + e.msg
	}
	return e.msg
}
