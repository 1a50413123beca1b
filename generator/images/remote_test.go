package images

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/internal/testregistry"
)

// fast are options that keep failing tests quick and hermetic: no Docker
// config, no AWS, short waits.
func fast(opts ...Option) []Option {
	return append([]Option{
		WithKeychain(authn.NewMultiKeychain()), // anonymous
		WithBackoff(10*time.Millisecond, 5*time.Second),
		WithRequestTimeout(2 * time.Second),
	}, opts...)
}

// hangBound bounds a Resolve that has no deadline of its own, so that a
// wait that is wrong by minutes (a Retry-After of an hour obeyed, a
// deadline ignored) fails the test with the context's error instead of
// hanging it. It asserts nothing about speed: the tests check what was
// sent (attempts) and lower bounds on waits, which a busy machine only
// lengthens.
const hangBound = time.Minute

func descriptor(d v1.Descriptor) Descriptor {
	return Descriptor{Digest: d.Digest.String(), MediaType: string(d.MediaType)}
}

func tag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tg, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func TestRemoteResolve(t *testing.T) {
	tests := []struct {
		name    string
		faults  []testregistry.Fault
		ref     string // on the test registry
		want    Descriptor
		wantErr error
		wantMsg string // in the error
		wantGET bool   // whether a manifest GET was needed
	}{{
		name: "image",
		ref:  "web:1.0",
		want: Descriptor{MediaType: string(types.DockerManifestSchema2)}, // digest filled in below
	}, {
		name: "multi-platform image resolves to the index",
		ref:  "multi:1.0",
		want: Descriptor{MediaType: string(types.OCIImageIndex)},
	}, {
		name:    "missing tag",
		ref:     "web:2.0",
		wantErr: ErrNotFound,
		wantMsg: `repository 127.0.0.1:PORT/web has no tag "2.0"; push the image, or correct the tag`,
		wantGET: true,
	}, {
		name:    "missing repository",
		ref:     "nope:1.0",
		wantErr: ErrNotFound,
		wantMsg: "registry 127.0.0.1:PORT has no repository nope; check the repository name",
		wantGET: true,
	}, {
		name:    "HEAD not allowed falls back to GET",
		faults:  []testregistry.Fault{{Method: http.MethodHead, Path: "/manifests/", Status: http.StatusMethodNotAllowed}},
		ref:     "web:1.0",
		want:    Descriptor{MediaType: string(types.DockerManifestSchema2)},
		wantGET: true,
	}, {
		name:    "HEAD without Docker-Content-Digest falls back to GET",
		faults:  []testregistry.Fault{{Method: http.MethodHead, Path: "/manifests/", DropHeaders: []string{"Docker-Content-Digest"}}},
		ref:     "multi:1.0",
		want:    Descriptor{MediaType: string(types.OCIImageIndex)},
		wantGET: true,
	}, {
		name:    "HEAD 404 that GET contradicts",
		faults:  []testregistry.Fault{{Method: http.MethodHead, Path: "/manifests/", Status: http.StatusNotFound}},
		ref:     "web:1.0",
		want:    Descriptor{MediaType: string(types.DockerManifestSchema2)},
		wantGET: true,
	}, {
		name:    "forbidden",
		faults:  []testregistry.Fault{{Path: "/manifests/", Status: http.StatusForbidden}},
		ref:     "web:1.0",
		wantErr: ErrUnauthorized,
		wantMsg: "registry 127.0.0.1:PORT refused the credentials for 127.0.0.1:PORT/web (403 Forbidden: DENIED: Forbidden); run docker login 127.0.0.1:PORT",
		wantGET: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := testregistry.NewFaults(testregistry.Handler())
			host := testregistry.Serve(t, reg)
			pushed := map[string]Descriptor{
				"web:1.0":   descriptor(testregistry.Push(t, host+"/web:1.0", "web")),
				"multi:1.0": descriptor(testregistry.PushIndex(t, host+"/multi:1.0", "multi")),
			}
			reg.Add(tt.faults...)
			before := reg.Count(http.MethodGet, "/manifests/")

			got, err := NewRemote(fast()...).Resolve(t.Context(), tag(t, host+"/"+tt.ref))

			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%s) = %v, %v; want an error matching %v", tt.ref, got, err, tt.wantErr)
				}
				if msg := strings.ReplaceAll(err.Error(), host, "127.0.0.1:PORT"); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("Resolve(%s) error:\n%s\nwant it to contain:\n%s", tt.ref, msg, tt.wantMsg)
				}
			} else {
				if err != nil {
					t.Fatalf("Resolve(%s): %v", tt.ref, err)
				}
				want := tt.want
				want.Digest = pushed[tt.ref].Digest
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Resolve(%s) mismatch (-want +got):\n%s", tt.ref, diff)
				}
			}
			if gotGET := reg.Count(http.MethodGet, "/manifests/") > before; gotGET != tt.wantGET {
				t.Errorf("Resolve(%s) sent a manifest GET: %v, want %v; requests: %q", tt.ref, gotGET, tt.wantGET, reg.Log())
			}
		})
	}
}

