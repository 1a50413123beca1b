package objdiff

import (
	"bytes"
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// differ compares the two sides of one file.
type differ struct {
	norm normaliser
	// apiVersion and kind of the object, for classifying its fields.
	apiVersion, kind string
	fields           []Field
	envOnly          int
}

// object compares one file's two sides and returns the modified object,
// or false when they are equal (perhaps after normalising env names).
func (d *differ) object(path string, from, to []byte) (Object, bool) {
	if bytes.Equal(from, to) {
		return Object{}, false
	}
	a, b := decode(from), decode(to)
	o := Object{Path: path}
	if a == nil || b == nil {
		d.text(from, to)
	} else {
		o.APIVersion, o.Kind, o.Namespace, o.Name = identity(b)
		// Fields are classified by kind only when both sides are of the
		// same one: a change of apiVersion or kind is itself config, and
		// the class of a field must not depend on the direction of the
		// comparison.
		if fromAPIVersion, fromKind, _, _ := identity(a); fromAPIVersion == o.APIVersion && fromKind == o.Kind {
			d.apiVersion, d.kind = o.APIVersion, o.Kind
		}
		d.maps(nil, a, b)
	}
	if len(d.fields) == 0 {
		return Object{}, false
	}
	o.Fields = d.fields
	for _, f := range d.fields {
		if f.Class.rank() > o.Class.rank() {
			o.Class = f.Class
		}
	}
	return o, true
}

// text compares a file as text when either side does not hold a YAML
// mapping: one Config field for the whole file.
func (d *differ) text(from, to []byte) {
	a, b := string(from), string(to)
	if d.norm.fromSide(a) == d.norm.toSide(b) {
		d.envOnly++
		return
	}
	var av, bv any = a, b
	d.report(nil, &av, &bv)
}

// walk compares two values at p.
func (d *differ) walk(p path, a, b any) {
	switch a := a.(type) {
	case map[string]any:
		if b, ok := b.(map[string]any); ok {
			d.maps(p, a, b)
			return
		}
	case []any:
		if b, ok := b.([]any); ok {
			d.lists(p, a, b)
			return
		}
	default:
		// a is a scalar, so == cannot panic: b is either of another
		// dynamic type or a comparable one.
		if a == b {
			return
		}
		as, ok1 := a.(string)
		bs, ok2 := b.(string)
		if ok1 && ok2 && d.norm.on && d.norm.fromSide(as) == d.norm.toSide(bs) {
			d.envOnly++
			return
		}
	}
	d.report(p, &a, &b)
}

// maps compares two maps key by key, in key order. With env names
// normalised, keys are matched after normalising them, unless that would
// merge two keys of one side.
func (d *differ) maps(p path, a, b map[string]any) {
	type pair struct {
		norm, from, to string
		inFrom, inTo   bool
	}
	normFrom, normTo := d.norm.fromSide, d.norm.toSide
	if d.norm.on && (!injective(a, normFrom) || !injective(b, normTo)) {
		normFrom, normTo = identityString, identityString
	}
	pairs := make(map[string]*pair, len(b))
	for k := range a {
		n := normFrom(k)
		pairs[n] = &pair{norm: n, from: k, inFrom: true}
	}
	for k := range b {
		n := normTo(k)
		if q, ok := pairs[n]; ok {
			q.to, q.inTo = k, true
		} else {
			pairs[n] = &pair{norm: n, to: k, inTo: true}
		}
	}
	shown := func(q *pair) string {
		if q.inTo {
			return q.to
		}
		return q.from
	}
	list := slices.Collect(maps.Values(pairs))
	slices.SortFunc(list, func(x, y *pair) int {
		return cmp.Or(strings.Compare(shown(x), shown(y)), strings.Compare(x.norm, y.norm))
	})
	for _, q := range list {
		kp := p.key(shown(q))
		switch {
		case !q.inTo:
			d.removed(kp, a[q.from])
		case !q.inFrom:
			d.added(kp, b[q.to])
		default:
			if q.from != q.to {
				d.envOnly++ // the key itself differs only by the env name
			}
			d.walk(kp, a[q.from], b[q.to])
		}
	}
}

func identityString(s string) string { return s }

// injective says whether norm keeps m's keys apart.
func injective(m map[string]any, norm func(string) string) bool {
	seen := make(map[string]bool, len(m))
	for k := range m {
		n := norm(k)
		if seen[n] {
			return false
		}
		seen[n] = true
	}
	return true
}

// lists compares two lists: by item name when every item on both sides is
// a map with a unique name (see itemKey), otherwise index by index.
func (d *differ) lists(p path, a, b []any) {
	an, aok := names(a, d.norm.fromSide)
	bn, bok := names(b, d.norm.toSide)
	if !aok || !bok || (len(a) == 0 && len(b) == 0) {
		d.indexed(p, a, b)
		return
	}
	inA := make(map[string]int, len(a))
	for i, n := range an {
		inA[n] = i
	}
	inB := make(map[string]int, len(b))
	for i, n := range bn {
		inB[n] = i
	}
	// By-name matching cannot show that common items changed order, which
	// can matter (env vars may refer to earlier ones), so a reordered list
	// is one changed value.
	common := func(ns []string, other map[string]int) []string {
		var c []string
		for _, n := range ns {
			if _, ok := other[n]; ok {
				c = append(c, n)
			}
		}
		return c
	}
	if !slices.Equal(common(an, inB), common(bn, inA)) {
		var av, bv any = a, b
		d.report(p, &av, &bv)
		return
	}
	// Merge in list order: an item only in a is reported where it was,
	// before the items added at the same place.
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && !has(inB, an[i]):
			d.removed(p.name(itemName(a[i])), a[i])
			i++
		case j < len(b) && !has(inA, bn[j]):
			d.added(p.name(itemName(b[j])), b[j])
			j++
		default: // an[i] == bn[j], since the common items are in the same order
			// A name that differs only by the env name is counted in
			// EnvOnly when walk compares the items' "name" fields.
			d.walk(p.name(itemName(b[j])), a[i], b[j])
			i++
			j++
		}
	}
}

