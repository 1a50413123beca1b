package images

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/gitops-gen/gen/generator/model"
)

// LockFile is the name of an environment's lock file, in its folder under
// environments/.
const LockFile = "images.lock.json"

// lockVersion is the format version written into every lock file.
const lockVersion = 1

// Lock is the content of a lock file: the digest each (repository, tag)
// of an environment was pinned to. It holds no timestamps, so resolving
// the same digests again writes the same bytes.
type Lock struct {
	Images []Entry
}

// Entry is one pinned image.
type Entry struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	Descriptor
}

type lockJSON struct {
	Version int     `json:"version"`
	Comment string  `json:"comment"`
	Images  []Entry `json:"images"`
}

const lockComment = "Written by gen: the digest each image tag of this environment is pinned to. Update with: gen images ENV --refresh"

// Lookup returns the entry for repository and tag.
func (l *Lock) Lookup(repository, tag string) (Descriptor, bool) {
	i, ok := slices.BinarySearchFunc(l.Images, Entry{Repository: repository, Tag: tag}, compareEntries)
	if !ok {
		return Descriptor{}, false
	}
	return l.Images[i].Descriptor, true
}

func compareEntries(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Repository, b.Repository), cmp.Compare(a.Tag, b.Tag))
}

// Encode returns the lock file's bytes: indented JSON, entries sorted by
// repository and tag, one trailing newline.
func (l *Lock) Encode() []byte {
	images := slices.Clone(l.Images)
	slices.SortFunc(images, compareEntries)
	images = slices.CompactFunc(images, func(a, b Entry) bool { return compareEntries(a, b) == 0 })
	if images == nil {
		images = []Entry{}
	}
	b, err := json.MarshalIndent(lockJSON{Version: lockVersion, Comment: lockComment, Images: images}, "", "  ")
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return append(b, '\n')
}

// ParseLock decodes the lock file at path. Every problem is an error
// about the input, positioned in the file (line and column of the entry
// or value): JSON that does not parse, an unknown field, a version other
// than this gen's, an entry without repository, tag or digest, a digest
// that is not an OCI digest of a registered algorithm, a media type that
// is not an image manifest or index, and two entries for one image with
// different digests. Entries repeated with the same descriptor are kept
// once.
func ParseLock(path string, data []byte) (*Lock, error) {
	// One more byte than data: an empty file's errors, and those at its
	// end, still get line and column.
	p := &lockParser{data: data, file: token.NewFile(path, -1, len(data)+1)}
	if len(data) > 0 { // with none, the file would have no line 1
		p.file.SetLinesForContent(data)
	}
	lj, entries, err := p.parse()
	if err != nil {
		return nil, err
	}
	if lj.Version != lockVersion {
		return nil, p.errorf(p.versionAt, "version %d is not %d; was it written by another gen?", lj.Version, lockVersion)
	}
	var errs cueerrors.Error
	for i, e := range entries {
		if e.Repository == "" || e.Tag == "" || e.Digest == "" {
			errs = cueerrors.Append(errs, p.errorf(e.at, "image %d needs repository, tag and digest", i))
		} else if msg := checkEntry(e.Entry); msg != "" {
			errs = cueerrors.Append(errs, p.errorf(e.at, "%s:%s: %s", e.Repository, e.Tag, msg))
		}
	}
	// Sort stably by image, so that the first of two conflicting entries
	// is the earlier in the file.
	slices.SortStableFunc(entries, func(a, b positioned) int { return compareEntries(a.Entry, b.Entry) })
	var images []Entry
	for i, e := range entries {
		if i > 0 && compareEntries(entries[i-1].Entry, e.Entry) == 0 {
			prev := entries[i-1]
			if prev.Descriptor != e.Descriptor {
				errs = cueerrors.Append(errs, model.NewError(p.pos(prev.at), []token.Pos{p.pos(e.at)},
					"%s:%s is locked twice, to %s and to %s; keep one entry", e.Repository, e.Tag, prev.Digest, e.Digest))
			}
			continue
		}
		images = append(images, e.Entry)
	}
	if errs != nil {
		return nil, cueerrors.Sanitize(errs)
	}
	return &Lock{Images: images}, nil
}

// digestLengths are the registered algorithms of the OCI image spec's
// digest grammar and how many lowercase hex digits each takes
// (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#registered-algorithms).
var digestLengths = map[string]int{"sha256": 64, "sha512": 128}

// mediaTypes are what a tag may point at: an image manifest or an index
// (a multi-platform image), in OCI's or Docker's format. Docker's schema 1
// manifests are gone from registries and are refused.
var mediaTypes = []string{
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
}

// checkEntry reports what is wrong with the descriptor of e, or "".
func checkEntry(e Entry) string {
	if msg := checkDigest(e.Digest); msg != "" {
		return msg
	}
	if !slices.Contains(mediaTypes, e.MediaType) {
		return fmt.Sprintf("media type %q is not an image manifest or index (%s)", e.MediaType, strings.Join(mediaTypes, ", "))
	}
	return ""
}

// checkDigest reports what is wrong with digest d, or "".
func checkDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok {
		return fmt.Sprintf("digest %q is not ALGORITHM:HEX (sha256: and 64 lowercase hex digits)", d)
	}
	n, known := digestLengths[alg]
	if !known {
		return fmt.Sprintf("digest %q: algorithm %q is not sha256 or sha512", d, alg)
	}
	if len(hex) != n || strings.IndexFunc(hex, func(r rune) bool { return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') }) >= 0 {
		return fmt.Sprintf("digest %q: a %s digest is %d lowercase hex digits", d, alg, n)
	}
	return ""
}

