package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Closest("webb", []string{"default", "web"}), "web"},
		{Closest("gp33", []string{"gp2", "gp3"}), "gp3"},
		{Closest("gp4", []string{"gp2", "gp3"}), "gp2"},  // ties: the first
		{Closest("api", []string{"default", "web"}), ""}, // nothing near
		{Closest("web", []string{"web"}), ""},            // itself is no suggestion
		{Closest("db-credential", []string{"db-credentials"}), "db-credentials"},
		{Closest("replicaz", []string{"ports", "replicas", "resources"}), "replicas"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
