// Package generator is the front door of gen: it loads the CUE in schema/
// and environments/, checks it, builds the Kubernetes objects, applies each
// app's patches and encodes one canonical YAML file per object, for the
// rendered/<env>/ tree that Argo CD syncs.
//
// The pipeline runs one way, each stage taking the previous one's value:
//
//	load -> check -> build -> patch -> check objects -> encode
//
// [Render] does all of that in memory and touches no file; [Write] is the
// only function that changes rendered/, and it swaps a whole environment
// in at once, so a failed render leaves the previous tree byte-identical.
// Rendering needs no network and no credentials.
package generator