func has(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// indexed compares two lists of unnamed items. When one list is the other
// with some items inserted (or removed) anywhere, those items are reported
// as added (or removed) and the rest compared in pairs; otherwise the lists
// are compared index by index and the extra items at the end of the longer
// one are added or removed. Without the first rule, removing the first of
// ten items would report the ten values that moved up one place.
func (d *differ) indexed(p path, a, b []any) {
	if len(a) != len(b) && d.aligned(p, a, b) {
		return
	}
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(b):
			d.removed(p.index(i), a[i])
		case i >= len(a):
			d.added(p.index(i), b[i])
		default:
			d.walk(p.index(i), a[i], b[i])
		}
	}
}

// aligned matches the shorter of a and b, in order, into the longer one,
// taking the first equal item each time (which finds a match whenever one
// exists). If every item of the shorter list is matched, it reports the
// longer list's other items and compares the matched pairs, and returns
// true.
func (d *differ) aligned(p path, a, b []any) bool {
	grew := len(b) > len(a)
	long, short := a, b
	if grew {
		long, short = b, a
	}
	extra := make([]bool, len(long))
	j := 0
	for i, v := range long {
		if j < len(short) && (grew && d.equal(short[j], v) || !grew && d.equal(v, short[j])) {
			j++
		} else {
			extra[i] = true
		}
	}
	if j < len(short) {
		return false
	}
	j = 0
	for i, v := range long {
		switch {
		case extra[i] && grew:
			d.added(p.index(i), v)
		case extra[i]:
			d.removed(p.index(i), v)
		case grew:
			d.walk(p.index(i), short[j], v)
			j++
		default:
			d.walk(p.index(j), v, short[j])
			j++
		}
	}
	return true
}

// equal says whether a (from the "from" side) and b (from the "to" side)
// are equal once env names are normalised, as walk would find them.
func (d *differ) equal(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		if !d.norm.on {
			for k, av := range a {
				bv, ok := b[k]
				if !ok || !d.equal(av, bv) {
					return false
				}
			}
			return true
		}
		if !injective(a, d.norm.fromSide) || !injective(b, d.norm.toSide) {
			return false // walk would compare raw keys; too rare to mirror
		}
		bk := make(map[string]string, len(b))
		for k := range b {
			bk[d.norm.toSide(k)] = k
		}
		for k, av := range a {
			k2, ok := bk[d.norm.fromSide(k)]
			if !ok || !d.equal(av, b[k2]) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !d.equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case string:
		bs, ok := b.(string)
		return ok && (a == bs || d.norm.on && d.norm.fromSide(a) == d.norm.toSide(bs))
	default:
		return a == b
	}
}

// names returns the normalised name of each item of l (see itemName), and
// whether every item has one, unique after normalising.
func names(l []any, norm func(string) string) ([]string, bool) {
	out := make([]string, len(l))
	seen := make(map[string]bool, len(l))
	for i, item := range l {
		n, ok := itemKey(item)
		if !ok {
			return nil, false
		}
		n = norm(n)
		if seen[n] {
			return nil, false
		}
		seen[n] = true
		out[i] = n
	}
	return out, true
}

// itemKey is the name of a list item: its string "name", or, for an item
// that is exactly a group and a kind (an AppProject's resource lists),
// "<kind>.<group>" ("<kind>" in the core group).
func itemKey(item any) (string, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return "", false
	}
	if n, ok := m["name"].(string); ok {
		return n, true
	}
	g, gok := m["group"].(string)
	k, kok := m["kind"].(string)
	if !gok || !kok || len(m) != 2 {
		return "", false
	}
	if g == "" {
		return k, true
	}
	return k + "." + g, true
}

