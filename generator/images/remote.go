package images

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Remote resolves tags against live registries with go-containerregistry.
//
// It asks with HEAD, which returns the digest in the Docker-Content-Digest
// header without a body. For a multi-platform image that is the digest of
// the index, which is what should be pinned: it stays valid on every
// platform. Remote sends GET only where HEAD cannot answer:
//
//   - HEAD was refused or failed with a 4xx (405 from registries and
//     proxies without HEAD, and 404, 401 and 403): a HEAD answer has no
//     body, and the GET answer's body is what says whether the tag or the
//     whole repository is missing, or why credentials were refused. A GET
//     that succeeds where HEAD said 404 also covers registries that
//     answer HEAD wrongly.
//   - HEAD succeeded but without Docker-Content-Digest, Content-Type or
//     Content-Length (some static and proxy registries): GET returns the
//     manifest, whose sha256 is the digest.
//
// It does not send GET after timeouts, 429s and 5xxs (those were retried
// already, and a GET would only add load to a struggling registry), nor
// when credentials could not be found or the registry could not be
// reached. ggcr's crane.Digest falls back on any error; this is that,
// narrowed to the failures GET can fix.
//
// A Remote is safe for concurrent use. It remembers, per repository, how
// to authenticate, and per registry, the answer to ggcr's /v2/ ping, so
// resolving many tags costs about one request each.
type Remote struct {
	puller  *remote.Puller
	mirrors map[string]mirror // by registry host
	err     error             // from the options; returned by every Resolve
}

var _ Resolver = (*Remote)(nil)

// mirror is where requests for one registry go instead.
type mirror struct {
	host   string
	prefix string // repository path prefix on the mirror, may be ""
}

// Option configures a [Remote].
type Option func(*options)

type options struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	mirrors   map[string]string
	attempts  int
	timeout   time.Duration
	initial   time.Duration
	max       time.Duration
	userAgent string
	log       io.Writer
}

// WithKeychain sets where credentials come from. The keychain is asked
// for the host the request goes to: a mirror's, when there is one.
//
// The default is [Keychain](): ECR through the AWS credential chain for
// ECR hosts, the Docker config for the rest.
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) { o.keychain = k }
}

// WithLog sets where the default keychain's AWS SDK and ECR credential
// helper write their log (see [KeychainLogging]); it has no effect with
// WithKeychain.
//
// The default is nowhere.
func WithLog(w io.Writer) Option {
	return func(o *options) { o.log = w }
}

// WithTransport sets the HTTP transport under the retries, time limits
// and authentication that Remote adds. Tests use it to reach a TLS test
// registry or to send an ECR host name to one.
//
// The default is a clone of http.DefaultTransport (so proxies come from
// HTTPS_PROXY and friends) that keeps up to 50 idle connections per host
// rather than 2, as ggcr's remote.DefaultTransport does, so that parallel
// resolutions reuse their connections.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// WithMirrors sends the requests for a registry to another: a
// pull-through cache, an air-gapped mirror, or a test registry. Keys are
// registry hosts ("123456789012.dkr.ecr.eu-west-1.amazonaws.com",
// "docker.io"); values are a host, optionally with a repository prefix
// ("mirror.example.com/dockerhub", so that library/nginx is looked up as
// dockerhub/library/nginx). The descriptor found is returned for the
// original reference: mirroring changes where gen asks, not what it pins.
//
// The default is no mirrors.
func WithMirrors(m map[string]string) Option {
	return func(o *options) { o.mirrors = m }
}

// WithRetries sets how many times each request is attempted in all
// (so 1 means no retries). Values below 1 count as 1.
//
// The default is 5.
func WithRetries(n int) Option {
	return func(o *options) { o.attempts = max(n, 1) }
}

// WithRequestTimeout sets how long one attempt of one request may take,
// reading the answer included, before it is abandoned (and retried).
// The caller's context bounds the whole resolution in any case; d <= 0
// leaves it as the only bound.
//
// The default is 10s.
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// WithBackoff sets the wait after the first failed attempt, which doubles
// per attempt up to max (with jitter). A registry's Retry-After is
// honoured instead when it asks for longer; if it asks for more than max,
// Remote gives up at once rather than retry early.
//
// The default is 250ms, 10s.
func WithBackoff(initial, max time.Duration) Option {
	return func(o *options) { o.initial, o.max = initial, max }
}

// WithUserAgent puts ua before ggcr's own "go-containerregistry/<version>"
// in the User-Agent header.
//
// The default is ggcr's alone.
func WithUserAgent(ua string) Option {
	return func(o *options) { o.userAgent = ua }
}

