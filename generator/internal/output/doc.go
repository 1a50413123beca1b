// Package output turns rendered objects into files and keeps a rendered
// environment directory (rendered/<env>/) equal to them: it owns the
// canonical YAML encoding, the file naming rule, and writing, comparing and
// diffing the tree. It is the only package that writes to rendered/.
//
// [Files] encodes objects with [Encode] and names them with [Path].
// [Compare] and [Diff] say how a directory differs from those files (gen
// check, gen diff); [Write] makes the directory equal to them, touching
// nothing when it already is, and never leaving a half-written tree.
//
// # Encoding
//
// [Encode] is its own emitter over the JSON data model rather than a
// JSON-to-YAML round trip through sigs.k8s.io/yaml, which costs about
// fifteen times as much. For ordinary Kubernetes objects it writes the same
// bytes as sigs.k8s.io/yaml.Marshal (and so as kubectl): the same layout,
// quoting, literal blocks for multi-line strings, and folding of long lines
// at 80 columns. It differs on purpose where sigs.k8s.io/yaml is lossy or
// where a stricter rule is safer:
//
//   - map keys are sorted in byte order, as encoding/json sorts them;
//     yaml.v2 uses a "natural" order ("a9" before "a10", "_" before
//     letters);
//   - numbers (json.Number) are written verbatim; sigs.k8s.io/yaml turns
//     1.0 into 1 and 1e3 into 1000;
//   - strings that YAML 1.2 or the YAML 1.1 type regexps read as numbers,
//     timestamps or keys but yaml.v2 does not ("0o17", "=",
//     "2001-12-14 21:59:43.10 -5") are quoted;
//   - NEL, U+2028 and U+2029 are escaped (sigs.k8s.io/yaml loses them), as
//     are DEL and C1 controls (which sigs.k8s.io/yaml cannot encode);
//   - a multi-line string that ends the file with blank lines is
//     double-quoted rather than a "|+" block, whose trailing blank lines
//     editors and pre-commit hooks strip;
//   - invalid UTF-8 becomes U+FFFD, byte by byte, as in encoding/json.
//
// Output never contains document markers and always ends with a newline.
package output
