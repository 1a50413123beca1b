package check

import "testing"

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{and([]string{"a", "b", "c"}), "a, b and c"},
		{ranges([]int64{2}), "2"},
		{ranges([]int64{2, 3}), "2 and 3"},
		{ranges([]int64{2, 4, 6, 7, 8, 9}), "2, 4 and 6-9"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