// itemName is the name of an item that names has accepted.
func itemName(item any) string {
	n, _ := itemKey(item)
	return n
}

func (d *differ) added(p path, v any)   { d.report(p, nil, &v) }
func (d *differ) removed(p path, v any) { d.report(p, &v, nil) }

func (d *differ) report(p path, from, to *any) {
	d.fields = append(d.fields, Field{Path: p.String(), Class: classify(d.apiVersion, d.kind, p), From: from, To: to})
}

// path is where a value sits in an object, one segment per map key or
// list item.
type path []segment

type segment struct {
	kind  segmentKind
	key   string // map key, or item name
	index int
}

type segmentKind uint8

const (
	keySegment   segmentKind = iota // .key or ["key"]
	nameSegment                     // [name]
	indexSegment                    // [0]
)

// key, name and index return p extended by one segment, never sharing
// p's backing array, since siblings extend the same p.
func (p path) key(k string) path { return append(p[:len(p):len(p)], segment{kind: keySegment, key: k}) }
func (p path) name(n string) path {
	return append(p[:len(p):len(p)], segment{kind: nameSegment, key: n})
}
func (p path) index(i int) path {
	return append(p[:len(p):len(p)], segment{kind: indexSegment, index: i})
}

// isKey says whether segment i of p is the map key k.
func (p path) isKey(i int, k string) bool {
	return i < len(p) && p[i].kind == keySegment && p[i].key == k
}

func (p path) isItem(i int) bool { return i < len(p) && p[i].kind != keySegment }

// String renders p as documented on [Field.Path].
func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch s.kind {
		case keySegment:
			if identifier(s.key) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(s.key)
			} else {
				b.WriteString("[" + strconv.Quote(s.key) + "]")
			}
		case nameSegment:
			if plainName(s.key) {
				b.WriteString("[" + s.key + "]")
			} else {
				b.WriteString("[" + strconv.Quote(s.key) + "]")
			}
		case indexSegment:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

// identifier says whether a map key can be written after a dot: a letter
// or "_", then letters, digits, "_" and "-".
func identifier(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// plainName says whether an item name can be written in brackets without
// quotes: letters, digits and "_.:/-", not all digits (that reads as an
// index).
func plainName(s string) bool {
	digits := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', strings.IndexByte("_.:/-", c) >= 0:
			digits = false
		default:
			return false
		}
	}
	return !digits
}

// containerLists are the pod spec lists whose items are containers, at any
// depth (a Deployment's spec.template.spec, a CronJob's
// spec.jobTemplate.spec.template.spec, a bare Pod's spec).
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// nodeGroupScale are an eksctl node group's size fields.
// https://eksctl.io/usage/schema/#managedNodeGroups-minSize
var nodeGroupScale = []string{"minSize", "maxSize", "desiredCapacity"}

// classify says what a change at p in an object of the given apiVersion
// and kind is.
func classify(apiVersion, kind string, p path) Class {
	n := len(p)
	if n == 2 && p.isKey(0, "spec") {
		switch {
		case p.isKey(1, "replicas"):
			return Scale
		case kind == "HorizontalPodAutoscaler" && (p.isKey(1, "minReplicas") || p.isKey(1, "maxReplicas")):
			return Scale
		case kind == "ScaledObject" && (p.isKey(1, "minReplicaCount") || p.isKey(1, "maxReplicaCount")):
			return Scale
		}
	}
	if n == 3 && kind == "ClusterConfig" && strings.HasPrefix(apiVersion, "eksctl.io/") &&
		(p.isKey(0, "nodeGroups") || p.isKey(0, "managedNodeGroups")) && p.isItem(1) &&
		p[2].kind == keySegment && slices.Contains(nodeGroupScale, p[2].key) {
		return Scale
	}
	// A StatefulSet's volume sizes: volumeClaimTemplates[x].spec.resources...
	for i := 0; i+3 < n; i++ {
		if p.isKey(i, "volumeClaimTemplates") && p.isItem(i+1) && p.isKey(i+2, "spec") && p.isKey(i+3, "resources") {
			return Scale
		}
	}
	// ...containers[x].image and ...containers[x].resources...
	for i := 0; i+2 < n; i++ {
		if p[i].kind != keySegment || !slices.Contains(containerLists, p[i].key) || !p.isItem(i+1) {
			continue
		}
		switch {
		case p.isKey(i+2, "image") && i+3 == n:
			return Image
		case p.isKey(i+2, "resources"):
			return Scale
		}
	}
	return Config
}