// TestRemoteIndexDigest checks that the pinned digest of a multi-platform
// image is the index's, not one platform's, against the descriptor ggcr
// computes from what was pushed.
func TestRemoteIndexDigest(t *testing.T) {
	host := testregistry.Start(t)
	want := testregistry.PushIndex(t, host+"/multi:1.0", "seed")
	again := testregistry.PushIndex(t, host+"/multi:1.1", "seed")
	if want.Digest != again.Digest {
		t.Fatalf("PushIndex is not content-determined: %s then %s", want.Digest, again.Digest)
	}
	got, err := NewRemote(fast()...).Resolve(t.Context(), tag(t, host+"/multi:1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(descriptor(want), got); diff != "" {
		t.Errorf("Resolve(multi:1.0) mismatch (-want +got):\n%s", diff)
	}
}

func TestRemoteRetries(t *testing.T) {
	tests := []struct {
		name     string
		faults   []testregistry.Fault
		opts     []Option
		deadline time.Duration
		// retryAfterDate, if set, makes the first fault's Retry-After
		// an HTTP date this far ahead of when the subtest starts.
		retryAfterDate time.Duration
		// wantMsg is a part of the error, or one of several: a deadline
		// may end a retry loop while it waits (the last answer is
		// reported) or while a request is under way (it did not answer),
		// as the machine's speed decides. Empty: want success.
		wantMsg []string
		minTime time.Duration // at least this long (waiting as asked)
		// wantHEAD is how many manifest HEADs are sent (0: don't check);
		// maxHEAD, fewer than how many (a deadline cut the retries short).
		wantHEAD, maxHEAD int
	}{{
		name:     "429 with Retry-After in seconds",
		faults:   []testregistry.Fault{{Path: "/manifests/", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: "1"}},
		minTime:  time.Second,
		wantHEAD: 2,
	}, {
		name:           "429 with Retry-After as an HTTP date",
		faults:         []testregistry.Fault{{Path: "/manifests/", Times: 1, Status: http.StatusTooManyRequests}},
		retryAfterDate: 2 * time.Second,
		minTime:        900 * time.Millisecond, // the date has whole seconds
		wantHEAD:       2,
	}, {
		name:     "500 three times",
		faults:   []testregistry.Fault{{Path: "/manifests/", Times: 3, Status: http.StatusInternalServerError}},
		wantHEAD: 4,
	}, {
		name:     "503 on the ping, then fine",
		faults:   []testregistry.Fault{{Path: "/v2/", Times: 2, Status: http.StatusServiceUnavailable}},
		wantHEAD: 1,
	}, {
		name:     "500 forever fails within the deadline",
		faults:   []testregistry.Fault{{Path: "/manifests/", Status: http.StatusInternalServerError}},
		opts:     []Option{WithRetries(100), WithBackoff(50*time.Millisecond, 500*time.Millisecond)},
		deadline: 2 * time.Second,
		wantMsg:  []string{"registry 127.0.0.1:PORT is failing (500 Internal Server Error", "registry 127.0.0.1:PORT did not answer"},
		maxHEAD:  100,
	}, {
		name:     "500 more times than the retries",
		faults:   []testregistry.Fault{{Path: "/manifests/", Status: http.StatusInternalServerError}},
		opts:     []Option{WithRetries(3)},
		wantMsg:  []string{"registry 127.0.0.1:PORT is failing (500 Internal Server Error; 3 attempts); try again later"},
		wantHEAD: 3,
	}, {
		name:     "Retry-After beyond the limit gives up at once",
		faults:   []testregistry.Fault{{Path: "/manifests/", Status: http.StatusTooManyRequests, RetryAfter: "3600"}},
		wantMsg:  []string{"registry 127.0.0.1:PORT is limiting the request rate (429 Too Many Requests; 1 attempt; it asked to wait 1h0m0s, longer than the 5s limit)"},
		wantHEAD: 1,
	}, {
		// The timeout is long enough for the retry's answer to come
		// within it on a busy machine.
		name:     "one hung answer is retried",
		faults:   []testregistry.Fault{{Path: "/manifests/", Times: 1, Delay: time.Hour}},
		opts:     []Option{WithRequestTimeout(2 * time.Second)},
		minTime:  2 * time.Second,
		wantHEAD: 2,
	}, {
		name:     "hung answers fail within the deadline",
		faults:   []testregistry.Fault{{Path: "/manifests/", Delay: time.Hour}},
		opts:     []Option{WithRequestTimeout(200 * time.Millisecond), WithRetries(100), WithBackoff(50*time.Millisecond, 500*time.Millisecond)},
		deadline: 2 * time.Second,
		wantMsg:  []string{"registry 127.0.0.1:PORT did not answer"},
		maxHEAD:  100,
	}, {
		name:     "slow answers fail after the retries",
		faults:   []testregistry.Fault{{Path: "/manifests/", Delay: time.Hour}},
		opts:     []Option{WithRequestTimeout(100 * time.Millisecond), WithRetries(3)},
		wantMsg:  []string{"registry 127.0.0.1:PORT did not answer within 100ms (3 attempts); check the network, or try again later"},
		wantHEAD: 3,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // they mostly wait
			reg := testregistry.NewFaults(testregistry.Handler())
			host := testregistry.Serve(t, reg)
			want := descriptor(testregistry.Push(t, host+"/web:1.0", "web"))
			// start is taken before the Retry-After date is: the date has
			// whole seconds, so the wait lasts at least retryAfterDate less
			// one second from start, however late Resolve runs.
			start := time.Now()
			if tt.retryAfterDate > 0 {
				tt.faults[0].RetryAfter = start.Add(tt.retryAfterDate).UTC().Format(http.TimeFormat)
			}
			reg.Add(tt.faults...)
			heads := reg.Count(http.MethodHead, "/manifests/")
			deadline := hangBound
			if tt.deadline > 0 {
				deadline = tt.deadline
			}
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()

			got, err := NewRemote(fast(tt.opts...)...).Resolve(ctx, tag(t, host+"/web:1.0"))
			elapsed := time.Since(start)

			if len(tt.wantMsg) == 0 {
				if err != nil {
					t.Fatalf("Resolve: %v; requests: %q", err, reg.Log())
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
				}
			} else {
				if err == nil {
					t.Fatalf("Resolve = %v, want an error", got)
				}
				msg := strings.ReplaceAll(err.Error(), host, "127.0.0.1:PORT")
				if !slices.ContainsFunc(tt.wantMsg, func(want string) bool { return strings.Contains(msg, want) }) {
					t.Errorf("Resolve error:\n%s\nwant it to contain one of:\n%s", msg, strings.Join(tt.wantMsg, "\n"))
				}
				if errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
					t.Errorf("Resolve error %v is classified as not found or unauthorized", err)
				}
			}
			if elapsed < tt.minTime {
				t.Errorf("Resolve took %s, want at least %s", elapsed, tt.minTime)
			}
			n := reg.Count(http.MethodHead, "/manifests/") - heads
			if tt.wantHEAD != 0 && n != tt.wantHEAD {
				t.Errorf("Resolve sent %d manifest HEADs, want %d; requests: %q", n, tt.wantHEAD, reg.Log())
			}
			if tt.maxHEAD != 0 && n >= tt.maxHEAD {
				t.Errorf("Resolve sent %d manifest HEADs, want fewer than %d: the deadline should have ended the retries", n, tt.maxHEAD)
			}
		})
	}
}

