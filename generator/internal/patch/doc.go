// Package patch applies an app's kustomize patches to the app's generated
// objects: the escape hatch for fields that the schema does not model.
//
// Patches follow the semantics of a kustomization's `patches` field and are
// applied by kustomize itself (sigs.k8s.io/kustomize/api/krusty over an
// in-memory file system), one patch at a time, in order, each to the
// result of the one before. Kustomize is told to add nothing: no labels,
// no annotations, no reordering.
//
// On top of kustomize, the package is strict where kustomize is lenient,
// because a patch that silently does nothing, or does something else, is
// worse than an error:
//
//   - A patch must match at least one object. kustomize ignores a target
//     that selects nothing.
//   - Every JSON 6902 operation must find the path it reads, as RFC 6902
//     requires. The JSON patch library kustomize uses
//     (gopkg.in/evanphx/json-patch.v4) turns a "replace" of a missing
//     member into an "add", and moves or copies null from a missing path.
//   - A patch must keep every object and its apiVersion, kind, namespace
//     and name, so that objects stay where the build stage put them. A
//     strategic-merge "$patch: delete" is an error, as is a JSON 6902
//     rename.
//   - Both kinds of patch are read as YAML 1.2, where yes, no, on, off, y
//     and n are strings. kustomize reads strategic-merge patches that way
//     but JSON 6902 patches as YAML 1.1, where they are booleans.
//
// Some kustomize behaviour that users may not expect, and that this
// package keeps:
//
//   - A strategic-merge patch without a target names its object by
//     apiVersion, kind, metadata.name and metadata.namespace; all four must
//     match, so a patch for a namespaced object must give the namespace.
//   - Target fields other than LabelSelector are anchored regular
//     expressions: Name "web" selects only "web", Name "web-.*" selects
//     "web-api" and "web-worker".
//   - A strategic-merge patch puts list elements that only the patch has
//     before the existing ones: a sidecar patched in alone becomes the
//     first container (https://github.com/kubernetes-sigs/kustomize/issues/5904).
//     List the existing containers first in the patch to keep them first.
//   - A JSON 6902 patch round-trips the whole object through float64
//     (kyaml's RNode.UnmarshalJSON), so integers above 2^53 in an object it
//     patches lose precision. Strategic merge keeps numbers exact.
//
// The package does no I/O: it reads no files and writes none.
package patch
