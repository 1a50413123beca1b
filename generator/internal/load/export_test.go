package load

import (
	"path/filepath"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"

	"github.com/gitops-gen/gen/generator/model"
)

// AppKeys returns the memo key of each app of src, a file of an
// environment, as byApps computes them (with no schema and an empty
// context), and which apps are keyed as plain data.
func AppKeys(src string) (keys map[string]string, isPlain map[string]bool, err error) {
	f, err := parser.ParseFile("env.cue", src)
	if err != nil {
		return nil, nil, err
	}
	plain := plainApps([]*ast.File{f})
	v := cuecontext.New().BuildFile(f)
	it, err := v.LookupPath(cue.ParsePath("apps")).Fields()
	if err != nil {
		return nil, nil, err
	}
	keys, isPlain = map[string]string{}, map[string]bool{}
	for it.Next() {
		name := it.Selector().Unquoted()
		data, ok := plain[name]
		keys[name], isPlain[name] = appKey(nil, nil, name, data, ok, it.Value()), ok
	}
	return keys, isPlain, nil
}

// BothWays evaluates the environment name under root app by app (byApps,
// with memo) and as a whole (with #Environment). ok is false when byApps
// gave up; err is the whole evaluation's.
func BothWays(root, name string, memo Memo) (byApp []byte, ok bool, all []byte, err error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, false, nil, err
	}
	cctx := envContext()
	envVal, schemaVal, files, _, err := withSchema(cctx, absRoot, Dir+"/"+name)
	if err != nil {
		return nil, false, nil, err
	}
	named := func(def string) (cue.Value, error) {
		v := schemaVal.LookupPath(cue.ParsePath(def))
		platform, base := Split(name)
		v = v.FillPath(cue.ParsePath("name"), base)
		if platform != "" {
			v = v.FillPath(cue.ParsePath("platform.name"), platform)
		}
		return v, nil
	}
	byApp, _, ok = byApps(cctx, absRoot, &model.Environment{Name: name}, envVal, schemaVal, files, named, memo)
	all, _, err = whole(envVal, named)
	return byApp, ok, all, err
}