func TestRemoteTimeoutIsDeadlineExceeded(t *testing.T) {
	reg := testregistry.NewFaults(testregistry.Handler(), testregistry.Fault{Path: "/manifests/", Delay: time.Hour})
	host := testregistry.Serve(t, reg)
	_, err := NewRemote(fast(WithRequestTimeout(50*time.Millisecond), WithRetries(2))...).Resolve(t.Context(), tag(t, host+"/web:1.0"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Resolve error %v does not match context.DeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Resolve error %v is not a net.Error with Timeout()", err)
	}
}

func TestRemoteUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close() // nothing listens there now

	ctx, cancel := context.WithTimeout(t.Context(), hangBound)
	defer cancel()
	_, err = NewRemote(fast()...).Resolve(ctx, tag(t, host+"/web:1.0"))
	if err == nil {
		t.Fatal("Resolve succeeded against a closed port")
	}
	if want := host + "/web:1.0: cannot reach registry " + host + ": dial tcp " + host + ": connect: connection refused"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Resolve error:\n%s\nwant it to start with:\n%s", err, want)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("Resolve error %v does not keep the *net.OpError", err)
	}
	// A refused connection is reported at once: nothing listens there, and
	// retrying would only delay the message.
	if strings.Contains(err.Error(), "attempt") {
		t.Errorf("Resolve error %q: the refused connection was retried; want it reported at once", err)
	}
}

