package objdiff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"sigs.k8s.io/yaml"
)

// Class says what kind of change an object or a field went through.
type Class string

const (
	// Image: only container image references changed (tag, digest or
	// both).
	Image Class = "image"
	// Scale: replicas and resources changed (and perhaps images too):
	// spec.replicas; an HPA's spec.minReplicas and spec.maxReplicas;
	// anything under a container's resources or a StatefulSet's
	// volumeClaimTemplates[*].spec.resources; an eksctl ClusterConfig's
	// nodeGroups[*] and managedNodeGroups[*] minSize, maxSize and
	// desiredCapacity.
	Scale Class = "scale"
	// Config: anything else changed.
	Config Class = "config"
	// Added: the object is new.
	Added Class = "added"
	// Removed: the object goes away.
	Removed Class = "removed"
)

// rank orders the classes of a modified object's fields: the object takes
// the class of its most significant field, config > scale > image.
func (c Class) rank() int {
	switch c {
	case Image:
		return 1
	case Scale:
		return 2
	case Config:
		return 3
	}
	return 0
}

// Field is one changed value in a modified object.
type Field struct {
	// Path says where the value is, from the object's root:
	// spec.template.spec.containers[backend].image. Items of a list whose
	// items all have a unique "name" are addressed by that name
	// (containers[web], env[LOG_LEVEL], ports[http]), and items that are
	// just a group and a kind by "<kind>.<group>" (an AppProject's
	// namespaceResourceWhitelist[Rollout.argoproj.io]); quoted when the name
	// is all digits or holds characters other than letters, digits and
	// "_.:/-" (env["a b"]). Items of other lists are addressed by index
	// ([0]). Map keys other than identifiers (a letter or "_", then
	// letters, digits, "_" and "-") are quoted:
	// metadata.labels["app.kubernetes.io/name"]. The empty path is the
	// whole file, for a file compared as text.
	Path string `json:"path"`
	// Class is Image, Scale or Config.
	Class Class `json:"class"`
	// From is the old value, and To the new one: scalars (string, bool,
	// json.Number, nil for YAML null), map[string]any or []any, as
	// decoded from the file. A nil pointer means that the value is absent
	// on that side (the field is new, or removed); a pointer to nil is a
	// YAML null. In JSON an absent side is left out and a null is null.
	From *any `json:"from,omitempty"`
	To   *any `json:"to,omitempty"`
}

