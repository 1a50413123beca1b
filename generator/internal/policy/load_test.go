package policy

import (
	"errors"
	"strings"
	"testing"

	cueerrors "cuelang.org/go/cue/errors"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gitops-gen/gen/generator/internal/modeltest"
	"github.com/gitops-gen/gen/generator/model"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // under the root
		want  []Policy
	}{
		{
			name: "no policies folder",
		},
		{
			name:  "a folder without CUE files",
			files: map[string]string{"policies/README.md": "# policies\n"},
		},
		{
			name: "defaults",
			files: map[string]string{"policies/a.cue": `package policies

policies: "b-rule": {
	description: "B."
	check: replicas: >=2
}
policies: "a-rule": {
	description: "A."
	environments: ["prod", "staging"]
	kinds: ["Deployment"]
	severity: "warning"
	check: replicas: >=3
}
`},
			want: []Policy{
				{Name: "a-rule", Description: "A.", Severity: "warning", Environments: []string{"prod", "staging"}, Kinds: []string{"Deployment"}},
				{Name: "b-rule", Description: "B.", Severity: "error", Environments: []string{"*"}, Kinds: []string{"*"}},
			},
		},
		{
			name: "policies may use the schema and helpers",
			files: map[string]string{"policies/a.cue": `package policies

import "github.com/gitops-gen/gen/schema"

#Workloads: ["Deployment", "StatefulSet"]
_prod: "prod"
let minimum = 2

policies: "ha": schema.#Policy & {
	description: "HA."
	environments: [_prod]
	kinds: #Workloads
	check: replicas: >=minimum
}
`},
			want: []Policy{{Name: "ha", Description: "HA.", Severity: "error", Environments: []string{"prod"}, Kinds: []string{"Deployment", "StatefulSet"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(modeltest.Root(t, tt.files))
			if err != nil {
				t.Fatalf("Load = %v", err)
			}
			if diff := cmp.Diff(tt.want, s.Policies(), cmpopts.IgnoreUnexported(Policy{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Load policies mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadErrors checks that mistakes in policy files are CUE errors
// positioned in them, as gen prints them.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string // policies/p.cue
		want string // as cueerrors.Print prints it, relative to the root
	}{
		{
			name: "a misspelt policy field",
			file: `package policies

policies: "min-replicas": {
	description: "Three pods."
	kind: ["Deployment"]
	check: replicas: >=3
}
`,
			want: `policies."min-replicas".kind: field not allowed:
    ./policies/p.cue:5:2
`,
		},
		{
			name: "a check on a fact that does not exist",
			file: `package policies

policies: "min-replicas": {
	description: "Three pods."
	check: replica: >=3
}
`,
			want: `policies."min-replicas".check.replica: field not allowed:
    ./policies/p.cue:5:9
`,
		},
		{
			name: "a misspelt env field",
			file: `package policies

policies: registries: {
	description: "Allowed registries."
	check: env: allowedRegistry: [...]
}
`,
			want: `policies.registries.check.env.allowedRegistry: field not allowed:
    ./policies/p.cue:5:14
`,
		},
		{
			name: "required fields",
			file: `package policies

policies: empty: {}
`,
			want: `policies.empty.check: field is required but not present:
    ./policies/p.cue:3:11
policies.empty.description: field is required but not present:
    ./policies/p.cue:3:11
`,
		},
		{
			name: "a bad severity and an environment that cannot exist",
			file: `package policies

policies: x: {
	description: "X."
	severity: "fatal"
	environments: ["Prod"]
	check: {}
}
`,
			want: `policies.x.environments: 2 errors in empty disjunction:
policies.x.severity: 2 errors in empty disjunction:
policies.x.severity: conflicting values "error" and "fatal":
    ./policies/p.cue:5:12
policies.x.severity: conflicting values "warning" and "fatal":
    ./policies/p.cue:5:12
policies.x.environments.0: conflicting values "*" and "Prod":
    ./policies/p.cue:6:17
policies.x.environments.0: invalid value "Prod" (out of bound =~"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$"):
    ./policies/p.cue:6:17
`,
		},
		{
			name: "a name that is not a DNS-1123 label",
			file: `package policies

policies: Min_Replicas: {
	description: "X."
	check: {}
}
`,
			want: `policies.Min_Replicas: invalid policy name "Min_Replicas": must be a DNS-1123 label (lowercase letters, digits and -):
    ./policies/p.cue:3:11
`,
		},
		{
			name: "a misspelt policies",
			file: `package policies

policy: x: {
	description: "X."
	check: {}
}
`,
			want: `policy: unknown field: policies/*.cue declare policies: <name>: {...} (helpers can be #definitions or _hidden fields):
    ./policies/p.cue:3:1
`,
		},
		{
			name: "a syntax error",
			file: `package policies

policies: x: {
`,
			want: `expected '}', found 'EOF':
    ./policies/p.cue:3:16
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := modeltest.Root(t, map[string]string{"policies/p.cue": tt.file})
			_, err := Load(root)
			var envErr *model.EnvError
			if !errors.As(err, &envErr) || envErr.Env != "policies" {
				t.Fatalf("Load = %v, want a *model.EnvError for policies", err)
			}
			var b strings.Builder
			cueerrors.Print(&b, envErr.Err, &cueerrors.Config{Cwd: root, ToSlash: true})
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("Load errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
