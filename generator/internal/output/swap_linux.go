package output

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// renameExchange atomically swaps the entries a and b of parent with
// renameat2(2) and RENAME_EXCHANGE (Linux 3.15 and later). Kernels and file
// systems without it give an error that matches errors.ErrUnsupported.
func renameExchange(parent *os.Root, a, b string) error {
	d, err := parent.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	fd := int(d.Fd())
	err = unix.Renameat2(fd, a, fd, b, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EINVAL) || errors.Is(err, errors.ErrUnsupported): // ENOSYS, EOPNOTSUPP
		return fmt.Errorf("exchanging %s and %s: %w (%w)", a, b, errors.ErrUnsupported, err)
	}
	return fmt.Errorf("exchanging %s and %s: %w", a, b, err)
}

// syncTree makes the files and folders just written under root durable
// before they are swapped in. One syncfs(2) flushes the whole file system
// at once: fsync on each of thousands of files would commit the journal
// thousands of times and dominate the time of a large render.
func syncTree(root *os.Root, files []string, dirs []string) error {
	f, err := root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing: %w", err)
	}
	return nil
}
