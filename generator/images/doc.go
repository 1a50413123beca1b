// Package images pins container images to digests: it resolves tags
// against registries (ECR and any OCI registry), keeps the results in a
// lock file per environment, and substitutes them into the model, so
// that rendered manifests name exactly the image that was reviewed.
//
// Only resolution touches the network, and only for tags that are not in
// the environment's lock file (or when a refresh is asked for). Everything
// else, including gen check, works offline.
//
// The package is public, unlike gen's other stages, because a program that
// embeds gen configures it: it passes a [Resolver] in
// [github.com/gitops-gen/gen/generator.Options] (its own, a [Fixed] map, or a [Remote] with its
// keychain, transport and retries), and reads the [Pinned] locks that
// [github.com/gitops-gen/gen/generator.Images] returns. It depends on nothing of gen's but
// [github.com/gitops-gen/gen/generator/model].
package images
