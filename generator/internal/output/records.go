package output

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// Stat is what a file's metadata said when its content was last found to
// match its record: if none of it has changed since, neither has the
// content, and the file need not be read. Like git's index, it keeps the
// change time as well as the modification time: restoring a file's
// modification time (touch -d, os.Chtimes) sets its change time to now,
// which no program can set back. The zero Stat is none.
type Stat struct {
	Size  int64
	Mtime int64 // nanoseconds since the epoch
	Ctime int64 // nanoseconds since the epoch
	Ino   uint64
	Mode  uint32 // st_mode: the type and permission bits
}

// settled reports whether the file was last changed before t. Only such
// a Stat may be recorded: a file changed again within the same tick of
// the file system's clock keeps its times, and a change made after the
// content was read but within the tick it was read in would look like
// no change at all (git's "racily clean" entries). t is the start of the
// run that read the file, less a slack wider than any clock tick.
func (s Stat) settled(t time.Time) bool {
	return s != Stat{} && s.Mtime < t.UnixNano() && s.Ctime < t.UnixNano()
}

// Record is what is known of a rendered file without reading it: the
// digest of its content (see [Digest]) and, once its content was found to
// match after it had settled, its Stat then.
type Record struct {
	Digest string
	Stat   Stat
}

// Records are the records of an environment's files, by path relative to
// its folder. A path ending in "/" is a folder's ("./" the environment's
// own): it has no digest, and its Stat is that of a folder whose entries
// were, when it was taken, exactly those the records name (see
// [CompareRecords]).
type Records map[string]Record

// Files is the number of files the records name (folders aside).
func (r Records) Files() int {
	n := 0
	for p := range r {
		if !isDir(p) {
			n++
		}
	}
	return n
}

// rootDir is the record of the compared folder itself.
const rootDir = "./"

// isDir reports whether p is the path of a folder's record.
func isDir(p string) bool { return strings.HasSuffix(p, "/") }

// dirKey is the record path of the folder at p, relative to the compared
// folder ("" is that folder).
func dirKey(p string) string {
	if p == "" {
		return rootDir
	}
	return p + "/"
}

// NewRecords returns the records of files, without a Stat: each file is
// read the first time it is compared (see [CompareRecords]).
func NewRecords(files []File) Records {
	r := make(Records, len(files))
	for _, f := range files {
		r[f.Path] = Record{Digest: Digest(f.Data)}
	}
	return r
}

// AppendBinary appends r in the form ParseRecordList reads, sorted by
// path, each record as
//
//	<path length> <path> <digest length> <digest> <size> <mtime> <ctime> <inode> <mode>
//
// in varints (signed for size and times): a warm check reads the records
// of thousands of files to tell in milliseconds that nothing changed, and
// reading them costs as little as reading them is possible. Any path can
// be written.
func (r Records) AppendBinary(b []byte) []byte {
	return r.List().AppendBinary(b)
}

// AppendBinary is Records.AppendBinary for records in a list, in its
// order (a list made by List or ParseRecordList is sorted).
func (l RecordList) AppendBinary(b []byte) []byte {
	for _, pr := range l {
		b = binary.AppendUvarint(b, uint64(len(pr.Path)))
		b = append(b, pr.Path...)
		b = binary.AppendUvarint(b, uint64(len(pr.Digest)))
		b = append(b, pr.Digest...)
		b = binary.AppendVarint(b, pr.Stat.Size)
		b = binary.AppendVarint(b, pr.Stat.Mtime)
		b = binary.AppendVarint(b, pr.Stat.Ctime)
		b = binary.AppendUvarint(b, pr.Stat.Ino)
		b = binary.AppendUvarint(b, uint64(pr.Stat.Mode))
	}
	return b
}

// PathRecord is the record of the file or folder at Path (see [Records]).
type PathRecord struct {
	Path string
	Record
}

// RecordList holds the same records as [Records], sorted by path: the form
// a check reads them in. Going through thousands of records in a list
// costs nothing beside building a map of them, which took a warm check
// longer than parsing them.
type RecordList []PathRecord

// List returns r sorted by path.
func (r Records) List() RecordList {
	l := make(RecordList, 0, len(r))
	for p, rec := range r {
		l = append(l, PathRecord{Path: p, Record: rec})
	}
	slices.SortFunc(l, func(a, b PathRecord) int { return strings.Compare(a.Path, b.Path) })
	return l
}

