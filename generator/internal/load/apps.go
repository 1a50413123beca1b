package load

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"

	"github.com/gitops-gen/gen/generator/model"
)

// Memo remembers evaluated apps between runs, so that an app whose inputs
// did not change is not evaluated again. Apps returns the entries
// remembered for an environment, by key; Remember replaces them with
// those of the apps evaluated now. A key is a digest of everything the
// app's evaluation reads: the schema's files, the environment's defaults
// and the part of its cluster and logging that apps read (#EnvApp.#env),
// and the app's own value with its name as the environment's files give it.
// An entry is the app's exported JSON. Implementations must be safe for
// use by several environments at once, and must not return the entries of
// another build of gen (its CUE evaluator may differ).
type Memo interface {
	Apps(env string) map[string][]byte
	Remember(env string, apps map[string][]byte)
}

// Paths byApps reads.
var (
	envAppDef  = cue.ParsePath("#EnvApp")
	envAppEnv  = cue.MakePath(cue.Def("#env"))
	appContext = []struct{ key, path string }{
		{"defaults", "defaults"},
		{"cluster.name", "cluster.name"},
		{"cluster.region", "cluster.region"},
		{"cluster.logging.retentionInDays", "cluster.logging.retentionInDays"},
		{"fluentBit.image", "logging.fluentBit.image"},
		{"fluentBit.resources", "logging.fluentBit.resources"},
	}
)

// byApps evaluates an environment app by app: the environment's own
// value unified with #EnvironmentBase (the environment without what the
// schema says of apps), then each app's value there unified with #EnvApp,
// given the part of the environment an app reads. It is what unifying
// with #Environment computes, which is #EnvironmentBase with each app an
// #EnvApp, but each app is a small evaluation of its own: memo answers
// for the apps whose inputs it remembers, and what is evaluated can be let
// go app by app.
//
// It returns the environment exported as JSON, the value of the
// environment without the apps' schema (for positions), and true; or
// false at the first problem of any kind, which the caller then reports by
// evaluating the whole environment with #Environment, as CUE reports it.
//
// files are the environment's parsed files, which key the apps given as
// plain data (plainApps).
func byApps(cctx *cue.Context, absRoot string, env *model.Environment, envVal, schemaVal cue.Value, files []*ast.File, named func(string) (cue.Value, error), memo Memo) ([]byte, cue.Value, bool) {
	base, err := named("#EnvironmentBase")
	appDef := schemaVal.LookupPath(envAppDef)
	if err != nil || !appDef.Exists() {
		return nil, cue.Value{}, false
	}
	v := envVal.Unify(base)
	var b bytes.Buffer
	b.WriteByte('{')
	var apps cue.Value
	it, err := v.Fields()
	if err != nil {
		return nil, cue.Value{}, false
	}
	for it.Next() {
		label := it.Selector().Unquoted()
		if label == "apps" {
			apps = it.Value()
			continue
		}
		fb, err := it.Value().MarshalJSON()
		if err != nil {
			return nil, cue.Value{}, false
		}
		writeKey(&b, label)
		b.Write(fb)
		b.WriteByte(',')
	}

	// What an app reads of the environment, as #Environment gives it in
	// #EnvApp.#env.
	ctx := map[string]any{}
	for _, c := range appContext {
		f := v.LookupPath(cue.ParsePath(c.path))
		if !f.Exists() {
			continue
		}
		fb, err := f.MarshalJSON()
		if err != nil {
			return nil, cue.Value{}, false
		}
		setPath(ctx, c.key, json.RawMessage(fb))
	}

	var schemaSum []byte
	var old, remembered, plain map[string][]byte
	if memo != nil {
		sum, err := schemaDigest(absRoot)
		if err == nil {
			schemaSum = sum
			old = memo.Apps(env.Name)
			remembered = map[string][]byte{}
			plain = plainApps(files)
		}
	}
	cb, err := json.Marshal(ctx)
	if err != nil {
		return nil, cue.Value{}, false
	}
	c := cctx.CompileBytes(cb)
	if c.Err() != nil {
		return nil, cue.Value{}, false
	}
	// #EnvApp with the environment filled in, once: each app is then one
	// evaluation, of this and its own value with its name.
	appBase := appDef.FillPath(envAppEnv, c)
	writeKey(&b, "apps")
	b.WriteByte('{')
	if apps.Exists() {
		ai, err := apps.Fields()
		if err != nil {
			return nil, cue.Value{}, false
		}
		first := true
		for ai.Next() {
			name := ai.Selector().Unquoted()
			key := ""
			if remembered != nil {
				data, ok := plain[name]
				key = appKey(schemaSum, cb, name, data, ok, ai.Value())
			}
			ab, ok := old[key]
			if !ok || key == "" {
				// The app's value has its name (#EnvironmentBase).
				ab, err = appBase.Unify(ai.Value()).MarshalJSON()
				if err != nil {
					return nil, cue.Value{}, false
				}
			}
			if key != "" {
				remembered[key] = ab
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeKey(&b, name)
			b.Write(ab)
		}
	}
	b.WriteString("}}")
	if remembered != nil && !sameKeys(old, remembered) {
		memo.Remember(env.Name, remembered)
	}
	return b.Bytes(), v, true
}

// appKey is the memo's key of an app: a digest of the schema, of what the
// app reads of the environment (ctx), of its name, and of the app's own
// value. When the environment's files give that value as plain data
// (isPlain, with plainApps' encoding of it in plain), that encoding says
// all of it. Otherwise it is the value exported as CUE with everything
// that can change its evaluation against #EnvApp (defaults, optional and
// required fields, definitions, hidden fields), not only its concrete
// values: "" when it cannot be exported. The two kinds of key are marked
// apart, so that no value of one kind is taken for one of the other.
func appKey(schemaSum, ctx []byte, name string, plain []byte, isPlain bool, user cue.Value) string {
	kind, src := "data", plain
	if !isPlain {
		var err error
		kind = "cue"
		src, err = format.Node(user.Syntax(cue.Docs(false), cue.Attributes(true), cue.Optional(true), cue.Definitions(true), cue.Hidden(true)))
		if err != nil {
			return ""
		}
	}
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	part := func(p []byte) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write(p)
	}
	part(schemaSum)
	part(ctx)
	part([]byte(name))
	part([]byte(kind))
	part(src)
	return hex.EncodeToString(h.Sum(nil))
}

// schemaDigest is a digest of the .cue files of root's schema/ and of
// cue.mod/module.cue: what an app's evaluation reads besides the
// environment.
func schemaDigest(root string) ([]byte, error) {
	h := sha256.New()
	entries, err := os.ReadDir(filepath.Join(root, SchemaDir))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".cue") {
			files = append(files, filepath.Join(SchemaDir, e.Name()))
		}
	}
	slices.Sort(files)
	files = append(files, filepath.Join("cue.mod", "module.cue"))
	for _, f := range files {
		if err := hashFile(h, root, f); err != nil {
			return nil, err
		}
	}
	return h.Sum(nil), nil
}

func hashFile(h hash.Hash, root, rel string) error {
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(data))
	h.Write(data)
	return nil
}

// writeKey writes a JSON object's key and its colon.
func writeKey(b *bytes.Buffer, k string) {
	kb, _ := json.Marshal(k)
	b.Write(kb)
	b.WriteByte(':')
}

// setPath sets a dotted path of nested maps.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = v
}

// sameKeys reports whether a and b hold the same keys.
func sameKeys(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return false
		}
	}
	return true
}
