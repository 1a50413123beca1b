//go:build !linux

package cache

import "io/fs"

// statOf gives no metadata outside Linux: a Hasher reads every file.
func statOf(fs.FileInfo) (fileStat, bool) { return fileStat{}, false }