// UnmarshalJSON decodes a Field, keeping the difference between an absent
// side (From == nil) and a null one (*From == nil) that MarshalJSON makes.
// Numbers decode as json.Number, as in Compare.
func (f *Field) UnmarshalJSON(b []byte) error {
	var raw struct {
		Path  string          `json:"path"`
		Class Class           `json:"class"`
		From  json.RawMessage `json:"from"`
		To    json.RawMessage `json:"to"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = Field{Path: raw.Path, Class: raw.Class}
	for _, side := range []struct {
		raw json.RawMessage
		dst **any
	}{{raw.From, &f.From}, {raw.To, &f.To}} {
		if side.raw == nil {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(side.raw))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return err
		}
		*side.dst = &v
	}
	return nil
}

// Object is one file that differs.
type Object struct {
	// Path is the file's path as given to Compare: the "to" side's, or the
	// "from" side's for a removed object.
	Path string `json:"path"`
	// APIVersion, Kind, Namespace and Name identify the object, from the
	// same side as Path. All are empty for a file that is compared as text
	// because one of its sides does not hold a YAML mapping.
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Class is Added, Removed, or for a modified object the most
	// significant class of its fields: Config > Scale > Image.
	Class Class `json:"class"`
	// Fields are a modified object's changed values, in path order (map
	// keys sorted, list items in list order). Empty for added and
	// removed objects.
	Fields []Field `json:"fields,omitempty"`

	// data is the file of an added object, for WriteText.
	data []byte
}

// Summary counts objects per class.
type Summary struct {
	Image   int `json:"image"`
	Scale   int `json:"scale"`
	Config  int `json:"config"`
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

// Total is the number of objects that differ.
func (s Summary) Total() int { return s.Image + s.Scale + s.Config + s.Added + s.Removed }

// Add adds o's counts to s, to total several reports.
func (s *Summary) Add(o Summary) {
	s.Image += o.Image
	s.Scale += o.Scale
	s.Config += o.Config
	s.Added += o.Added
	s.Removed += o.Removed
}

func (s *Summary) count(c Class) {
	switch c {
	case Image:
		s.Image++
	case Scale:
		s.Scale++
	case Config:
		s.Config++
	case Added:
		s.Added++
	case Removed:
		s.Removed++
	}
}

// Report is the result of Compare.
type Report struct {
	// From and To label the two sides, from Options.
	From string `json:"from"`
	To   string `json:"to"`
	// Objects are the objects that differ, sorted by path. Never nil.
	Objects []Object `json:"objects"`
	// Summary counts Objects per class.
	Summary Summary `json:"summary"`
	// EnvOnly counts the values that differ only by the environment's name
	// and are therefore not reported (see Options.FromEnv). A map key or a
	// list item name that differs only by it counts once too, as does a
	// file compared as text.
	EnvOnly int `json:"envOnlyFields"`
}

// Options configure Compare.
type Options struct {
	// From and To label the two sides in the report, such as
	// "rendered/prod" and "render of environments/prod", or "staging" and
	// "prod". The default is empty.
	From, To string
	// FromEnv and ToEnv are the names of the environments the two sides
	// were rendered for. When both are set and differ (comparing two
	// environments), each side's own name is normalised away before
	// comparing: in file paths (argocd/appproject-staging.yaml matches
	// argocd/appproject-prod.yaml), map keys, the names of named list
	// items and string values ("environment: prod",
	// "app.kubernetes.io/instance: backend-prod",
	// "path: rendered/prod/apps/x"). Only whole tokens are replaced: the
	// name must be neither preceded nor followed by a letter or digit, so
	// "prod" in "product" stays. Matching is case-sensitive. Values equal
	// after that are not reported but counted in Report.EnvOnly; values
	// that still differ are reported with their original values.
	//
	// Set both or neither; a name holds letters, digits, '-', '_' and '.',
	// and starts and ends with a letter or digit. The default is empty:
	// values are compared as they are.
	FromEnv, ToEnv string
}

// Compare compares two sets of files, each a map from a file's path to its
// bytes with one YAML document per file, and reports the objects that
// differ. Files are matched by path (after normalising the environment
// names, see [Options]). The only errors are invalid options and two paths
// of one side that normalise to the same path.
func Compare(from, to map[string][]byte, opts Options) (*Report, error) {
	norm, err := newNormaliser(opts)
	if err != nil {
		return nil, err
	}
	fromPaths, err := normalisePaths(from, norm.fromSide)
	if err != nil {
		return nil, err
	}
	toPaths, err := normalisePaths(to, norm.toSide)
	if err != nil {
		return nil, err
	}
	keys := slices.Collect(maps.Keys(fromPaths))
	for k := range toPaths {
		if _, ok := fromPaths[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	r := &Report{From: opts.From, To: opts.To, Objects: []Object{}}
	for _, k := range keys {
		fp, inFrom := fromPaths[k]
		tp, inTo := toPaths[k]
		switch {
		case !inTo:
			r.Objects = append(r.Objects, single(fp, from[fp], Removed))
		case !inFrom:
			r.Objects = append(r.Objects, single(tp, to[tp], Added))
		default:
			d := differ{norm: norm}
			if obj, ok := d.object(tp, from[fp], to[tp]); ok {
				r.Objects = append(r.Objects, obj)
			}
			r.EnvOnly += d.envOnly
		}
	}
	// Sorted by normalised path above; sort by the path shown, with a
	// removed object first when another has the same path (possible only
	// when a path holds an environment's name on one side).
	removedFirst := func(o Object) int {
		if o.Class == Removed {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(r.Objects, func(a, b Object) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(removedFirst(a), removedFirst(b)))
	})
	for _, o := range r.Objects {
		r.Summary.count(o.Class)
	}
	return r, nil
}

// normalisePaths maps each normalised path of files to its original path.
func normalisePaths(files map[string][]byte, norm func(string) string) (map[string]string, error) {
	out := make(map[string]string, len(files))
	for _, p := range slices.Sorted(maps.Keys(files)) {
		n := norm(p)
		if q, ok := out[n]; ok {
			return nil, fmt.Errorf("files %s and %s have the same path once the environment name is replaced", q, p)
		}
		out[n] = p
	}
	return out, nil
}

// single is an added or removed object.
func single(path string, data []byte, c Class) Object {
	o := Object{Path: path, Class: c}
	if m := decode(data); m != nil {
		o.APIVersion, o.Kind, o.Namespace, o.Name = identity(m)
	}
	if c == Added {
		o.data = data
	}
	return o
}

// identity returns an object's apiVersion, kind, namespace and name; empty
// where they are missing or not strings.
func identity(m map[string]any) (apiVersion, kind, namespace, name string) {
	apiVersion, _ = m["apiVersion"].(string)
	kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		namespace, _ = md["namespace"].(string)
		name, _ = md["name"].(string)
	}
	return apiVersion, kind, namespace, name
}

// useNumber keeps numbers exact: 12345678901234567890 stays as it is
// rather than becoming a float64.
func useNumber(d *json.Decoder) *json.Decoder {
	d.UseNumber()
	return d
}

// decode returns the YAML mapping in data, or nil when data is not exactly
// one YAML document holding a mapping: invalid YAML, an empty file (or only
// comments), null, a list or a scalar, or several documents.
// sigs.k8s.io/yaml would silently decode only the first of several
// documents and hide the rest.
func decode(data []byte) map[string]any {
	if documents(data) > 1 {
		return nil
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m, useNumber); err != nil {
		return nil
	}
	return m
}

// documents counts the YAML documents in data that hold anything but
// comments. A document marker ("---" or "...") can only start a line: a
// line of a block scalar is indented, and a marker is an error inside a
// quoted scalar.
func documents(data []byte) int {
	n, content := 0, false
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if isMarker(line, "---") || isMarker(line, "...") {
			if content {
				n++
			}
			// "--- |" or "--- {a: 1}" starts a document on the same line.
			rest := bytes.TrimSpace(line[3:])
			content = len(rest) > 0 && rest[0] != '#'
			continue
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			content = true
		}
	}
	if content {
		n++
	}
	return n
}

func isMarker(line []byte, m string) bool {
	if !bytes.HasPrefix(line, []byte(m)) {
		return false
	}
	rest := line[len(m):]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r'
}
