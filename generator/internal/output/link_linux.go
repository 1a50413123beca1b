package output

import (
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// A linker makes hard links from the files of one tree of parent to the
// same paths in another. It keeps the folders of the last link open: a
// tree's files come folder by folder (sorted by path), and resolving both
// paths from parent for each file cost several system calls a file.
// Folders are opened one name at a time with O_NOFOLLOW, so that, as
// with parent.Link, no symbolic link is followed.
type linker struct {
	parent   *os.Root
	from, to string // the trees, in parent
	base     *os.File
	src, dst openDir
}

// openDir is an open folder of a tree: its path in the tree and its
// descriptor (-1 when none is open).
type openDir struct {
	path string
	fd   int
}

func newLinker(parent *os.Root, from, to string) *linker {
	return &linker{parent: parent, from: from, to: to, src: openDir{fd: -1}, dst: openDir{fd: -1}}
}

// link links the file at p (slash-separated) of the tree from to the
// same path in the tree to, whose folder exists.
func (l *linker) link(p string) error {
	if l.base == nil {
		b, err := l.parent.Open(".")
		if err != nil {
			return err
		}
		l.base = b
	}
	dir, name := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, name = p[:i], p[i+1:]
	}
	if err := l.open(&l.src, l.from, dir); err != nil {
		return err
	}
	if err := l.open(&l.dst, l.to, dir); err != nil {
		return err
	}
	if err := unix.Linkat(l.src.fd, name, l.dst.fd, name, 0); err != nil {
		return &fs.PathError{Op: "linkat", Path: p, Err: err}
	}
	return nil
}

// open makes d the folder dir of the tree, opening it unless it is open.
func (l *linker) open(d *openDir, tree, dir string) error {
	if d.fd >= 0 && d.path == dir {
		return nil
	}
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
	cur := int(l.base.Fd())
	names := []string{tree}
	if dir != "" {
		names = append(names, strings.Split(dir, "/")...)
	}
	for i, name := range names {
		fd, err := unix.Openat(cur, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if i > 0 {
			unix.Close(cur)
		}
		if err != nil {
			return &fs.PathError{Op: "openat", Path: tree + "/" + dir, Err: err}
		}
		cur = fd
	}
	d.path, d.fd = dir, cur
	return nil
}

// close closes what the linker holds open.
func (l *linker) close() {
	for _, d := range []*openDir{&l.src, &l.dst} {
		if d.fd >= 0 {
			unix.Close(d.fd)
			d.fd = -1
		}
	}
	if l.base != nil {
		l.base.Close()
		l.base = nil
	}
}
