//go:build !linux

package output

import (
	"os"
	"path"
)

// A linker makes hard links from the files of one tree of parent to the
// same paths in another.
type linker struct {
	parent   *os.Root
	from, to string
}

func newLinker(parent *os.Root, from, to string) *linker {
	return &linker{parent: parent, from: from, to: to}
}

// link links the file at p (slash-separated) of the tree from to the
// same path in the tree to, whose folder exists.
func (l *linker) link(p string) error {
	return l.parent.Link(path.Join(l.from, p), path.Join(l.to, p))
}

func (l *linker) close() {}
