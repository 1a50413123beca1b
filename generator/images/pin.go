package images

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/model"
)

// DefaultJobs is how many tags are resolved at once unless PinOptions.Jobs
// says otherwise (go-containerregistry's default too).
const DefaultJobs = 4

// DefaultTimeout is how long Pin waits for registries unless
// PinOptions.Timeout says otherwise.
const DefaultTimeout = 2 * time.Minute

// PinOptions configure Pin.
type PinOptions struct {
	// Resolver asks registries for tags that are not locked. nil means
	// offline: a tag missing from the lock is an error. The default is nil.
	Resolver Resolver
	// RefreshAll re-resolves every tag, locked or not.
	RefreshAll bool
	// Refresh re-resolves the images named, each a repository (every tag
	// of it) or repository:tag.
	Refresh []string
	// Mirrors maps a registry host to the host to ask instead (a
	// pull-through cache or a local registry); it is merged over each
	// environment's registries.mirrors. The lock and the rendered
	// manifests keep the original host.
	Mirrors map[string]string
	// Jobs bounds how many tags are resolved at once. The default is
	// DefaultJobs.
	Jobs int
	// Progress, if set, is called after each resolution with the number
	// done and the total.
	Progress func(done, total int)
	// Timeout bounds the time spent asking registries, retries
	// included; a registry that keeps failing gives up when it runs out.
	// The default is DefaultTimeout.
	Timeout time.Duration
	// Lenient leaves a tag that is neither locked nor resolvable unpinned
	// (Origin Missing) instead of failing; for listing. The default is
	// false.
	Lenient bool
}

// Origin says where an image's digest came from.
type Origin string

// Origins.
const (
	FromLock     Origin = "locked"
	FromRegistry Origin = "resolved"
	FromCUE      Origin = "pinned in CUE"
	Missing      Origin = "not locked"
)

// Image is one image an environment uses, after Pin.
type Image struct {
	Repository string
	Tag        string
	Descriptor
	Origin Origin
	// Apps are the apps that use it, sorted.
	Apps []string
}

// Pinned is the lock of one environment after Pin.
type Pinned struct {
	Env string
	// Path is the lock file's path relative to the root, e.g.
	// "environments/prod/images.lock.json".
	Path string
	// Data is the lock file's new content; nil when the environment has no
	// tagged image, and then there is no lock file. Offline (no
	// Resolver), Data is the lock file's current content, byte for byte:
	// an offline render, check or diff never rewrites a lock, not even to
	// tidy it; only a render that may ask a registry does.
	Data []byte
	// Resolved counts the tags that were asked of a registry.
	Resolved int
	// Images lists every image of the environment's enabled apps, sorted
	// by repository and tag.
	Images []Image
}

// request is one tag an environment needs, and where it is used.
type request struct {
	repository, tag string
	ref             name.Tag // what is asked of the registry (mirror applied)
	uses            []use
	cached          *Descriptor // from the lock
	slot            int         // index into the resolution results, or -1
}

// use is one place an environment names an image.
type use struct {
	name  string       // the app, or the platform piece ("cluster-autoscaler")
	path  string       // the CUE path of the image, e.g. "apps.web.image"
	image *model.Image // where Pin writes the digest
}

// uses lists the images of env's enabled apps (by name; the app's own,
// then its sidecars') and platform pieces.
func uses(env *model.Environment) []use {
	var out []use
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		if app := env.Apps[name]; app.Enabled {
			for _, c := range app.Containers() {
				out = append(out, use{name: name, path: c.Path(app, "image"), image: c.Image})
			}
		}
	}
	if env.Cluster.Autoscaler.Enabled {
		out = append(out, use{name: "cluster-autoscaler", path: "cluster.autoscaler.image", image: &env.Cluster.Autoscaler.Image})
	}
	return out
}

