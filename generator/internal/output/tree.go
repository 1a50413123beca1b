package output

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// Changes lists how a directory differs from the files a render would
// write. Paths are relative to the directory, slash-separated and sorted.
type Changes struct {
	// Stale files exist with other content (or are not regular files).
	Stale []string
	// Missing files would be written but do not exist.
	Missing []string
	// Extra files exist but would not be written: Write removes them.
	Extra []string
}

// Empty reports whether the directory already holds exactly the files.
func (c Changes) Empty() bool {
	return len(c.Stale) == 0 && len(c.Missing) == 0 && len(c.Extra) == 0
}

// Compare reads dir (e.g. <root>/rendered/prod) and compares it with
// files. A missing dir means every file is Missing. Directories are not
// compared: an empty directory is no change.
func Compare(dir string, files []File) (Changes, error) {
	if err := checkPaths(files); err != nil {
		return Changes{}, err
	}
	have, err := ReadTree(dir)
	if err != nil {
		return Changes{}, err
	}
	return compare(have, files), nil
}

// Write makes dir hold exactly files, and returns the changes it made.
// dir belongs to gen: anything else in it is removed.
//
// If dir already holds the files, Write touches nothing. If dir exists, it
// is updated in place, touching only what changed: every stale or missing
// file is first written beside its target under a temporary ".gen-" name
// and synced, then renamed over it, and only then are extra files and
// folders left empty removed. A failure while writing the temporary files
// removes them and leaves dir as it was. (Creating files is the expensive
// part of a write, so a one-line change costs one file, not the tree.)
//
// If dir does not exist, or a file must replace a folder or the other way
// round, Write writes the whole tree into a new directory beside dir
// (named ".gen-*"), syncs it and swaps it in: atomically with
// renameat2(RENAME_EXCHANGE) where the system supports it, else by
// renaming dir aside and the new tree in; then it removes the old tree.
//
// Files are written with mode 0644 and directories 0755; dir's parent is
// created if needed. Every path is checked before anything is written.
func Write(dir string, files []File) (Changes, error) {
	if err := checkPaths(files); err != nil {
		return Changes{}, err
	}
	dir = filepath.Clean(dir)
	if base := filepath.Base(dir); base == "." || base == ".." || base == string(filepath.Separator) {
		return Changes{}, fmt.Errorf("writing %s: cannot replace this directory", dir)
	}
	have, err := ReadTree(dir)
	if err != nil {
		return Changes{}, err
	}
	c := compare(have, files)
	if c.Empty() {
		return c, nil
	}
	if have != nil && !shapeChanges(dir, have, files) {
		if err := update(dir, files, c); err != nil {
			return Changes{}, fmt.Errorf("writing %s: %w", dir, err)
		}
		return c, nil
	}
	return c, swapIn(dir, files)
}

// swapIn writes files as a new tree beside dir and swaps it in.
func swapIn(dir string, files []File) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, ".gen-"+filepath.Base(dir)+"-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	old := tmp // what to remove when done: the new tree on failure, else the old one
	err = writeTree(tmp, files)
	if err == nil {
		old, err = replace(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	syncDir(parent) // best effort: the swap has happened either way
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("removing previous %s: %w", dir, err)
		}
	}
	return nil
}

// shapeChanges reports whether updating dir in place would have to turn a
// file into a folder or a folder into a file, or meets an entry that is
// not a regular file; such trees are swapped in whole instead.
func shapeChanges(dir string, have map[string][]byte, files []File) bool {
	for _, f := range files {
		if data, ok := have[f.Path]; ok && data == nil {
			return true // a symbolic link or other special file
		}
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if _, ok := have[d]; ok {
				return true // a file where a folder must be
			}
		}
		if info, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Path))); err == nil && info.IsDir() {
			return true // a folder where a file must be
		}
	}
	return false
}

