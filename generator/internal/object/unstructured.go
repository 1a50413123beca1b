package object

import (
	"encoding/json"
	"fmt"
)

// Lookup returns the value at path in the object, or nil when a step of
// the path is missing or not an object.
func (o Object) Lookup(path ...string) any { return Lookup(o.Content, path...) }

// Has reports whether the object has a field at path, even one set to
// null.
func (o Object) Has(path ...string) bool {
	if len(path) == 0 {
		return o.Content != nil
	}
	parent, ok := Lookup(o.Content, path[:len(path)-1]...).(map[string]any)
	if !ok {
		return false
	}
	_, ok = parent[path[len(path)-1]]
	return ok
}

// Lookup returns the value at path below v in the unstructured form, or
// nil when a step of the path is missing or not an object.
func Lookup(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// String returns v when it is a string, else "".
func String(v any) string {
	s, _ := v.(string)
	return s
}

// Scalar returns a string or a number of the unstructured form as a
// string, e.g. a quantity written as 0.5 rather than "500m"; "" for
// anything else.
func Scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return fmt.Sprint(v)
	case int64:
		return fmt.Sprint(v)
	}
	return ""
}

// Int returns v as an integer, when it is one: a json.Number without a
// fraction, an int or int64, or a whole float64.
func Int(v any) (int64, bool) {
	switch v := v.(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

// Maps returns the entries of a list of the unstructured form (containers,
// tolerations) as objects: one per entry, in order, and nil for an entry
// that is not an object, so that callers see every entry. It returns nil
// when v is not a list.
func Maps(v any) []map[string]any {
	l, _ := v.([]any)
	if l == nil {
		return nil
	}
	out := make([]map[string]any, len(l))
	for i, e := range l {
		out[i], _ = e.(map[string]any)
	}
	return out
}