// Records returns l as a map by path.
func (l RecordList) Records() Records {
	r := make(Records, len(l))
	for _, pr := range l {
		r[pr.Path] = pr.Record
	}
	return r
}

// Files is the number of files the records name (folders aside).
func (l RecordList) Files() int {
	n := 0
	for _, pr := range l {
		if !isDir(pr.Path) {
			n++
		}
	}
	return n
}

// ParseRecords reads what AppendBinary wrote, as ParseRecordList does.
func ParseRecords(data []byte) (Records, error) {
	l, err := ParseRecordList(data)
	if err != nil {
		return nil, err
	}
	return l.Records(), nil
}

// ParseRecordList reads what AppendBinary wrote, in its order: sorted by
// path, each path once, or an error. The paths and digests it returns are
// data itself, which the caller must not change afterwards: a check
// parses the records of thousands of files, and copying them, or one
// allocation for each, would cost more than the parse.
func ParseRecordList(data []byte) (RecordList, error) {
	// A record of a rendered file takes about 100 bytes.
	r := make(RecordList, 0, len(data)/64+1)
	d := recordReader{data: data}
	for len(d.data) > 0 {
		var pr PathRecord
		pr.Path = d.string()
		pr.Digest = d.string()
		pr.Stat.Size = d.varint()
		pr.Stat.Mtime = d.varint()
		pr.Stat.Ctime = d.varint()
		pr.Stat.Ino = d.uvarint()
		mode := d.uvarint()
		pr.Stat.Mode = uint32(mode)
		switch {
		case d.err != nil:
			return nil, fmt.Errorf("records: record %d: %w", len(r), d.err)
		case mode > math.MaxUint32:
			return nil, fmt.Errorf("records: %q: mode %d out of range", pr.Path, mode)
		case pr.Path == "":
			return nil, errors.New("records: a record without a path")
		}
		if n := len(r); n > 0 && r[n-1].Path >= pr.Path {
			return nil, fmt.Errorf("records: %q after %q: not sorted, or twice", pr.Path, r[n-1].Path)
		}
		r = append(r, pr)
	}
	return r, nil
}

// recordReader reads the fields of AppendBinary's records from data,
// keeping the first error.
type recordReader struct {
	data []byte
	err  error
}

var errTruncated = errors.New("truncated or overlong")

func (d *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.data = d.data[n:]
	return v
}

func (d *recordReader) varint() int64 {
	v, n := binary.Varint(d.data)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.data = d.data[n:]
	return v
}

// string returns the next length-prefixed string, which is d.data itself.
func (d *recordReader) string() string {
	n := d.uvarint()
	if n > uint64(len(d.data)) {
		d.fail()
		return ""
	}
	if n == 0 {
		return ""
	}
	s := unsafe.String(&d.data[0], n)
	d.data = d.data[n:]
	return s
}

func (d *recordReader) fail() {
	if d.err == nil {
		d.err = errTruncated
	}
	d.data = nil
}

// CompareRecords is Compare against files known only by their records:
// it lists the paths of want that are stale or missing in dir and the
// files of dir that want does not have. A file whose metadata is that of
// its record's Stat is the same file, unchanged, and is not read; the
// others are read and their digest compared. Of those that match, the
// ones that had settled before since (the start of the run, less a
// slack wider than the file system's clock tick) come back in settled,
// with their Stat, for the caller to record: the next comparison need
// not read them. Where the system gives no such metadata, every file is
// read.
//
// Folders are recorded the same way: when nothing is missing or extra,
// each folder that had settled comes back in settled with its Stat (see
// [Records]), all of them or none; a folder recorded before and gone
// comes back with a zero Record, which the caller removes. Adding,
// removing or renaming an entry of a folder changes its modification and
// change times, so while every recorded folder's metadata is unchanged
// its entries are those recorded: the next comparison asks the system
// about each recorded path (one fstatat) instead of opening and listing
// every folder, which saves a third of the system calls.
//
// Like ReadTree, it follows no symbolic link: dir or its parent being one
// is an [UnsafePathError], and one inside dir is stale.
func CompareRecords(dir string, want Records, since time.Time) (c Changes, settled Records, err error) {
	return compareRecords(dir, want.List(), want, since)
}