// Pin sets the digest of every tagged image of envs (their enabled apps'
// and their sidecars', and the Cluster Autoscaler's),
// from each environment's lock file under root or, for tags it lacks (or
// that are to be refreshed), from opts.Resolver. It returns each
// environment's new lock: exactly the tags in use, sorted. Pin writes
// nothing. Every problem (a malformed reference, a tag missing when
// offline, a registry error) is reported, positioned at the app's image.
// When tags missing offline are the only problems, the error is a
// [*MissingError] and the locks of the environments without one are
// returned with it.
func Pin(ctx context.Context, root string, envs []*model.Environment, opts PinOptions) ([]Pinned, error) {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs
	}
	var errs []error
	perEnv := make([][]*request, len(envs))
	current := make([][]byte, len(envs)) // each lock file as it is
	var queue []name.Tag                 // unique refs to resolve
	queued := map[string]int{}           // ref -> slot in queue
	for i, env := range envs {
		reqs, data, err := requests(root, env, opts)
		current[i] = data
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range reqs {
			if r.cached != nil {
				continue
			}
			key := r.ref.String()
			slot, ok := queued[key]
			if !ok {
				slot = len(queue)
				queued[key] = slot
				queue = append(queue, r.ref)
			}
			r.slot = slot
		}
		perEnv[i] = reqs
	}

	// Resolve every missing tag once, in parallel, each result in its own
	// slot so that nothing depends on timing.
	results := make([]Descriptor, len(queue))
	failures := make([]error, len(queue))
	if len(queue) > 0 && opts.Resolver != nil {
		timeout := opts.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var done atomic.Int64
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(jobs)
		for i, ref := range queue {
			g.Go(func() error {
				results[i], failures[i] = opts.Resolver.Resolve(gctx, ref)
				if opts.Progress != nil {
					opts.Progress(int(done.Add(1)), len(queue))
				}
				return nil
			})
		}
		_ = g.Wait()
	}

	var pinned []Pinned
	var misses []Miss
	var missErrs []error // errors of environments whose only problem is misses
	for i, env := range envs {
		if perEnv[i] == nil && len(errs) > 0 {
			continue
		}
		var envErrs cueerrors.Error
		onlyMisses := true
		lock := &Lock{}
		resolved := 0
		var list []Image
		for _, r := range perEnv[i] {
			var d Descriptor
			origin := FromRegistry
			switch {
			case r.cached != nil:
				d, origin = *r.cached, FromLock
			case opts.Lenient && (opts.Resolver == nil || failures[r.slot] != nil):
				list = append(list, Image{Repository: r.repository, Tag: r.tag, Origin: Missing, Apps: useNames(r.uses)})
				continue
			case opts.Resolver == nil:
				// The command that locks the tag comes after the list of
				// every miss (see MissingError), not at the end of this
				// message, where the position's colon would follow it.
				for _, u := range r.uses {
					envErrs = cueerrors.Append(envErrs, env.Errorf(u.path+".tag",
						"image %s:%s is not in %s", r.repository, r.tag, lockPath(env)))
				}
				misses = append(misses, Miss{Env: env.Name, Lock: lockPath(env), Repository: r.repository, Tag: r.tag})
				continue
			case failures[r.slot] != nil:
				onlyMisses = false
				for _, u := range r.uses {
					// The resolver's error names the image and what to do.
					envErrs = cueerrors.Append(envErrs, env.Errorf(u.path, "%v", failures[r.slot]))
				}
				continue
			default:
				d = results[r.slot]
				resolved++
			}
			for _, u := range r.uses {
				u.image.Digest = d.Digest
			}
			lock.Images = append(lock.Images, Entry{Repository: r.repository, Tag: r.tag, Descriptor: d})
			list = append(list, Image{Repository: r.repository, Tag: r.tag, Descriptor: d, Origin: origin, Apps: useNames(r.uses)})
		}
		for _, u := range uses(env) {
			if u.image.Digest != "" && !slices.ContainsFunc(list, func(im Image) bool { return slices.Contains(im.Apps, u.name) }) {
				list = append(list, Image{Repository: u.image.Repository, Tag: u.image.Tag,
					Descriptor: Descriptor{Digest: u.image.Digest}, Origin: FromCUE, Apps: []string{u.name}})
			}
		}
		slices.SortFunc(list, func(a, b Image) int {
			return compareEntries(Entry{Repository: a.Repository, Tag: a.Tag}, Entry{Repository: b.Repository, Tag: b.Tag})
		})
		if envErrs != nil {
			if onlyMisses {
				missErrs = append(missErrs, &model.EnvError{Env: env.Name, Err: envErrs})
			} else {
				errs = append(errs, &model.EnvError{Env: env.Name, Err: envErrs})
			}
			continue
		}
		p := Pinned{Env: env.Name, Path: lockPath(env), Resolved: resolved, Images: list}
		switch {
		case opts.Resolver == nil:
			p.Data = current[i]
		case len(lock.Images) > 0:
			p.Data = lock.Encode()
		}
		pinned = append(pinned, p)
	}
	if len(errs) > 0 {
		return nil, joinEnvErrors(append(errs, missErrs...))
	}
	if len(missErrs) > 0 {
		return pinned, &MissingError{Misses: misses, errs: missErrs}
	}
	return pinned, nil
}

// Miss is one tag an environment uses that its lock file lacks, offline.
type Miss struct {
	// Env is the environment, Lock its lock file relative to the root.
	Env, Lock string
	// Repository and Tag name the image.
	Repository, Tag string
}

