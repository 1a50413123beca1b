package patch

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// ErrNoMatch is wrapped by an [Error] for a patch that matches no object.
var ErrNoMatch = errors.New("matches no object")

// ErrIdentity is wrapped by an [Error] for a patch that removes or adds an
// object, or changes an object's apiVersion, kind, namespace or name.
var ErrIdentity = errors.New("patches must keep every object and its apiVersion, kind, namespace and name")

// Error is the failure of one patch of an app: the patch does not parse,
// matches no object ([ErrNoMatch]), fails to apply, or changes an object's
// identity ([ErrIdentity]).
type Error struct {
	// Index is the position of the patch in the app's patches, so a caller
	// can point at apps.<app>.patches[Index] in the CUE source.
	Index int
	// Summary describes the patch, e.g. "JSON 6902, target kind=Deployment
	// name=web"; it is "" when the patch is not even YAML.
	Summary string
	// Err says what went wrong, as a phrase that follows the patch's
	// description ("matches no object").
	Err error
}

// Error returns "patch <Index> (<Summary>) <Err>".
func (e *Error) Error() string {
	if e.Summary == "" {
		return fmt.Sprintf("patch %d %v", e.Index, e.Err)
	}
	return fmt.Sprintf("patch %d (%s) %v", e.Index, e.Summary, e.Err)
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// Apply applies patches, in order, to objs, the objects of one app, with
// the semantics of a kustomization's `patches` field. Each Patch.Patch is a
// strategic-merge patch (a YAML or JSON object with apiVersion, kind and
// metadata.name, or several such documents separated by "---") or a JSON
// 6902 patch (a list of operations, for which Target is required). Target
// fields are kustomize selectors: Group, Version, Kind, Name and Namespace
// are anchored regular expressions.
//
// Apply returns new objects in the order of objs, each with its App, and
// with Content as [object.Decode] would produce it; objs is not modified.
// With no patches it returns objs itself and does no work.
//
// A patch that fails stops the run: the error is an [*Error] naming the
// patch's index. A patch that matches objects but changes nothing is fine.
func Apply(objs []object.Object, patches []model.Patch) ([]object.Object, error) {
	if len(patches) == 0 {
		return objs, nil
	}
	a, err := newApplier(objs)
	if err != nil {
		return nil, err
	}
	for i, p := range patches {
		if err := a.apply(i, p); err != nil {
			return nil, err
		}
	}
	out := make([]object.Object, len(objs))
	for _, r := range a.m.Resources() {
		i := a.pos[resID(r)] // keep checked that every object is there once
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("encoding patched %s: %w", a.ids[i], err)
		}
		c, err := object.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("decoding patched %s: %w", a.ids[i], err)
		}
		out[i] = object.Object{App: objs[i].App, Content: c}
	}
	return out, nil
}

// id is an object's identity, which patches must keep.
type id struct {
	APIVersion, Kind, Namespace, Name string
}

// String names the object like [object.Object.ID].
func (i id) String() string {
	if i.Namespace != "" {
		return i.Kind + "/" + i.Namespace + "/" + i.Name
	}
	return i.Kind + "/" + i.Name
}

func resID(r *resource.Resource) id {
	return id{r.GetApiVersion(), r.GetKind(), r.GetNamespace(), r.GetName()}
}

// applier holds the objects of one Apply call between patches.
type applier struct {
	ids []id       // in input order
	pos map[id]int // index in ids
	// m holds the objects as the last patch left them, in input order.
	m resmap.ResMap

	k   *krusty.Kustomizer
	rmf *resmap.Factory
}

func newApplier(objs []object.Object) (*applier, error) {
	a := &applier{
		ids: make([]id, len(objs)),
		pos: make(map[id]int, len(objs)),
		k:   krusty.MakeKustomizer(kustomizeOptions()),
		rmf: resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory()),
	}
	nodes := make([]*kyaml.RNode, len(objs))
	for i, o := range objs {
		oid := id{o.APIVersion(), o.Kind(), o.Namespace(), o.Name()}
		if j, dup := a.pos[oid]; dup {
			return nil, fmt.Errorf("objects %d and %d are both %s", j, i, oid)
		}
		a.ids[i], a.pos[oid] = oid, i
		n, err := toNode(o.Content)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", oid, err)
		}
		nodes[i] = kyaml.NewRNode(n)
	}
	m, err := a.rmf.NewResMapFromRNodeSlice(nodes)
	if err != nil {
		return nil, fmt.Errorf("loading objects: %w", err)
	}
	a.m = m
	return a, nil
}

// kustomizeOptions are kustomize's defaults, spelled out where they keep
// kustomize from adding anything to the objects or reordering them.
func kustomizeOptions() *krusty.Options {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionNone // keep the input order
	o.AddManagedbyLabel = false          // no app.kubernetes.io/managed-by label
	o.PluginConfig = types.DisabledPluginConfig()
	return o
}

