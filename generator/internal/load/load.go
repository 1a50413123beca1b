package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/internal/cache"
	"github.com/gitops-gen/gen/generator/model"
)

// Dir is the folder under the root that holds one subfolder per environment.
const Dir = "environments"

// SchemaDir is the folder under the root that holds the CUE definitions.
const SchemaDir = "schema"

// Environments returns the names of the environments under root: the
// subfolders of environments/ that hold at least one .cue file, sorted.
// Folders starting with "." or "_" are skipped, as CUE and Go skip them.
// A symbolic link is a [*SymlinkError].
func Environments(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, Dir))
	if err != nil {
		return nil, fmt.Errorf("listing environments: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			return nil, &SymlinkError{Path: path.Join(Dir, e.Name())}
		}
		if !e.IsDir() {
			continue
		}
		if HasCUEFile(filepath.Join(root, Dir, e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names, nil // os.ReadDir sorts by name
}

// SymlinkError is a symbolic link among the environment folders: gen
// follows none, so that an input never reaches outside the repository.
type SymlinkError struct {
	// Path is the link's path relative to the root.
	Path string
}

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link: an environment must be a folder of the repository (gen follows no symbolic link under %s/); replace the link with the folder", e.Path, Dir)
}

// HasCUEFile reports whether dir holds a regular .cue file: whether CUE
// finds a package there.
func HasCUEFile(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".cue") {
			return true
		}
	}
	return false
}

// Load evaluates the named environments under root and returns them sorted
// by name. Problems with the input are returned as [*model.EnvError] values
// (joined with errors.Join), one per environment, each listing every CUE
// error of that environment with its positions. The environments that did
// load are returned even then, so that later stages can report their
// problems too; callers must not render anything when err is not nil.
func Load(root string, names []string) ([]*model.Environment, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	envs := make([]*model.Environment, len(names))
	errs := make([]error, len(names))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			envs[i], errs[i] = loadOne(root, name)
			return nil
		})
	}
	_ = g.Wait()
	var loaded []*model.Environment
	var failed []error
	for i, err := range errs {
		if err != nil {
			failed = append(failed, err)
		} else {
			loaded = append(loaded, envs[i])
		}
	}
	if len(failed) > 0 {
		return loaded, errors.Join(failed...)
	}
	return loaded, nil
}

func loadOne(root, name string) (*model.Environment, error) {
	env := &model.Environment{Name: name, Dir: path.Join(Dir, name)}
	x := newExplainer(env, cue.Value{})
	incomplete := false
	fail := func(err error) (*model.Environment, error) {
		return nil, &model.EnvError{Env: name, Err: x.explain(env.InUserFiles(err, SchemaDir)), Incomplete: incomplete}
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	envVal, schemaVal, inputs, err := WithSchema(absRoot, env.Dir)
	if err != nil {
		return fail(packagesError(absRoot, err))
	}
	env.Inputs = inputs
	x = newExplainer(env, schemaVal)
	incomplete = true
	def := schemaVal.LookupPath(cue.ParsePath("#Environment"))
	if !def.Exists() {
		return fail(fmt.Errorf("%s/ defines no #Environment", SchemaDir))
	}
	// Fill the name into the (small) definition rather than into the
	// unified value: FillPath on the result would evaluate it all again.
	v := envVal.Unify(def.FillPath(cue.ParsePath("name"), name))
	env.Value, env.Source = v, envVal
	// MarshalJSON stops at the first problem; only then is the value
	// validated, to report every problem. This saves a full pass over a
	// clean environment.
	b, err := v.MarshalJSON()
	if err != nil {
		if verr := v.Validate(cue.Concrete(true), cue.Final()); verr != nil {
			return fail(verr)
		}
		return fail(err)
	}
	if err := json.Unmarshal(b, env); err != nil {
		return fail(decodeError(env, b, err))
	}
	return env, nil
}

// decodeError positions an error of decoding the exported environment
// into the model at the CUE field it is about: a number that does not fit
// its Go type (replicas: 99999999999999999999), or a value of the wrong
// type that the schema let through. An error that names no field is
// positioned at the environment.
func decodeError(env *model.Environment, b []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := fmt.Sprintf("%s does not fit a Go %s", te.Value, te.Type)
		if lo, hi, ok := intRange(te.Type.Kind()); ok && strings.HasPrefix(te.Value, "number") {
			msg = fmt.Sprintf("%s is out of range: it must be from %d to %d", strings.TrimPrefix(te.Value, "number "), lo, hi)
		}
		return env.Errorf(pathAt(b, te.Offset), "%s", msg)
	}
	return env.Errorf("", "decoding the environment: %v", err)
}

