package check

import (
	"strings"
	"testing"
)

// Realistic credentials are found, each as what it is, and the values
// that merely look random (digests, checksums, UUIDs, ordinary base64,
// resource names, URLs without a password, references to Secrets) are
// not.
func TestDetect(t *testing.T) {
	const (
		jwtToken = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiMTIzNDU2Nzg5MCIsICJuYW1lIjogImRlcGxveS1ib3QiLCAiaWF0IjogMTUxNjIzOTAyMn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
		pem      = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi8V0k1sL1F2g\n-----END RSA PRIVATE KEY-----\n"
	)
	tests := []struct {
		name, field, value string
		want               string // what is found; "" for nothing
	}{
		// True positives.
		{"AWS access key ID in env", "AWS_ACCESS_KEY_ID", "AKIAZ7QKWJ3BXMR4T2LP", "an AWS access key ID"},
		{"AWS temporary key ID", "KEY", "ASIAZ7QKWJ3BXMR4T2LP", "an AWS access key ID"},
		{"AWS secret access key by name", "AWS_SECRET_ACCESS_KEY", "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", "an AWS secret access key"},
		{"AWS secret access key in a credentials file", "credentials",
			"[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Lw3TmGk\n", "an AWS secret access key"},
		{"password in config.env", "DB_PASSWORD", "Tr0ub4dor&3", "a password"},
		{"password in a properties file", "app.properties", "db.url=jdbc:postgresql://db:5432/app\ndb.password=Tr0ub4dor&3\n", "a password"},
		{"PEM private key in a file", "key.pem", pem, "a private key"},
		{"OpenSSH private key", "id", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "a private key"},
		{"base64 AWS key in an annotation", "example.com/key", "QUtJQVo3UUtXSjNCWE1SNFQyTFA=", "an AWS access key ID (base64-encoded)"},
		{"base64 URL with a password", "x", "cG9zdGdyZXM6Ly9hcHA6VHIwdWI0ZG9yLTNAZGIuaW50ZXJuYWw6NTQzMi9hcHA=", "a URL with a password (base64-encoded)"},
		{"--password= in args", "", "--password=Tr0ub4dor&3", "a password"},
		{"--password then the value", "--password", "Tr0ub4dor&3", "a password"},
		{"JWT", "AUTH_HEADER", "Bearer " + jwtToken, "a JSON Web Token"},
		{"GitHub classic token", "GH", "ghp_R8sLq2VbX4mN7pK1tY9wZ3cF6hJ0dA5eG2uI", "a GitHub token"},
		{"GitHub fine-grained token", "GH", "github_pat_11ABCDEFG0123456789abc_deFGhijKLMnopQRStuvWXyz0123456789ABCDEFGHIJKLmnopqrs", "a GitHub token"},
		{"Slack bot token", "SLACK", "xoxb-2048123456-4096123456789-AbCdEfGhIjKlMnOpQrStUvWx", "a Slack token"},
		{"Slack webhook", "HOOK", "https://hooks.slack.com/services/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", "a Slack webhook URL"},
		{"URL with a password", "DATABASE_URL", "postgres://app:Tr0ub4dor-3@db.internal:5432/app?sslmode=require", "a URL with a password"},
		{"random token under a secret-like name", "stripeApiKey", "Zk9q3LmX7vB2nR8tW4yH6cJ1", "a secret"},
		// A checksum named like a secret is indistinguishable from one:
		// credentialScan.allow is for this.
		{"sha1 checksum under a secret-like name", "SECRET_SHA", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "a secret"},

		// The patterns written case-insensitively match in any case, and
		// with the characters that fold to k and s (K, U+212A; ſ, U+017F).
		{"AWS secret access key in mixed case", "x", "AwS_SeCrEt_AcCeSs_KeY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Lw3TmGk", "an AWS secret access key"},
		{"AWS secret access key with a Kelvin sign", "x", "aws_secret_\u212aey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Lw3TmGk", "an AWS secret access key"},
		{"password with a long s", "", "paſſword=Tr0ub4dor&3", "a password"},
		{"PWD in a connection string", "dsn", "Server=db;Uid=app;PWD=Tr0ub4dor&3", "a password"},
		{"GitHub token after another gh", "x", "ghx_ and ghp_R8sLq2VbX4mN7pK1tY9wZ3cF6hJ0dA5eG2uI", "a GitHub token"},
		{"base64 credential after a short run", "x", "abc=QUtJQVo3UUtXSjNCWE1SNFQyTFA=", "an AWS access key ID (base64-encoded)"},
		{"base64 credential after a long run", "x", "dGhlIHF1aWNrIGJyb3duIGZveA==QUtJQVo3UUtXSjNCWE1SNFQyTFA=", "an AWS access key ID (base64-encoded)"},

		// False positives that must not trip.
		{"image digest", "image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""},
		{"sha256 checksum", "checksum/config", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""},
		{"sha1 checksum", "CHECKSUM", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", ""},
		{"md5 checksum", "MD5", "098f6bcd4621d373cade4e832627b4f6", ""},
		{"UUID", "REQUEST_ID", "123e4567-e89b-12d3-a456-426614174000", ""},
		{"UUID under a token-like name", "TOKEN_ID", "123e4567-e89b-12d3-a456-426614174000", ""},
		{"base64 of ordinary text", "note", "dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==", ""},
		{"resource name", "name", "chatbot-backend-configuration-files-v2", ""},
		{"secret name", "SECRET_NAME", "mongodb-root-credentials", ""},
		{"long URL without a password", "CALLBACK_URL", "https://user@auth.example.com/oauth2/v1/authorize/callback?redirect_uri=https%3A%2F%2Fapp.example.com%2Flogin&state=abcdefabcdef", ""},
		{"password file path", "DB_PASSWORD_FILE", "/run/secrets/db/password", ""},
		{"password from the env", "", "--password=$(DB_PASSWORD)", ""},
		{"password from a template", "config.yaml", "db:\n  password: ${DB_PASSWORD}\n", ""},
		{"password flag without a value", "", "--password-file=/etc/db/password", ""},
		{"password policy", "PASSWORD_MIN_LENGTH", "12", ""},
		{"ECR repository", "repository", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/chatbot/backend", ""},
		{"IAM role ARN", "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/chatbot-backend", ""},
		{"short secret-like value", "TOKEN_AUDIENCE", "sts.amazonaws.com", ""},
		{"low-entropy value under a secret-like name", "SECRET", "aaaaaaaaaaaaaaaaaaaa", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := detect(tt.field, tt.value)
			got := ""
			if ok {
				got = f.what
			}
			if got != tt.want {
				t.Errorf("detect(%q, %q) = %q, want %q", tt.field, tt.value, got, tt.want)
			}
			if ok && !strings.Contains(tt.value, f.secret) {
				t.Errorf("detect(%q, %q).secret = %q, not a part of the value", tt.field, tt.value, f.secret)
			}
		})
	}
}

// A redacted credential shows at most its first 4 characters, fewer of a
// short one.
func TestRedact(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"AKIAZ7QKWJ3BXMR4T2LP", "AKIA…"},
		{"Tr0ub4dor&3", "Tr…"},
		{"abc", "…"},
	} {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