// apply checks that p, the patch at index i, matches and keeps to the
// rules, runs kustomize with p alone over the current objects, and keeps
// the result.
func (a *applier) apply(i int, p model.Patch) *Error {
	pp, err := a.check(p)
	if err == nil {
		var m resmap.ResMap
		if m, err = a.kustomize(pp.text, p.Target); err != nil {
			err = fmt.Errorf("fails: %w", err)
		} else {
			err = a.keep(m)
		}
	}
	if err != nil {
		return &Error{Index: i, Summary: pp.describe(p.Target), Err: err}
	}
	return nil
}

// patchType is the kind of a patch, as kustomize tells them apart.
type patchType int

const (
	unparsed patchType = iota
	strategicMerge
	json6902
)

// parsed is a patch as check understood it.
type parsed struct {
	typ patchType
	// names lists the objects a strategic-merge patch names.
	names string
	// text is the patch as kustomize gets it: a strategic-merge patch as
	// written, a JSON 6902 patch as JSON.
	text string
}

// describe names a patch for messages: "strategic merge, Deployment/web"
// or "JSON 6902, target kind=Deployment name=web".
func (pp parsed) describe(t *model.PatchTarget) string {
	var s string
	switch pp.typ {
	case strategicMerge:
		s = "strategic merge"
	case json6902:
		s = "JSON 6902"
	default:
		return ""
	}
	if t != nil {
		var sel []string
		for _, f := range []struct{ k, v string }{
			{"group", t.Group}, {"version", t.Version}, {"kind", t.Kind},
			{"name", t.Name}, {"namespace", t.Namespace}, {"labelSelector", t.LabelSelector},
		} {
			if f.v != "" {
				sel = append(sel, f.k+"="+f.v)
			}
		}
		return s + ", target " + strings.Join(sel, " ")
	}
	if pp.names != "" {
		s += ", " + pp.names
	}
	return s
}

// check parses p and makes sure that it matches at least one object, and,
// for a JSON 6902 patch, that its operations apply.
func (a *applier) check(p model.Patch) (parsed, error) {
	var pp parsed
	// YAML 1.2, as kyaml reads strategic-merge patches. kustomize reads
	// JSON 6902 patches as YAML 1.1 (sigs.k8s.io/yaml), where y, n, yes,
	// no, on and off are booleans; as a key, such a word even breaks
	// kustomize's JSON round trip. Converting to JSON here reads both kinds
	// of patch the same way.
	var v any
	if err := yaml3.Unmarshal([]byte(p.Patch), &v); err != nil {
		return pp, fmt.Errorf("does not parse: %w", err)
	}
	switch v := v.(type) {
	case map[string]any:
		pp.typ, pp.text = strategicMerge, p.Patch
		// kustomize says this too, but with a Go struct in the message.
		md, _ := v["metadata"].(map[string]any)
		if v["kind"] == nil || md["name"] == nil {
			return pp, errors.New("does not parse: a strategic-merge patch needs kind and metadata.name")
		}
	case []any:
		pp.typ = json6902
		js, err := json.Marshal(v)
		if err != nil {
			return pp, fmt.Errorf("does not parse: %w", err)
		}
		pp.text = string(js)
	default:
		return pp, errors.New("is neither a strategic-merge patch (an object) nor a JSON 6902 patch (a list of operations)")
	}

	var sm []*resource.Resource
	var ops []op
	switch pp.typ {
	case strategicMerge:
		var err error
		if sm, err = a.rmf.RF().SliceFromBytes([]byte(p.Patch)); err != nil {
			return pp, fmt.Errorf("does not parse: %w", err)
		}
		if p.Target != nil && len(sm) > 1 {
			// kustomize refuses this too, less clearly.
			return pp, errors.New("has a target and several documents (with a target, give one)")
		}
		names := make([]string, len(sm))
		for i, r := range sm {
			names[i] = resID(r).String()
		}
		pp.names = strings.Join(names, ", ")
	case json6902:
		var err error
		if ops, err = parseOps([]byte(pp.text)); err != nil {
			return pp, fmt.Errorf("does not parse: %w", err)
		}
		if p.Target == nil {
			return pp, errors.New("has no target (a JSON 6902 patch needs one)")
		}
	}

	if p.Target == nil {
		// Without a target, kustomize applies each document to the object
		// with the same id, and fails when there is none; we check the same
		// way (PatchTransformer.transformStrategicMerge) to say so clearly.
		for _, r := range sm {
			if _, err := a.m.GetById(r.OrgId()); err != nil {
				return pp, a.noMatch(r, len(sm) > 1)
			}
		}
		return pp, nil
	}
	// With a target, kustomize applies the patch to what the target
	// selects, and quietly does nothing when that is nothing.
	sel, err := a.m.Select(selector(p.Target))
	if err != nil {
		return pp, fmt.Errorf("has an invalid target: %w", err)
	}
	if len(sel) == 0 {
		return pp, ErrNoMatch
	}
	if pp.typ == json6902 {
		// Apply the operations to a copy of each object first: to hold them
		// to RFC 6902, and to catch a change of identity, which can make
		// kustomize panic when it collides with another object.
		for _, r := range sel {
			c := r.DeepCopy()
			if err := checkOps(c, ops); err != nil {
				return pp, fmt.Errorf("fails on %s: %w", resID(r), err)
			}
			if from, to := resID(r), resID(c); from != to {
				return pp, fmt.Errorf("changes %s: %w", changes(from, to), ErrIdentity)
			}
		}
	}
	return pp, nil
}

