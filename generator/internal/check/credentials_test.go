package check_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
	"github.com/gitops-gen/gen/generator/internal/kube"
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/patch"
)

// A credential in any string the app renders is refused at the app's
// field that wrote it, with what it is, redacted, and never the value;
// an allowed field is reported instead.
func TestCredentials(t *testing.T) {
	const (
		awsKey   = "AKIAZ7QKWJ3BXMR4T2LP"
		password = "Tr0ub4dor&3"
		pemKey   = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
	)
	tests := []struct {
		name    string
		src     string
		secret  string     // must appear in no message
		want    []string   // the errors' paths, joined with "."
		found   []string   // what each error says the field holds
		allowed [][]string // per allowance: its field, and what it let through ("" when unused)
	}{
		{
			name:   "an AWS access key in env",
			src:    `apps: web: env: AWS_ACCESS_KEY_ID: "` + awsKey + `"`,
			secret: awsKey,
			want:   []string{"apps.web.env.AWS_ACCESS_KEY_ID"},
			found:  []string{"holds an AWS access key ID (AKIA…)"},
		},
		{
			name: "an AWS access key in a sidecar's env",
			src: `apps: web: sidecars: proxy: {
	image: {repository: "123456789012.dkr.ecr.ap-south-1.amazonaws.com/proxy", tag: "1.0.0"}
	env: AWS_ACCESS_KEY_ID: "` + awsKey + `"
}`,
			secret: awsKey,
			want:   []string{"apps.web.sidecars.proxy.env.AWS_ACCESS_KEY_ID"},
			found:  []string{"holds an AWS access key ID (AKIA…)"},
		},
		{
			name:   "a password in config.env",
			src:    `apps: web: config: env: DB_PASSWORD: "` + password + `"`,
			secret: password,
			want:   []string{"apps.web.config.env.DB_PASSWORD"},
			found:  []string{"holds a password (Tr…)"},
		},
		{
			name:   "a PEM private key in config.files",
			src:    `apps: web: config: files: "key.pem": """` + "\n" + pemKey + `"""`,
			secret: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
			want:   []string{`apps.web.config.files."key.pem"`},
			found:  []string{"holds a private key (----…)"},
		},
		{
			name:   "a base64 credential in an annotation",
			src:    `apps: web: annotations: "example.com/bootstrap": "QUtJQVo3UUtXSjNCWE1SNFQyTFA="`,
			secret: "QUtJQVo3UUtXSjNCWE1SNFQyTFA=",
			want:   []string{`apps.web.annotations."example.com/bootstrap"`},
			found:  []string{"holds an AWS access key ID (base64-encoded) (QUtJ…)"},
		},
		{
			name:   "--password= in args",
			src:    `apps: web: args: ["serve", "--password=` + password + `"]`,
			secret: password,
			want:   []string{"apps.web.args.1"},
			found:  []string{"holds a password (Tr…)"},
		},
		{
			name:   "a password a patch adds",
			src:    `apps: web: patches: [{target: kind: "Deployment", patch: "[{op: add, path: /spec/template/spec/containers/0/args, value: [--db-url=postgres://app:` + password + `@db:5432/app]}]"}]`,
			secret: password,
			want:   []string{"apps.web.patches"},
			found:  []string{"holds a URL with a password (Tr…)"},
		},
		{
			name: "a checksum under a secret-like name, allowed",
			src: `apps: web: env: SECRET_SHA: "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
apps: web: credentialScan: allow: "env.SECRET_SHA": reason: "the SHA-1 of the public signing key, not the key"
apps: web: credentialScan: allow: "args[0]": reason: "no longer needed"`,
			allowed: [][]string{{"env.SECRET_SHA", "a secret (a94a…)"}, {"args[0]", ""}},
		},
		{
			name: "an allowance with quotes left out",
			src: `apps: web: config: files: "ca.pem": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----\n"
apps: web: credentialScan: allow: "config.files.ca.pem": reason: "a throwaway key of the integration tests"`,
			allowed: [][]string{{"config.files.ca.pem", "a private key (----…)"}},
		},
		{
			name: "nothing that looks like a credential",
			src: `apps: web: {
	env: {CHECKSUM: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", REQUEST_ID: "123e4567-e89b-12d3-a456-426614174000", DB_PASSWORD: {secret: "db", key: "password"}}
	config: env: CALLBACK_URL: "https://auth.example.com/oauth2/v1/authorize/callback?redirect_uri=https%3A%2F%2Fapp.example.com"
	args: ["--password=$(DB_PASSWORD)", "--name", "chatbot-backend"]
	annotations: "example.com/note": "dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw=="
}
namespaces: chatbot: secrets: db: {provided: "by-hand", reason: "a runbook", keys: ["password"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, web+tt.src)
			built, err := kube.Build(env)
			if err != nil {
				t.Fatalf("kube.Build() = %v", err)
			}
			// The patches apply to the app's objects only, as Render does.
			var objs, webObjs []object.Object
			for _, o := range built {
				if o.App == "web" {
					webObjs = append(webObjs, o)
				} else {
					objs = append(objs, o)
				}
			}
			if ps := env.Apps["web"].Patches; len(ps) > 0 {
				if webObjs, err = patch.Apply(webObjs, ps); err != nil {
					t.Fatalf("patch.Apply() = %v", err)
				}
			}
			objs = append(objs, webObjs...)
			allowed, err := check.Credentials(env, built, objs)
			var paths, found []string
			for _, p := range problems(err) {
				paths = append(paths, strings.Join(p.Path, "."))
				_, msg, _ := strings.Cut(p.Error, ": holds ")
				what, _, _ := strings.Cut(msg, "; ")
				found = append(found, "holds "+what)
				if tt.secret != "" && strings.Contains(p.Error, tt.secret) {
					t.Errorf("Credentials() error %q holds the credential", p.Error)
				}
				if !strings.Contains(p.Error, "{secret: ") || !strings.Contains(p.Error, "namespaces: chatbot: secrets") {
					t.Errorf("Credentials() error %q does not say how to reference a Secret", p.Error)
				}
			}
			if diff := cmp.Diff(tt.want, paths); diff != "" {
				t.Errorf("Credentials() paths mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.found, found); diff != "" {
				t.Errorf("Credentials() findings mismatch (-want +got):\n%s", diff)
			}
			var gotAllowed [][]string
			for _, a := range allowed {
				gotAllowed = append(gotAllowed, []string{a.Field, a.Found})
				if a.Reason == "" {
					t.Errorf("Credentials() allowance %s has no reason", a.Field)
				}
			}
			if diff := cmp.Diff(tt.allowed, gotAllowed); diff != "" {
				t.Errorf("Credentials() allowances mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The platform's own objects are scanned too: a credential there is
// refused at "platform".
func TestCredentialsPlatform(t *testing.T) {
	env := newEnv(t, "")
	o := with(obj("", "v1", "ConfigMap", "chatbot", "settings"), "data", map[string]any{"token": "ghp_R8sLq2VbX4mN7pK1tY9wZ3cF6hJ0dA5eG2uI"})
	_, err := check.Credentials(env, nil, []object.Object{o})
	got := problems(err)
	if len(got) != 1 || strings.Join(got[0].Path, ".") != "platform" || strings.Contains(got[0].Error, "R8sLq2") {
		t.Errorf("Credentials() = %v, want one error at platform without the token", got)
	}
}
