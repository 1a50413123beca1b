package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Temporary entries Write leaves in the parent directory only while it
// runs; [Clean] removes what a killed run left behind.
const (
	// tmpPrefix starts every temporary entry: a new tree being built is
	// ".gen-<env>-<random>.tmp", a tree set aside by the fallback swap is
	// ".gen-old-<env>-<random>".
	tmpPrefix = ".gen-"
	oldPrefix = ".gen-old-"
	tmpSuffix = ".tmp"
)

// UnsafePathError reports a path gen refuses to read or write through: a
// symbolic link, or something other than a directory where a directory must
// be (or other than a regular file inside a rendered tree).
type UnsafePathError struct {
	Path   string
	Reason string
}

func (e *UnsafePathError) Error() string {
	return fmt.Sprintf("refusing to use %s: %s; remove it and render again", e.Path, e.Reason)
}

// CheckDir returns an [UnsafePathError] when p exists and is not a real
// directory (a symbolic link to one counts as not). A missing p is fine.
// [ReadTree] and [Writable] check a tree's folder and its parent; a caller
// whose trees are deeper (rendered/<platform>/<env>) checks the folders
// above with it.
func CheckDir(p string) error { return checkDir(p) }

// checkDir is [CheckDir].
func checkDir(p string) error {
	info, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case info.Mode()&fs.ModeSymlink != 0:
		return &UnsafePathError{Path: p, Reason: "it is a symbolic link"}
	case !info.IsDir():
		return &UnsafePathError{Path: p, Reason: "it is not a directory"}
	}
	return nil
}

// Writable returns an [UnsafePathError] when Write would refuse dir: when
// dir or its parent (rendered/) is a symbolic link or not a directory, or
// dir holds anything but directories and regular files. Callers that write
// several directories check them all first, so that a refusal writes
// nothing.
func Writable(dir string) error {
	dir = filepath.Clean(dir)
	if err := checkDir(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := checkDir(dir); err != nil {
		return err
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist) && p == dir:
			return nil
		case err != nil:
			return err
		case d.Type()&fs.ModeSymlink != 0: // WalkDir never follows one
			return &UnsafePathError{Path: p, Reason: "it is a symbolic link"}
		case !d.IsDir() && !d.Type().IsRegular():
			return &UnsafePathError{Path: p, Reason: "it is not a regular file"}
		}
		return nil
	})
	return err
}

// Write makes dir (e.g. rendered/prod) hold exactly files, and returns the
// changes it made. dir belongs to gen: anything else in it is removed.
//
// If dir already holds the files, Write touches nothing. Otherwise it
// builds the complete new tree in a temporary directory beside dir
// (".gen-<name>-<random>.tmp"): files whose content is unchanged are hard
// links to the current ones (so they keep their inode and modification
// time), the others are written anew. It syncs the new tree to disk and
// swaps it with dir in one step, renameat2(RENAME_EXCHANGE) on Linux, then
// syncs the parent and removes the previous tree. A reader, or a run
// killed at any point, sees dir entirely old or entirely new; a killed run
// leaves a temporary tree that [Clean] removes. A failure before the swap
// removes the temporary tree and leaves dir as it was.
//
// Where the exchange is not supported (other systems, some file systems)
// Write renames dir aside (".gen-old-<name>-<random>") and the new tree in:
// for a moment dir does not exist, and a run killed then leaves the old
// tree aside, which [Clean] puts back.
//
// Write refuses, before writing anything, a dir that [Writable] refuses.
// It does not serialize concurrent writers: see [Lock].
//
// Files are written with mode 0644 and directories 0755; dir's parent is
// created if needed.
func Write(dir string, files []File) (Changes, error) {
	dir, err := writeTarget(dir, files)
	if err != nil {
		return Changes{}, err
	}
	have, err := ReadTree(dir)
	if err != nil {
		return Changes{}, err
	}
	c := compare(have, files)
	if c.Empty() {
		return c, nil
	}
	same := func(f File) bool {
		data, ok := have[f.Path]
		return ok && data != nil && bytes.Equal(data, f.Data)
	}
	if err := swapIn(dir, same, files); err != nil {
		return Changes{}, fmt.Errorf("writing %s: %w", dir, err)
	}
	return c, nil
}

