package object

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// unstructured converts v into the unstructured form exactly as
// json.Marshal followed by a json.Decoder with UseNumber and strip would,
// without the bytes in between: the same field names, omitempty, embedded structs,
// nil slices and maps as null, []byte as base64, numbers as json.Number
// with encoding/json's text. Values whose type marshals itself
// (resource.Quantity, metav1.Time, intstr.IntOrString) go through their
// MarshalJSON, as with json.Marshal; they are few and small.
//
// A json.Marshal of a k8s.io/api object spends most of its time in
// reflection and writing text that the decoder then parses back into the
// same maps; the conversion is several times faster and allocates less.
func unstructured(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	t := v.Type()
	switch methods := methodsOf(t); {
	case methods&marshals != 0:
		if (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && v.IsNil() {
			return nil, nil
		}
		return stripped(marshaled(v.Interface().(json.Marshaler)))
	case methods&addrMarshals != 0 && v.CanAddr():
		return stripped(marshaled(v.Addr().Interface().(json.Marshaler)))
	case methods&textMarshals != 0:
		return stripped(viaJSON(v))
	}
	switch t.Kind() {
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Interface()) // encoding/json's float text; NaN is an error
		if err != nil {
			return nil, err
		}
		return json.Number(b), nil
	case reflect.String:
		if t == numberType {
			if v.String() == "" {
				return json.Number("0"), nil // as json.Marshal writes it
			}
			return json.Number(v.String()), nil
		}
		return validString(v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return unstructured(v.Elem())
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		if t.Key().Kind() != reflect.String || methodsOf(t.Key())&textValue != 0 {
			return viaJSON(v)
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			c, err := unstructured(it.Value())
			if err != nil {
				return nil, err
			}
			m[validString(it.Key().String())] = c
		}
		if t.Elem().Kind() != reflect.String || methodsOf(t.Elem()) != 0 {
			stripLocal(m) // a string is never null or a map
		}
		return m, nil
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) && !reflect.PointerTo(t.Elem()).Implements(textMarshalerType) {
			return base64.StdEncoding.EncodeToString(v.Bytes()), nil
		}
		fallthrough
	case reflect.Array:
		s := make([]any, v.Len())
		for i := range s {
			c, err := unstructured(v.Index(i))
			if err != nil {
				return nil, err
			}
			s[i] = c
		}
		return s, nil
	case reflect.Struct:
		ti := cachedFields(t)
		if !ti.ok {
			return stripped(viaJSON(v))
		}
		// The fields' values first, so that the map is made at its size:
		// most fields are omitted, and a map grown entry by entry is
		// copied as it grows.
		type entry struct {
			name string
			c    any
		}
		var buf [16]entry
		entries := buf[:0]
		for _, f := range ti.fields {
			fv, ok := fieldByIndex(v, f.index)
			if !ok || f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
				continue
			}
			c, err := unstructured(fv)
			if err != nil {
				return nil, err
			}
			entries = append(entries, entry{f.name, c})
		}
		m := make(map[string]any, len(entries))
		for _, e := range entries {
			m[e.name] = e.c
		}
		if ti.strips {
			stripLocal(m)
		}
		return m, nil
	}
	return stripped(viaJSON(v)) // json.Marshal's error, as before
}

// stripped is strip applied to what a conversion through JSON returned.
func stripped(v any, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	strip(v)
	return v, nil
}

// viaJSON converts v by json.Marshal and decoding, for what unstructured
// does not do itself.
func viaJSON(v reflect.Value) (any, error) {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	return decodeAny(b)
}

