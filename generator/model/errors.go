package model

import (
	"fmt"
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
}

func (e *EnvError) Error() string { return e.Env + ": " + e.Err.Error() }

// Unwrap returns the CUE errors.
func (e *EnvError) Unwrap() error { return e.Err }

// fieldError is a CUE-style error anchored at a field of the input.
type fieldError struct {
	path   []string
	pos    token.Pos
	format string
	args   []any
}

func (e *fieldError) Position() token.Pos         { return e.pos }
func (e *fieldError) InputPositions() []token.Pos { return nil }
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
