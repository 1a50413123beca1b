package images_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/bcrypt"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
	"github.com/gitops-gen/gen/internal/testregistry"
)

// TestRealRegistry resolves and pins images against a real registry
// server, Debian's docker-registry (distribution), started on 127.0.0.1
// with htpasswd basic auth: the answers of ggcr's in-memory registry, on
// which the other tests run, are ggcr's idea of a registry; these are a
// registry's own.
func TestRealRegistry(t *testing.T) {
	// The keychains below are static; this only makes sure that nothing
	// could ask the instance metadata service if one were not.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	const user = "gen"
	password := randomPassword(t)
	host := startDockerRegistry(t, user, password)
	auth := &authn.Basic{Username: user, Password: password}

	img := testregistry.Push(t, host+"/web:1.0.0", "web", remote.WithAuth(auth))
	idx := testregistry.PushIndex(t, host+"/multi:2.0", "multi", remote.WithAuth(auth))
	if img.MediaType != types.DockerManifestSchema2 || idx.MediaType != types.OCIImageIndex {
		t.Fatalf("pushed media types %s and %s; the test expects a Docker manifest and an OCI index", img.MediaType, idx.MediaType)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	log := &requestLog{next: transport(t)}
	good := newRemote(host, auth, log)

	t.Run("resolve", func(t *testing.T) {
		for _, tc := range []struct {
			ref  string
			want v1.Descriptor
		}{
			{host + "/web:1.0.0", img},
			{host + "/multi:2.0", idx}, // the index's digest, not a platform's
		} {
			log.reset()
			got, err := good.Resolve(ctx, tag(t, tc.ref))
			if err != nil {
				t.Fatalf("Resolve(%s): %v", tc.ref, err)
			}
			want := images.Descriptor{Digest: tc.want.Digest.String(), MediaType: string(tc.want.MediaType)}
			if got != want {
				t.Errorf("Resolve(%s) = %+v, want %+v", tc.ref, got, want)
			}
			// distribution answers HEAD with Docker-Content-Digest,
			// Content-Type and Content-Length, so no GET is needed.
			if gets := log.manifestRequests(http.MethodGet); gets != 0 {
				t.Errorf("Resolve(%s) sent %d manifest GETs; requests:\n%s", tc.ref, gets, log)
			}
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		const wrong = "not-the-password-9f8e7d"
		r := newRemote(host, &authn.Basic{Username: user, Password: wrong}, transport(t))
		_, err := r.Resolve(ctx, tag(t, host+"/web:1.0.0"))
		if !errors.Is(err, images.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		msg := err.Error()
		for _, secret := range []string{
			wrong, password,
			base64.StdEncoding.EncodeToString([]byte(user + ":" + wrong)),
		} {
			if strings.Contains(msg, secret) {
				t.Errorf("the error quotes a secret (%q): %s", secret, msg)
			}
		}
		t.Logf("wrong password: %v", err)
	})

	t.Run("no credentials", func(t *testing.T) {
		r := images.NewRemote(images.WithKeychain(authn.NewMultiKeychain()), // anonymous
			images.WithTransport(transport(t)), images.WithRetries(1))
		_, err := r.Resolve(ctx, tag(t, host+"/web:1.0.0"))
		if !errors.Is(err, images.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		t.Logf("no credentials: %v", err)
	})

	t.Run("missing", func(t *testing.T) {
		// distribution 2.8 answers a manifest request in a missing
		// repository with MANIFEST_UNKNOWN too, not NAME_UNKNOWN, so both
		// read as a missing tag of that repository.
		for _, tc := range []struct{ what, ref, msg string }{
			{"tag", host + "/web:9.9.9", `repository ` + host + `/web has no tag "9.9.9"`},
			{"repository", host + "/nope/nothing:1.0.0", `repository ` + host + `/nope/nothing has no tag "1.0.0"`},
		} {
			_, err := good.Resolve(ctx, tag(t, tc.ref))
			if !errors.Is(err, images.ErrNotFound) {
				t.Errorf("missing %s: err = %v, want ErrNotFound", tc.what, err)
				continue
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("missing %s: error %q does not say %q", tc.what, err, tc.msg)
			}
			t.Logf("missing %s: %v", tc.what, err)
		}
	})

	t.Run("pin", func(t *testing.T) {
		root := t.TempDir()
		env := environment(t, host)
		pinned, err := images.Pin(ctx, root, []*model.Environment{env}, images.PinOptions{Resolver: good})
		if err != nil {
			t.Fatal(err)
		}
		if len(pinned) != 1 {
			t.Fatalf("Pin returned %d environments, want 1", len(pinned))
		}
		p := pinned[0]
		if p.Resolved != 2 {
			t.Errorf("Resolved = %d, want 2", p.Resolved)
		}
		for app, d := range map[string]v1.Descriptor{"web": img, "multi": idx} {
			if got := env.Apps[app].Image.Digest; got != d.Digest.String() {
				t.Errorf("app %s: digest %q, want %s", app, got, d.Digest)
			}
			if !bytes.Contains(p.Data, []byte(`"digest": "`+d.Digest.String()+`"`)) {
				t.Errorf("the lock lacks %s's digest %s:\n%s", app, d.Digest, p.Data)
			}
		}
		if env.Apps["off"].Image.Digest != "" {
			t.Errorf("a disabled app was pinned")
		}

		// With the lock on disk, pinning again asks nothing: the
		// resolver fails every call, and Pin still succeeds.
		lockPath := filepath.Join(root, filepath.FromSlash(p.Path))
		if want := filepath.Join(root, "environments", "dev", images.LockFile); lockPath != want {
			t.Fatalf("lock path %s, want %s", lockPath, want)
		}
		if err := os.MkdirAll(filepath.Dir(lockPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := images.WriteLock(lockPath, p.Data); err != nil {
			t.Fatal(err)
		}
		offline := &failingResolver{}
		env2 := environment(t, host)
		again, err := images.Pin(ctx, root, []*model.Environment{env2}, images.PinOptions{Resolver: offline})
		if err != nil {
			t.Fatalf("Pin from the lock: %v", err)
		}
		if n := offline.calls.Load(); n != 0 {
			t.Errorf("Pin from the lock asked the resolver %d times", n)
		}
		if again[0].Resolved != 0 || !bytes.Equal(again[0].Data, p.Data) {
			t.Errorf("Pin from the lock: resolved %d, lock\n%s\nwant 0 and\n%s", again[0].Resolved, again[0].Data, p.Data)
		}
		for _, im := range again[0].Images {
			if im.Origin != images.FromLock {
				t.Errorf("%s:%s came from %q, want %q", im.Repository, im.Tag, im.Origin, images.FromLock)
			}
		}
		for app, d := range map[string]v1.Descriptor{"web": img, "multi": idx} {
			if got := env2.Apps[app].Image.Digest; got != d.Digest.String() {
				t.Errorf("from the lock, app %s: digest %q, want %s", app, got, d.Digest)
			}
		}
	})
}

// startDockerRegistry starts Debian's docker-registry on a free port of
// 127.0.0.1, with filesystem storage in a temporary folder and htpasswd
// basic auth for user and password, and returns its host. It stops the
// registry when the test ends.
func startDockerRegistry(t *testing.T, user, password string) (host string) {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/docker-registry"); serr == nil {
			bin, err = "/usr/bin/docker-registry", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("docker-registry is not installed; .ci/run installs it")
		}
		t.Skip("needs Debian's docker-registry package: apt-get install docker-registry")
	}

	dir := t.TempDir()
	// MinCost: the registry checks the password on every request.
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// freeAddr's port was free a moment ago; on a busy machine another
	// process may take it before the registry listens. Try another then.
	for attempt := 1; ; attempt++ {
		host, inUse := serveDockerRegistry(t, bin, dir, htpasswd)
		if !inUse {
			return host
		}
		if attempt == 3 {
			t.Fatalf("docker-registry found its port taken %d times", attempt)
		}
	}
}

// serveDockerRegistry starts docker-registry on a free port with the
// storage in dir and the users of htpasswd, and waits until it answers.
// It reports inUse, and stops, if another process took the port first.
func serveDockerRegistry(t *testing.T, bin, dir, htpasswd string) (host string, inUse bool) {
	t.Helper()
	host = freeAddr(t)
	config := filepath.Join(dir, "config.yml")
	// Values are quoted as YAML strings; paths from t.TempDir need no
	// escaping beyond that.
	conf := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
http:
  addr: %q
  secret: %q
auth:
  htpasswd:
    realm: gen-test
    path: %q
`, filepath.Join(dir, "storage"), host, randomPassword(t), htpasswd)
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	var out syncBuffer
	cmd := exec.Command(bin, "serve", config)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() && out.Len() > 0 {
			t.Logf("docker-registry output:\n%s", out.String())
		}
	})

	// Ready when /v2/ challenges: the listener is up and auth is on. The
	// wait is long because a loaded machine may be slow to start it, and
	// costs nothing when it is not.
	client := &http.Client{Timeout: 5 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	const wait = time.Minute
	deadline := time.Now().Add(wait)
	var last string
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			if strings.Contains(out.String(), "address already in use") {
				return host, true
			}
			t.Fatalf("docker-registry exited before answering (%v):\n%s", err, out.String())
		default:
		}
		resp, err := client.Get("http://" + host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return host, false
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry on %s did not answer GET /v2/ with 401 within %v (last: %s):\n%s", host, wait, last, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns 127.0.0.1:PORT for a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func randomPassword(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newRemote is a Remote that presents auth to host, and nothing to any
// other host (there is none to ask): never the Docker config or ECR.
func newRemote(host string, auth authn.Authenticator, tr http.RoundTripper) *images.Remote {
	return images.NewRemote(
		images.WithKeychain(staticKeychain{host: host, auth: auth}),
		images.WithTransport(tr),
		images.WithBackoff(10*time.Millisecond, time.Second),
		images.WithRequestTimeout(5*time.Second),
	)
}

// transport is a default transport, closed when the test ends.
func transport(t *testing.T) http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // loopback only, whatever the environment says
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

type staticKeychain struct {
	host string
	auth authn.Authenticator
}

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if r.RegistryStr() == k.host {
		return k.auth, nil
	}
	return authn.Anonymous, nil
}

// failingResolver fails every call, and counts them.
type failingResolver struct{ calls atomic.Int64 }

func (f *failingResolver) Resolve(_ context.Context, ref name.Tag) (images.Descriptor, error) {
	f.calls.Add(1)
	return images.Descriptor{}, fmt.Errorf("%s: no registry may be asked", ref)
}

func tag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tg, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// environment is a small environment on host: two enabled apps (one on
// a multi-platform image) and a disabled one. Its cluster's autoscaler is
// off, so that Pin asks host for nothing else.
func environment(t testing.TB, host string) *model.Environment {
	t.Helper()
	return modeltest.Env(t, "dev", modeltest.Cluster+fmt.Sprintf(`
cluster: autoscaler: enabled: false
namespaces: web: {}
defaults: namespace: "web"
apps: {
	web: image: {repository: "%[1]s/web", tag: "1.0.0"}
	multi: image: {repository: "%[1]s/multi", tag: "2.0"}
	off: {enabled: false, image: {repository: "%[1]s/off", tag: "1.0.0"}}
}
`, host))
}

// requestLog records the requests that pass through it.
type requestLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = resp.Status
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, req.Method+" "+req.URL.Path+" -> "+status)
	l.mu.Unlock()
	return resp, err
}

func (l *requestLog) reset() {
	l.mu.Lock()
	l.reqs = nil
	l.mu.Unlock()
}

func (l *requestLog) manifestRequests(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if strings.HasPrefix(r, method+" ") && strings.Contains(r, "/manifests/") {
			n++
		}
	}
	return n
}

func (l *requestLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.reqs, "\n")
}

// syncBuffer is a bytes.Buffer safe for the registry's output and the
// test to use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}