// NewRemote returns a Remote configured by opts.
func NewRemote(opts ...Option) *Remote {
	o := options{
		attempts: 5,
		timeout:  10 * time.Second,
		initial:  250 * time.Millisecond,
		max:      10 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.keychain == nil {
		o.keychain = KeychainLogging(o.log)
	}
	if o.transport == nil {
		o.transport = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.MaxIdleConnsPerHost = 50
			o.transport = t
		}
	}

	r := &Remote{}
	r.mirrors, r.err = parseMirrors(o.mirrors)
	rt := &pingCache{next: &retryTransport{
		next:     o.transport,
		attempts: o.attempts,
		timeout:  o.timeout,
		initial:  o.initial,
		max:      o.max,
		now:      time.Now,
	}}
	ropts := []remote.Option{
		remote.WithAuthFromKeychain(markKeychain{o.keychain}),
		remote.WithTransport(rt),
	}
	ropts = append(ropts, ggcrNoRetry...)
	if o.userAgent != "" {
		ropts = append(ropts, remote.WithUserAgent(o.userAgent))
	}
	p, err := remote.NewPuller(ropts...)
	if err != nil && r.err == nil {
		r.err = err
	}
	r.puller = p
	return r
}

// ggcrNoRetry switches off the retries ggcr wraps around every transport
// (see retryTransport for why ours replace them). The predicate alone
// would do; the others make sure.
var ggcrNoRetry = []remote.Option{
	remote.WithRetryPredicate(func(error) bool { return false }),
	remote.WithRetryStatusCodes(),
	remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
}

func parseMirrors(m map[string]string) (map[string]mirror, error) {
	out := make(map[string]mirror, len(m))
	for from, to := range m {
		reg, err := name.NewRegistry(from)
		if err != nil {
			return nil, fmt.Errorf("mirror for %q: %w", from, err)
		}
		host, prefix, _ := strings.Cut(strings.Trim(to, "/"), "/")
		if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
			return nil, fmt.Errorf("mirror %q for %s: %w", to, from, err)
		}
		if prefix != "" {
			if _, err := name.NewRepository(host + "/" + prefix); err != nil {
				return nil, fmt.Errorf("mirror %q for %s: %w", to, from, err)
			}
		}
		out[reg.RegistryStr()] = mirror{host: host, prefix: prefix}
	}
	return out, nil
}

// Resolve returns the descriptor that ref points at: for a multi-platform
// image, the index's. Errors name ref, say what to do, and match
// [ErrNotFound] (no such repository or tag) or [ErrUnauthorized]
// (credentials missing or refused) where those apply; time-outs match
// context.DeadlineExceeded, and network failures keep the net error.
func (r *Remote) Resolve(ctx context.Context, ref name.Tag) (Descriptor, error) {
	if r.err != nil {
		return Descriptor{}, fmt.Errorf("%s: %w", ref, r.err)
	}
	via, err := r.route(ref)
	if err != nil {
		return Descriptor{}, fmt.Errorf("%s: %w", ref, err)
	}
	d, err := r.resolve(ctx, via)
	if err != nil {
		return Descriptor{}, explain(ctx, ref, via, err)
	}
	return d, nil
}

// route returns the reference to ask for: ref itself, or its name on a
// mirror.
func (r *Remote) route(ref name.Tag) (name.Tag, error) {
	m, ok := r.mirrors[ref.RegistryStr()]
	if !ok {
		return ref, nil
	}
	repo := ref.RepositoryStr()
	if m.prefix != "" {
		repo = m.prefix + "/" + repo
	}
	r2, err := name.NewRepository(m.host + "/" + repo)
	if err != nil {
		return name.Tag{}, fmt.Errorf("naming it on mirror %s: %w", m.host, err)
	}
	return r2.Tag(ref.TagStr()), nil
}

// resolve asks with HEAD, and with GET where HEAD cannot answer (see
// Remote).
func (r *Remote) resolve(ctx context.Context, ref name.Tag) (Descriptor, error) {
	hd, err := r.puller.Head(ctx, ref)
	if err == nil {
		return Descriptor{Digest: hd.Digest.String(), MediaType: string(hd.MediaType)}, nil
	}
	if ctx.Err() != nil || !needsGet(err) {
		return Descriptor{}, err
	}
	gd, err := r.puller.Get(ctx, ref)
	if err != nil {
		return Descriptor{}, err
	}
	mt := string(gd.MediaType)
	if mt == "" {
		// A registry that omits Content-Type on HEAD may omit it on GET
		// too; the manifest says what it is.
		var m struct {
			MediaType string `json:"mediaType"`
		}
		if json.Unmarshal(gd.Manifest, &m) == nil {
			mt = m.MediaType
		}
	}
	return Descriptor{Digest: gd.Digest.String(), MediaType: mt}, nil
}