// CompareRecordList is CompareRecords with the records in a list, as a
// check reads them: when nothing changed it needs no map of them.
func CompareRecordList(dir string, want RecordList, since time.Time) (c Changes, settled Records, err error) {
	return compareRecords(dir, want, nil, since)
}

// compareRecords is CompareRecords with the records as a list and, when
// the caller has it, as a map (nil: made from the list when needed).
func compareRecords(dir string, list RecordList, want Records, since time.Time) (c Changes, settled Records, err error) {
	dir = filepath.Clean(dir)
	if err := checkDir(filepath.Dir(dir)); err != nil {
		return Changes{}, nil, err
	}
	if err := checkDir(dir); err != nil {
		return Changes{}, nil, err
	}
	if c, settled, ok := statRecords(dir, list, since); ok {
		return c, settled, nil
	}
	if want == nil {
		want = list.Records()
	}
	seen := make(map[string]bool, len(want))
	var dirs Records
	nonRegular := false
	settle := func(p string, rec Record) {
		if settled == nil {
			settled = Records{}
		}
		settled[p] = rec
	}
	visitDir := func(p string, st Stat) {
		if dirs == nil {
			dirs = Records{}
		}
		dirs[dirKey(p)] = Record{Stat: st}
	}
	exists, err := walkTree(dir, func(p string, regular bool, st Stat, read func() (string, Stat, error)) error {
		rec, ok := want[p]
		if !ok {
			c.Extra = append(c.Extra, p)
			return nil
		}
		seen[p] = true
		if !regular {
			nonRegular = true
			c.Stale = append(c.Stale, p)
			return nil
		}
		if rec.Stat != (Stat{}) && st == rec.Stat {
			return nil // the same file, unchanged since it matched
		}
		digest, st, err := read()
		if err != nil {
			return err
		}
		if digest != rec.Digest {
			c.Stale = append(c.Stale, p)
			return nil
		}
		if st.settled(since) {
			settle(p, Record{Digest: digest, Stat: st})
		}
		return nil
	}, visitDir)
	if err != nil {
		return Changes{}, nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	_ = exists // no folder: every file is missing
	for p := range want {
		if !seen[p] && !isDir(p) {
			c.Missing = append(c.Missing, p)
		}
	}
	// A folder's Stat stands for its entries only if they were those of
	// want (nothing extra, missing, or of another type), and the folders
	// recorded must be all the tree's: all of them are recorded at once,
	// when every one has settled, and those gone come back as zero
	// Records, for the caller to remove.
	if len(c.Extra) == 0 && len(c.Missing) == 0 && !nonRegular && len(dirs) > 0 && allSettled(dirs, since) {
		for p, rec := range dirs {
			if want[p].Stat != rec.Stat {
				settle(p, rec)
			}
		}
		for p := range want {
			if _, ok := dirs[p]; isDir(p) && !ok {
				settle(p, Record{})
			}
		}
	}
	slices.Sort(c.Stale)
	slices.Sort(c.Missing)
	slices.Sort(c.Extra)
	return c, settled, nil
}

// allSettled reports whether every record of r had settled before t.
func allSettled(r Records, t time.Time) bool {
	for _, rec := range r {
		if !rec.Stat.settled(t) {
			return false
		}
	}
	return true
}

// readDigest reads f to its end and returns the digest of its content
// and its Stat once read: a change made while it was read shows in that
// Stat, which then is not settled.
func readDigest(f *os.File) (string, Stat, error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return "", Stat{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return "", Stat{}, err
	}
	return Digest(data), statOf(fi), nil
}

// visitFunc is called by walkTree for every file under a folder (not
// for folders), with its slash-separated path relative to the folder,
// whether it is a regular file, its Stat (zero where the system has
// none, see statOf) and a function that reads it.
type visitFunc func(p string, regular bool, st Stat, read func() (string, Stat, error)) error

// visitDirFunc is called by walkTree, where the system gives a Stat, for
// every folder it walks ("" for the walked folder itself) with the Stat
// the folder had before its entries were listed.
type visitDirFunc func(p string, st Stat)
