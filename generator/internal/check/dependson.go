package check

import (
	"errors"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/argocd"
	"github.com/gitops-gen/gen/generator/model"
)

// DependsOn reports the problems with env's input that would stop its
// Argo CD Applications from being built: a dependsOn entry that names no
// app of the environment, apps that depend on each other in a cycle (both
// checked with or without Argo CD, from [argocd.Waves], the one walk of
// the dependsOn graph), and, when env has an argocd section, an enabled
// app named "root" or "platform" ([argocd.ReservedNames]). Each is a CUE
// error positioned at the field. Call it with the other checks, before
// anything is resolved or built, so that these problems are reported
// together with the rest.
func DependsOn(env *model.Environment) error {
	if env == nil {
		return errors.New("argocd: no environment")
	}
	_, errs := argocd.Waves(env)
	if errs = cueerrors.Append(errs, argocd.ReservedNames(env)); errs != nil {
		return errs
	}
	return nil
}
