package kubetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/gitops-gen/gen/internal/repotest"
)

// The programs Start runs, as packages of the k8s.io/kubernetes module.
// They are built in the module of ModuleDir (tool directives in its
// go.mod, so that go mod download there fetches them), apart from gen's
// go.mod: the control plane is of the Kubernetes minor the committed
// clusters run, while gen's own k8s.io modules may be newer.
const (
	apiserverPkg = "k8s.io/kubernetes/cmd/kube-apiserver"
	schedulerPkg = "k8s.io/kubernetes/cmd/kube-scheduler"
)

// ModuleDir is the folder, relative to the repository root, of the Go
// module that pins the k8s.io/kubernetes release the programs are built
// from.
const ModuleDir = "tools/kubernetes"

// Minor returns the Kubernetes minor ("1.35") of the control plane Start
// runs: that of the k8s.io/kubernetes requirement of ModuleDir's go.mod.
func Minor() (string, error) {
	root, err := repotest.Root()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, ModuleDir, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return "", err
	}
	for _, r := range f.Require {
		if r.Mod.Path == "k8s.io/kubernetes" {
			if mm := semver.MajorMinor(r.Mod.Version); mm != "" {
				return strings.TrimPrefix(mm, "v"), nil
			}
			return "", fmt.Errorf("%s: k8s.io/kubernetes %s is not a semantic version", path, r.Mod.Version)
		}
	}
	return "", fmt.Errorf("%s requires no k8s.io/kubernetes", path)
}

// etcdBin is where Debian's etcd-server package installs etcd.
const etcdBin = "/usr/bin/etcd"

// binDir is the folder Main made for the built programs; "" until Main
// runs.
var binDir string

// Main runs the tests of m and removes the programs they built. Call it
// from the TestMain of every package that uses Start:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubetest-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubetest: %v\n", err)
		return 1
	}
	binDir = dir
	defer os.RemoveAll(dir)
	return m.Run()
}

// programs are the built kube-apiserver and kube-scheduler.
type programs struct {
	apiserver, scheduler string
	took                 time.Duration // how long go build took
}

// build builds both programs into binDir, once per process: go build
// compiles what the build cache lacks and links the two programs.
var build = sync.OnceValues(func() (*programs, error) {
	if binDir == "" {
		return nil, errors.New("kubetest.Start needs kubetest.Main in the package's TestMain")
	}
	root, err := repotest.Root()
	if err != nil {
		return nil, err
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("building %s: %w", apiserverPkg, err)
	}
	started := time.Now()
	// CGO_ENABLED=0: static programs, as Kubernetes releases them, and the
	// same build cache entries whatever the tests run with. The race
	// detector is for gen's code, not for the control plane: -race is
	// dropped from GOFLAGS.
	cmd := exec.Command(gobin, "build", "-o", binDir+string(filepath.Separator), apiserverPkg, schedulerPkg)
	cmd.Dir = filepath.Join(root, ModuleDir)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS="+withoutRace(os.Getenv("GOFLAGS")))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s %s: %v\n%s", apiserverPkg, schedulerPkg, err, out)
	}
	return &programs{
		apiserver: filepath.Join(binDir, "kube-apiserver"),
		scheduler: filepath.Join(binDir, "kube-scheduler"),
		took:      time.Since(started),
	}, nil
})

// withoutRace returns goflags without -race.
func withoutRace(goflags string) string {
	var keep []string
	for _, f := range strings.Fields(goflags) {
		if f != "-race" && f != "--race" && f != "-race=true" {
			keep = append(keep, f)
		}
	}
	return strings.Join(keep, " ")
}

// skipOrFail skips t when the control plane cannot be started here, or
// fails it under CI, which must run every test.
func skipOrFail(t testing.TB) {
	t.Helper()
	_, err := os.Stat(etcdBin)
	msg, fail := unavailable(err, os.Getenv("CI") != "", testing.Short())
	switch {
	case msg == "":
	case fail:
		t.Fatal(msg)
	default:
		t.Skip(msg)
	}
}

// unavailable says why the control plane is not started, given what
// looking for etcd found (etcdErr), whether this is CI, and whether the
// tests run with -short: "" to start it, else the message of a skip, or
// of a failure when fail is set. Under CI nothing is skipped.
func unavailable(etcdErr error, ci, short bool) (msg string, fail bool) {
	switch {
	case etcdErr != nil:
		msg = fmt.Sprintf("SKIPPED: this test starts etcd and kube-apiserver on 127.0.0.1 and needs Debian's etcd-server package (%v); "+
			"install it to run the test: apt-get install etcd-server", etcdErr)
		if ci {
			return strings.Replace(msg, "SKIPPED", "FAILED under CI", 1) + " (.ci/run installs it)", true
		}
		return msg, false
	case short && !ci:
		return "SKIPPED under -short: this test builds kube-apiserver and kube-scheduler and starts a control plane; run go test without -short to run it", false
	}
	return "", false
}