// needsGet reports whether a failed HEAD is worth a GET (see Remote).
func needsGet(err error) bool {
	var (
		terr  *transport.Error
		rerr  *retryError
		cerr  *credentialsError
		nerr  net.Error
		operr *net.OpError
	)
	switch {
	case errors.As(err, &rerr), errors.As(err, &cerr), errors.As(err, &nerr), errors.As(err, &operr):
		return false
	case errors.As(err, &terr):
		// Only the manifest HEAD's own failure: a failed ping or token
		// exchange would fail the GET the same way.
		return terr.Request != nil && terr.Request.Method == http.MethodHead &&
			terr.StatusCode >= 400 && terr.StatusCode < 500
	}
	// What is left is HEAD answering 200 without a usable digest, media
	// type or length (ggcr's headManifest), which GET can fix.
	return true
}

// resolveError is what Resolve returns: a message for people, and for
// errors.Is and errors.As the class (ErrNotFound, ErrUnauthorized) and
// the underlying error. The message quotes the registry's error codes
// and messages but never raw bodies or headers.
type resolveError struct {
	msg   string
	class error
	err   error
}

func (e *resolveError) Error() string { return e.msg }

func (e *resolveError) Unwrap() []error {
	if e.class == nil {
		return []error{e.err}
	}
	return []error{e.class, e.err}
}

// explain turns a failure to resolve ref (asked for as via) into an
// error that says what went wrong and what to do.
func explain(ctx context.Context, ref, via name.Tag, err error) error {
	img := ref.String()
	reg := "registry " + via.RegistryStr()
	note := ""
	if via.RegistryStr() != ref.RegistryStr() {
		reg = "mirror " + via.RegistryStr()
		note = " (asked mirror " + via.RegistryStr() + " for " + via.String() + ")"
	}
	e := func(class error, format string, args ...any) error {
		return &resolveError{msg: img + ": " + fmt.Sprintf(format, args...) + note, class: class, err: err}
	}

	var (
		cerr  *credentialsError
		rerr  *retryError
		terr  *transport.Error
		cverr *tls.CertificateVerificationError
		uaerr x509.UnknownAuthorityError
		hnerr x509.HostnameError
		dns   *net.DNSError
		operr *net.OpError
	)
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return e(nil, "resolution cancelled")
	case ctx.Err() != nil:
		return e(nil, "%s did not answer before the deadline; try again later, or allow more time", reg)
	case errors.As(err, &cerr):
		return e(ErrUnauthorized, "no credentials for %s: %v; %s", reg, cerr.err, loginHint(via))
	case errors.As(err, &cverr), errors.As(err, &uaerr), errors.As(err, &hnerr):
		// Before registry answers: for a loopback registry ggcr tries
		// https and http, and the http attempt's "400 Bad Request" from a
		// TLS server would hide the reason.
		return e(nil, "cannot verify the TLS certificate of %s: %v; check that the host is right and its CA is trusted", reg, innermost(err))
	case errors.As(err, &rerr):
		return explainRetries(e, reg, rerr)
	case errors.As(err, &terr):
		return explainAnswer(e, reg, via, terr)
	case errors.As(err, &dns):
		return e(nil, "cannot reach %s: %v; check the host name and the DNS or proxy settings", reg, dns)
	case errors.As(err, &operr) && operr.Op == "dial":
		return e(nil, "cannot reach %s: %v; check the host name, the network and the proxy settings", reg, operr)
	}
	return e(nil, "asking %s: %v", reg, err)
}

