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

// Environments returns the names of the environments under root, sorted.
//
// An environment is a folder under environments/ that holds a .cue file
// and no subfolder holding one; its name is its path relative to
// environments/: "prod" in a repository of one platform, "chatbot/prod"
// in a repository of several. A folder of environments/ whose subfolders
// hold .cue files is a platform: its own .cue files are shared by its
// environments, as those of environments/ are by every environment (CUE
// loads the files of an instance's ancestor folders). Environments are at
// most two folders deep (environments/<platform>/<env>/); a .cue file
// deeper is a [*LayoutError].
//
// Folders starting with "." or "_" are skipped, as CUE and Go skip them.
// A symbolic link among the folders of environments/ or of a platform is
// a [*SymlinkError].
func Environments(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, Dir))
	if err != nil {
		return nil, fmt.Errorf("listing environments: %w", err)
	}
	var names []string
	for _, e := range entries {
		rel := path.Join(Dir, e.Name())
		if skipped(e.Name()) {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			return nil, &SymlinkError{Path: rel}
		}
		if !e.IsDir() {
			continue
		}
		subs, err := cueFolders(root, rel)
		if err != nil {
			return nil, err
		}
		if len(subs) == 0 {
			if HasCUEFile(filepath.Join(root, rel)) {
				names = append(names, e.Name())
			}
			continue
		}
		// A platform: each subfolder holding .cue files is an environment.
		for _, s := range subs {
			deeper, err := cueFolders(root, path.Join(rel, s))
			if err != nil {
				return nil, err
			}
			if len(deeper) > 0 {
				return nil, &LayoutError{Path: path.Join(rel, s, deeper[0])}
			}
			names = append(names, e.Name()+"/"+s)
		}
	}
	slices.Sort(names) // "a-b" sorts before "a/b"
	return names, nil
}

// skipped reports whether a folder of environments/ is left out, as CUE
// and Go leave out folders starting with "." or "_".
func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// cueFolders returns the subfolders of rel (slash-separated, relative to
// root) that hold a .cue file, themselves or in a folder below, sorted. A
// symbolic link among them is a [*SymlinkError] when rel is a platform (a
// link in an environment's own folder is CUE's to read or not).
func cueFolders(root, rel string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", rel, err)
	}
	var out []string
	var link string
	for _, e := range entries {
		switch {
		case skipped(e.Name()):
		case e.Type()&fs.ModeSymlink != 0:
			if link == "" {
				link = path.Join(rel, e.Name())
			}
		case e.IsDir() && holdsCUE(filepath.Join(root, filepath.FromSlash(rel), e.Name())):
			out = append(out, e.Name())
		}
	}
	if link != "" && len(out) > 0 {
		return nil, &SymlinkError{Path: link}
	}
	return out, nil
}

// holdsCUE reports whether dir, or a folder below it that is not skipped,
// holds a regular .cue file. Symbolic links are not followed.
func holdsCUE(dir string) bool {
	if HasCUEFile(dir) {
		return true
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && !skipped(e.Name()) && holdsCUE(filepath.Join(dir, e.Name())) {
			return true
		}
	}
	return false
}

// LayoutError is a .cue file deeper than an environment can be: below
// environments/<platform>/<env>/.
type LayoutError struct {
	// Path is the folder, relative to the root, that holds the .cue files
	// (or a folder below it that does).
	Path string
}

func (e *LayoutError) Error() string {
	return fmt.Sprintf("%s holds .cue files, deeper than an environment can be: an environment is environments/<env>/ or environments/<platform>/<env>/ (at most two folders deep); move the files up, or start the folder's name with _ for gen to skip it", e.Path)
}

// Split returns the platform and the environment folder's own name of
// the environment name: ("chatbot", "prod") for "chatbot/prod", ("",
// "prod") for "prod".
func Split(name string) (platform, env string) {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
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
	return LoadMemo(root, names, nil)
}

