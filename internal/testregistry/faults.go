package testregistry

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is one scripted misbehaviour of a [Faults] handler.
type Fault struct {
	// Method selects requests by HTTP method; "" matches every method.
	Method string
	// Path selects requests whose URL path contains it, e.g. "/manifests/";
	// "" matches every path, including the /v2/ ping.
	Path string
	// Times is how many matching requests the fault applies to, counted
	// from when it is added; 0 means all of them, forever.
	Times int

	// Delay is how long to wait before answering (with Status, or by
	// passing the request on). The wait ends early if the client goes
	// away, so a test can hang a request for an hour and still finish.
	Delay time.Duration
	// Status, if not zero, is the answer; the request does not reach the
	// registry. The body is a registry-style JSON error whose code
	// follows from the status (UNAUTHORIZED, DENIED, TOOMANYREQUESTS…).
	Status int
	// RetryAfter, if not empty, is sent as the Retry-After header with
	// Status: a number of seconds or an HTTP date.
	RetryAfter string
	// DropHeaders are removed from the registry's answer, to imitate
	// registries that, for example, omit Docker-Content-Digest on HEAD.
	DropHeaders []string
}

// Faults is an http.Handler that passes requests to a registry except
// where a scripted [Fault] says otherwise, and records every request it
// sees (so a test can assert that something made no requests at all).
// It is safe for concurrent use.
type Faults struct {
	next http.Handler

	mu     sync.Mutex
	faults []*fault
	log    []string
}

type fault struct {
	Fault
	hits int
}

// NewFaults wraps next (usually [Handler]()) with faults, tried in order:
// the first one that matches a request and is not used up applies.
func NewFaults(next http.Handler, faults ...Fault) *Faults {
	f := &Faults{next: next}
	f.Add(faults...)
	return f
}

// Add appends faults to the script.
func (f *Faults) Add(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range faults {
		f.faults = append(f.faults, &fault{Fault: ft})
	}
}

// Clear removes every fault; requests then pass through untouched. The
// request log is kept.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// Requests returns how many requests have arrived so far.
func (f *Faults) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.log)
}

// Log returns the requests so far in arrival order, as "METHOD /path".
func (f *Faults) Log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// Count returns how many requests so far had method (or any, if "") and
// a path containing path.
func (f *Faults) Count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.log {
		m, p, _ := strings.Cut(l, " ")
		if (method == "" || m == method) && strings.Contains(p, path) {
			n++
		}
	}
	return n
}

// ServeHTTP implements http.Handler.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ft := f.claim(r)
	if ft == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	if ft.Delay > 0 {
		timer := time.NewTimer(ft.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
	}
	if ft.Status != 0 {
		if ft.RetryAfter != "" {
			w.Header().Set("Retry-After", ft.RetryAfter)
		}
		writeError(w, r, ft.Status, errorCode(ft.Status), http.StatusText(ft.Status))
		return
	}
	if len(ft.DropHeaders) > 0 {
		w = &dropHeaders{ResponseWriter: w, drop: ft.DropHeaders}
	}
	f.next.ServeHTTP(w, r)
}

// claim logs r and returns the fault that applies to it, if any.
func (f *Faults) claim(r *http.Request) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, r.Method+" "+r.URL.Path)
	for _, ft := range f.faults {
		if ft.Method != "" && ft.Method != r.Method {
			continue
		}
		if !strings.Contains(r.URL.Path, ft.Path) {
			continue
		}
		if ft.Times > 0 && ft.hits >= ft.Times {
			continue
		}
		ft.hits++
		c := ft.Fault
		return &c
	}
	return nil
}

// errorCode is the distribution-spec error code a registry would send
// with status.
func errorCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "DENIED"
	case http.StatusNotFound:
		return "MANIFEST_UNKNOWN"
	case http.StatusMethodNotAllowed:
		return "UNSUPPORTED"
	case http.StatusTooManyRequests:
		return "TOOMANYREQUESTS"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	default:
		return "UNKNOWN"
	}
}

// dropHeaders removes headers just before they are written.
type dropHeaders struct {
	http.ResponseWriter
	drop  []string
	wrote bool
}

func (d *dropHeaders) WriteHeader(status int) {
	if !d.wrote {
		d.wrote = true
		for _, h := range d.drop {
			d.Header().Del(h)
		}
	}
	d.ResponseWriter.WriteHeader(status)
}

func (d *dropHeaders) Write(b []byte) (int, error) {
	if !d.wrote {
		d.WriteHeader(http.StatusOK)
	}
	return d.ResponseWriter.Write(b)
}