// noMatch explains why the strategic-merge patch document r matches no
// object: usually a missing namespace or apiVersion.
func (a *applier) noMatch(r *resource.Resource, several bool) error {
	rid := resID(r)
	err := ErrNoMatch
	if several {
		err = fmt.Errorf("%w: %s", ErrNoMatch, rid)
	}
	for _, o := range a.ids {
		if o.Kind != rid.Kind || o.Name != rid.Name {
			continue
		}
		var hints []string
		if o.APIVersion != rid.APIVersion {
			hints = append(hints, "apiVersion: "+o.APIVersion)
		}
		switch {
		case o.Namespace == rid.Namespace:
		case o.Namespace == "":
			hints = append(hints, "no metadata.namespace")
		default:
			hints = append(hints, "metadata.namespace: "+o.Namespace)
		}
		if len(hints) > 0 {
			return fmt.Errorf("%w (did you mean %s?)", err, strings.Join(hints, " and "))
		}
	}
	return err
}

func selector(t *model.PatchTarget) types.Selector {
	return types.Selector{
		ResId: resid.ResId{
			Gvk:       resid.Gvk{Group: t.Group, Version: t.Version, Kind: t.Kind},
			Name:      t.Name,
			Namespace: t.Namespace,
		},
		LabelSelector: t.LabelSelector,
	}
}

// kustomize runs a kustomization of the current objects with the single
// patch text and target t. A panic in kustomize is returned as an error.
func (a *applier) kustomize(text string, t *model.PatchTarget) (m resmap.ResMap, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize panicked: %v", r)
		}
	}()
	const dir = "/app"
	fs := filesys.MakeFsInMemory()
	k := types.Kustomization{
		TypeMeta: types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
	}
	for i, r := range a.m.Resources() {
		// Strings that would read as something else, such as "0755", are
		// written quoted. (Resource.AsYAML goes through JSON, and is slower.)
		doc, err := r.RNode.String()
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%d.yaml", i)
		if err := fs.WriteFile(dir+"/"+name, []byte(doc)); err != nil {
			return nil, err
		}
		k.Resources = append(k.Resources, name)
	}
	kp := types.Patch{Patch: text}
	if t != nil {
		sel := selector(t)
		kp.Target = &sel
	}
	k.Patches = []types.Patch{kp}
	b, err := yaml.Marshal(k)
	if err != nil {
		return nil, err
	}
	if err := fs.WriteFile(dir+"/"+"kustomization.yaml", b); err != nil {
		return nil, err
	}
	return a.k.Run(fs, dir)
}

// keep makes kustomize's result the current objects, after checking that
// no object was added, removed or renamed.
func (a *applier) keep(m resmap.ResMap) error {
	seen := make([]bool, len(a.ids))
	var extra []id
	for _, r := range m.Resources() {
		rid := resID(r)
		i, ok := a.pos[rid]
		if !ok || seen[i] {
			extra = append(extra, rid)
			continue
		}
		seen[i] = true
	}
	var missing []id
	for i, ok := range seen {
		if !ok {
			missing = append(missing, a.ids[i])
		}
	}
	switch {
	case len(missing) == 1 && len(extra) == 1:
		return fmt.Errorf("changes %s: %w", changes(missing[0], extra[0]), ErrIdentity)
	case len(missing) > 0:
		return fmt.Errorf("removes %s: %w", joinIDs(missing), ErrIdentity)
	case len(extra) > 0:
		return fmt.Errorf("adds %s: %w", joinIDs(extra), ErrIdentity)
	}
	a.m = m
	return nil
}

// changes says how an object's identity changed, e.g. `the name of
// Service/shop/web to "web2"`.
func changes(from, to id) string {
	var c []string
	for _, f := range []struct{ field, from, to string }{
		{"apiVersion", from.APIVersion, to.APIVersion},
		{"kind", from.Kind, to.Kind},
		{"namespace", from.Namespace, to.Namespace},
		{"name", from.Name, to.Name},
	} {
		if f.from != f.to {
			c = append(c, fmt.Sprintf("the %s of %s to %q", f.field, from, f.to))
		}
	}
	return strings.Join(c, " and ")
}

func joinIDs(ids []id) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return strings.Join(s, ", ")
}
