package plan

import "testing"

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{span(3, 3), "3"},
		{span(3, 10), "3-10"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
