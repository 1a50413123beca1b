package check

import "testing"

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{and([]string{"a", "b", "c"}), "a, b and c"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