// remoteAuth is the option to push to a registry behind BasicAuth.
func remoteAuth(user, pass string) remote.Option {
	return remote.WithAuth(&authn.Basic{Username: user, Password: pass})
}

// remoteTransport is the option to push to a TLS registry.
func remoteTransport(tr http.RoundTripper) remote.Option {
	return remote.WithTransport(tr)
}

// staticKeychain gives every registry the same credentials.
type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: k.user, Password: k.pass}), nil
}

// failingKeychain cannot find credentials.
type failingKeychain struct{ err error }

func (k failingKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return nil, k.err }

func TestRemoteCredentials(t *testing.T) {
	const user, secret = "robot", "s3cr3t-p4ssw0rd-never-shown"
	reg := testregistry.NewFaults(testregistry.BasicAuth(testregistry.Handler(), user, secret))
	host := testregistry.Serve(t, reg)
	want := descriptor(testregistry.Push(t, host+"/web:1.0", "web", remoteAuth(user, secret)))

	tests := []struct {
		name     string
		keychain authn.Keychain
		wantErr  error
		wantMsg  string
	}{{
		name:     "right password",
		keychain: staticKeychain{user, secret},
	}, {
		name:     "wrong password",
		keychain: staticKeychain{user, secret + "-wrong"},
		wantErr:  ErrUnauthorized,
		wantMsg:  "registry 127.0.0.1:PORT refused the credentials for 127.0.0.1:PORT/web (401 Unauthorized: UNAUTHORIZED: authentication required); run docker login 127.0.0.1:PORT",
	}, {
		name:     "no credentials",
		keychain: authn.NewMultiKeychain(),
		wantErr:  ErrUnauthorized,
		wantMsg:  "refused the credentials",
	}, {
		name:     "keychain fails",
		keychain: failingKeychain{errors.New("docker-credential-desktop not installed")},
		wantErr:  ErrUnauthorized,
		wantMsg:  "no credentials for registry 127.0.0.1:PORT: docker-credential-desktop not installed; run docker login 127.0.0.1:PORT",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewRemote(fast(WithKeychain(tt.keychain))...).Resolve(t.Context(), tag(t, host+"/web:1.0"))
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve = %v, %v; want an error matching %v", got, err, tt.wantErr)
			}
			msg := err.Error()
			for _, leak := range []string{secret, base64.StdEncoding.EncodeToString([]byte(user + ":" + secret + "-wrong")), "Authorization", "Basic "} {
				if strings.Contains(msg, leak) {
					t.Errorf("Resolve error contains %q:\n%s", leak, msg)
				}
			}
			if msg := strings.ReplaceAll(msg, host, "127.0.0.1:PORT"); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("Resolve error:\n%s\nwant it to contain:\n%s", msg, tt.wantMsg)
			}
		})
	}
}

// recordingKeychain records the hosts it is asked about.
type recordingKeychain struct{ hosts chan string }

func (k recordingKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	k.hosts <- r.RegistryStr()
	return authn.Anonymous, nil
}