// plain reports whether b holds no quote, backslash, control or non-ASCII
// byte: JSON string content that means itself.
func plain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// digits reports whether b is a JSON integer in its shortest form.
func digits(b []byte) bool {
	if b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validString is s as json.Marshal writes it: each byte of invalid UTF-8
// replaced by U+FFFD.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// The methods of a type that decide how json.Marshal encodes it.
const (
	marshals     = 1 << iota // the type is a json.Marshaler
	addrMarshals             // its pointer is one: json.Marshal uses it when the value is addressable
	textMarshals             // it or its pointer is an encoding.TextMarshaler (and not a json.Marshaler)
	textValue                // it is an encoding.TextMarshaler itself (what a map key needs)
)

var methodCache sync.Map // reflect.Type -> int

// methodsOf returns the methods of t that json.Marshal looks for;
// reflect's Implements is too slow to ask for every value.
func methodsOf(t reflect.Type) int {
	if m, ok := methodCache.Load(t); ok {
		return m.(int)
	}
	m := 0
	switch {
	case t.Implements(marshalerType):
		m = marshals
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(marshalerType):
		m = addrMarshals
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
		m |= textMarshals
	}
	if t.Implements(textMarshalerType) {
		m |= textValue
	}
	methodCache.Store(t, m)
	return m
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
)

// marshaled is what m marshals to, in the unstructured form.
func marshaled(m json.Marshaler) (any, error) {
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return decodeAny(b)
}

// decodeAny decodes one JSON value into the unstructured form.
func decodeAny(b []byte) (any, error) {
	// The marshalers of quantities, times and IntOrStrings write a plain
	// string, null or an integer: those need no decoder.
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plain(b[1:len(b)-1]) {
		return string(b[1 : len(b)-1]), nil
	}
	if string(b) == "null" {
		return nil, nil
	}
	if len(b) > 0 && len(b) < 19 && digits(b) {
		return json.Number(b), nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// fieldByIndex is v.FieldByIndex, false when it goes through a nil
// embedded pointer (whose fields json.Marshal leaves out).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isEmpty is encoding/json's test for omitempty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// isZero is encoding/json's test for omitzero: the value's IsZero method
// if it has one, else the zero value of its type.
func isZero(v reflect.Value) bool {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Interface && t.Implements(zeroerType):
		return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(zeroer).IsZero()
	case t.Kind() == reflect.Pointer && t.Implements(zeroerType):
		return v.IsNil() || v.Interface().(zeroer).IsZero()
	case t.Implements(zeroerType):
		return v.Interface().(zeroer).IsZero()
	case reflect.PointerTo(t).Implements(zeroerType):
		if !v.CanAddr() {
			c := reflect.New(t).Elem()
			c.Set(v)
			v = c
		}
		return v.Addr().Interface().(zeroer).IsZero()
	}
	return v.IsZero()
}

// zeroer is the method omitzero asks.
type zeroer interface{ IsZero() bool }

var zeroerType = reflect.TypeFor[zeroer]()

// field is a struct field as json.Marshal sees it.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	tagged    bool
}

var fieldCache sync.Map // reflect.Type -> []field

// typeInfo is what cachedFields knows of a struct type: its fields, or
// that unstructured leaves the type to json.Marshal (not ok); strips says
// whether a field has a name strip removes.
type typeInfo struct {
	fields []field
	ok     bool
	strips bool
}

// cachedFields returns typeFields(t), computed once per type.
func cachedFields(t reflect.Type) typeInfo {
	if ti, ok := fieldCache.Load(t); ok {
		return ti.(typeInfo)
	}
	fields, ok := typeFields(t)
	strips := slices.ContainsFunc(fields, func(f field) bool {
		return f.name == "creationTimestamp" || f.name == "status" || f.name == "metadata"
	})
	ti, _ := fieldCache.LoadOrStore(t, typeInfo{fields, ok, strips})
	return ti.(typeInfo)
}

// typeFields returns the fields json.Marshal encodes for struct type t,
// following its rules: exported fields (and embedded structs, whose
// fields are promoted unless the tag names them), names from the json
// tag, and of several fields of one name the shallowest, or the only
// tagged one among the shallowest; a tie drops them all. It returns false
// for a struct with an option it does not follow (",string").
func typeFields(t reflect.Type) ([]field, bool) {
	type queued struct {
		t     reflect.Type
		index []int
	}
	var all []field
	next := []queued{{t: t}}
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		for _, q := range current {
			if visited[q.t] {
				continue
			}
			visited[q.t] = true
			for i := range q.t.NumField() {
				sf := q.t.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				index := append(append([]int(nil), q.index...), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, queued{t: ft, index: index})
					continue
				}
				tagged := name != ""
				if name == "" {
					name = sf.Name
				}
				f := field{name: name, index: index, tagged: tagged}
				for opt := range strings.SplitSeq(opts, ",") {
					switch opt {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						return nil, false
					}
				}
				all = append(all, f)
			}
		}
	}
	// Dominance: for each name, the shallowest fields; of those, the one
	// tagged field, or the only field.
	var out []field
	byName := map[string][]field{}
	var names []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			names = append(names, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	for _, name := range names {
		fs := byName[name]
		depth := len(fs[0].index)
		var shallow []field
		for _, f := range fs {
			if len(f.index) < depth {
				depth, shallow = len(f.index), nil
			}
			if len(f.index) == depth {
				shallow = append(shallow, f)
			}
		}
		if len(shallow) == 1 {
			out = append(out, shallow[0])
			continue
		}
		var tagged []field
		for _, f := range shallow {
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
		if len(tagged) == 1 {
			out = append(out, tagged[0])
		}
	}
	return out, true
}
