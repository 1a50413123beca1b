package check

import (
	"encoding/base64"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/gitops-gen/gen/internal/repotest"
)

// referenceDetect is detect without its shortcuts: every pattern run on
// every string, base64 runs found by a regular expression and decoded
// afresh, every name split and matched. detect must find what it finds.
func referenceDetect(name, value string) (finding, bool) {
	if f, ok := referenceText(value); ok {
		return f, true
	}
	for _, run := range referenceBase64Run().FindAllString(value, -1) {
		text, ok := referenceDecode(run)
		if !ok {
			continue
		}
		if f, ok := referenceText(text); ok {
			return finding{f.what + " (base64-encoded)", run}, true
		}
	}
	return referenceNamed(name, value)
}

var referenceBase64Run = lazyRegexp(`[A-Za-z0-9+/_-]{20,}={0,2}`)

func referenceText(value string) (finding, bool) {
	if m := awsKeyID().FindString(value); m != "" {
		return finding{"an AWS access key ID", m}, true
	}
	if m := awsSecretInline().FindStringSubmatch(value); m != nil {
		return finding{"an AWS secret access key", m[1]}, true
	}
	if m := privateKey().FindString(value); m != "" {
		return finding{"a private key", value[strings.Index(value, m):]}, true
	}
	for _, m := range jwt().FindAllString(value, -1) {
		if isJWT(m) {
			return finding{"a JSON Web Token", m}, true
		}
	}
	if m := githubToken().FindString(value); m != "" {
		return finding{"a GitHub token", m}, true
	}
	if m := slackToken().FindString(value); m != "" {
		return finding{"a Slack token", m}, true
	}
	if m := slackWebhook().FindString(value); m != "" {
		return finding{"a Slack webhook URL", m}, true
	}
	for _, m := range urlPassword().FindAllStringSubmatch(value, -1) {
		if !isReference(m[1]) {
			return finding{"a URL with a password", m[1]}, true
		}
	}
	for _, m := range passwordInline().FindAllStringSubmatch(value, -1) {
		if v := strings.Trim(m[1], `"'`); len(v) >= 4 && !isReference(v) && !isBoolOrNumber(v) {
			return finding{"a password", v}, true
		}
	}
	return finding{}, false
}

func referenceDecode(s string) (string, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil || !utf8.Valid(b) {
			continue
		}
		text := string(b)
		if strings.IndexFunc(text, func(r rune) bool { return r < ' ' && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
			continue
		}
		return text, true
	}
	return "", false
}

func referenceNamed(name, value string) (finding, bool) {
	words := nameWord().FindAllString(name, -1)
	bare := strings.Join(words, "")
	if bare == "" || !secretName().MatchString(bare) || pointerWords[strings.ToLower(words[len(words)-1])] {
		return finding{}, false
	}
	v := strings.TrimSpace(value)
	if isReference(v) || strings.Contains(v, "://") || strings.ContainsAny(v, " \n") {
		return finding{}, false
	}
	if passwordName().MatchString(bare) && len(v) >= 4 && !isBoolOrNumber(v) {
		return finding{"a password", v}, true
	}
	if strings.Contains(strings.ToLower(bare), "aws") && len(v) == 40 && strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+") == "" {
		return finding{"an AWS secret access key", v}, true
	}
	if len(v) >= 16 && entropy(v) >= 3.5 {
		return finding{"a secret", v}, true
	}
	return finding{}, false
}

// agree fails the test when detect, through one detector (whose caches
// see every string before), and referenceDetect differ on a string.
func agree(t *testing.T, d *detector, name, value string) {
	t.Helper()
	got, gotOK := d.detect(name, value)
	want, wantOK := referenceDetect(name, value)
	if got != want || gotOK != wantOK {
		t.Errorf("detect(%q, %q) = %q, %v; without the shortcuts %q, %v", name, value, got, gotOK, want, wantOK)
	}
	if d.found(map[string]any{name: value}, "") != wantOK {
		t.Errorf("found({%q: %q}) = %v, want %v", name, value, !wantOK, wantOK)
	}
}

