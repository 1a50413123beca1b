package output

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// walkTree calls visit for every file under dir and reports whether dir
// exists. It works with the descriptors of the folders it walks (openat,
// fstatat), never a path from the root, so that it follows no symbolic
// link, and it takes one system call per file: on a tree of twenty
// thousand files, going through os.Root and io/fs took three times
// as many. visitDir is told each folder's Stat.
func walkTree(dir string, visit visitFunc, visitDir visitDirFunc) (bool, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	if err != nil {
		return false, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	return true, walkFD(fd, "", make([]byte, 16<<10), visit, visitDir)
}

// walkFD walks the folder open as fd, whose path relative to the root of
// the walk is prefix.
func walkFD(fd int, prefix string, buf []byte, visit visitFunc, visitDir visitDirFunc) error {
	// The folder's Stat from before it is listed, of the folder open (not
	// of a name that may have been given to another since): an entry
	// added or removed after it changes the folder's times.
	var dst unix.Stat_t
	if err := unix.Fstat(fd, &dst); err != nil {
		return &fs.PathError{Op: "fstat", Path: prefix, Err: err}
	}
	visitDir(prefix, statFromSys(&dst))
	var names []string
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: prefix, Err: err}
		}
		if n <= 0 {
			break
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
	for _, name := range names {
		p := name
		if prefix != "" {
			p = prefix + "/" + name
		}
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return &fs.PathError{Op: "fstatat", Path: p, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return &fs.PathError{Op: "openat", Path: p, Err: err}
			}
			err = walkFD(sub, p, buf, visit, visitDir)
			unix.Close(sub)
			if err != nil {
				return err
			}
		case unix.S_IFREG:
			read := func() (string, Stat, error) {
				f, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
				if err != nil {
					return "", Stat{}, &fs.PathError{Op: "openat", Path: p, Err: err}
				}
				file := os.NewFile(uintptr(f), p)
				defer file.Close()
				return readDigest(file)
			}
			if err := visit(p, true, statFromSys(&st), read); err != nil {
				return err
			}
		default:
			if err := visit(p, false, Stat{}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// statRecords answers CompareRecords without listing a folder, when the
// folders recorded in want (see [Records]) all have the Stat recorded:
// the entries of each are then those recorded, so that nothing is
// missing or extra, and each file is asked about by its path from dir
// (one fstatat) and read only when its Stat is not the one recorded. ok
// is false when a folder changed, a file is gone or not a regular file,
// or anything fails: the caller walks the tree instead, which says what.
//
// A path is resolved from dir in one call, through folders found to be
// those recorded (not symbolic links), or the answer is not used; a file
// is read only through descriptors opened with O_NOFOLLOW, one folder at
// a time.
//
// The records are asked about in parallel, in runs of the list, as git's
// core.preloadIndex does: the system calls are most of a warm check.
// Which records are asked about, and the answer, do not depend on it.
func statRecords(dir string, want RecordList, since time.Time) (c Changes, settled Records, ok bool) {
	i, found := slices.BinarySearchFunc(want, rootDir, func(pr PathRecord, p string) int { return strings.Compare(pr.Path, p) })
	if !found || want[i].Stat == (Stat{}) {
		return Changes{}, nil, false
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return Changes{}, nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || statFromSys(&st) != want[i].Stat {
		return Changes{}, nil, false
	}
	runs := statRuns(len(want))
	res := make([]statResult, len(runs))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for k, r := range runs {
		wg.Go(func() { res[k] = statRun(fd, want[r[0]:r[1]], since, &failed) })
	}
	wg.Wait()
	if failed.Load() {
		return Changes{}, nil, false
	}
	for _, r := range res {
		c.Stale = append(c.Stale, r.stale...)
		for p, rec := range r.settled {
			if settled == nil {
				settled = Records{}
			}
			settled[p] = rec
		}
	}
	slices.Sort(c.Stale)
	return c, settled, true
}

// statRunSize is the fewest records worth a goroutine of their own.
const statRunSize = 512

// statRuns splits n records into runs [start, end) for statRecords: one
// per processor at most, none shorter than statRunSize but the last.
func statRuns(n int) [][2]int {
	k := min(runtime.GOMAXPROCS(0), max(1, n/statRunSize))
	runs := make([][2]int, k)
	for i := range runs {
		runs[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return runs
}

// statResult is what statRun found in its run of records.
type statResult struct {
	stale   []string
	settled Records
}

// statRun asks about each record of want under the folder open as fd, as
// statRecords does, and sets failed, then stops, at the first one whose
// answer means the tree must be walked, or once another run has set it.
func statRun(fd int, want RecordList, since time.Time, failed *atomic.Bool) (r statResult) {
	var st unix.Stat_t
	for _, pr := range want {
		if failed.Load() {
			return r
		}
		p, rec := pr.Path, pr.Record
		if isDir(p) {
			if p == rootDir || rec.Stat == (Stat{}) {
				continue
			}
			if unix.Fstatat(fd, strings.TrimSuffix(p, "/"), &st, unix.AT_SYMLINK_NOFOLLOW) != nil || statFromSys(&st) != rec.Stat {
				failed.Store(true)
				return r
			}
			continue
		}
		if unix.Fstatat(fd, p, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			failed.Store(true)
			return r
		}
		if rec.Stat != (Stat{}) && statFromSys(&st) == rec.Stat {
			continue // the same file, unchanged since it matched
		}
		digest, st, err := readBeneath(fd, p)
		if err != nil {
			failed.Store(true)
			return r
		}
		if digest != rec.Digest {
			r.stale = append(r.stale, p)
			continue
		}
		if st.settled(since) {
			if r.settled == nil {
				r.settled = Records{}
			}
			r.settled[p] = Record{Digest: digest, Stat: st}
		}
	}
	return r
}

// readBeneath reads the file at the slash-separated path p under the
// folder open as fd, opening each folder on the way and the file with
// O_NOFOLLOW, and returns its digest and Stat as readDigest does.
func readBeneath(fd int, p string) (string, Stat, error) {
	cur := fd
	defer func() {
		if cur != fd {
			unix.Close(cur)
		}
	}()
	rest := p
	for {
		name, after, more := strings.Cut(rest, "/")
		if !more {
			break
		}
		sub, err := unix.Openat(cur, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", Stat{}, &fs.PathError{Op: "openat", Path: p, Err: err}
		}
		if cur != fd {
			unix.Close(cur)
		}
		cur, rest = sub, after
	}
	f, err := unix.Openat(cur, rest, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", Stat{}, &fs.PathError{Op: "openat", Path: p, Err: err}
	}
	file := os.NewFile(uintptr(f), p)
	defer file.Close()
	return readDigest(file)
}
