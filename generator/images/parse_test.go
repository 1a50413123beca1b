package images

import (
	"strings"
	"testing"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		name, repository, tag string
		want                  string // the reference, or the start of the error
		wantErr               bool
	}{
		{"ecr", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", "1.0.0", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0", false},
		{"nested path", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/mongo", "7.0.14", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/mongo:7.0.14", false},
		{"port", "127.0.0.1:5000/web", "1", "127.0.0.1:5000/web:1", false},
		{"port out of range", "registry.example.com:99999999/web", "1", "registry registry.example.com:99999999: port 99999999 is not between 1 and 65535", true},
		{"uppercase repository", "registry.example.com/Web", "1", "repository can only contain", true},
		{"tag in repository", "registry.example.com/web:1", "2", "", true},
		{"digest in repository", "registry.example.com/web@sha256:00", "2", "repository \"registry.example.com/web@sha256:00\" must not carry a tag or digest", true},
		{"bad tag", "registry.example.com/web", "-x", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := ParseTag(tt.repository, tt.tag)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTag(%q, %q) = %v, want an error", tt.repository, tt.tag, ref)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("ParseTag(%q, %q) error = %q, want it to contain %q", tt.repository, tt.tag, err, tt.want)
				}
				return
			}
			if err != nil || ref.String() != tt.want {
				t.Errorf("ParseTag(%q, %q) = %v, %v, want %s", tt.repository, tt.tag, ref, err, tt.want)
			}
		})
	}
}
