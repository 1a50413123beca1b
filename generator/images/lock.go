package images

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// LockFile is the name of an environment's lock file, in its folder under
// environments/.
const LockFile = "images.lock.json"

// lockVersion is the format version written into every lock file.
const lockVersion = 1

// Lock is the content of a lock file: the digest each (repository, tag)
// of an environment was pinned to. It holds no timestamps, so resolving
// the same digests again writes the same bytes.
type Lock struct {
	Images []Entry
}

// Entry is one pinned image.
type Entry struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	Descriptor
}

type lockJSON struct {
	Version int     `json:"version"`
	Comment string  `json:"comment"`
	Images  []Entry `json:"images"`
}

const lockComment = "Written by gen: the digest each image tag of this environment is pinned to. Update with: gen images ENV --refresh"

// Lookup returns the entry for repository and tag.
func (l *Lock) Lookup(repository, tag string) (Descriptor, bool) {
	i, ok := slices.BinarySearchFunc(l.Images, Entry{Repository: repository, Tag: tag}, compareEntries)
	if !ok {
		return Descriptor{}, false
	}
	return l.Images[i].Descriptor, true
}

func compareEntries(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Tag, b.Tag))
}

// Encode returns the lock file's bytes: indented JSON, entries sorted by
// repository and tag, one trailing newline.
func (l *Lock) Encode() []byte {
	images := slices.Clone(l.Images)
	slices.SortFunc(images, compareEntries)
	images = slices.CompactFunc(images, func(a, b Entry) bool { return compareEntries(a, b) == 0 })
	if images == nil {
		images = []Entry{}
	}
	b, err := json.MarshalIndent(lockJSON{Version: lockVersion, Comment: lockComment, Images: images}, "", "  ")
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return append(b, '\n')
}

// ParseLock decodes a lock file. Unknown fields, a newer version, or
// entries without a digest are errors that name the file.
func ParseLock(path string, data []byte) (*Lock, error) {
	var lj lockJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&lj); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if lj.Version != lockVersion {
		return nil, fmt.Errorf("reading %s: version %d is not %d; was it written by another gen?", path, lj.Version, lockVersion)
	}
	for i, e := range lj.Images {
		if e.Repository == "" || e.Tag == "" || e.Digest == "" {
			return nil, fmt.Errorf("reading %s: image %d needs repository, tag and digest", path, i)
		}
	}
	l := &Lock{Images: lj.Images}
	slices.SortFunc(l.Images, compareEntries)
	return l, nil
}

// ReadLock reads the lock file at path; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLock(path, data)
}

// Changed reports whether the lock file at path differs from data (nil
// data: whether the file exists).
func Changed(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return data != nil, nil
	}
	if err != nil {
		return false, err
	}
	return data == nil || !bytes.Equal(old, data), nil
}

// WriteLock makes the lock file at path hold data, atomically: a temporary
// file beside it, synced, then renamed over it. Nil data removes the
// file. If path already holds data, nothing is written.
func WriteLock(path string, data []byte) error {
	if data == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeFile(path, data)
}

func writeFile(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gen-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