// Every string of the committed rendered trees, under the name the scan
// gives it, is judged as without the shortcuts.
func TestDetectRenderedAsReference(t *testing.T) {
	root, err := repotest.Root()
	if err != nil {
		t.Fatal(err)
	}
	var d detector
	n := 0
	err = filepath.WalkDir(filepath.Join(root, "rendered"), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var content map[string]any
		if err := yaml.Unmarshal(b, &content); err != nil {
			return nil // not one object
		}
		namedStrings(content, "", func(name, value string) {
			n++
			agree(t, &d, name, value)
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10000 {
		t.Errorf("rendered/ holds %d strings, want at least 10000", n)
	}
}

// pieces are what random strings are made of: the literal parts of every
// pattern and their near misses, case changes and the characters that
// fold to k and s, base64, separators, references.
var pieces = []string{
	"AKIA", "ASIA", "AKIAZ7QKWJ3BXMR4T2LP", "ASIA234567ABCDEFGHIJ", "akia", "Z7QKWJ3BXMR4T2LP",
	"aws", "AWS", "aWs", "aws_secret_access_key", "AwS_SeCrEt_KeY", "aws_ſecret_key", "aws_secret_\u212aey", "awssecretkey",
	"secret", "SECRET", "ecret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9Lw3TmGk",
	"-----BEGIN", "-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----", " PRIVATE KEY BLOCK-----", "-----END",
	"eyJ", "eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
	"gh", "ghp_", "gho_", "ghx_", "GHP_", "github_pat_", "R8sLq2VbX4mN7pK1tY9wZ3cF6hJ0dA5eG2uI", "11ABCDEFG0123456789abc_deFGhijKLMnopQRStuvWXyz",
	"xox", "xoxb-", "xoxp-2048123456-4096123456789", "XOXB-",
	"hooks.slack.com/services/", "T0A1B2C3D", "/B4E5F6G7H/", "q1w2e3r4t5y6u7i8o9p0",
	"://", "https://", "postgres://app:", "@", "@db", "user:pw@host", ":$(DB_PASSWORD)@",
	"password", "PASSWORD", "PaSsWoRd", "paſſword", "paſs", "pasſ", "PAſſWD", "passwd", "pwd", "PwD", "pass", "pa", "p", "s",
	"=", ":", " = ", ": ", "--", "--password=", "\"", "'", " ", "\n", "\t", ",", ";", "&", "/", "$(", ")", "${", "}", "{{", "}}", "<", ">", "*", "xxxx", "changeme-in-secret",
	"Tr0ub4dor&3", "true", "12345", "none",
	"QUtJQVo3UUtXSjNCWE1SNFQyTFA=", "cG9zdGdyZXM6Ly9hcHA6VHIwdWI0ZG9yLTNAZGIuaW50ZXJuYWw6NTQzMi9hcHA=", "dGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==",
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "==", "=", "-_", "+/",
	"chatbot-backend-configuration-files-v2", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", "arn:aws:iam::123456789012:role/x",
	"é", "\u212a", "ſ", "\xff", "\x00",
}

var names = []string{"", "name", "value", "image", "DB_PASSWORD", "db.password", "dbPasswordFile", "token", "TOKEN_TTL", "apiKey", "AWS_SECRET_ACCESS_KEY",
	"aws_secret", "SECRET_NAME", "--password", "--token", "authKey", "auth", "oauth", "clientSecret", "credentials", "PASSWD", "pwd", "x"}

// randomString joins random pieces, and sometimes base64-encodes a part
// of them, in a random alphabet.
func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(8) {
		p := pieces[r.IntN(len(pieces))]
		if r.IntN(6) == 0 {
			q := p + pieces[r.IntN(len(pieces))] + pieces[r.IntN(len(pieces))]
			encs := []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding}
			p = encs[r.IntN(len(encs))].EncodeToString([]byte(q))
		}
		b.WriteString(p)
	}
	return b.String()
}

// Random strings built from the patterns' own parts are judged as
// without the shortcuts.
func TestDetectRandomAsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	count := 30000
	if testing.Short() {
		count = 5000
	}
	var d detector
	found := 0
	for range count {
		name, value := names[r.IntN(len(names))], randomString(r)
		agree(t, &d, name, value)
		if _, ok := referenceDetect(name, value); ok {
			found++
		}
	}
	// Both outcomes must be common for the comparison to mean anything.
	if found < count/10 || found > count*9/10 {
		t.Errorf("%d of %d random strings hold a credential, want between 10%% and 90%%", found, count)
	}
}

// FuzzDetect compares detect with the reference on any name and value.
func FuzzDetect(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		f.Add(names[r.IntN(len(names))], randomString(r))
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		var d detector
		agree(t, &d, name, value)
	})
}

// base64Run finds what the regular expression it stands for finds.
func TestBase64RunAsRegexp(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := "aZ09+/_-==.:é\xff "
	for range 20000 {
		var b strings.Builder
		for range r.IntN(80) {
			if r.IntN(3) == 0 {
				b.WriteString(strings.Repeat("A", r.IntN(25)))
			}
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		var got []string
		for start := 0; start < len(s); {
			run := base64Run(s[start:])
			if run.end == 0 {
				break
			}
			got = append(got, s[start+run.start:start+run.end])
			start += run.end
		}
		want := referenceBase64Run().FindAllString(s, -1)
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("base64 runs of %q = %q, want %q", s, got, want)
		}
	}
}

// Each piece of the random strings, alone, under each name, is judged
// as without the shortcuts.
func TestDetectPiecesAsReference(t *testing.T) {
	var d detector
	for _, s := range pieces {
		for _, name := range names {
			agree(t, &d, name, s)
		}
	}
}