// positioned is an entry and the offset in the file where it starts.
type positioned struct {
	Entry
	at int64
}

// lockParser walks a lock file token by token, to know where each entry
// starts: encoding/json reports offsets, not lines.
type lockParser struct {
	data      []byte
	file      *token.File
	d         *json.Decoder
	versionAt int64
}

func (p *lockParser) pos(off int64) token.Pos {
	off = max(0, min(off, int64(len(p.data))))
	return p.file.Pos(int(off), token.NoRelPos)
}

func (p *lockParser) errorf(off int64, format string, args ...any) cueerrors.Error {
	return model.NewError(p.pos(off), nil, format, args...)
}

// skip returns the offset of the next value at or after off: past
// white space and the separators the decoder has not consumed yet.
func (p *lockParser) skip(off int64) int64 {
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// fail positions a decoding error: at the offset encoding/json gives, or
// else at off.
func (p *lockParser) fail(err error, off int64) cueerrors.Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		want := map[reflect.Kind]string{reflect.Int: "a number", reflect.String: "a string", reflect.Struct: "an object", reflect.Slice: "an array"}[typ.Type.Kind()]
		if typ.Field != "" {
			return p.errorf(off, "%s: found a JSON %s where %s belongs", typ.Field, typ.Value, want)
		}
		return p.errorf(off, "found a JSON %s where %s belongs", typ.Value, want)
	case errors.As(err, &syntax):
		// The offset of the bad character, once past white space.
		off = syntax.Offset
		for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n", p.data[off]) >= 0 {
			off++
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errorf(int64(len(p.data)), "unexpected end of JSON input")
	}
	return p.errorf(off, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

// delim reads the next token and requires it to be want.
func (p *lockParser) delim(want json.Delim, what string) error {
	off := p.skip(p.d.InputOffset())
	tok, err := p.d.Token()
	if err != nil {
		return p.fail(err, off)
	}
	if tok != want {
		return p.errorf(off, "%s must be a JSON %s", what, map[json.Delim]string{'{': "object", '[': "array"}[want])
	}
	return nil
}

func (p *lockParser) parse() (lockJSON, []positioned, error) {
	var lj lockJSON
	var entries []positioned
	if len(bytes.TrimSpace(p.data)) == 0 {
		return lj, nil, p.errorf(0, "the lock file is empty: delete it (gen images --refresh-missing writes it again)")
	}
	p.d = json.NewDecoder(bytes.NewReader(p.data))
	p.d.DisallowUnknownFields()
	if err := p.delim('{', "a lock file"); err != nil {
		return lj, nil, err
	}
	seen := map[string]bool{}
	for p.d.More() {
		keyAt := p.skip(p.d.InputOffset())
		tok, err := p.d.Token()
		if err != nil {
			return lj, nil, p.fail(err, keyAt)
		}
		key, _ := tok.(string)
		if seen[key] {
			return lj, nil, p.errorf(keyAt, "field %q appears twice", key)
		}
		seen[key] = true
		valueAt := p.skip(p.d.InputOffset())
		switch key {
		case "version":
			p.versionAt = valueAt
			err = p.d.Decode(&lj.Version)
		case "comment":
			err = p.d.Decode(&lj.Comment)
		case "images":
			entries, err = p.images()
		default:
			return lj, nil, p.errorf(keyAt, "unknown field %q (want version, comment, images)", key)
		}
		if err != nil {
			if _, ok := err.(cueerrors.Error); ok {
				return lj, nil, err
			}
			return lj, nil, p.fail(err, valueAt)
		}
	}
	if _, err := p.d.Token(); err != nil { // the closing brace
		return lj, nil, p.fail(err, p.d.InputOffset())
	}
	if off := p.skip(p.d.InputOffset()); off < int64(len(p.data)) {
		return lj, nil, p.errorf(off, "data after the lock file's object")
	}
	if !seen["version"] {
		return lj, nil, p.errorf(0, "no version")
	}
	return lj, entries, nil
}

func (p *lockParser) images() ([]positioned, error) {
	if off := p.skip(p.d.InputOffset()); bytes.HasPrefix(p.data[off:], []byte("null")) {
		return nil, p.d.Decode(new(any))
	}
	if err := p.delim('[', "images"); err != nil {
		return nil, err
	}
	var out []positioned
	for p.d.More() {
		at := p.skip(p.d.InputOffset())
		var e Entry
		if err := p.d.Decode(&e); err != nil {
			return nil, p.fail(err, at)
		}
		out = append(out, positioned{Entry: e, at: at})
	}
	if _, err := p.d.Token(); err != nil { // the closing bracket
		return nil, p.fail(err, p.d.InputOffset())
	}
	return out, nil
}

// ReadLock reads the lock file at path; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLock(path, data)
}

// Changed reports whether the lock file at path differs from data (nil
// data: whether the file exists).
func Changed(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return data != nil, nil
	}
	if err != nil {
		return false, err
	}
	return data == nil || !bytes.Equal(old, data), nil
}

// WriteLock makes the lock file at path hold data, atomically: a temporary
// file beside it, synced, then renamed over it. Nil data removes the
// file. If path already holds data, nothing is written.
func WriteLock(path string, data []byte) error {
	if data == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeFile(path, data)
}

func writeFile(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gen-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
