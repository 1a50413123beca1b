// Package cache keeps small files outside the repository that let gen
// skip work whose inputs did not change: for each environment, a digest
// of the files it was loaded from and what rendering them produced.
//
// The cache is an optimisation only. Every entry is keyed on the gen
// binary itself, so a new build never reads an old build's entries, and
// anything unexpected (a missing, unreadable or corrupt entry, a folder
// that cannot be created) is a miss, never an error.
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Environment variables that configure the cache.
const (
	// EnvDir names the cache folder; the default is gen/ in the user's
	// cache folder ($XDG_CACHE_HOME or ~/.cache on Linux).
	EnvDir = "GEN_CACHE_DIR"
	// EnvOff turns the cache off when set to "off", "0" or "false".
	EnvOff = "GEN_CACHE"
)

// Cache is a folder of entries. A nil *Cache is valid and always misses.
type Cache struct {
	dir   string
	prune sync.Once
	// exe memoises Executable for the process.
	exe struct {
		once   sync.Once
		digest string
		err    error
	}
}

// MaxAge is how long an entry is kept after it was last written. Entries
// are keyed on the date and the gen binary, so older ones are never read
// again; the first Put of a process removes them.
const MaxAge = 7 * 24 * time.Hour

// Open returns the cache configured by the environment, or nil when it is
// turned off or there is no cache folder (no home directory).
func Open() *Cache {
	switch strings.ToLower(os.Getenv(EnvOff)) {
	case "off", "0", "false", "no":
		return nil
	}
	if d := os.Getenv(EnvDir); d != "" {
		return New(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	return New(filepath.Join(d, "gen"))
}

// New returns the cache in dir, which is created on the first Put.
func New(dir string) *Cache {
	return &Cache{dir: dir}
}

// Dir is the cache's folder, "" for a nil cache.
func (c *Cache) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// Key returns a key made of parts, safe as a file name.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Get decodes the entry stored under key into v and reports whether there
// was one.
func (c *Cache) Get(key string, v any) bool {
	data, ok := c.GetBytes(key)
	return ok && json.Unmarshal(data, v) == nil
}

// GetBytes returns the entry stored under key with PutBytes, and whether
// there was one.
func (c *Cache) GetBytes(key string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	data, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	return data, true
}

// Put stores v under key, as JSON. The entry is written to a temporary
// file and renamed into place, so a reader sees the old entry or the new
// one, never half of one. Failing to store is not an error worth stopping
// for; the error is returned for callers that want to mention it.
func (c *Cache) Put(key string, v any) error {
	if c == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.PutBytes(key, data)
}

// PutBytes stores data under key, as Put does: for entries that are not
// JSON, or not only JSON, because they are large and read often.
func (c *Cache) PutBytes(key string, data []byte) error {
	if c == nil {
		return nil
	}
	c.prune.Do(c.removeOld)
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// removeOld removes the entries, and leftover temporary files, last
// written more than MaxAge ago, and the folders that leaves empty.
func (c *Cache) removeOld() {
	cutoff := time.Now().Add(-MaxAge)
	dirs, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		sub := filepath.Join(c.dir, d.Name())
		entries, err := os.ReadDir(sub)
		if err != nil {
			continue
		}
		left := len(entries)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
				if os.Remove(filepath.Join(sub, e.Name())) == nil {
					left--
				}
			}
		}
		if left == 0 {
			os.Remove(sub)
		}
	}
}

// path spreads entries over 256 folders, as git does with objects.
func (c *Cache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key[2:])
}

// Executable returns a digest of the running gen binary: entries written
// by another build must never be read. The digest is remembered per
// (path, size, modification time, inode), so the binary is read once
// per build, not on every run, and looked up once per process.
func (c *Cache) Executable() (string, error) {
	c.exe.once.Do(func() { c.exe.digest, c.exe.err = c.executable() })
	return c.exe.digest, c.exe.err
}

func (c *Cache) executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return "", err
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	key := Key("executable", exe, fmt.Sprint(fi.Size(), fi.ModTime().UnixNano(), ino))
	var digest string
	if c.Get(key, &digest) && digest != "" {
		return digest, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	digest = hex.EncodeToString(h.Sum(nil))
	_ = c.Put(key, digest)
	return digest, nil
}

