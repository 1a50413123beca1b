package testregistry_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/internal/testregistry"
)

func TestPushIsContentDetermined(t *testing.T) {
	a, b := testregistry.Start(t), testregistry.Start(t)
	for _, tt := range []struct {
		name          string
		index         bool
		wantMediaType types.MediaType
	}{
		{"image", false, types.DockerManifestSchema2},
		{"index", true, types.OCIImageIndex},
	} {
		t.Run(tt.name, func(t *testing.T) {
			push := testregistry.Push
			if tt.index {
				push = testregistry.PushIndex
			}
			first := push(t, a+"/web:1.0", "seed")
			second := push(t, b+"/other:2.0", "seed")
			other := push(t, a+"/web:1.1", "another seed")
			if diff := cmp.Diff(first, second); diff != "" {
				t.Errorf("same seed, different descriptors (-first +second):\n%s", diff)
			}
			if first.Digest == other.Digest {
				t.Errorf("different seeds, same digest %s", first.Digest)
			}
			if first.MediaType != tt.wantMediaType {
				t.Errorf("media type = %s, want %s", first.MediaType, tt.wantMediaType)
			}
			// What the registry serves is what Push reported.
			ref, err := name.ParseReference(a + "/web:1.0")
			if err != nil {
				t.Fatal(err)
			}
			got, err := remote.Head(ref)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, *got); diff != "" {
				t.Errorf("registry serves (-pushed +served):\n%s", diff)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	f := testregistry.NewFaults(testregistry.Handler(),
		testregistry.Fault{Method: http.MethodGet, Path: "/v2/", Times: 2, Status: http.StatusTooManyRequests, RetryAfter: "7"},
		testregistry.Fault{Path: "/v2/", Times: 1, Delay: 20 * time.Millisecond, Status: http.StatusTeapot},
	)
	host := testregistry.Serve(t, f)
	var got []string
	var took []time.Duration
	for range 4 {
		start := time.Now()
		resp, err := http.Get("http://" + host + "/v2/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		took = append(took, time.Since(start))
		got = append(got, resp.Status+" Retry-After="+resp.Header.Get("Retry-After"))
	}
	want := []string{
		"429 Too Many Requests Retry-After=7",
		"429 Too Many Requests Retry-After=7",
		"418 I'm a teapot Retry-After=",
		"200 OK Retry-After=",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers mismatch (-want +got):\n%s", diff)
	}
	// Only the delay is certain: on a busy machine any request may take
	// 20ms, so the others are not required to be quick.
	if took[2] < 20*time.Millisecond {
		t.Errorf("the delayed answer took %v, want at least 20ms", took[2])
	}
	if n := f.Requests(); n != 4 {
		t.Errorf("Requests() = %d, want 4", n)
	}
	if n := f.Count(http.MethodGet, "/v2/"); n != 4 {
		t.Errorf("Count(GET, /v2/) = %d, want 4", n)
	}
}

func TestServeTLSAndBasicAuth(t *testing.T) {
	const ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	_, tr := testregistry.ServeTLS(t, testregistry.BasicAuth(testregistry.Handler(), "AWS", "pw"), "*.dkr.ecr.eu-west-1.amazonaws.com")
	const ref = ecr + "/web:1.0"
	want := testregistry.Push(t, ref, "web", remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: "AWS", Password: "pw"}))

	got, err := remote.Head(name.MustParseReference(ref), remote.WithTransport(tr), remote.WithAuth(&authn.Basic{Username: "AWS", Password: "pw"}))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("Head(%s) mismatch (-want +got):\n%s", ref, diff)
	}
	if _, err := remote.Head(name.MustParseReference(ref), remote.WithTransport(tr)); err == nil {
		t.Errorf("Head(%s) without credentials succeeded", ref)
	}
}

// TestAutoSeedConcurrent asks for one tag many times at once: every
// request finds it, none while it is being pushed, and the image is pushed
// once (the same digest every time).
func TestAutoSeedConcurrent(t *testing.T) {
	reg := testregistry.StartAutoSeed()
	defer reg.Close()
	ref, err := name.NewTag(reg.Host() + "/web:1.0")
	if err != nil {
		t.Fatal(err)
	}
	var g errgroup.Group
	digests := make([]string, 8)
	for i := range digests {
		g.Go(func() error {
			desc, err := remote.Head(ref)
			if err != nil {
				return err
			}
			digests[i] = desc.Digest.String()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("HEAD %s: %v", ref, err)
	}
	for _, d := range digests[1:] {
		if d != digests[0] {
			t.Errorf("digests differ: %q", digests)
			break
		}
	}
	if _, err := remote.Head(ref.Context().Tag("missing")); err == nil {
		t.Error("a tag starting with missing was seeded")
	}
}
