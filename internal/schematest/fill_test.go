package schematest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFilled(t *testing.T) {
	type inner struct {
		Kind string `json:"kind"`
		N    *int32 `json:"n,omitempty"`
	}
	type outer struct {
		APIVersion string            `json:"apiVersion"`
		On         bool              `json:"on,omitempty"`
		Items      []inner           `json:"items,omitempty"`
		Tags       map[string]string `json:"tags,omitempty"`
		Inner      *inner            `json:"inner,omitempty"`
	}
	got := Filled(t, &outer{}, map[string]string{"apiVersion": "v1", "kind": "K"})
	want := map[string]any{
		"apiVersion": "v1",
		"on":         true,
		"items":      []any{map[string]any{"kind": "K", "n": json.Number("7")}},
		"tags":       map[string]any{"key": "value"},
		"inner":      map[string]any{"kind": "K", "n": json.Number("7")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Filled mismatch (-want +got):\n%s", diff)
	}
}
