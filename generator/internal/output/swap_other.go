//go:build !linux

package output

import (
	"errors"
	"fmt"
	"os"
)

// renameExchange reports that atomic directory swaps are unsupported
// outside Linux, so Write renames the old tree aside and the new one in,
// and Clean repairs a run killed between the two renames. (macOS could use
// renamex_np with RENAME_SWAP.)
func renameExchange(parent *os.Root, a, b string) error {
	return errors.ErrUnsupported
}

// syncTree makes the files and folders just written under root durable
// before they are swapped in, one fsync each.
func syncTree(root *os.Root, files []string, dirs []string) error {
	for _, name := range append(files, dirs...) {
		f, err := root.Open(name)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("syncing %s: %w", name, err)
		}
	}
	return nil
}
