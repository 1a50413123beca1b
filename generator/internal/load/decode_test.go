package load

import (
	"strings"
	"testing"
)

// pathAt finds the CUE path of the value a JSON decoding error ends at,
// map keys included, which json.UnmarshalTypeError's Field leaves out.
func TestPathAt(t *testing.T) {
	const doc = `{"apps":{"web.v1":{"replicas":99999999999999999999,"args":["a",{"x":1}]}},"name":"prod"}`
	tests := []struct {
		after string // the value ends where this text of doc ends
		want  string
	}{
		{`"replicas":99999999999999999999`, `apps."web.v1".replicas`},
		{`"args":["a"`, `apps."web.v1".args[0]`},
		{`{"x":1`, `apps."web.v1".args[1].x`},
		{`{"x":1}`, `apps."web.v1".args[1]`},
		{`"name":"prod"`, `name`},
	}
	for _, tt := range tests {
		i := strings.Index(doc, tt.after) + len(tt.after)
		if got := pathAt([]byte(doc), int64(i)); got != tt.want {
			t.Errorf("pathAt(after %s) = %q, want %q", tt.after, got, tt.want)
		}
	}
}
