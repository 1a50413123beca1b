package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

const ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

// counting is a Fixed resolver that records what it was asked.
type counting struct {
	mu    sync.Mutex
	fixed Fixed
	asked []string
}

func (c *counting) Resolve(ctx context.Context, ref name.Tag) (Descriptor, error) {
	c.mu.Lock()
	c.asked = append(c.asked, ref.String())
	c.mu.Unlock()
	return c.fixed.Resolve(ctx, ref)
}

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

// env returns environment name holding apps, on a cluster whose
// autoscaler is off: these tests are about apps' images, and
// TestPinPlatformImages about the autoscaler's.
func env(t testing.TB, name string, apps ...*model.App) *model.Environment {
	t.Helper()
	e := modeltest.Env(t, name, modeltest.Cluster+"cluster: autoscaler: enabled: false\n")
	for _, a := range apps {
		e.Apps[a.Name] = a
	}
	return e
}

// app returns an app on the image repo:tag, or repo with no tag when tag
// is "".
func app(t testing.TB, name, repo, tag string) *model.App {
	t.Helper()
	src := fmt.Sprintf("image: repository: %q", repo)
	if tag != "" {
		src += fmt.Sprintf("\nimage: tag: %q", tag)
	}
	return modeltest.App(t, name, src)
}

func writeLock(t *testing.T, root, envName string, entries ...Entry) {
	t.Helper()
	p := filepath.Join(root, "environments", envName, LockFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteLock(p, (&Lock{Images: entries}).Encode()); err != nil {
		t.Fatal(err)
	}
}

func entry(repo, tag string, c byte) Entry {
	return Entry{Repository: repo, Tag: tag, Descriptor: Descriptor{Digest: digest(c), MediaType: "application/vnd.oci.image.manifest.v1+json"}}
}

func TestPin(t *testing.T) {
	web, api := ecr+"/web", ecr+"/api"
	fixed := Fixed{
		web + ":1.0": {Digest: digest('a'), MediaType: "application/vnd.oci.image.manifest.v1+json"},
		web + ":2.0": {Digest: digest('b'), MediaType: "application/vnd.oci.image.manifest.v1+json"},
		api + ":1.0": {Digest: digest('c'), MediaType: "application/vnd.oci.image.index.v1+json"},
	}
	root := t.TempDir()
	writeLock(t, root, "prod", entry(web, "1.0", 'a'), entry(ecr+"/gone", "9", 'f'))

	dev := env(t, "dev", app(t, "web", web, "2.0"), app(t, "api", api, "1.0"), app(t, "worker", api, "1.0"))
	prod := env(t, "prod", app(t, "web", web, "1.0"), app(t, "api", api, "1.0"))
	disabled := app(t, "old", ecr+"/old", "0.1")
	disabled.Enabled = false
	byDigest := app(t, "pinned", web, "")
	byDigest.Image.Digest = digest('d')
	prod.Apps["old"], prod.Apps["pinned"] = disabled, byDigest

	r := &counting{fixed: fixed}
	pinned, err := Pin(context.Background(), root, []*model.Environment{dev, prod}, PinOptions{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	// api:1.0 is needed by two envs and two apps, and asked once; web:1.0
	// is locked in prod and not asked; disabled and digest-pinned apps
	// are not asked.
	if diff := cmp.Diff([]string{api + ":1.0", web + ":2.0"}, sorted(r.asked)); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	if got := dev.Apps["worker"].Image.Digest; got != digest('c') {
		t.Errorf("worker digest = %s, want %s", got, digest('c'))
	}
	if got := prod.Apps["pinned"].Image.Digest; got != digest('d') {
		t.Errorf("digest pinned in CUE changed to %s", got)
	}
	if disabled.Image.Digest != "" {
		t.Errorf("disabled app was pinned")
	}
	// prod's lock drops the entry nothing uses any more.
	want := (&Lock{Images: []Entry{entry(api, "1.0", 'c'), entry(web, "1.0", 'a')}})
	want.Images[0].MediaType = "application/vnd.oci.image.index.v1+json"
	if diff := cmp.Diff(string(want.Encode()), string(pinned[1].Data)); diff != "" {
		t.Errorf("prod lock (-want +got):\n%s", diff)
	}
	if pinned[0].Resolved != 2 || pinned[1].Resolved != 1 {
		t.Errorf("Resolved = %d, %d, want 2, 1", pinned[0].Resolved, pinned[1].Resolved)
	}
	var origins []string
	for _, im := range pinned[1].Images {
		origins = append(origins, im.Repository+":"+im.Tag+" "+string(im.Origin)+" "+strings.Join(im.Apps, ","))
	}
	if diff := cmp.Diff([]string{
		api + ":1.0 resolved api",
		web + ": pinned in CUE pinned",
		web + ":1.0 locked web",
	}, origins); diff != "" {
		t.Errorf("prod images (-want +got):\n%s", diff)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestPinRefresh(t *testing.T) {
	web := ecr + "/web"
	root := t.TempDir()
	writeLock(t, root, "dev", entry(web, "1.0", 'a'), entry(ecr+"/api", "1.0", 'c'))
	fixed := Fixed{web + ":1.0": {Digest: digest('e')}, ecr + "/api:1.0": {Digest: digest('c')}}
	for _, tt := range []struct {
		name      string
		opts      PinOptions
		wantAsked []string
		wantWeb   string
	}{
		{"locked", PinOptions{}, nil, digest('a')},
		{"refresh all", PinOptions{RefreshAll: true}, []string{ecr + "/api:1.0", web + ":1.0"}, digest('e')},
		{"refresh repository", PinOptions{Refresh: []string{web}}, []string{web + ":1.0"}, digest('e')},
		{"refresh repository:tag", PinOptions{Refresh: []string{web + ":1.0"}}, []string{web + ":1.0"}, digest('e')},
		{"refresh another tag", PinOptions{Refresh: []string{web + ":2.0"}}, nil, digest('a')},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := env(t, "dev", app(t, "web", web, "1.0"), app(t, "api", ecr+"/api", "1.0"))
			r := &counting{fixed: fixed}
			tt.opts.Resolver = r
			if _, err := Pin(context.Background(), root, []*model.Environment{e}, tt.opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantAsked, sorted(r.asked)); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
			if got := e.Apps["web"].Image.Digest; got != tt.wantWeb {
				t.Errorf("web digest = %s, want %s", got, tt.wantWeb)
			}
		})
	}
}

func TestPinMirrors(t *testing.T) {
	e := env(t, "dev", app(t, "web", ecr+"/web", "1.0"), app(t, "hub", "docker.io/library/nginx", "1.27"))
	e.Registries.Mirrors = map[string]string{ecr: "cache.internal:5000", "docker.io": "hub.internal"}
	r := &counting{fixed: Fixed{
		"cache.internal:5000/web:1.0":       {Digest: digest('a')},
		"127.0.0.1:5000/library/nginx:1.27": {Digest: digest('b')},
		"hub.internal/library/nginx:1.27":   {Digest: digest('c')},
	}}
	// The flag's mirrors win over the environment's.
	pinned, err := Pin(context.Background(), t.TempDir(), []*model.Environment{e},
		PinOptions{Resolver: r, Mirrors: map[string]string{"docker.io": "127.0.0.1:5000"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"127.0.0.1:5000/library/nginx:1.27", "cache.internal:5000/web:1.0"}, sorted(r.asked)); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	// The lock keeps the original repositories.
	for _, want := range []string{`"repository": "` + ecr + `/web"`, `"repository": "docker.io/library/nginx"`} {
		if !strings.Contains(string(pinned[0].Data), want) {
			t.Errorf("lock lacks %s:\n%s", want, pinned[0].Data)
		}
	}
}

func TestPinErrors(t *testing.T) {
	web := ecr + "/web"
	root := t.TempDir()
	writeLock(t, root, "dev", entry(web, "1.0", 'a'))

	t.Run("offline miss", func(t *testing.T) {
		e := env(t, "dev", app(t, "web", web, "1.0"), app(t, "api", ecr+"/api", "2.0"), app(t, "job", ecr+"/job", "3.0"))
		_, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{})
		msgs := messages(err)
		want := []string{
			"apps.api.image.tag: image " + ecr + "/api:2.0 is not in environments/dev/images.lock.json",
			"apps.job.image.tag: image " + ecr + "/job:3.0 is not in environments/dev/images.lock.json",
		}
		if diff := cmp.Diff(want, msgs); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		var missing *MissingError
		if !errors.As(err, &missing) {
			t.Fatalf("error is not a *MissingError: %#v", err)
		}
		wantMisses := []Miss{
			{Env: "dev", Lock: "environments/dev/images.lock.json", Repository: ecr + "/api", Tag: "2.0"},
			{Env: "dev", Lock: "environments/dev/images.lock.json", Repository: ecr + "/job", Tag: "3.0"},
		}
		if diff := cmp.Diff(wantMisses, missing.Misses); diff != "" {
			t.Errorf("misses (-want +got):\n%s", diff)
		}
		if e.Apps["web"].Image.Digest != digest('a') {
			t.Errorf("a locked tag was not pinned")
		}
	})
	t.Run("offline misses in some environments", func(t *testing.T) {
		writeLock(t, root, "prod", entry(web, "1.0", 'b'))
		dev := env(t, "dev", app(t, "web", web, "2.0"))
		prod := env(t, "prod", app(t, "web", web, "1.0"))
		staging := env(t, "staging", app(t, "web", web, "2.0"))
		pinned, err := Pin(context.Background(), root, []*model.Environment{dev, prod, staging}, PinOptions{})
		var missing *MissingError
		if !errors.As(err, &missing) {
			t.Fatalf("Pin error = %v, want a *MissingError", err)
		}
		if diff := cmp.Diff([]string{"dev", "staging"}, missing.Envs()); diff != "" {
			t.Errorf("MissingError.Envs() (-want +got):\n%s", diff)
		}
		if len(pinned) != 1 || pinned[0].Env != "prod" || prod.Apps["web"].Image.Digest != digest('b') {
			t.Errorf("Pin returned %+v, want prod's lock, pinned", pinned)
		}
	})
	t.Run("misses and other errors", func(t *testing.T) {
		dev := env(t, "dev", app(t, "web", web, "2.0"))
		bad := env(t, "qa", app(t, "web", web, "1.0"))
		if err := os.MkdirAll(filepath.Join(root, "environments", "qa"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "environments", "qa", LockFile), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		pinned, err := Pin(context.Background(), root, []*model.Environment{dev, bad}, PinOptions{})
		var missing *MissingError
		if pinned != nil || err == nil || errors.As(err, &missing) {
			t.Errorf("Pin = %v, %v; want no locks and an error other than a *MissingError", pinned, err)
		}
	})
	t.Run("registry failure leaves nothing", func(t *testing.T) {
		e := env(t, "dev", app(t, "web", web, "1.0"), app(t, "api", ecr+"/api", "2.0"))
		pinned, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{Resolver: Fixed{}})
		if pinned != nil {
			t.Errorf("Pin returned locks despite errors")
		}
		if diff := cmp.Diff([]string{"apps.api.image: " + ecr + "/api:2.0: no such image"}, messages(err)); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		var envErr *model.EnvError
		if !errors.As(err, &envErr) || envErr.Env != "dev" {
			t.Errorf("error is not a *model.EnvError for dev: %#v", err)
		}
	})
	t.Run("lenient", func(t *testing.T) {
		e := env(t, "dev", app(t, "api", ecr+"/api", "2.0"))
		pinned, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{Lenient: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := pinned[0].Images[0].Origin; got != Missing {
			t.Errorf("origin = %s, want %s", got, Missing)
		}
	})
	t.Run("malformed reference", func(t *testing.T) {
		// The schema refuses such a repository; Pin must too.
		web := app(t, "web", web, "1.0")
		web.Image.Repository = "Registry.example.com/Web"
		e := env(t, "dev", web)
		_, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{Resolver: Fixed{}})
		if msgs := messages(err); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "apps.web.image: malformed image reference") {
			t.Errorf("errors = %q, want one malformed reference", msgs)
		}
	})
	t.Run("corrupt lock", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, "environments", "dev", LockFile)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(`{"version": 1, "images": [{"repository": "x"}]}`), 0o644)
		e := env(t, "dev", app(t, "web", web, "1.0"))
		_, err := Pin(context.Background(), root, []*model.Environment{e}, PinOptions{})
		if err == nil || !strings.Contains(err.Error(), "image 0 needs repository, tag and digest") {
			t.Errorf("Pin with a corrupt lock = %v", err)
		}
		if ps := cueerrors.Positions(err); len(ps) != 1 || ps[0].String() != p+":1:27" {
			t.Errorf("Pin with a corrupt lock: positions %v, want %s:1:27", ps, p)
		}
	})
}

