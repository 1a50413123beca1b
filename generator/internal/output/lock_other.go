//go:build !unix

package output

import "os"

// openLock opens (creating) the lock file name.
func openLock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
}

// flock does nothing: outside Unix, concurrent runs are not serialized.
func flock(f *os.File, wait bool) error { return nil }
