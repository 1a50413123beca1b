package output

import (
	"io/fs"
	"syscall"

	"golang.org/x/sys/unix"
)

// statOf returns fi's Stat; fi must come from lstat or fstat.
func statOf(fi fs.FileInfo) Stat {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Stat{}
	}
	return Stat{Size: fi.Size(), Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: st.Ino, Mode: st.Mode}
}

// statFromSys returns the Stat of a regular file that fstatat described.
func statFromSys(st *unix.Stat_t) Stat {
	return Stat{
		Size:  st.Size,
		Mtime: st.Mtim.Nano(),
		Ctime: st.Ctim.Nano(),
		Ino:   st.Ino,
		Mode:  st.Mode,
	}
}