// Inputs is a digest of the files in some folders.
type Inputs struct {
	// Digest covers the name and content of every input file.
	Digest string
	// Modified is each input file's modification time, by path relative
	// to the root.
	Modified map[string]time.Time
}

// ModifiedSince reports whether an input file other than those in skip
// was modified at or after t.
func (in Inputs) ModifiedSince(t time.Time, skip ...string) bool {
	for p, m := range in.Modified {
		if !m.Before(t) && !slices.Contains(skip, p) {
			return true
		}
	}
	return false
}

// Hash is Hasher.Hash with a Hasher of its own.
func Hash(root string, dirs []string, extra ...string) (Inputs, error) {
	return new(Hasher).Hash(root, dirs, extra...)
}

// Hasher digests input files, each once, and lists each input folder
// once: the environments of one platform share most of their input
// folders (environments/, schema/, cue.mod/), and a check asks for each
// environment's inputs in turn. A
// Hasher answers for one moment; use a new one for every run. The zero
// Hasher is ready to use; it is safe for concurrent use.
//
// Given the digests an earlier run recorded (Trust), a Hasher reads only
// the files whose metadata (lstat: size, modification and change times
// in nanoseconds, inode, mode) is not the one recorded with the digest,
// as a check does with rendered files; Settled returns what to record.
type Hasher struct {
	mu    sync.Mutex
	files map[string]hashedFile // by root, NUL, path relative to the root
	dirs  map[string]listing    // by root, NUL, folder relative to the root
	// known are the records Trust was given, fresh those of the files
	// read since whose metadata had settled, and dropped those of known
	// found out of date: all keyed as files.
	known, fresh map[string]fileRecord
	dropped      map[string]bool
	since        time.Time
}

// hashedFile is what a Hasher read of one file: its SHA-256 and
// modification time, or that it does not exist.
type hashedFile struct {
	sum     [sha256.Size]byte
	modTime time.Time
	absent  bool
}

// fileStat is what lstat said of a file when its digest was taken: if
// none of it has changed since, neither has the content. The change time
// is there because no program can set it back: restoring a file's
// modification time after an edit sets its change time to now.
type fileStat struct {
	Size  int64
	Mtime int64 // nanoseconds since the epoch
	Ctime int64 // nanoseconds since the epoch
	Ino   uint64
	Mode  uint32
}

// settled reports whether the file was last changed before t: only then
// may its digest be trusted on its metadata, since a change in the same
// tick of the file system's clock would keep its times (git's "racily
// clean" files).
func (s fileStat) settled(t time.Time) bool {
	return s != fileStat{} && s.Mtime < t.UnixNano() && s.Ctime < t.UnixNano()
}

// fileRecord is a file's digest and its metadata then.
type fileRecord struct {
	Sum  [sha256.Size]byte
	Stat fileStat
}

// Trust lets hs take the digest of a file under root from records, as
// Settled returned them, when the file's metadata is the one recorded
// with it, instead of reading the file. Files read whose metadata had
// settled before since (the start of the run, less a slack wider than
// any file system's clock tick) are recorded for Settled. Records that
// cannot be parsed are ignored: every file is read.
func (hs *Hasher) Trust(root string, records []byte, since time.Time) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.since = since
	if hs.known == nil {
		hs.known = map[string]fileRecord{}
	}
	var rec map[string]fileRecord
	if json.Unmarshal(records, &rec) != nil {
		return
	}
	for rel, r := range rec {
		hs.known[root+"\x00"+rel] = r
	}
}

// Settled returns the records of the files under root for a later run's
// Trust: those given to Trust still valid and those read since that had
// settled. ok is false when they are the ones Trust was given.
func (hs *Hasher) Settled(root string) (records []byte, ok bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if len(hs.fresh) == 0 && len(hs.dropped) == 0 {
		return nil, false
	}
	out := map[string]fileRecord{}
	prefix := root + "\x00"
	for k, r := range hs.known {
		if rel, ok := strings.CutPrefix(k, prefix); ok && !hs.dropped[k] {
			out[rel] = r
		}
	}
	for k, r := range hs.fresh {
		if rel, ok := strings.CutPrefix(k, prefix); ok {
			out[rel] = r
		}
	}
	data, err := json.Marshal(out)
	return data, err == nil
}