// update brings the existing dir up to date in place (see Write).
func update(dir string, files []File, c Changes) (err error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	want := make(map[string][]byte, len(files))
	for _, f := range files {
		want[f.Path] = f.Data
	}
	targets := slices.Concat(c.Stale, c.Missing)
	slices.Sort(targets)

	// Stage: write every new content under a temporary name.
	var staged, made []string
	defer func() {
		if err != nil {
			for _, t := range staged {
				root.Remove(t)
			}
			for _, d := range slices.Backward(made) {
				root.Remove(d)
			}
		}
	}()
	for _, p := range targets {
		for _, d := range missingDirs(root, path.Dir(p)) {
			if err := root.Mkdir(d, 0o755); err != nil {
				return fmt.Errorf("creating %s: %w", d, err)
			}
			if err := root.Chmod(d, 0o755); err != nil { // whatever the umask
				return fmt.Errorf("creating %s: %w", d, err)
			}
			made = append(made, d)
		}
		tmp := path.Join(path.Dir(p), ".gen-"+path.Base(p)+".tmp")
		root.Remove(tmp) // a leftover of an interrupted run
		if err := writeFile(root, tmp, want[p]); err != nil {
			return fmt.Errorf("creating %s: %w", p, err)
		}
		staged = append(staged, tmp)
	}
	if err := syncTree(root, staged, append(made, ".")); err != nil {
		return err
	}

	// Commit: rename the staged files into place, then remove what is no
	// longer produced.
	for i, p := range targets {
		if err := root.Rename(staged[i], p); err != nil {
			return fmt.Errorf("replacing %s: %w", p, err)
		}
	}
	staged = nil
	for _, p := range c.Extra {
		if err := root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	return removeEmptyDirs(root)
}

// missingDirs returns the folders on the way to d (outermost first) that do
// not exist yet under root.
func missingDirs(root *os.Root, d string) []string {
	var missing []string
	for ; d != "."; d = path.Dir(d) {
		if _, err := root.Lstat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	slices.Reverse(missing)
	return missing
}

// removeEmptyDirs removes every folder under root (not root itself) that
// holds nothing, innermost first.
func removeEmptyDirs(root *os.Root) error {
	var dirs []string
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != "." {
			dirs = append(dirs, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range slices.Backward(dirs) {
		entries, err := fs.ReadDir(root.FS(), d)
		if err == nil && len(entries) == 0 {
			if err := root.Remove(d); err != nil {
				return fmt.Errorf("removing %s: %w", d, err)
			}
		}
	}
	return nil
}

// Diff returns a unified diff of what Write would change in dir, file by
// file in path order, in git's format: "diff --git a/<label>/<path>
// b/<label>/<path>", then "--- a/..." and "+++ b/..." headers, with
// /dev/null for a file to be created or removed. label is how dir is named
// in the headers (e.g. "rendered/prod"); "" names paths relative to dir.
// Diff returns nothing when dir is up to date.
func Diff(dir string, files []File, label string) ([]byte, error) {
	if err := checkPaths(files); err != nil {
		return nil, err
	}
	have, err := ReadTree(dir)
	if err != nil {
		return nil, err
	}
	c := compare(have, files)
	want := make(map[string][]byte, len(files))
	for _, f := range files {
		want[f.Path] = f.Data
	}
	paths := slices.Concat(c.Stale, c.Missing, c.Extra)
	slices.Sort(paths)
	var out bytes.Buffer
	for _, p := range paths {
		name := path.Join(label, p)
		oldName, newName := "a/"+name, "b/"+name
		_, inOld := have[p]
		_, inNew := want[p]
		if !inOld {
			oldName = "/dev/null"
		}
		if !inNew {
			newName = "/dev/null"
		}
		d := diff.Diff(oldName, have[p], newName, want[p])
		// The first line names the two sides ("diff OLD NEW"); git's form
		// names the file on both sides.
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			fmt.Fprintf(&out, "diff --git a/%s b/%s\n", name, name)
			switch {
			case !inOld:
				out.WriteString("new file mode 100644\n")
			case !inNew:
				out.WriteString("deleted file mode 100644\n")
			}
			d = d[i+1:]
		}
		out.Write(d)
	}
	return out.Bytes(), nil
}

// checkPaths rejects paths that are not plain relative slash-separated
// paths inside the directory ("..", absolute, backslashes, empty
// elements), duplicates, and a path that is also another's directory.
func checkPaths(files []File) error {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		p := f.Path
		if !fs.ValidPath(p) || p == "." || strings.ContainsAny(p, "\\\x00") {
			return fmt.Errorf("invalid file path %q: want a relative slash-separated path without . or .. elements", p)
		}
		if seen[p] {
			return fmt.Errorf("file path %s appears twice", p)
		}
		seen[p] = true
	}
	for _, f := range files {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if seen[d] {
				return fmt.Errorf("file path %s is also the directory of %s", d, f.Path)
			}
		}
	}
	return nil
}

// ReadTree returns the content of every file under dir by slash-separated
// path relative to dir. Entries that are not regular files (symbolic
// links, sockets) map to nil; regular files never do. A missing dir is an
// empty tree.
func ReadTree(dir string) (map[string][]byte, error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	defer root.Close()
	have := make(map[string][]byte)
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			have[p] = nil
			return nil
		}
		data, err := root.ReadFile(p)
		if err != nil {
			return err
		}
		if data == nil {
			data = []byte{}
		}
		have[p] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return have, nil
}

