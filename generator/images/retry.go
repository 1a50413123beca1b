package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// retryTransport gives every request a time limit and retries the
// failures that may pass: no answer within the limit, a dropped
// connection, or a 408, 429, 500, 502, 503 or 504 answer. Between
// attempts it waits as long as the registry's Retry-After asks, or else
// backs off exponentially with jitter.
//
// ggcr has a retrying transport of its own (transport.NewRetry, set up by
// remote.WithRetryBackoff and friends in pkg/v1/remote/options.go), but
// it ignores Retry-After (its waits are fixed: 1s and 3s by default) and
// has no per-attempt time limit, so a registry that accepts a connection
// and never answers holds a request until the caller's deadline. Remote
// therefore switches ggcr's retries off (ggcrNoRetry); left on, the two
// would multiply (5 attempts of ours inside each of ggcr's 3).
//
// The transport never waits past the caller's deadline: when the next
// wait would end after it, it gives up at once, so the error names the
// registry's last answer rather than "context deadline exceeded".
type retryTransport struct {
	next     http.RoundTripper
	attempts int           // at least 1
	timeout  time.Duration // per attempt, until the body is closed; 0: none
	initial  time.Duration // first backoff
	max      time.Duration // longest wait, backoff or Retry-After
	now      func() time.Time
}

var _ http.RoundTripper = (*retryTransport)(nil)

// retryableStatus are the answers worth asking again. 408 and 5xx are
// the registry's trouble; 429 is rate limiting (ECR's throttling, Docker
// Hub's pull limit), where Retry-After matters most.
var retryableStatus = map[int]bool{
	http.StatusRequestTimeout:      true,
	http.StatusTooManyRequests:     true,
	http.StatusInternalServerError: true,
	http.StatusBadGateway:          true,
	http.StatusServiceUnavailable:  true,
	http.StatusGatewayTimeout:      true,
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	attempts := t.attempts
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		attempts = 1 // the body cannot be sent twice
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := t.attemptContext(ctx)
		r := req.Clone(actx)
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				cancel()
				return nil, err
			}
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)

		var (
			fail       error         // this attempt's failure, if it may pass
			status     int           // its status, if it was an answer
			retryAfter time.Duration // what the registry asked for, if anything
			asked      bool
		)
		switch {
		case err != nil:
			timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
			cancel()
			if ctx.Err() != nil {
				return nil, err // the caller gave up; not ours to retry
			}
			if timedOut {
				err = &timeoutError{limit: t.timeout, err: err}
			}
			if !temporary(err) {
				return nil, err
			}
			fail = err
		case retryableStatus[resp.StatusCode]:
			status = resp.StatusCode
			retryAfter, asked = parseRetryAfter(resp.Header.Get("Retry-After"), t.now())
			fail = transport.CheckError(resp, http.StatusOK) // reads the registry's error body
			resp.Body.Close()
			cancel()
		default:
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}

		giveUp := func(why string) error {
			return &retryError{attempts: attempt, status: status, retryAfter: retryAfter, asked: asked, why: why, err: fail}
		}
		if attempt >= attempts {
			return nil, giveUp("")
		}
		wait := t.backoff(attempt)
		if asked {
			if retryAfter > t.max {
				return nil, giveUp(fmt.Sprintf("it asked to wait %s, longer than the %s limit", retryAfter, t.max))
			}
			wait = max(wait, retryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, giveUp("the deadline leaves no time to wait for another attempt")
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w while waiting to retry: %w", err, giveUp(""))
		}
	}
}

// attemptContext bounds one attempt by the per-request time limit.
func (t *retryTransport) attemptContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if t.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, t.timeout)
}

// backoff is the wait after the given failed attempt: initial doubled
// per attempt, capped at max, with "equal jitter" (half fixed, half
// random) so that parallel resolutions that failed together do not
// retry together.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.initial
	for i := 1; i < attempt && d < t.max; i++ {
		d *= 2
	}
	d = min(d, t.max)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// parseRetryAfter reads a Retry-After header, which is either a number
// of seconds or an HTTP date (RFC 9110, section 10.2.3). A date in the
// past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// temporary reports whether a failed request may succeed if sent again.
// A refused connection and a TLS or DNS name failure do not: nothing
// listens there, or it is the wrong server, and retrying only delays the
// error. (This also keeps ggcr's https-then-http race for loopback
// registries fast: the https attempt fails at once.)
func temporary(err error) bool {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return dns.IsTimeout || dns.IsTemporary
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cancelOnClose ends an attempt's time limit when its body is closed,
// so that the limit covers reading the body too.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.once.Do(c.cancel)
	return err
}

// timeoutError is an attempt that got no (complete) answer within the
// per-request time limit. It is a net.Error with Timeout() true and
// matches context.DeadlineExceeded, like the errors net/http returns.
type timeoutError struct {
	limit time.Duration
	err   error
}

func (e *timeoutError) Error() string   { return fmt.Sprintf("no answer within %s", e.limit) }
func (e *timeoutError) Unwrap() error   { return e.err }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
func (e *timeoutError) Is(target error) bool {
	return target == context.DeadlineExceeded
}

var _ net.Error = (*timeoutError)(nil)

// retryError is a request that still failed when retryTransport stopped
// trying. err is the last failure: a *transport.Error carrying the
// registry's answer, a *timeoutError, or a network error.
type retryError struct {
	attempts   int
	status     int           // of the last answer; 0 if there was none
	retryAfter time.Duration // the last Retry-After, if asked
	asked      bool
	why        string // why it stopped early, if it did
	err        error
}

func (e *retryError) Error() string {
	s := fmt.Sprintf("%v (%s", e.err, plural(e.attempts, "attempt"))
	if e.why != "" {
		s += "; " + e.why
	}
	return s + ")"
}

func (e *retryError) Unwrap() error { return e.err }

// Timeout reports whether the last failure was a timeout, so that the
// *url.Error that net/http wraps around a retryError answers Timeout()
// truthfully.
func (e *retryError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
