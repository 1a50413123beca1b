package addons

import (
	"regexp"
	"slices"
	"testing"
)

// exact is the shape of an EKS add-on version.
var exact = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+-eksbuild\.[0-9]+$`)

// TestTable holds the embedded table to what the rest of gen assumes of
// it: exact versions, newest first, every default among the versions of
// its Kubernetes minor, and a version of every add-on the schema installs
// by default for the Kubernetes version the default environments run.
func TestTable(t *testing.T) {
	if Date() == "" {
		t.Error("the table has no date")
	}
	for _, name := range Names() {
		a := facts().Addons[name]
		if len(a.Versions) == 0 {
			t.Errorf("%s: no versions", name)
		}
		for i, v := range a.Versions {
			if !exact.MatchString(v.Version) {
				t.Errorf("%s: version %q is not exact", name, v.Version)
			}
			if i > 0 && !newer(a.Versions[i-1].Version, v.Version) {
				t.Errorf("%s: %s is listed before %s, which is newer or equal", name, a.Versions[i-1].Version, v.Version)
			}
			for _, m := range v.DefaultFor {
				if !slices.Contains(v.Kubernetes, m) {
					t.Errorf("%s: %s is the default for Kubernetes %s, which it does not support", name, v.Version, m)
				}
			}
		}
		for _, m := range []string{"1.33", "1.34", "1.35", "1.36"} {
			def, ok := Default(name, m)
			if !ok || !Compatible(name, def, m) {
				t.Errorf("Default(%s, %s) = %q, %t; want a version that supports it", name, m, def, ok)
			}
		}
	}
	for _, name := range []string{"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent", "metrics-server"} {
		if !Known(name) {
			t.Errorf("the schema installs %s on every cluster, but the table does not know it", name)
		}
	}
}

func TestDefault(t *testing.T) {
	tests := []struct {
		name, minor, want string
		ok                bool
	}{
		// The version AWS's table gives for 1.35 (data/README.md).
		{"coredns", "1.35", "v1.14.3-eksbuild.3", true},
		{"kube-proxy", "1.35", "v1.35.3-eksbuild.13", true},
		{"coredns", "1.29", "", false},
		{"no-such-addon", "1.35", "", false},
	}
	for _, tt := range tests {
		if got, ok := Default(tt.name, tt.minor); got != tt.want || ok != tt.ok {
			t.Errorf("Default(%s, %s) = %q, %t; want %q, %t", tt.name, tt.minor, got, ok, tt.want, tt.ok)
		}
	}
	if Compatible("kube-proxy", "v1.34.6-eksbuild.13", "1.35") {
		t.Error("Compatible(kube-proxy 1.34 build, 1.35) = true")
	}
}

// newer reports whether version a sorts after b: by major, minor, patch,
// then eksbuild number.
func newer(a, b string) bool {
	return slices.Compare(parts(a), parts(b)) > 0
}

func parts(v string) []int {
	var out []int
	n, digits := 0, false
	for _, r := range v {
		if r >= '0' && r <= '9' {
			n, digits = n*10+int(r-'0'), true
			continue
		}
		if digits {
			out = append(out, n)
		}
		n, digits = 0, false
	}
	if digits {
		out = append(out, n)
	}
	return out
}