// compare lists how the tree have differs from files.
func compare(have map[string][]byte, files []File) Changes {
	want := make(map[string][]byte, len(files))
	for _, f := range files {
		want[f.Path] = f.Data
	}
	return compareBy(have, want, bytes.Equal)
}

// compareBy lists how the tree have differs from want, whose values same
// compares with a file's content (nil for a file that is not regular).
func compareBy[T any](have map[string][]byte, want map[string]T, same func([]byte, T) bool) Changes {
	var c Changes
	for p, w := range want {
		data, ok := have[p]
		switch {
		case !ok:
			c.Missing = append(c.Missing, p)
		case data == nil || !same(data, w):
			c.Stale = append(c.Stale, p)
		}
	}
	for p := range have {
		if _, ok := want[p]; !ok {
			c.Extra = append(c.Extra, p)
		}
	}
	slices.Sort(c.Stale)
	slices.Sort(c.Missing)
	slices.Sort(c.Extra)
	return c
}

// writeTree writes files into the empty directory tmp and syncs them and
// every directory to disk.
func writeTree(tmp string, files []File) error {
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it 0700
		return err
	}
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return err
	}
	defer root.Close()
	dirs := []string{"."}
	made := map[string]bool{".": true}
	for _, f := range files {
		// Create the file's directories, outermost first.
		var missing []string
		for d := path.Dir(f.Path); !made[d]; d = path.Dir(d) {
			missing = append(missing, d)
			made[d] = true
		}
		for _, d := range slices.Backward(missing) {
			err := root.Mkdir(d, 0o755)
			if err == nil {
				err = root.Chmod(d, 0o755) // whatever the umask
			}
			if err != nil {
				return fmt.Errorf("creating %s: %w", d, err)
			}
			dirs = append(dirs, d)
		}
		if err := writeFile(root, f.Path, f.Data); err != nil {
			return fmt.Errorf("creating %s: %w", f.Path, err)
		}
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Path
	}
	slices.Reverse(dirs) // innermost first
	return syncTree(root, names, dirs)
}

// writeFile creates name in root with data, mode 0644; the tree is synced
// once it is complete (syncTree).
// Tests replace it to make writes fail.
var writeFile = func(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = f.Chmod(0o644) // whatever the umask
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// exchange atomically swaps two directories; errors.ErrUnsupported means
// the system or file system cannot. Tests replace it to take the fallback.
var exchange = renameExchange

// replace puts the tree at tmp in dir's place and returns where the
// previous tree went ("" if there was none).
func replace(tmp, dir string) (old string, err error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(tmp, dir)
	}
	err = exchange(tmp, dir)
	if err == nil {
		return tmp, nil // tmp now holds the previous tree
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		return "", err
	}

	// Not atomic: for a moment, dir does not exist.
	aside, err := os.MkdirTemp(filepath.Dir(dir), ".gen-old-"+filepath.Base(dir)+"-")
	if err != nil {
		return "", err
	}
	if err := os.Remove(aside); err != nil { // we only wanted the unique name
		return "", err
	}
	if err := os.Rename(dir, aside); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(aside, dir); rerr != nil {
			return "", fmt.Errorf("%w; restoring previous tree from %s: %w", err, aside, rerr)
		}
		return "", err
	}
	return aside, nil
}

// syncDir flushes a directory's entries (a rename) to disk, ignoring
// errors: some file systems cannot sync directories.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// Digest returns the digest of a file's content that CompareDigests
// compares: SHA-256, hex.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Digests returns the digest of each file, by path.
func Digests(files []File) map[string]string {
	m := make(map[string]string, len(files))
	for _, f := range files {
		m[f.Path] = Digest(f.Data)
	}
	return m
}

// CompareDigests is Compare against files known only by their digests
// (see Digests): it reads dir and lists the paths of want that are stale
// or missing there and the files of dir that want does not have.
func CompareDigests(dir string, want map[string]string) (Changes, error) {
	have, err := ReadTree(dir)
	if err != nil {
		return Changes{}, err
	}
	return compareBy(have, want, func(data []byte, d string) bool { return Digest(data) == d }), nil
}
