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
	seeded   map[string]bool
	requests int
}

var manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)

// StartAutoSeed serves an AutoSeed registry on 127.0.0.1 until Close.
// Images are pushed under their repository path without a registry host,
// so a mirror mapping any host to this one finds them.
func StartAutoSeed() *AutoSeed {
	a := &AutoSeed{seeded: map[string]bool{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests++
		a.mu.Unlock()
		if m := manifestPath.FindStringSubmatch(r.URL.Path); m != nil && !strings.HasPrefix(m[2], "sha256:") &&
			!strings.HasPrefix(m[2], "missing") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if err := a.seed(m[1], m[2]); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		reg.ServeHTTP(w, r)
	}))
	return a
}

// seed pushes repository:tag once.
func (a *AutoSeed) seed(repository, tag string) error {
	key := repository + ":" + tag
	a.mu.Lock()
	done := a.seeded[key]
	a.seeded[key] = true
	a.mu.Unlock()
	if done {
		return nil
	}
	// The seed must not depend on this registry's host, so that digests
	// match those of other runs: use a fixed stand-in host.
	_, err := fakeimages.PushAs(a.Host(), "seed.invalid/"+repository, tag)
	return err
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
