package object

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// ImageRef is one container image in a rendered object, for policies such as
// "prod images come only from this account's ECR, pinned by digest".
type ImageRef struct {
	// Container is the container's name; InitContainer marks init
	// containers.
	Container     string
	InitContainer bool
	// Reference is the image as rendered.
	Reference string
	// Registry is the registry host ("index.docker.io" for Docker Hub),
	// Repository the path within it.
	Registry   string
	Repository string
	Tag        string
	Digest     string
	// Pinned reports a digest: the reference names exactly one image.
	Pinned bool
	// Valid is false when the reference does not parse; the other
	// fields but Reference are then empty.
	Valid bool
}

// Images returns the images of the object's init containers and
// containers, in that order and in the order of its pod spec; nil for
// objects without pods.
func (obj Object) Images() []ImageRef {
	if PodSpecPath(obj.Kind()) == nil {
		return nil
	}
	var uses []ImageRef
	for _, list := range []struct {
		containers []map[string]any
		init       bool
	}{{obj.InitContainers(), true}, {obj.Containers(), false}} {
		for _, c := range list.containers {
			u := parseUse(String(c["image"]))
			u.Container, u.InitContainer = String(c["name"]), list.init
			uses = append(uses, u)
		}
	}
	return uses
}

func parseUse(image string) ImageRef {
	u := ImageRef{Reference: image}
	ref, err := name.ParseReference(image) // defaults: busybox is index.docker.io/library/busybox
	if err != nil {
		return u
	}
	u.Valid = true
	u.Registry = ref.Context().RegistryStr()
	u.Repository = ref.Context().RepositoryStr()
	rest := image
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		u.Digest, rest = rest[i+1:], rest[:i]
		u.Pinned = true
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		u.Tag = rest[i+1:]
	}
	return u
}
