// Package images pins container images to digests: it resolves tags
// against registries (ECR and any OCI registry), keeps the results in a
// lock file per environment, and substitutes them into the model, so
// that rendered manifests name exactly the image that was reviewed.
//
// Only resolution touches the network, and only for tags that are not in
// the environment's lock file (or when a refresh is asked for). Everything
// else, including gen check, works offline.
package images
