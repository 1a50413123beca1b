package cache

import (
	"io/fs"
	"syscall"
)

// statOf returns what lstat or fstat said of a file, as a Hasher records
// it; ok is false when the system gives no such metadata.
func statOf(fi fs.FileInfo) (st fileStat, ok bool) {
	s, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{}, false
	}
	return fileStat{Size: s.Size, Mtime: s.Mtim.Nano(), Ctime: s.Ctim.Nano(), Ino: s.Ino, Mode: s.Mode}, true
}
