package images

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
)

// Descriptor is what a tag points at: the digest of the manifest (for a
// multi-platform image, of the index, not of one platform's manifest) and
// its media type.
type Descriptor struct {
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
}

// Resolver maps a tagged image reference to the descriptor it currently
// points at.
type Resolver interface {
	Resolve(ctx context.Context, ref name.Tag) (Descriptor, error)
}

// Fixed is a Resolver backed by a map from "repository:tag" to descriptor;
// an unknown tag is an error. It is for tests and for offline use.
type Fixed map[string]Descriptor

var _ Resolver = Fixed(nil)

// Resolve returns the descriptor of ref, or an error naming it.
func (f Fixed) Resolve(_ context.Context, ref name.Tag) (Descriptor, error) {
	key := ref.Context().Name() + ":" + ref.TagStr()
	if d, ok := f[key]; ok {
		return d, nil
	}
	return Descriptor{}, fmt.Errorf("%s: %w", key, ErrNotFound)
}

// ErrNotFound is returned (wrapped) when a repository or tag does not exist.
var ErrNotFound = fmt.Errorf("no such image")

// ErrUnauthorized is returned (wrapped) when there are no credentials for
// a registry, or the registry refuses them (401 or 403).
var ErrUnauthorized = fmt.Errorf("unauthorized")

// tagPattern is the tag grammar of the OCI distribution spec, compiled
// when first used: its {0,127} compiles to a large program, which every
// start of gen paid for before.
var tagPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
})

// ParseTag parses repository and tag as written in an environment into a
// name.Tag, strictly (no defaulting of registry or tag).
func ParseTag(repository, tag string) (name.Tag, error) {
	if strings.Contains(repository, "@") || strings.HasSuffix(repository, ":") {
		return name.Tag{}, fmt.Errorf("repository %q must not carry a tag or digest; use the tag and digest fields", repository)
	}
	if !tagPattern().MatchString(tag) {
		return name.Tag{}, fmt.Errorf("tag %q is not a valid tag (a letter, digit or _, then up to 127 of those, . or -)", tag)
	}
	ref, err := name.NewTag(repository+":"+tag, name.StrictValidation)
	if err != nil {
		return name.Tag{}, err
	}
	// go-containerregistry accepts any number as a port.
	if _, port, ok := strings.Cut(ref.RegistryStr(), ":"); ok {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return name.Tag{}, fmt.Errorf("registry %s: port %s is not between 1 and 65535", ref.RegistryStr(), port)
		}
	}
	return ref, nil
}