func messages(err error) []string {
	var out []string
	for _, e := range cueerrors.Errors(err) {
		out = append(out, e.Error())
	}
	return out
}

func TestLockFile(t *testing.T) {
	l := &Lock{Images: []Entry{entry(ecr+"/web", "2.0", 'b'), entry(ecr+"/api", "1.0", 'a'), entry(ecr+"/web", "10.0", 'c')}}
	data := l.Encode()
	if string(data) != string(l.Encode()) {
		t.Errorf("Encode is not deterministic")
	}
	parsed, err := ParseLock("lock", data)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range parsed.Images {
		order = append(order, e.Repository+":"+e.Tag)
	}
	if diff := cmp.Diff([]string{ecr + "/api:1.0", ecr + "/web:10.0", ecr + "/web:2.0"}, order); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if d, ok := parsed.Lookup(ecr+"/web", "2.0"); !ok || d.Digest != digest('b') {
		t.Errorf("Lookup(web, 2.0) = %v, %v", d, ok)
	}
	if _, ok := parsed.Lookup(ecr+"/web", "3.0"); ok {
		t.Errorf("Lookup(web, 3.0) found an entry")
	}
	for _, bad := range []struct{ name, data, want string }{
		{"unknown field", `{"version": 1, "images": [], "extra": 1}`, "unknown field"},
		{"newer version", `{"version": 2, "images": []}`, "version 2 is not 1"},
		{"no digest", `{"version": 1, "images": [{"repository": "r", "tag": "t"}]}`, "needs repository, tag and digest"},
		{"not json", `images:`, "invalid character"},
	} {
		if _, err := ParseLock("lock", []byte(bad.data)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: ParseLock = %v, want an error containing %q", bad.name, err, bad.want)
		}
	}
	// WriteLock writes atomically, leaves no temporary file, and removes
	// the file for nil data.
	dir := t.TempDir()
	p := filepath.Join(dir, LockFile)
	if err := WriteLock(p, data); err != nil {
		t.Fatal(err)
	}
	if changed, err := Changed(p, data); changed || err != nil {
		t.Errorf("Changed after WriteLock = %v, %v", changed, err)
	}
	if err := WriteLock(p, nil); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("WriteLock(nil) left %v", entries)
	}
	if changed, _ := Changed(p, nil); changed {
		t.Errorf("Changed(missing, nil) = true")
	}
}

