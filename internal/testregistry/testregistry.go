// Package testregistry starts throwaway OCI registries for tests: ggcr's
// in-memory pkg/registry behind httptest, over plain HTTP or TLS, seeded
// with content-determined images, and optionally misbehaving on cue
// (see [Faults]).
//
// It must only be imported from _test.go files. It does not import
// generator/images, so that package's own internal tests can use it
// without an import cycle; that is why Push returns a ggcr
// [v1.Descriptor] rather than an images.Descriptor.
package testregistry

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Handler returns a fresh, empty in-memory registry that logs nothing.
func Handler() http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)))
}

// Start serves a fresh registry over plain HTTP on 127.0.0.1 until the
// test ends, and returns its host ("127.0.0.1:PORT"). ggcr talks plain
// HTTP to loopback hosts (name.Registry.Scheme), so references on that
// host work with no further setup.
func Start(t testing.TB) (host string) {
	t.Helper()
	return Serve(t, Handler())
}

// Serve is Start for any handler, typically a registry wrapped in
// [Faults] or [BasicAuth].
func Serve(t testing.TB, h http.Handler) (host string) {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// StartTLS serves a fresh registry over TLS until the test ends. It
// returns the server's host and a transport that trusts the server's
// certificate; see [ServeTLS].
func StartTLS(t testing.TB) (host string, tr *http.Transport) {
	t.Helper()
	return ServeTLS(t, Handler())
}

// ServeTLS serves h over TLS on 127.0.0.1 until the test ends. The
// server's certificate is valid for 127.0.0.1, localhost and names
// (wildcards allowed, e.g. "*.dkr.ecr.eu-west-1.amazonaws.com").
//
// The returned transport trusts only that certificate and sends every
// connection to the server whatever host the request names, so a request
// for https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/ reaches it
// and is verified against the real host name. This is ggcr's
// internal/httptest.NewTLSServer with a handler of our choosing.
func ServeTLS(t testing.TB, h http.Handler, names ...string) (host string, tr *http.Transport) {
	t.Helper()
	cert := certificate(t, names)
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	t.Cleanup(s.Close)

	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	addr := s.Listener.Addr().String()
	var d net.Dialer
	tr = &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 50,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return addr, tr
}

// certificate makes a self-signed certificate for loopback and names.
func certificate(t testing.TB, names []string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := x509.Certificate{
		SerialNumber:          big.NewInt(1),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              append([]string{"localhost"}, names...),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// Push writes a small single-platform image whose content, and so whose
// digest, is determined by seed alone: the same seed gives the same
// digest in every run, and different seeds give different digests
// (crane.Image is reproducible). It returns the descriptor a registry
// should report for ref. opts reach remote.Write, e.g. remote.WithTransport
// for a TLS registry or remote.WithAuth for one behind BasicAuth.
func Push(t testing.TB, ref, seed string, opts ...remote.Option) v1.Descriptor {
	t.Helper()
	tag := parseTag(t, ref)
	img := image(t, seed)
	if err := remote.Write(tag, img, opts...); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	return describe(t, img)
}

// PushIndex writes a multi-platform image (an OCI index of linux/amd64
// and linux/arm64 images, each determined by seed) and returns the
// descriptor of the index, which is what a tag resolves to.
func PushIndex(t testing.TB, ref, seed string, opts ...remote.Option) v1.Descriptor {
	t.Helper()
	tag := parseTag(t, ref)
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		img := mutate.MediaType(image(t, seed+"/"+arch), types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		adds = append(adds, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	if err := remote.WriteIndex(tag, idx, opts...); err != nil {
		t.Fatalf("pushing index %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	mt, err := idx.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	size, err := idx.Size()
	if err != nil {
		t.Fatal(err)
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size}
}

func parseTag(t testing.TB, ref string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatalf("testregistry: %v", err)
	}
	return tag
}

func image(t testing.TB, seed string) v1.Image {
	t.Helper()
	img, err := crane.Image(map[string][]byte{
		"seed.txt": []byte(seed + "\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func describe(t testing.TB, img v1.Image) v1.Descriptor {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	mt, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	size, err := img.Size()
	if err != nil {
		t.Fatal(err)
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size}
}

// BasicAuth answers 401 with a Basic challenge, like ECR does, unless a
// request carries exactly user and password; such requests go to next.
// The /v2/ ping is challenged too, as real registries do.
func BasicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if ok && u == user && p == password {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="testregistry"`)
		writeError(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	})
}

// writeError answers like a distribution registry: status and a JSON
// error body (which net/http drops for HEAD).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if code == "" {
		w.WriteHeader(status)
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"errors":[{"code":"` + code + `","message":"` + strings.ReplaceAll(msg, `"`, `'`) + `"}]}` + "\n")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}
