// Package fakeimages makes small, deterministic container images for a
// repository and tag, and pushes them to a registry, so that the lock
// files of the default environments can be reproduced byte for byte
// without the real registries (see internal/devregistry and make locks).
//
// The same repository and tag always give the same digest. Repositories
// under a "mirror/" path are multi-platform indexes (linux/amd64 and
// linux/arm64), as the upstream images they stand for are.
package fakeimages

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image returns a one-layer image whose content is derived from seed only.
func Image(seed string) (v1.Image, error) {
	img, err := crane.Image(map[string][]byte{"etc/image-seed": []byte(seed + "\n")})
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// Index returns a two-platform index whose images derive from seed.
func Index(seed string) (v1.ImageIndex, error) {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := Image(seed + "/" + arch)
		if err != nil {
			return nil, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	return idx, nil
}

// PushAs pushes to host the image Push would push for repository:tag, but
// derives its content from seedRepository instead of repository: the
// image of "seed.invalid/web" pushed to a test registry is the same as
// that of "seed.invalid/web" anywhere.
func PushAs(host, seedRepository, tag string, opts ...remote.Option) (string, error) {
	return push(host, seedRepository, tag, opts...)
}

// Push pushes the image for repository:tag (an index for repositories
// under "mirror/") to the registry at host, as host/<path>:tag where path
// is the repository without its registry. It returns the digest.
func Push(host, repository, tag string, opts ...remote.Option) (string, error) {
	return push(host, repository, tag, opts...)
}

// PushUnder is Push to host/<registry>/<path>:tag, where registry is the
// repository's registry host: images of several registries share one
// local registry without two of one path (mirror/fluent-bit of two
// accounts' ECRs) overwriting each other. Mirror each registry R to
// host/R.
func PushUnder(host, repository, tag string, opts ...remote.Option) (string, error) {
	src, err := name.NewTag(repository+":"+tag, name.StrictValidation)
	if err != nil {
		return "", err
	}
	return pushTo(host+"/"+src.RegistryStr(), repository, tag, opts...)
}

func push(host, repository, tag string, opts ...remote.Option) (string, error) {
	return pushTo(host, repository, tag, opts...)
}

// pushTo pushes the image for repository:tag as prefix/<path>:tag.
func pushTo(prefix, repository, tag string, opts ...remote.Option) (string, error) {
	src, err := name.NewTag(repository+":"+tag, name.StrictValidation)
	if err != nil {
		return "", err
	}
	dst, err := name.NewTag(prefix+"/"+src.RepositoryStr()+":"+tag, name.StrictValidation)
	if err != nil {
		return "", err
	}
	seed := repository + ":" + tag
	if strings.Contains("/"+src.RepositoryStr(), "/mirror/") {
		idx, err := Index(seed)
		if err != nil {
			return "", err
		}
		if err := remote.WriteIndex(dst, idx, opts...); err != nil {
			return "", fmt.Errorf("pushing %s: %w", dst, err)
		}
		d, err := idx.Digest()
		return d.String(), err
	}
	img, err := Image(seed)
	if err != nil {
		return "", err
	}
	if err := remote.Write(dst, img, opts...); err != nil {
		return "", fmt.Errorf("pushing %s: %w", dst, err)
	}
	d, err := img.Digest()
	return d.String(), err
}
