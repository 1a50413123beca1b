//go:build !linux

package kubetest

import (
	"os"
	"syscall"
)

const (
	termSignal = syscall.SIGTERM
	killSignal = syscall.SIGKILL
)

// sysProcAttr: process groups are used on Linux only, where Debian's etcd
// is found.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup sends sig to p alone.
func signalGroup(p *os.Process, sig syscall.Signal) {
	if sig == killSignal {
		_ = p.Kill()
		return
	}
	_ = p.Signal(sig)
}
