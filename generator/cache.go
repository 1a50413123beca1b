package generator

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gitops-gen/gen/generator/images"
	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/internal/policy"
)

// entry is what the cache remembers of one environment's render: enough
// for Check to compare rendered/ and report, without loading any CUE.
// It is stored as a line of JSON and then Files in binary (see encode):
// a check reads the entries of thousands of files, and decoding them from
// JSON alone took longer than the rest of a warm check.
type entry struct {
	// Inputs are the folders the render read (Env.Inputs) and Digest the
	// digest of their files then (cache.Hash).
	Inputs []string `json:"inputs"`
	Digest string   `json:"digest"`
	// Files are the rendered files' records, sorted by path: the digest
	// of each, and its metadata once a check found it unchanged
	// (output.Records).
	Files output.RecordList `json:"-"`
	// LockStale is whether the lock file differed from the render's.
	LockStale bool          `json:"lockStale"`
	Warnings  []string      `json:"warnings"`
	Policy    policy.Report `json:"policy"`
	// Cluster names the environment's cluster, so that one rendered
	// while this one is not is still refused a cluster it has.
	Cluster *check.ClusterID `json:"cluster,omitempty"`
}

// encode returns e as it is stored: its JSON on one line (JSON escapes
// every line break inside it), then its files (output.RecordList.AppendBinary).
func (e *entry) encode() ([]byte, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return e.Files.AppendBinary(append(data, '\n')), nil
}

// decode reads what encode wrote into e, which keeps data: the caller
// must not change it afterwards.
func (e *entry) decode(data []byte) error {
	head, files, ok := bytes.Cut(data, []byte{'\n'})
	if !ok {
		return errors.New("cache entry: no files")
	}
	if err := json.Unmarshal(head, e); err != nil {
		return err
	}
	var err error
	e.Files, err = output.ParseRecordList(files)
	return err
}

// mtimeSlack is how close to the start of a render an input may have been
// modified for the render to be remembered. An edit made while gen was
// reading could otherwise be recorded with the output of the content
// before it. Two seconds cover file systems with coarse timestamps.
const mtimeSlack = 2 * time.Second

// cacheKey is where the entry of env lives: it changes with the gen
// binary, the root, the date (waivers expire and Kubernetes versions
// leave support by date) and CUE's own settings.
func (o Options) cacheKey(env string) (string, bool) {
	exe, root, ok := o.cacheScope()
	if !ok {
		return "", false
	}
	day := o.today().Format(time.DateOnly)
	return cache.Key("render/v2", exe, root, env, day, cueSettings()), true
}

// inputsKey is where the digests of the input files under the root live,
// with their metadata (cache.Hasher.Trust): they change with the gen
// binary and the root only.
func (o Options) inputsKey() (string, bool) {
	exe, root, ok := o.cacheScope()
	if !ok {
		return "", false
	}
	return cache.Key("inputs/v1", exe, root), true
}

// inputHasher returns a Hasher of the input files that trusts the
// digests a check recorded with their metadata (inputsKey): an input file
// is read only if its metadata changed since. since is as for
// cache.Hasher.Trust.
func (o Options) inputHasher(since time.Time) *cache.Hasher {
	hs := new(cache.Hasher)
	if key, ok := o.inputsKey(); ok {
		data, _ := o.Cache.GetBytes(key)
		hs.Trust(o.root(), data, since)
	}
	return hs
}

// keepInputs records the digests and metadata of the input files hs read
// whose metadata has settled, for inputHasher to trust next time.
func (o Options) keepInputs(hs *cache.Hasher) {
	key, ok := o.inputsKey()
	if !ok {
		return
	}
	if data, ok := hs.Settled(o.root()); ok {
		_ = o.Cache.PutBytes(key, data)
	}
}

// cacheScope is what every entry's key names: the digest of the gen
// binary and the absolute root. ok is false without a cache.
func (o Options) cacheScope() (exe, root string, ok bool) {
	if o.Cache == nil {
		return "", "", false
	}
	exe, err := o.Cache.Executable()
	if err != nil {
		return "", "", false
	}
	root, err = filepath.Abs(o.root())
	if err != nil {
		return "", "", false
	}
	return exe, root, true
}

