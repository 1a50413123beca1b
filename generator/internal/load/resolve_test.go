package load

import "testing"

func TestAmbiguousErrorLists(t *testing.T) {
	for _, tc := range []struct {
		envs []string
		want string
	}{
		{[]string{"a/prod", "b/prod"}, `environment "prod" is ambiguous: a/prod and b/prod have it; name one of them in full, e.g. a/prod`},
		{[]string{"a/prod", "b/prod", "c/prod"}, `environment "prod" is ambiguous: a/prod, b/prod and c/prod have it; name one of them in full, e.g. a/prod`},
	} {
		if got := (&AmbiguousError{Name: "prod", Envs: tc.envs}).Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