// hanging never answers before its context ends.
type hanging struct{}

func (hanging) Resolve(ctx context.Context, ref name.Tag) (Descriptor, error) {
	<-ctx.Done()
	return Descriptor{}, fmt.Errorf("%s: %w", ref, ctx.Err())
}

func TestPinTimeout(t *testing.T) {
	e := env(t, "dev", app(t, "web", ecr+"/web", "1.0"))
	// hangBound ends the wait if Pin ignored its timeout: the hanging
	// resolver would then return the bound's error, not Pin's.
	ctx, cancel := context.WithTimeout(t.Context(), hangBound)
	defer cancel()
	_, err := Pin(ctx, t.TempDir(), []*model.Environment{e}, PinOptions{Resolver: hanging{}, Timeout: 200 * time.Millisecond})
	if ctx.Err() != nil {
		t.Fatalf("Pin with a 200ms timeout returned only when the test's %s bound ended (%v)", hangBound, err)
	}
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("Pin with a hanging registry = %v, want a deadline error", err)
	}
}

// TestPinPlatformImages pins the Cluster Autoscaler's image, the
// schema's default, beside the apps'.
func TestPinPlatformImages(t *testing.T) {
	platform := func(apps ...*model.App) *model.Environment {
		e := modeltest.Env(t, "dev", modeltest.Cluster)
		for _, a := range apps {
			e.Apps[a.Name] = a
		}
		return e
	}
	e := platform(app(t, "web", ecr+"/web", "1.0"))
	ca := e.Cluster.Autoscaler.Image.Reference()
	if !e.Cluster.Autoscaler.Enabled || e.Cluster.Autoscaler.Image.Tag == "" {
		t.Fatalf("the autoscaler is %+v, want it enabled on a tag by default", e.Cluster.Autoscaler)
	}
	r := &counting{fixed: Fixed{ecr + "/web:1.0": {Digest: digest('a')}, ca: {Digest: digest('b')}}}
	pinned, err := Pin(context.Background(), t.TempDir(), []*model.Environment{e}, PinOptions{Resolver: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Cluster.Autoscaler.Image.Digest; got != digest('b') {
		t.Errorf("autoscaler digest = %q, want %s", got, digest('b'))
	}
	if !strings.Contains(string(pinned[0].Data), e.Cluster.Autoscaler.Image.Repository) {
		t.Errorf("the lock lacks the autoscaler image:\n%s", pinned[0].Data)
	}
	// Offline, a missing platform image points at its field.
	e2 := platform()
	_, err = Pin(context.Background(), t.TempDir(), []*model.Environment{e2}, PinOptions{})
	if msgs := messages(err); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "cluster.autoscaler.image.tag: image "+ca+" is not in") {
		t.Errorf("errors = %q", msgs)
	}
	// Disabled, it is not pinned.
	e2.Cluster.Autoscaler.Enabled = false
	if _, err := Pin(context.Background(), t.TempDir(), []*model.Environment{e2}, PinOptions{}); err != nil {
		t.Errorf("Pin with the autoscaler disabled = %v", err)
	}
}
