// Package objdiff compares two sets of rendered files object by object, for
// code review, and says what kind of change each object went through: a new
// image, a change of scale, anything else (config), or an object added or
// removed.
//
// The inputs are what gen writes under rendered/<env>/: one YAML document
// per file, keyed by path. [Compare] matches files by path, decodes them
// with sigs.k8s.io/yaml (numbers stay exact, as json.Number) and walks both
// trees. Maps are compared key by key; lists whose items are all maps with a
// unique string "name" (containers, env, ports, node groups), or that are
// each just a group and a kind (an AppProject's resource lists), are
// matched by name or by kind and group, so an env var inserted in the
// middle is one added field rather than a shifted list; other lists are
// compared index by index. A file that does
// not hold exactly one YAML mapping (broken by hand, empty, several
// documents) is compared as text, so that it still shows up.
//
// When two different environments are compared (Options.FromEnv and
// Options.ToEnv), each side's own environment name is replaced by a
// placeholder before comparing file paths, map keys, list item names and
// string values, so that "environment: staging" and "environment: prod"
// are equal and argocd/appproject-staging.yaml meets
// argocd/appproject-prod.yaml. What is left is what really differs between
// the environments; it is reported with its original values.
//
// The package is pure: it reads no file, and [Report.WriteText] writes only
// to the writer it is given. Output is deterministic: objects are sorted by
// path, map keys by name, and named list items keep their order.
package objdiff