// explainRetries explains a request that still failed after retrying.
func explainRetries(e func(error, string, ...any) error, reg string, rerr *retryError) error {
	tries := plural(rerr.attempts, "attempt")
	if rerr.why != "" {
		tries += "; " + rerr.why
	}
	var terr *transport.Error
	var operr *net.OpError
	var terr2 *timeoutError
	switch {
	case errors.As(rerr.err, &terr2):
		return e(nil, "%s did not answer within %s (%s); check the network, or try again later", reg, terr2.limit, tries)
	case errors.As(rerr.err, &terr) && terr.StatusCode == http.StatusTooManyRequests:
		return e(nil, "%s is limiting the request rate (%s; %s); try again later, lower the parallelism, or use a mirror", reg, diagnose(terr), tries)
	case errors.As(rerr.err, &terr):
		return e(nil, "%s is failing (%s; %s); try again later", reg, diagnose(terr), tries)
	case errors.As(rerr.err, &operr):
		return e(nil, "cannot reach %s: %v (%s); check the network, or try again later", reg, operr, tries)
	}
	return e(nil, "asking %s: %v (%s)", reg, rerr.err, tries)
}

// explainAnswer explains a registry's error answer.
func explainAnswer(e func(error, string, ...any) error, reg string, via name.Tag, terr *transport.Error) error {
	switch terr.StatusCode {
	case http.StatusNotFound:
		switch code(terr) {
		case transport.NameUnknownErrorCode:
			return e(ErrNotFound, "%s has no repository %s; check the repository name", reg, via.RepositoryStr())
		case transport.ManifestUnknownErrorCode:
			return e(ErrNotFound, "repository %s has no tag %q; push the image, or correct the tag", via.Context(), via.TagStr())
		}
		return e(ErrNotFound, "%s has no such repository or tag (%s); check the name and the tag", reg, diagnose(terr))
	case http.StatusUnauthorized, http.StatusForbidden:
		return e(ErrUnauthorized, "%s refused the credentials for %s (%s); %s", reg, via.Context(), diagnose(terr), loginHint(via))
	}
	return e(nil, "%s answered %s", reg, diagnose(terr))
}

// code returns the registry's error code, if it sent exactly one kind.
func code(terr *transport.Error) transport.ErrorCode {
	var c transport.ErrorCode
	for _, d := range terr.Errors {
		if c != "" && d.Code != c {
			return ""
		}
		c = d.Code
	}
	return c
}

// diagnose describes a registry's error answer: the status, then its
// error codes and messages (shortened), but not raw bodies, which could
// say anything.
func diagnose(terr *transport.Error) string {
	s := fmt.Sprintf("%d %s", terr.StatusCode, http.StatusText(terr.StatusCode))
	var ds []string
	for _, d := range terr.Errors {
		m := string(d.Code)
		if d.Message != "" {
			m += ": " + shorten(d.Message, 200)
		}
		ds = append(ds, m)
	}
	if len(ds) > 0 {
		s += ": " + strings.Join(ds, "; ")
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// loginHint says where credentials for via's registry come from.
func loginHint(via name.Tag) string {
	if isECR(via.RegistryStr()) {
		return "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an IRSA role) and that they allow ecr:BatchGetImage on the repository"
	}
	return "run docker login " + via.RegistryStr() + ", or check the credentials in the Docker config"
}

// innermost returns the last error in err's chain of single wraps.
func innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// pingCache answers repeated registry pings (GET /v2/ without
// credentials) from memory. ggcr pings once per repository, to learn how
// to authenticate (remote.Puller keys its transports by repository;
// transport.NewWithContext pings), but the answer, 200 or a 401 challenge,
// is the registry's. Answering from memory halves the requests for tags
// in many repositories of one registry, the usual shape with ECR.
// Only 200 and 401 answers are kept; failures are not.
type pingCache struct {
	next http.RoundTripper

	mu    sync.Mutex
	pings map[string]*http.Response // by scheme://host; no body
}

func (c *pingCache) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.URL.Path != "/v2/" || req.Header.Get("Authorization") != "" {
		return c.next.RoundTrip(req)
	}
	key := req.URL.Scheme + "://" + req.URL.Host
	c.mu.Lock()
	cached := c.pings[key]
	c.mu.Unlock()
	if cached != nil {
		resp := *cached
		resp.Header = cached.Header.Clone()
		resp.Body = http.NoBody
		resp.Request = req
		return &resp, nil
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized) {
		return resp, err
	}
	keep := &http.Response{
		Status:        resp.Status,
		StatusCode:    resp.StatusCode,
		Proto:         resp.Proto,
		ProtoMajor:    resp.ProtoMajor,
		ProtoMinor:    resp.ProtoMinor,
		Header:        resp.Header.Clone(),
		ContentLength: 0,
	}
	keep.Header.Del("Content-Length")
	c.mu.Lock()
	if c.pings == nil {
		c.pings = map[string]*http.Response{}
	}
	c.pings[key] = keep
	c.mu.Unlock()
	return resp, nil
}
