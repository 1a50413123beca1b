package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestDockerfile: the image's builder runs the Go of go.mod's toolchain
// (or go) line, with make release's reproducible flags, and the image runs
// gen as a non-root user in /repo. No test builds the image: that needs a
// Docker daemon and the network.
func TestDockerfile(t *testing.T) {
	root := filepath.Join("..", "..")
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", gomod, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := mf.Go.Version
	if mf.Toolchain != nil {
		want = strings.TrimPrefix(mf.Toolchain.Name, "go")
	}
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := string(data)
	m := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindStringSubmatch(dockerfile)
	if m == nil {
		t.Fatalf("Dockerfile has no ARG GO_VERSION=…")
	}
	if m[1] != want {
		t.Errorf("Dockerfile: ARG GO_VERSION=%s, want go.mod's %s", m[1], want)
	}
	for _, s := range []string{
		"FROM golang:${GO_VERSION}",
		"CGO_ENABLED=0",
		"-trimpath",
		`-ldflags="-s -w -buildid= -X main.version=${VERSION}"`,
		"FROM gcr.io/distroless/static",
		"USER nonroot",
		"WORKDIR /repo",
		`ENTRYPOINT ["gen"]`,
	} {
		if !strings.Contains(dockerfile, s) {
			t.Errorf("Dockerfile does not contain %q", s)
		}
	}
}
