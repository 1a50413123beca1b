//go:build unix

package output

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// openLock opens (creating) the lock file name, refusing a symbolic link.
func openLock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
}

// flock takes an exclusive flock(2) on f, waiting for it if wait is set;
// without waiting, a lock held elsewhere is [ErrLocked].
func flock(f *os.File, wait bool) error {
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return ErrLocked
		}
		return err
	}
}
