package output

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

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

// CompareRecorded is Compare for a dir whose files rec records (see
// [WriteRecorded]): when dir holds exactly the recorded files, it reads
// none but those whose metadata changed. since is as for CompareRecords.
func CompareRecorded(dir string, files []File, rec Records, since time.Time) (Changes, error) {
	if err := checkPaths(files); err != nil {
		return Changes{}, err
	}
	if c, _, ok := compareRecorded(filepath.Clean(dir), files, rec, since); ok {
		return c, nil
	}
	return Compare(dir, files)
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
// links, sockets) map to nil; regular files never do; no symbolic link is
// followed. A missing dir is an empty tree. dir or its parent being a
// symbolic link is an [UnsafePathError].
func ReadTree(dir string) (map[string][]byte, error) {
	dir = filepath.Clean(dir)
	if err := checkDir(filepath.Dir(dir)); err != nil {
		return nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
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

// Digest returns the digest of a file's content that CompareRecords
// compares: its SHA-256, the 32 bytes as a string (records keep it so,
// half the size of hex).
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return string(sum[:])
}
