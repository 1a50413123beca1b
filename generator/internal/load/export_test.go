package load

import (
	"path/filepath"

	"cuelang.org/go/cue"

	"github.com/gitops-gen/gen/generator/model"
)

// AppKey is appKey, for the tests of package load_test.
var AppKey = appKey

// BothWays evaluates the environment name under root app by app (byApps,
// with memo) and as a whole (with #Environment). ok is false when byApps
// gave up; err is the whole evaluation's.
func BothWays(root, name string, memo Memo) (byApp []byte, ok bool, all []byte, err error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, false, nil, err
	}
	cctx := envContext()
	envVal, schemaVal, _, err := withSchema(cctx, absRoot, Dir+"/"+name)
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
	byApp, _, ok = byApps(cctx, absRoot, &model.Environment{Name: name}, envVal, schemaVal, named, memo)
	all, _, err = whole(envVal, named)
	return byApp, ok, all, err
}