// file returns the hashedFile of rel under root, reading it the first
// time unless its metadata is that of a record Trust was given.
func (hs *Hasher) file(root, rel string) (hashedFile, error) {
	key := root + "\x00" + rel
	hs.mu.Lock()
	f, ok := hs.files[key]
	known, trusted := hs.known[key]
	since := hs.since
	hs.mu.Unlock()
	if ok {
		return f, nil
	}
	name := filepath.Join(root, filepath.FromSlash(rel))
	if trusted {
		if fi, err := os.Lstat(name); err == nil {
			if st, ok := statOf(fi); ok && st == known.Stat {
				f = hashedFile{sum: known.Sum, modTime: fi.ModTime()}
				hs.remember(key, f, nil, false)
				return f, nil
			}
		}
	}
	var fresh *fileRecord
	data, fi, err := readFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f = hashedFile{absent: true}
	case err != nil:
		return hashedFile{}, err
	default:
		f = hashedFile{sum: sha256.Sum256(data), modTime: fi.ModTime()}
		if st, ok := statOf(fi); ok && !since.IsZero() && fi.Mode().IsRegular() && st.settled(since) {
			fresh = &fileRecord{Sum: f.sum, Stat: st}
		}
	}
	hs.remember(key, f, fresh, trusted)
	return f, nil
}

// remember keeps what file found of the file at key: its hashedFile, the
// record to keep for the next run if any, and whether the record Trust
// gave for it is out of date.
func (hs *Hasher) remember(key string, f hashedFile, fresh *fileRecord, stale bool) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.files == nil {
		hs.files = map[string]hashedFile{}
	}
	hs.files[key] = f
	if stale {
		if hs.dropped == nil {
			hs.dropped = map[string]bool{}
		}
		hs.dropped[key] = true
	}
	if fresh != nil {
		if hs.fresh == nil {
			hs.fresh = map[string]fileRecord{}
		}
		hs.fresh[key] = *fresh
	}
}

// Hash reads the input files of dirs (relative to root, slash-separated)
// and digests them. The input files of a folder are its regular files,
// not those of its subfolders, whose names end in .cue, .json, .yaml or
// .yml and do not start with "." (CUE's sources, the lock file, and data
// a CUE file may embed). A folder that does not exist is part of the
// digest as such, so creating it is a change. extra names single files
// (relative to root) to digest as well.
func (hs *Hasher) Hash(root string, dirs []string, extra ...string) (Inputs, error) {
	h := sha256.New()
	in := Inputs{Modified: map[string]time.Time{}}
	add := func(rel string) error {
		f, err := hs.file(root, rel)
		if err != nil {
			return err
		}
		if f.absent {
			fmt.Fprintf(h, "absent %q\n", rel)
			return nil
		}
		fmt.Fprintf(h, "file %q %x\n", rel, f.sum)
		in.Modified[rel] = f.modTime
		return nil
	}
	for _, d := range dirs {
		names, err := hs.inputNames(root, d)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(h, "no dir %q\n", d)
			continue
		}
		if err != nil {
			return Inputs{}, err
		}
		fmt.Fprintf(h, "dir %q\n", d)
		for _, name := range names {
			if err := add(path.Join(d, name)); err != nil {
				return Inputs{}, err
			}
		}
	}
	for _, f := range extra {
		if err := add(f); err != nil {
			return Inputs{}, err
		}
	}
	in.Digest = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// inputNames returns the names of the input files of the folder d under
// root, sorted, listing it the first time only: the environments of a
// platform share most of their input folders.
func (hs *Hasher) inputNames(root, d string) ([]string, error) {
	key := root + "\x00" + d
	hs.mu.Lock()
	l, ok := hs.dirs[key]
	hs.mu.Unlock()
	if ok {
		return l.names, l.err
	}
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(d)))
	l = listing{err: err}
	for _, e := range entries { // sorted by name
		if e.Type().IsRegular() && isInput(e.Name()) {
			l.names = append(l.names, e.Name())
		}
	}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.dirs == nil {
		hs.dirs = map[string]listing{}
	}
	hs.dirs[key] = l
	return l.names, l.err
}

// listing is what inputNames found in a folder.
type listing struct {
	names []string
	err   error
}

func isInput(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch filepath.Ext(name) {
	case ".cue", ".json", ".yaml", ".yml":
		return true
	}
	return false
}

func readFile(name string) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(fi.Size()))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), fi, nil
}