// LoadMemo is Load with a memo of evaluated apps (nil for none): an app
// whose inputs are those of an app the memo remembers is not evaluated
// again (see [Memo]).
func LoadMemo(root string, names []string, memo Memo) ([]*model.Environment, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	envs := make([]*model.Environment, len(names))
	errs := make([]error, len(names))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, name := range names {
		g.Go(func() error {
			envs[i], errs[i] = loadOne(root, name, memo)
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

func loadOne(root, name string, memo Memo) (*model.Environment, error) {
	env, _, err := evaluate(root, name, memo)
	return env, err
}

// Exported loads the environment name under root as Load does and
// returns it with the JSON it was decoded from: the environment
// unified with #Environment, exported.
func Exported(root, name string) (*model.Environment, []byte, error) {
	return evaluate(root, name, nil)
}

// evaluate loads the environment name and returns it with the JSON it
// was decoded from.
func evaluate(root, name string, memo Memo) (*model.Environment, []byte, error) {
	env := &model.Environment{Name: name, Dir: path.Join(Dir, name)}
	x := newExplainer(env, cue.Value{})
	incomplete := false
	fail := func(err error) (*model.Environment, []byte, error) {
		return nil, nil, &model.EnvError{Env: name, Err: x.explain(env.InUserFiles(err, SchemaDir)), Incomplete: incomplete}
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, err
	}
	cctx := envContext()
	envVal, schemaVal, files, inputs, err := withSchema(cctx, absRoot, env.Dir)
	if err != nil {
		return fail(packagesError(absRoot, err))
	}
	env.Inputs = inputs
	x = newExplainer(env, schemaVal)
	incomplete = true
	named := func(def string) (cue.Value, error) {
		v := schemaVal.LookupPath(cue.ParsePath(def))
		if !v.Exists() {
			return v, fmt.Errorf("%s/ defines no %s", SchemaDir, def)
		}
		// Fill the names into the (small) definition rather than into the
		// unified value: FillPath on the result would evaluate it all again.
		platform, base := Split(name)
		v = v.FillPath(cue.ParsePath("name"), base)
		if platform != "" {
			v = v.FillPath(cue.ParsePath("platform.name"), platform)
		}
		return v, nil
	}
	// First each app on its own, against the rest of the environment
	// (byApps); at any problem, the environment is evaluated again as a
	// whole, which reports every problem with its positions as CUE does.
	b, v, ok := byApps(cctx, absRoot, env, envVal, schemaVal, files, named, memo)
	if !ok {
		b, v, err = whole(envVal, named)
	}
	env.Value, env.Source = v, envVal
	if err != nil {
		return fail(err)
	}
	if err := json.Unmarshal(b, env); err != nil {
		return fail(decodeError(env, b, err))
	}
	return env, b, nil
}

// whole evaluates an environment's value with #Environment at once and
// returns it exported as JSON, or every problem CUE finds in it.
func whole(envVal cue.Value, named func(string) (cue.Value, error)) ([]byte, cue.Value, error) {
	def, err := named("#Environment")
	if err != nil {
		return nil, cue.Value{}, err
	}
	v := envVal.Unify(def)
	// MarshalJSON stops at the first problem; only then is the value
	// validated, to report every problem. This saves a full pass over a
	// clean environment.
	b, err := v.MarshalJSON()
	if err != nil {
		if verr := v.Validate(cue.Concrete(true), cue.Final()); verr != nil {
			return nil, v, verr
		}
		return nil, v, err
	}
	return b, v, nil
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
	pkg, schema, _, inputs, err = withSchema(cuecontext.New(), absRoot, dir)
	return pkg, schema, inputs, err
}

// envContext is the CUE context of an environment's evaluation. Its
// values are exported to JSON and decoded into Go structs, where the
// order of fields is lost: CUE need not sort them as it exports
// (CUE_DEBUG=sortfields, about a quarter of an environment's evaluation
// at 1000 apps). A CUE_DEBUG of the user's own is left as it is.
func envContext() *cue.Context {
	if os.Getenv("CUE_DEBUG") != "" {
		return cuecontext.New()
	}
	return cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
}

// withSchema is WithSchema in ctx, which also returns the package's
// parsed files.
func withSchema(ctx *cue.Context, absRoot, dir string) (pkg, schema cue.Value, files []*ast.File, inputs []string, err error) {
	insts := load.Instances([]string{"./" + dir, "./" + SchemaDir}, &load.Config{Dir: absRoot})
	for _, inst := range insts {
		if inst.Err != nil {
			return cue.Value{}, cue.Value{}, nil, nil, inst.Err
		}
	}
	if err := checkUTF8(insts); err != nil {
		return cue.Value{}, cue.Value{}, nil, nil, err
	}
	inputs = cache.InputDirs(absRoot, insts)
	vals, err := ctx.BuildInstances(insts)
	if err != nil {
		return cue.Value{}, cue.Value{}, nil, nil, err
	}
	return vals[0], vals[1], insts[0].Files, inputs, nil
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
