//go:build !linux

package output

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// statRecords never answers here: folders have no Stat, so none is
// recorded, and CompareRecords walks the tree.
func statRecords(string, RecordList, time.Time) (Changes, Records, bool) {
	return Changes{}, nil, false
}

// walkTree calls visit for every file under dir, through an os.Root so
// that no symbolic link is followed, and reports whether dir exists.
// Folders have no Stat here: visitDir is not called.
func walkTree(dir string, visit visitFunc, _ visitDirFunc) (bool, error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer root.Close()
	return true, fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return visit(p, false, Stat{}, nil)
		}
		return visit(p, true, Stat{}, func() (string, Stat, error) {
			f, err := root.Open(p)
			if err != nil {
				return "", Stat{}, err
			}
			defer f.Close()
			return readDigest(f)
		})
	})
}
