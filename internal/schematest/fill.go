package schematest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Filled sets every field of the struct v points to, at every depth, to a
// value that is not zero, and returns it in the JSON data model (numbers
// as json.Number). Its JSON then has every field of the types, whatever
// omitempty says: validated against a closed schema, it shows that each
// field's name and JSON type are the schema's.
//
// A string field whose JSON name is a key of values gets that value (for
// fields a schema restricts, e.g. apiVersion or an enum); other strings
// are "x", booleans true, integers 7, slices one element and maps
// {"key": "value"}. Filled fails the test on a field of another kind.
func Filled(t testing.TB, v any, values map[string]string) map[string]any {
	t.Helper()
	if err := fill(reflect.ValueOf(v).Elem(), "", values); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// decodeObject decodes the JSON object b, with numbers as json.Number.
func decodeObject(b []byte) (map[string]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return m, d.Decode(&m)
}

// errNoValue is a field kind fill has no value for.
type errNoValue struct{ t reflect.Type }

func (e errNoValue) Error() string { return "schematest.Filled: no value for " + e.t.String() }

// fill sets v, and everything under it, to a value that is not zero; name
// is v's JSON name.
func fill(v reflect.Value, name string, values map[string]string) error {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return fill(v.Elem(), name, values)
	case reflect.Struct:
		for i := range v.NumField() {
			tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if err := fill(v.Field(i), tag, values); err != nil {
				return err
			}
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if err := fill(s.Index(0), name, values); err != nil {
			return err
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf("key"), reflect.ValueOf("value"))
		v.Set(m)
	case reflect.String:
		s, ok := values[name]
		if !ok {
			s = "x"
		}
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	default:
		return errNoValue{v.Type()}
	}
	return nil
}