// WithSchema evaluates the CUE package in dir (slash-separated, relative
// to absRoot, e.g. "environments/prod" or "policies") and the package of
// schema/, in a new CUE context, and returns both with the folders, relative
// to absRoot, whose files they were read from (see cache.InputDirs). The
// error, if any, is the CUE error of loading or building them.
func WithSchema(absRoot, dir string) (pkg, schema cue.Value, inputs []string, err error) {
	ctx := cuecontext.New()
	insts := load.Instances([]string{"./" + dir, "./" + SchemaDir}, &load.Config{Dir: absRoot})
	for _, inst := range insts {
		if inst.Err != nil {
			return cue.Value{}, cue.Value{}, nil, inst.Err
		}
	}
	if err := checkUTF8(insts); err != nil {
		return cue.Value{}, cue.Value{}, nil, err
	}
	inputs = cache.InputDirs(absRoot, insts)
	vals, err := ctx.BuildInstances(insts)
	if err != nil {
		return cue.Value{}, cue.Value{}, nil, err
	}
	return vals[0], vals[1], inputs, nil
}

// checkUTF8 refuses a source file that is not valid UTF-8, at its first
// invalid byte. CUE's scanner replaces such bytes with U+FFFD inside
// strings and carries on, so that a Latin-1 "é" in a value would be
// rendered as "\ufffd" rather than refused.
func checkUTF8(insts []*build.Instance) error {
	for _, inst := range insts {
		for _, f := range inst.BuildFiles {
			src, err := os.ReadFile(f.Filename)
			if err != nil {
				return err
			}
			if utf8.Valid(src) {
				continue
			}
			off := 0
			for off < len(src) {
				r, n := utf8.DecodeRune(src[off:])
				if r == utf8.RuneError && n == 1 {
					break
				}
				off += n
			}
			tf := token.NewFile(f.Filename, 0, len(src))
			tf.SetLinesForContent(src)
			return cueerrors.Newf(tf.Pos(off, token.NoRelPos),
				"invalid UTF-8 (byte 0x%02x): CUE files must be UTF-8 text; save %s as UTF-8, or write the character as a \\u escape",
				src[off], filepath.Base(f.Filename))
		}
	}
	return nil
}

// pathAt returns the CUE path of the value of the JSON document b that
// ends at offset (json.UnmarshalTypeError's Offset; its Field leaves out
// map keys, the apps' names).
func pathAt(b []byte, offset int64) string {
	type level struct {
		object bool
		key    string
		index  int
		// wantKey is whether an object's next token is a key.
		wantKey bool
	}
	var stack []*level
	path := func() string {
		var parts []string
		for _, l := range stack {
			if l.object {
				parts = append(parts, model.Label(l.key))
			} else {
				parts = append(parts, fmt.Sprintf("[%d]", l.index))
			}
		}
		return strings.ReplaceAll(strings.Join(parts, "."), ".[", "[")
	}
	// value moves past a value in the innermost container.
	value := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &level{object: d == '{', wantKey: true, index: -1})
				if d == '[' {
					stack[len(stack)-1].index = 0
				}
			default:
				if dec.InputOffset() >= offset {
					stack = stack[:len(stack)-1]
					return path()
				}
				stack = stack[:len(stack)-1]
				value()
			}
			continue
		}
		if top := len(stack) - 1; top >= 0 && stack[top].object && stack[top].wantKey {
			stack[top].key, stack[top].wantKey = tok.(string), false
			continue
		}
		if dec.InputOffset() >= offset {
			return path()
		}
		value()
	}
}

// intRange returns the range of an integer kind.
func intRange(k reflect.Kind) (lo, hi int64, ok bool) {
	switch k {
	case reflect.Int8:
		return math.MinInt8, math.MaxInt8, true
	case reflect.Int16:
		return math.MinInt16, math.MaxInt16, true
	case reflect.Int32:
		return math.MinInt32, math.MaxInt32, true
	case reflect.Int, reflect.Int64:
		return math.MinInt64, math.MaxInt64, true
	case reflect.Uint8:
		return 0, math.MaxUint8, true
	case reflect.Uint16:
		return 0, math.MaxUint16, true
	case reflect.Uint32:
		return 0, math.MaxUint32, true
	}
	return 0, 0, false
}

// EnvPackage is the CUE package every file of an environment folder
// declares, as every file of environments/ does.
const EnvPackage = "environments"

// packagesError explains CUE's error for a folder of two packages at the
// package clause of the file that declares the other one; other errors
// are returned as they are.
func packagesError(absRoot string, err error) error {
	for _, e := range cueerrors.Errors(err) {
		var mp *load.MultiplePackageError
		if !errors.As(e, &mp) {
			continue
		}
		for i, pkg := range mp.Packages {
			if pkg == EnvPackage {
				continue
			}
			file := filepath.Join(mp.Dir, mp.Files[i])
			if !filepath.IsAbs(file) {
				file = filepath.Join(absRoot, file)
			}
			pos := token.NoPos
			if f, perr := parser.ParseFile(file, nil, parser.PackageClauseOnly); perr == nil {
				for _, d := range f.Decls {
					if p, ok := d.(*ast.Package); ok {
						pos = p.Name.Pos()
					}
				}
			}
			return cueerrors.Newf(pos, "%s declares package %s: every .cue file of an environment folder must declare package %s (a folder is one CUE package); move it out of %s or change its package",
				mp.Files[i], pkg, EnvPackage, mp.Dir)
		}
	}
	return err
}