// cueSettings are the CUE_* variables of the environment, sorted, one
// per line: they can change what CUE evaluates.
func cueSettings() string {
	var cueEnv []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CUE_") {
			cueEnv = append(cueEnv, kv)
		}
	}
	slices.Sort(cueEnv)
	return strings.Join(cueEnv, "\n")
}

// recordedFiles returns the records of env's rendered files that the
// cache holds, whatever its inputs now: what its folder held when it was
// last written or checked (see output.WriteRecorded). nil without.
func (o Options) recordedFiles(env string) output.Records {
	key, ok := o.cacheKey(env)
	if !ok {
		return nil
	}
	data, ok := o.Cache.GetBytes(key)
	if !ok {
		return nil
	}
	var e entry
	if e.decode(data) != nil {
		return nil
	}
	return e.Files.Records()
}

// cached returns the entry of env when its inputs are unchanged; hs
// digests the inputs, each file once for every environment asked.
func (o Options) cached(env string, hs *cache.Hasher) (*entry, bool) {
	key, ok := o.cacheKey(env)
	if !ok {
		return nil, false
	}
	data, ok := o.Cache.GetBytes(key)
	if !ok {
		return nil, false
	}
	var e entry
	if e.decode(data) != nil || e.Digest == "" {
		return nil, false
	}
	in, err := hs.Hash(o.root(), e.Inputs)
	if err != nil || in.Digest != e.Digest {
		return nil, false
	}
	return &e, true
}

// remember records in o.Cache what res holds, for Check, once rendered/
// holds it: an environment whose input files were modified since Render
// began (less a slack) is not recorded, since what was read is uncertain;
// the next check renders it again.
func (o Options) remember(res *Result) {
	start := res.started
	if o.Cache == nil {
		return
	}
	for _, e := range res.Envs {
		if e.Unchanged {
			continue // its record stands
		}
		key, ok := o.cacheKey(e.Name)
		if !ok {
			return
		}
		in, err := cache.Hash(o.root(), e.Inputs)
		if err != nil {
			continue
		}
		lock := filepath.Join(o.root(), filepath.FromSlash(e.Lock.Path))
		lockStale, err := images.Changed(lock, e.Lock.Data)
		if err != nil {
			continue
		}
		// gen render has just written the lock file: its time is no sign
		// of an edit when it holds what the render wrote.
		var skip []string
		if !lockStale {
			skip = append(skip, e.Lock.Path)
		}
		if in.ModifiedSince(start.Add(-mtimeSlack), skip...) {
			continue
		}
		o.store(key, &entry{
			Inputs:    e.Inputs,
			Digest:    in.Digest,
			Files:     output.NewRecords(e.Files).List(),
			LockStale: lockStale,
			Warnings:  e.Warnings,
			Policy:    e.Policy,
			Cluster:   clusterOf(e),
		})
	}
}

// store writes e under key; failing to is no error worth reporting.
func (o Options) store(key string, e *entry) {
	if data, err := e.encode(); err == nil {
		_ = o.Cache.PutBytes(key, data)
	}
}

// settle records, in the entry of env, the metadata of the files a
// check read and found unchanged (output.CompareRecords), so that the
// next check need not read them.
func (o Options) settle(env string, e *entry, settled output.Records) {
	key, ok := o.cacheKey(env)
	if !ok || len(settled) == 0 {
		return
	}
	files := e.Files.Records()
	for p, r := range settled {
		if r == (output.Record{}) { // a folder gone
			delete(files, p)
			continue
		}
		files[p] = r
	}
	e.Files = files.List()
	o.store(key, e)
}

// clusterOf is the ClusterID of a rendered environment, nil without its
// model.
func clusterOf(e Env) *check.ClusterID {
	if e.Model == nil {
		return nil
	}
	id := check.IDOf(e.Model)
	return &id
}
