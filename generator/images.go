package generator

import (
	"context"

	"github.com/gitops-gen/gen/generator/images"
)

// Images loads and checks the environments in opts and pins their images
// as opts.Images says, without building anything: it returns, per
// environment, the images in use and the lock file they make. With
// opts.Images.Lenient, tags that are neither locked nor resolvable are
// listed as missing rather than reported as errors. It writes nothing;
// see WriteLocks.
func Images(ctx context.Context, opts Options) ([]images.Pinned, error) {
	envs, err := loadChecked(opts)
	if err != nil {
		return nil, err
	}
	return images.Pin(ctx, opts.root(), envs, opts.Images)
}

// WriteLocks writes the lock files of pinned under opts.Root (each
// atomically) and returns the paths, relative to the root, of those that
// changed.
func WriteLocks(opts Options, pinned []images.Pinned) ([]string, error) {
	var changed []string
	for _, p := range pinned {
		c, err := writeLock(opts.root(), p)
		if err != nil {
			return changed, err
		}
		if c {
			changed = append(changed, p.Path)
		}
	}
	return changed, nil
}
