package check

import (
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// SecretData refuses every Secret among objs (after the patches) that
// carries data or stringData: everything gen renders is committed to Git,
// so a Secret's values must come from outside rendered/ (an ExternalSecret,
// or created by hand). gen builds no Secret, so only a patch can add one:
// the error is at the app's patches. Whatever the value, it is never
// shown. The writer refuses such a file too (output.Files), and the
// no-secret-data policy reports it; this check makes it a bad input with
// the position that fixes it.
func SecretData(env *model.Environment, objs []object.Object) error {
	var errs cueerrors.Error
	for _, o := range objs {
		if !object.CarriesSecretData(o) {
			continue
		}
		path := "namespaces"
		if app := env.Apps[o.App]; app != nil {
			path = app.Path("patches")
		}
		errs = cueerrors.Append(errs, env.Errorf(path,
			"%s: a Secret with data or stringData would commit its values to Git in rendered/; declare it under namespaces: %s: secrets: %s with provided: \"external\" (an ExternalSecret reads it from a secret store) or provided: \"by-hand\", and remove it from the patches",
			o.ID(), model.Label(o.Namespace()), model.Label(o.Name())))
	}
	if errs != nil {
		return errs
	}
	return nil
}
