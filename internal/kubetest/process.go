package kubetest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// process is one running component of the control plane.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	// done is closed when the process has exited, with err its error.
	done chan struct{}
	err  error
}

// stopTimeout is how long a component has to exit after SIGTERM before
// its process group is killed.
const stopTimeout = 30 * time.Second

// logTail is how much of a component's log a failed test prints.
const logTail = 64 << 10

// startProcess starts bin with args in its own process group, with its
// working directory dir/name, its output in dir/name.log and an
// environment of its own: HOME is dir, so nothing is read from or left in
// the tester's home, and nothing else is inherited but PATH. It stops when
// the test ends; if the test failed, the end of its log is printed.
func startProcess(t testing.TB, dir, name, bin string, args ...string) (*process, error) {
	t.Helper()
	work := filepath.Join(dir, name)
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	// Appended to: a component started again after its port was taken
	// keeps the first attempt's log.
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = work
	p.cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		log.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", name, p.logPath, p.tail(logTail))
		}
	})
	return p, nil
}

// stop ends the process group: SIGTERM, then SIGKILL after stopTimeout.
// It returns once the process has exited.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	signalGroup(p.cmd.Process, termSignal)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		signalGroup(p.cmd.Process, killSignal)
		<-p.done
	}
}

// exited returns the error the process exited with, or nil while it runs.
func (p *process) exited() error {
	select {
	case <-p.done:
		if p.err == nil {
			return fmt.Errorf("%s exited", p.name)
		}
		return fmt.Errorf("%s exited: %w", p.name, p.err)
	default:
		return nil
	}
}

// tail returns the last n bytes of the process's log.
func (p *process) tail(n int64) string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		if _, err := f.Seek(-n, io.SeekEnd); err != nil {
			return err.Error()
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// portTaken reports whether the process's log says that an address it
// was to listen on is in use.
func (p *process) portTaken() bool {
	return strings.Contains(p.tail(logTail), "address already in use")
}

// waitReady calls ready until it returns nil, the process exits, or
// timeout passes. The timeouts are generous: a busy machine may be slow
// to start a component, and the wait costs nothing when it is not.
func (p *process) waitReady(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := p.exited(); err != nil {
			return err
		}
		err := ready()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", p.name, timeout, err)
		}
		select {
		case <-p.done:
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// errPortTaken reports that another process took a port between
// freePorts and the component's listen; the caller tries other ports.
var errPortTaken = errors.New("port taken")

// startAttempts is how often a component is started on new ports when
// another process took one first.
const startAttempts = 3

// retryPorts runs start up to startAttempts times while it fails with
// errPortTaken.
func retryPorts(name string, start func() error) error {
	var err error
	for range startAttempts {
		if err = start(); !errors.Is(err, errPortTaken) {
			return err
		}
	}
	return fmt.Errorf("%s found its port taken %d times: %w", name, startAttempts, err)
}

// freePorts returns n ports of 127.0.0.1 that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
