package generator

import (
	"context"
	"path/filepath"

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

// WriteLocks writes the lock files of pinned under root (each atomically)
// and returns the paths, relative to root, of those that changed.
func WriteLocks(root string, pinned []images.Pinned) ([]string, error) {
	var changed []string
	for _, p := range pinned {
		file := filepath.Join(root, filepath.FromSlash(p.Path))
		c, err := images.Changed(file, p.Data)
		if err != nil {
			return changed, err
		}
		if !c {
			continue
		}
		if err := images.WriteLock(file, p.Data); err != nil {
			return changed, err
		}
		changed = append(changed, p.Path)
	}
	return changed, nil
}
