package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestContainers checks the order of an app's containers (its own, then
// its sidecars by name) and the CUE path of each one's fields.
func TestContainers(t *testing.T) {
	app := &App{Name: "web", Image: Image{Repository: "web"}, Sidecars: map[string]*Sidecar{
		"zz":         {Image: Image{Repository: "zz"}},
		"fluent-bit": {Image: Image{Repository: "fluent-bit"}},
	}}
	var got [][2]string
	for _, c := range app.Containers() {
		got = append(got, [2]string{c.Name, c.Path(app, "image")})
		if c.Image.Repository != c.Name {
			t.Errorf("container %s has image %s, want its own", c.Name, c.Image.Repository)
		}
	}
	want := [][2]string{
		{"web", "apps.web.image"},
		{"fluent-bit", `apps.web.sidecars."fluent-bit".image`},
		{"zz", "apps.web.sidecars.zz.image"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Containers() mismatch (-want +got):\n%s", diff)
	}
	if got, want := app.Containers()[1].Path(app, ""), `apps.web.sidecars."fluent-bit"`; got != want {
		t.Errorf("Path(app, \"\") = %s, want %s", got, want)
	}
	// Pin writes the digest through Image: it must reach the sidecar.
	app.Containers()[1].Image.Digest = "sha256:x"
	if d := app.Sidecars["fluent-bit"].Image.Digest; d != "sha256:x" {
		t.Errorf("sidecar digest = %q after writing through Containers(), want sha256:x", d)
	}
}
