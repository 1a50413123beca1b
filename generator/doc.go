// Package generator is the front door of gen: it renders the platform
// described in CUE (schema/, environments/, policies/) into the plain,
// deterministic Kubernetes YAML of rendered/<env>/ that Argo CD syncs, plus
// an eksctl ClusterConfig and the Argo CD Applications per environment.
//
// [Render] runs the pipeline in memory, one way, each stage taking the
// previous one's value:
//
//	load        schema/ + environments/ -> model.Environment (CUE, with positions)
//	check       names, references, numbers, dependsOn (every problem, at once)
//	pin         image tags -> digests, from the lock files or a registry (package images)
//	build       model -> Kubernetes objects; Argo CD objects; eksctl ClusterConfig
//	patch       each app's kustomize patches
//	check       the objects: duplicates, capacity and placement, IRSA, Kubernetes version
//	encode      one canonical YAML file per object, sorted by path
//	police      policies/*.cue over every object, with waivers
//
// [Write] is the only function that changes the repository: it refuses a
// render whose policies failed (unless [Options].AllowViolations), writes
// the files that changed (each to a temporary name, then renamed), the
// lock files, removes the folders of environments that are gone, and
// records the render in the [Cache]. [Check], [Diff], [DiffEnvs], [Patch], [Images], [PlanEnv] and
// [Graph] render and compare or report; they write nothing under the root.
//
// Rendering needs no network and no credentials unless a tag is missing
// from a lock file and [Options].Images has a Resolver. Errors about the
// input are [*model.EnvError] values carrying CUE positions; print them
// with [PrintError].
//
// The stages live in generator/internal and may change at any time; the
// public API is this package, [github.com/gitops-gen/gen/generator/model]
// and [github.com/gitops-gen/gen/generator/images]. ARCHITECTURE.md at the
// repository root maps the packages.
package generator
