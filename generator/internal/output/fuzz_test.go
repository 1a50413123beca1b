package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzEncode puts two strings in many places of a document (values, keys,
// list items, deep enough to fold, last or not) and requires that YAML
// readers get back exactly what was encoded, and that the bytes are
// sigs.k8s.io/yaml.Marshal's wherever we do not deliberately differ. When
// the first string is a JSON object, that object is checked too.
//
// The seed corpus runs in every "go test"; to search further:
//
//	go test -run='^$' -fuzz=FuzzEncode -fuzztime=30s ./generator/output/
func FuzzEncode(f *testing.F) {
	for _, tt := range scalarTests {
		f.Add(tt.in, "k")
	}
	f.Add(strings.Repeat("ab ", 40), "key with spaces")
	f.Add(strings.Repeat("x", 70)+" y  z", strings.Repeat("k", 129))
	f.Add("line one\n  line two\n\n", "a\nb")
	f.Add(`{"a":[1,"b",{"c":null,"d":[true,{}]}],"e":"f: g","h":"i\nj"}`, "")
	f.Add(`{"n":[0,-1,1.5,2e3,12345678901234567890]}`, "n")
	f.Fuzz(func(t *testing.T, s, k string) {
		likeSigs := !deviates(s) && !deviates(k)
		for _, v := range shapes(s, k) {
			checkRoundTrip(t, v)
			if likeSigs {
				checkMatchesSigs(t, v)
			}
		}
		if v := jsonObject(s); v != nil {
			checkRoundTrip(t, v)
		}
	})
}

// shapes places s and k in documents whose maps have one key or fixed keys,
// so that key order cannot differ from yaml.v2's.
func shapes(s, k string) []map[string]any {
	deep := map[string]any{"x": s}
	for range 8 {
		deep = map[string]any{"a": []any{deep}}
	}
	return []map[string]any{
		{k: s},
		{"a": s, "b": k},
		{"a": []any{s, []any{k, s}, map[string]any{k: s}}},
		{"a": map[string]any{k: map[string]any{"b": []any{s}}}, "c": s},
		{k: []any{map[string]any{"a": s, "b": []any{}}}},
		deep,
	}
}

// checkMatchesSigs requires Encode(v) to equal sigs.k8s.io/yaml.Marshal(v).
func checkMatchesSigs(t *testing.T, v map[string]any) {
	t.Helper()
	got, err := Encode(v)
	if err != nil {
		t.Fatalf("Encode(%#v) error: %v", v, err)
	}
	want, err := yaml.Marshal(v)
	if err != nil {
		// sigs.k8s.io/yaml cannot write some strings at all: its YAML
		// reader rejects the raw DEL and C1 controls that json.Marshal
		// leaves unescaped. Encode escapes them.
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Encode(%#v) =\n%s\nwant (sigs.k8s.io/yaml.Marshal)\n%s", v, got, want)
	}
}

// deviates reports whether Encode writes s differently from
// sigs.k8s.io/yaml on purpose:
//   - NEL, LS and PS (U+0085, U+2028, U+2029) are escaped; yaml.v2 reads
//     them as line breaks while YAML 1.2 does not, so sigs.k8s.io/yaml
//     loses them;
//   - a leading byte order mark: yaml.v2 then escapes every character;
//   - keep-chomped literals ("|+") are double-quoted at the end of a file;
//   - strings that only YAML 1.2 or the YAML 1.1 regexps read as
//     non-strings (0o17, "2001-12-14 21:59:43.10 -5", "=") are quoted where
//     yaml.v2 writes them plain.
func deviates(s string) bool {
	if strings.ContainsAny(s, "\u0085\u2028\u2029") || strings.HasPrefix(s, "\ufeff") || keepChomp(s) {
		return true
	}
	if ambiguous(s) {
		out, err := yaml.Marshal(map[string]any{"k": s})
		return err != nil || !bytes.HasPrefix(out, []byte(`k: "`))
	}
	return false
}

// jsonObject returns s decoded when it is a JSON object whose numbers
// survive a trip through float64 (yaml.v2 reads 1e400 as a string).
func jsonObject(s string) map[string]any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil || v == nil || d.More() {
		return nil
	}
	var f any
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil
	}
	return v
}