func TestRemoteMirrors(t *testing.T) {
	const ecrHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	host := testregistry.Start(t)
	web := descriptor(testregistry.Push(t, host+"/web:1.0", "web"))
	nginx := descriptor(testregistry.Push(t, host+"/dockerhub/library/nginx:1.27", "nginx"))
	mirrors := map[string]string{
		ecrHost:     host,
		"docker.io": host + "/dockerhub",
	}

	tests := []struct {
		name    string
		ref     string
		want    Descriptor
		wantErr error
		wantMsg string
	}{{
		name: "ECR reference, answered by the mirror",
		ref:  ecrHost + "/web:1.0",
		want: web,
	}, {
		name: "Docker Hub reference, under a prefix on the mirror",
		ref:  "nginx:1.27",
		want: nginx,
	}, {
		name:    "missing tag names the reference and the mirror",
		ref:     ecrHost + "/web:9.9",
		wantErr: ErrNotFound,
		wantMsg: ecrHost + `/web:9.9: repository 127.0.0.1:PORT/web has no tag "9.9"; push the image, or correct the tag (asked mirror 127.0.0.1:PORT for 127.0.0.1:PORT/web:9.9)`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := recordingKeychain{hosts: make(chan string, 10)}
			got, err := NewRemote(fast(WithMirrors(mirrors), WithKeychain(kc))...).Resolve(t.Context(), tag(t, tt.ref))
			close(kc.hosts)
			for h := range kc.hosts {
				if h != host {
					t.Errorf("keychain asked about %s, want only the mirror %s", h, host)
				}
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Resolve(%s) = %v, %v; want an error matching %v", tt.ref, got, err, tt.wantErr)
				}
				if msg := strings.ReplaceAll(err.Error(), host, "127.0.0.1:PORT"); msg != tt.wantMsg {
					t.Errorf("Resolve(%s) error:\n%s\nwant:\n%s", tt.ref, msg, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%s): %v", tt.ref, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve(%s) mismatch (-want +got):\n%s", tt.ref, diff)
			}
		})
	}
}

func TestRemoteBadMirror(t *testing.T) {
	r := NewRemote(fast(WithMirrors(map[string]string{"docker.io": "not a host"}))...)
	_, err := r.Resolve(t.Context(), tag(t, "nginx:1.27"))
	if err == nil || !strings.Contains(err.Error(), `mirror "not a host" for docker.io`) {
		t.Errorf("Resolve with a bad mirror = %v, want an error naming the mirror", err)
	}
}

// TestRemoteRequestsPerTag checks the cost of resolving: one manifest
// HEAD per tag, and one ping per registry however many repositories.
func TestRemoteRequestsPerTag(t *testing.T) {
	reg := testregistry.NewFaults(testregistry.Handler())
	host := testregistry.Serve(t, reg)
	var refs []string
	for i := range 6 {
		ref := fmt.Sprintf("%s/app%d:1.0", host, i%3)
		if i >= 3 {
			ref = fmt.Sprintf("%s/app%d:2.0", host, i%3)
		}
		testregistry.Push(t, ref, ref)
		refs = append(refs, ref)
	}
	before := reg.Requests()
	r := NewRemote(fast()...)
	for _, ref := range refs {
		if _, err := r.Resolve(t.Context(), tag(t, ref)); err != nil {
			t.Fatal(err)
		}
	}
	got := reg.Log()[before:]
	want := []string{"GET /v2/"}
	for _, ref := range refs {
		repo, tg, _ := strings.Cut(strings.TrimPrefix(ref, host+"/"), ":")
		want = append(want, "HEAD /v2/"+repo+"/manifests/"+tg)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
}

// resolveAll resolves refs, at most jobs at a time, each result in its
// own slot: the shape of Pin, which may not exist yet when this runs.
func resolveAll(ctx context.Context, r Resolver, refs []name.Tag, jobs int) ([]Descriptor, error) {
	out := make([]Descriptor, len(refs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, ref := range refs {
		g.Go(func() error {
			d, err := r.Resolve(ctx, ref)
			out[i] = d
			return err
		})
	}
	return out, g.Wait()
}

// BenchmarkRemoteResolve200 resolves 200 distinct tags, 8 at a time,
// against a registry that takes 50ms to answer every request, with a new
// Remote (cold caches) per iteration, as one gen run would. requests/op
// is what the registry saw.
func BenchmarkRemoteResolve200(b *testing.B) {
	for _, bc := range []struct {
		name  string
		repos int
	}{
		{"200 repositories", 200},
		{"20 repositories of 10 tags", 20},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg := testregistry.NewFaults(testregistry.Handler())
			host := testregistry.Serve(b, reg)
			refs := make([]name.Tag, 200)
			for i := range refs {
				ref := fmt.Sprintf("%s/app%03d:%d.0", host, i%bc.repos, i/bc.repos)
				testregistry.Push(b, ref, ref)
				var err error
				if refs[i], err = name.NewTag(ref); err != nil {
					b.Fatal(err)
				}
			}
			reg.Add(testregistry.Fault{Delay: 50 * time.Millisecond})
			before := reg.Requests()
			for b.Loop() {
				r := NewRemote(WithKeychain(authn.NewMultiKeychain()))
				if _, err := resolveAll(b.Context(), r, refs, 8); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(reg.Requests()-before)/float64(b.N), "requests/op")
		})
	}
}