// MissingError is what Pin returns, offline, when the only problem of
// some environments is tags missing from their lock files (a tag bumped in
// CUE shared by several environments, before anyone asked a registry).
// Pin then also returns the locks of the other environments, so that a
// caller may go on with them. Its errors are each environment's, one per
// place an image is used, positioned there; [MissingError.Envs] are those
// that "gen images --refresh-missing" must be given to lock them all.
type MissingError struct {
	// Misses are the tags missing, in the order of the environments.
	Misses []Miss
	errs   []error
}

func (e *MissingError) Error() string { return joined(e.errs).Error() }

// Unwrap returns each environment's error.
func (e *MissingError) Unwrap() []error { return e.errs }

// JoinMissing returns the misses of errs (nil ones skipped) as one
// MissingError, in the order given; nil if there are none.
func JoinMissing(errs ...*MissingError) *MissingError {
	var out *MissingError
	for _, e := range errs {
		if e == nil {
			continue
		}
		if out == nil {
			out = &MissingError{}
		}
		out.Misses = append(out.Misses, e.Misses...)
		out.errs = append(out.errs, e.errs...)
	}
	return out
}

// Envs returns the environments that miss tags, sorted, without repeats.
func (e *MissingError) Envs() []string {
	var out []string
	for _, m := range e.Misses {
		out = append(out, m.Env)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// requests lists the tags env needs, looked up in its lock, and returns
// the lock file's bytes (nil when there is none).
func requests(root string, env *model.Environment, opts PinOptions) ([]*request, []byte, error) {
	file := filepath.Join(root, filepath.FromSlash(lockPath(env)))
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = nil, nil
	}
	lock := &Lock{}
	if err == nil && data != nil {
		// An absolute name, so that errors print it relative to the
		// working directory, as they do CUE files.
		abs, aerr := filepath.Abs(file)
		if aerr != nil {
			abs = file
		}
		lock, err = ParseLock(abs, data)
	}
	if err != nil {
		return nil, nil, &model.EnvError{Env: env.Name, Err: cueerrors.Promote(err, "")}
	}
	// Keys name registries as references do ("docker.io" is
	// "index.docker.io"); the flag's mirrors win over the environment's.
	mirrors := map[string]string{}
	for _, m := range []map[string]string{env.Registries.Mirrors, opts.Mirrors} {
		for host, mirror := range m {
			if reg, err := name.NewRegistry(host); err == nil {
				host = reg.RegistryStr()
			}
			mirrors[host] = mirror
		}
	}

	var errs cueerrors.Error
	byKey := map[string]*request{}
	var reqs []*request
	for _, u := range uses(env) {
		img := *u.image
		if img.Tag == "" || img.Digest != "" {
			continue // pinned by digest in the CUE itself
		}
		key := img.Repository + ":" + img.Tag
		if r, ok := byKey[key]; ok {
			r.uses = append(r.uses, u)
			continue
		}
		ref, err := ParseTag(img.Repository, img.Tag)
		if err != nil {
			errs = cueerrors.Append(errs, env.Errorf(u.path, "malformed image reference %s: %v", key, err))
			continue
		}
		if m, ok := mirrors[ref.RegistryStr()]; ok {
			if ref, err = name.NewTag(m+"/"+ref.RepositoryStr()+":"+ref.TagStr(), name.StrictValidation); err != nil {
				errs = cueerrors.Append(errs, env.Errorf("registries.mirrors", "mirror %s for %s: %v", m, ref.RegistryStr(), err))
				continue
			}
		}
		r := &request{repository: img.Repository, tag: img.Tag, ref: ref, uses: []use{u}, slot: -1}
		if d, ok := lock.Lookup(img.Repository, img.Tag); ok && !refresh(opts, img.Repository, img.Tag) {
			r.cached = &d
		}
		byKey[key] = r
		reqs = append(reqs, r)
	}
	if errs != nil {
		return nil, nil, &model.EnvError{Env: env.Name, Err: errs}
	}
	return reqs, data, nil
}

func useNames(uses []use) []string {
	names := make([]string, len(uses))
	for i, u := range uses {
		names[i] = u.name
	}
	slices.Sort(names)
	return names
}

func refresh(opts PinOptions, repository, tag string) bool {
	if opts.RefreshAll {
		return true
	}
	for _, r := range opts.Refresh {
		if r == repository || r == repository+":"+tag {
			return true
		}
	}
	return false
}

func lockPath(env *model.Environment) string {
	return path.Join(env.Dir, LockFile)
}

func joinEnvErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return joined(errs)
}

// joined keeps each environment's errors apart, as errors.Join does.
type joined []error

func (j joined) Error() string {
	var b strings.Builder
	for i, err := range j {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

func (j joined) Unwrap() []error { return j }
