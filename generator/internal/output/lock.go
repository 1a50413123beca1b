package output

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// LockFile is the name of the lock file [Lock] takes inside rendered/. Its
// name starts with a dot, so it is never an environment's folder, and
// .gitignore leaves it out of the repository.
const LockFile = ".gen.lock"

// ErrLocked is returned by [Lock] without waiting when another process
// holds the lock.
var ErrLocked = errors.New("another gen is writing here")

// Lock takes the exclusive lock on dir (rendered/) that serializes the
// processes writing it: an flock(2) on dir/.gen.lock, released by unlock
// or when the process ends, however it ends. dir is created if needed,
// and refused like [Writable] refuses it when it is a symbolic link or not
// a directory; the lock file is opened without following a symbolic link.
//
// When another process holds the lock, Lock returns an error matching
// [ErrLocked] if wait is false; else it calls waiting (if not nil) once
// and blocks until the lock is free. Having the lock, it removes what a
// killed write left behind ([Clean]).
//
// Each call opens the lock file anew, so two calls in one process exclude
// each other as two processes do. Outside Unix, Lock locks nothing.
func Lock(dir string, wait bool, waiting func()) (unlock func(), err error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, LockFile)
	f, err := openLock(name)
	if err != nil {
		return nil, fmt.Errorf("opening the lock %s: %w", name, err)
	}
	err = flock(f, false)
	if errors.Is(err, ErrLocked) && wait {
		if waiting != nil {
			waiting()
		}
		err = flock(f, true)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	unlock = func() { f.Close() } // closing the last descriptor releases it
	if _, err := Clean(dir); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}