// WriteRecorded is Write for a dir whose files rec records (the records
// of what was last written there, see [CompareRecords]), which tells what
// dir holds without reading the files whose metadata is unchanged: when
// dir holds exactly the recorded files, a file is unchanged when its
// digest is the recorded one. When dir holds anything else (a file
// edited, added or removed since), or without records a check settled
// (see CompareRecords), it is Write. The changes and the tree written are
// Write's either way.
//
// since is as for CompareRecords: the start of the run, less a slack.
func WriteRecorded(dir string, files []File, rec Records, since time.Time) (Changes, error) {
	dir, err := writeTarget(dir, files)
	if err != nil {
		return Changes{}, err
	}
	c, want, ok := compareRecorded(dir, files, rec, since)
	if !ok {
		return Write(dir, files)
	}
	if c.Empty() {
		return c, nil
	}
	same := func(f File) bool {
		r, ok := rec[f.Path]
		return ok && !isDir(f.Path) && r.Digest == want[f.Path]
	}
	if err := swapIn(dir, same, files); err != nil {
		return Changes{}, fmt.Errorf("writing %s: %w", dir, err)
	}
	return c, nil
}

// writeTarget checks files' paths and dir before a write, and returns dir
// cleaned: what Write and WriteRecorded refuse before writing anything.
func writeTarget(dir string, files []File) (string, error) {
	if err := checkPaths(files); err != nil {
		return "", err
	}
	dir = filepath.Clean(dir)
	if base := filepath.Base(dir); base == "." || base == ".." || base == string(filepath.Separator) {
		return "", fmt.Errorf("writing %s: cannot replace this directory", dir)
	}
	if err := Writable(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// compareRecorded compares files with dir as rec records it (see
// WriteRecorded), and returns the files' digests by path. ok is false
// when the records cannot tell: no check settled them (comparing would
// read every file, as ReadTree does), or dir holds anything else than
// what they record.
func compareRecorded(dir string, files []File, rec Records, since time.Time) (c Changes, want map[string]string, ok bool) {
	if rec[rootDir].Stat == (Stat{}) {
		return Changes{}, nil, false
	}
	disk, _, err := CompareRecords(dir, rec, since)
	if err != nil || !disk.Empty() {
		return Changes{}, nil, false
	}
	want = make(map[string]string, len(files))
	for _, f := range files {
		want[f.Path] = Digest(f.Data)
	}
	for p, d := range want {
		switch r, ok := rec[p]; {
		case !ok:
			c.Missing = append(c.Missing, p)
		case r.Digest != d:
			c.Stale = append(c.Stale, p)
		}
	}
	for p := range rec {
		if _, ok := want[p]; !ok && !isDir(p) {
			c.Extra = append(c.Extra, p)
		}
	}
	slices.Sort(c.Stale)
	slices.Sort(c.Missing)
	slices.Sort(c.Extra)
	return c, want, true
}

// swapIn builds files as a new tree beside dir, linking the files of dir
// that are unchanged (same), and swaps it in.
func swapIn(dir string, same func(File) bool, files []File) error {
	parentDir, name := filepath.Split(dir)
	if err := os.MkdirAll(parentDir, 0o755); err != nil {
		return err
	}
	if err := checkDir(parentDir); err != nil { // made by someone else meanwhile
		return err
	}
	parent, err := os.OpenRoot(parentDir)
	if err != nil {
		return err
	}
	defer parent.Close()
	tmpDir, err := os.MkdirTemp(parentDir, tmpPrefix+name+"-*"+tmpSuffix)
	if err != nil {
		return err
	}
	tmp := filepath.Base(tmpDir)
	old := tmp // what to remove at the end: the new tree on failure, else the previous one
	defer func() {
		if old != "" {
			parent.RemoveAll(old)
		}
	}()
	if err := buildTree(parent, tmp, name, same, files); err != nil {
		return err
	}
	step("built")
	prev, err := replace(parent, tmp, name)
	if err != nil {
		return err // old is still tmp
	}
	old = prev
	step("swapped")
	syncDir(parent) // best effort: the swap has happened either way
	step("synced")
	if old != "" {
		if err := parent.RemoveAll(old); err != nil {
			return fmt.Errorf("removing the previous tree %s: %w", old, err)
		}
		old = ""
	}
	return nil
}

// step marks the points between the steps of a write. Tests replace it to
// stop a write there (e.g. by killing the process); it does nothing.
var step = func(name string) {}

// buildTree writes files into parent's empty directory tmp, linking the
// unchanged ones (same) from parent's directory cur, and syncs it to disk.
func buildTree(parent *os.Root, tmp, cur string, same func(File) bool, files []File) error {
	if err := parent.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it 0700
		return err
	}
	root, err := parent.OpenRoot(tmp)
	if err != nil {
		return err
	}
	defer root.Close()
	dirs := []string{"."}
	made := map[string]bool{".": true}
	links := newLinker(parent, cur, tmp)
	defer links.close()
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
		if same(f) {
			// Neither link(2) nor the linker's walk to the folders
			// follows a symbolic link, and Writable refused any.
			err := links.link(f.Path)
			if err == nil {
				continue
			}
			// A file system without hard links: write a copy.
		}
		if err := writeFile(root, f.Path, f.Data); err != nil {
			return fmt.Errorf("creating %s: %w", f.Path, err)
		}
		step("file")
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

// exchange atomically swaps two entries of parent; errors.ErrUnsupported
// means the system or file system cannot. Tests replace it to take the
// fallback.
var exchange = renameExchange

// replace puts parent's tree tmp in the place of its entry name and
// returns where the previous tree went ("" if there was none).
func replace(parent *os.Root, tmp, name string) (old string, err error) {
	if _, err := parent.Lstat(name); errors.Is(err, fs.ErrNotExist) {
		return "", parent.Rename(tmp, name)
	}
	err = exchange(parent, tmp, name)
	if err == nil {
		return tmp, nil // tmp now holds the previous tree
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		return "", err
	}

	// Not atomic: for a moment, name does not exist (Clean repairs a run
	// killed then).
	aside := oldPrefix + name + "-" + strings.TrimSuffix(strings.TrimPrefix(tmp, tmpPrefix+name+"-"), tmpSuffix)
	if err := parent.Rename(name, aside); err != nil {
		return "", err
	}
	step("aside")
	if err := parent.Rename(tmp, name); err != nil {
		if rerr := parent.Rename(aside, name); rerr != nil {
			return "", fmt.Errorf("%w; restoring the previous tree from %s: %w", err, aside, rerr)
		}
		return "", err
	}
	return aside, nil
}

// syncDir flushes a directory's entries (a rename) to disk, ignoring
// errors: some file systems cannot sync directories.
func syncDir(root *os.Root) {
	if f, err := root.Open("."); err == nil {
		f.Sync()
		f.Close()
	}
}

// Clean removes from dir (rendered/), and from each of its folders (a
// platform's rendered/<platform>/), what a write killed before it finished
// left behind: new trees being built (".gen-*.tmp") and, after a fallback
// swap killed half way, puts a tree set aside (".gen-old-*") back in its
// place when nothing took it, or removes it. It returns the paths,
// relative to dir, of the entries it removed or restored. Only [Lock]'s
// holder may call it.
func Clean(dir string) ([]string, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	done, err := cleanDir(root, ".")
	if err != nil {
		return done, err
	}
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return done, err
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") { // fs.ReadDir reports a link as no directory
			continue
		}
		more, err := cleanDir(root, e.Name())
		done = append(done, more...)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// cleanDir does Clean's work in the folder sub of root.
func cleanDir(root *os.Root, sub string) ([]string, error) {
	entries, err := fs.ReadDir(root.FS(), sub)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, e := range entries {
		name := path.Join(sub, e.Name())
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if rest, ok := strings.CutPrefix(e.Name(), oldPrefix); ok && e.IsDir() && !strings.HasSuffix(name, tmpSuffix) {
			if i := strings.LastIndexByte(rest, '-'); i > 0 {
				orig := path.Join(sub, rest[:i])
				if _, err := root.Lstat(orig); errors.Is(err, fs.ErrNotExist) {
					if err := root.Rename(name, orig); err != nil {
						return done, fmt.Errorf("restoring %s: %w", orig, err)
					}
					done = append(done, name)
					continue
				}
			}
		} else if !strings.HasSuffix(name, tmpSuffix) {
			continue
		}
		if err := root.RemoveAll(name); err != nil {
			return done, fmt.Errorf("removing %s: %w", name, err)
		}
		done = append(done, name)
	}
	return done, nil
}
