package testregistry

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gitops-gen/gen/internal/fakeimages"
)

// AutoSeed is a registry that has every image anyone asks for: the first
// request for a manifest by tag pushes the deterministic image of
// internal/fakeimages for that repository and tag, so tests that render
// environments need not seed their tags one by one. Tags that start with
// "missing" are never seeded, to test what a registry without the tag
// says. Requests counts every request it served.
type AutoSeed struct {
	srv      *httptest.Server
	mu       sync.Mutex
	seeded   map[string]*seeding
	requests int
}

// seeding is the push of one tag: done is closed when it ended, with err.
type seeding struct {
	done chan struct{}
	err  error
}

// seedHeader marks the requests of AutoSeed's own pushes, which must not
// wait for the seeding they are part of (ggcr asks whether the tag exists
// before pushing it).
const seedHeader = "X-Gen-Autoseed"

var manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)

// StartAutoSeed serves an AutoSeed registry on 127.0.0.1 until Close.
// Images are pushed under their repository path without a registry host,
// so a mirror mapping any host to this one finds them.
func StartAutoSeed() *AutoSeed {
	a := &AutoSeed{seeded: map[string]*seeding{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	// Unstarted, so that a.srv is set before the first request reads it.
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests++
		a.mu.Unlock()
		if m := manifestPath.FindStringSubmatch(r.URL.Path); m != nil && !strings.HasPrefix(m[2], "sha256:") &&
			!strings.HasPrefix(m[2], "missing") && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			r.Header.Get(seedHeader) == "" {
			if err := a.seed(m[1], m[2]); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		reg.ServeHTTP(w, r)
	}))
	a.srv.Start()
	return a
}

// seed pushes repository:tag once. A request for a tag that is being
// pushed waits for the push, rather than finding the tag missing.
func (a *AutoSeed) seed(repository, tag string) error {
	key := repository + ":" + tag
	a.mu.Lock()
	s, ok := a.seeded[key]
	if !ok {
		s = &seeding{done: make(chan struct{})}
		a.seeded[key] = s
	}
	a.mu.Unlock()
	if ok {
		<-s.done
		return s.err
	}
	// The seed must not depend on this registry's host, so that digests
	// match those of other runs: use a fixed stand-in host.
	_, s.err = fakeimages.PushAs(a.Host(), "seed.invalid/"+repository, tag,
		remote.WithTransport(marked{http.DefaultTransport}))
	close(s.done)
	return s.err
}

// marked adds seedHeader to every request.
type marked struct{ next http.RoundTripper }

func (m marked) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(seedHeader, "1")
	return m.next.RoundTrip(r)
}

// Host returns "127.0.0.1:PORT".
func (a *AutoSeed) Host() string { return a.srv.Listener.Addr().String() }

// Requests returns how many requests the registry has served.
func (a *AutoSeed) Requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.requests
}

// Close stops the registry.
func (a *AutoSeed) Close() { a.srv.Close() }
