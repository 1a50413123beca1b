package generator

import (
	"bufio"
	"io"
	"path"
)

// StreamSource starts the comment that names, in a stream written by
// [Stream], the file each document would be written to:
// "# Source: rendered/prod/apps/web/deployment-web.yaml". helm template
// marks its documents the same way.
const StreamSource = "# Source: "

// Stream writes what res rendered to w as one YAML stream, as helm
// template and kustomize build print theirs: every file of every
// environment in the order of the rendered tree (environments by name,
// then files by path), each a document that starts with "---" and a
// comment naming the file, relative to the root (see [StreamSource]),
// followed by the file's bytes as Write would write them. Stream writes
// nothing under the root, not even the lock files.
//
// Like Write, it refuses a render in which a policy failed unless
// opts.AllowViolations is set: it then returns [ErrPoliciesFailed] and
// writes nothing to w.
func Stream(w io.Writer, opts Options, res *Result) error {
	if res.PolicyFailed() && !opts.AllowViolations {
		return ErrPoliciesFailed
	}
	b := bufio.NewWriterSize(w, 64<<10)
	for _, e := range res.Envs {
		for _, f := range e.Files {
			b.WriteString("---\n")
			b.WriteString(StreamSource)
			b.WriteString(path.Join(e.Dir, f.Path))
			b.WriteByte('\n')
			b.Write(f.Data)
			if n := len(f.Data); n > 0 && f.Data[n-1] != '\n' {
				b.WriteByte('\n')
			}
		}
	}
	return b.Flush()
}
