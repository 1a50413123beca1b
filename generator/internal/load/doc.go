// Package load reads schema/ and environments/ with cuelang.org/go and
// decodes each environment into a [model.Environment]. It is the only
// package that knows CUE syntax and evaluation; every later stage works on
// Go values.
//
// Each environment is evaluated in a fresh CUE context (a shared context
// keeps every evaluated value alive and grows without bound on large
// platforms), and the environments are loaded in parallel. The value of
// environments/<env>/ (together with the CUE files of environments/ itself,
// which CUE unifies into every environment of the same package) is unified
// with schema.#Environment, so closedness and defaults apply whatever the
// files embed, and its name is filled in from the directory. That
// unification is computed app by app: the environment with
// #EnvironmentBase, then each app with #EnvApp and what it reads of the
// environment, so that an app is a small evaluation of its own, which a
// [Memo] can answer from an earlier run (see byApps).
package load
