package check

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The credential detectors. Each looks for one shape of secret in a
// string gen writes; the patterns follow the formats their issuers
// document (AWS IAM identifiers, GitHub's token prefixes, Slack's token
// types, RFC 7519 for JWTs, RFC 7468 for PEM) and gitleaks' rules for
// the same formats (https://github.com/gitleaks/gitleaks/tree/master/cmd/generate/config/rules),
// kept to the few a Kubernetes manifest can carry so that none needs an
// allow-list of its own.
var (
	// An AWS access key ID: a 4-letter prefix saying what it is (AKIA a
	// user's long-term key, ASIA a temporary one), then 16 characters of
	// base32 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids).
	awsKeyID = lazyRegexp(`\b(?:AKIA|ASIA)[A-Z2-7]{16}\b`)
	// An AWS secret access key written after its name, as in a
	// credentials file or a shell line.
	awsSecretInline = lazyRegexp(`(?i)aws_?secret_?(?:access_?)?key\s*[=:]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)
	// A PEM private key of any algorithm (RFC 7468 labels "PRIVATE KEY",
	// "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", OpenSSH's, PGP's).
	privateKey = lazyRegexp(`-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----`)
	// A JWT: three base64url parts, the first two JSON objects, which
	// encode to "eyJ".
	jwt = lazyRegexp(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)
	// GitHub's classic and fine-grained tokens
	// (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/).
	githubToken = lazyRegexp(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b`)
	// Slack's bot, user, app-level and refresh tokens, and its incoming
	// webhook URLs, whose path is the secret.
	slackToken   = lazyRegexp(`\bxox[abpr]-[0-9A-Za-z-]{10,}`)
	slackWebhook = lazyRegexp(`hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}`)
	// A URL that carries a password: scheme://user:password@host.
	urlPassword = lazyRegexp(`\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:([^/\s@]+)@[^\s/]`)
	// A password given inline, as a flag (--password=…) or an
	// assignment in a configuration line (password=…, db.password: …).
	passwordInline = lazyRegexp(`(?i)(?:^|[^a-z0-9])(?:password|passwd|pwd|pass)\s*[=:]\s*("[^"]*"|'[^']*'|[^\s,;&]*)`)
	// secretName is a name that says its value is a secret, matched
	// case-insensitively on the name with separators removed.
	secretName = lazyRegexp(`(?i)(password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|credential|clientsecret|auth(?:key|token)?$)`)
	// passwordName is a name whose value is a password: passwords are
	// short and chosen by people, so no length or entropy is asked of
	// them.
	passwordName = lazyRegexp(`(?i)(password|passwd|passphrase|pwd)$`)
	// nameWord splits a name into its words: DB_PASSWORD_FILE,
	// db.password.file and dbPasswordFile are all "db password file".
	nameWord = lazyRegexp(`[A-Z]?[a-z0-9]+|[A-Z0-9]+`)
	// reference is a value that points at a secret instead of holding
	// one: $(VAR) (Kubernetes expands it from the container's env),
	// ${VAR}, {{ template }}, <placeholder>, a path.
	reference = lazyRegexp(`^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]*\}|\{\{.*\}\}|<[^>]*>|/\S*|\*+|x+|changeme-in-secret)$`)
)

// finding is one credential in a string: what it is, and the credential
// itself (to redact, never to print).
type finding struct {
	what   string
	secret string
}

// detect returns the first credential in value, a string gen writes under
// name (an env variable's or a key's name, a flag's; "" when it has
// none).
func detect(name, value string) (finding, bool) {
	var d detector
	return d.detect(name, value)
}

// detector is detect for a scan of many strings: it remembers which
// names are secret-like and reuses its buffers for base64, so that the
// strings that hold nothing, nearly all of them, cost a few substring
// searches and no allocation.
type detector struct {
	// secretLike caches secretLikeName by name.
	secretLike map[string]bool
	// src and dst hold a base64 run and what it decodes to.
	src, dst []byte
}

func (d *detector) detect(name, value string) (finding, bool) {
	if f, ok := detectText(value); ok {
		return f, true
	}
	if f, ok := d.detectBase64(value); ok {
		return f, true
	}
	if !d.secretLikeName(name) {
		return finding{}, false
	}
	return detectNamed(name, value)
}

// detectText looks for the shapes that identify a credential wherever it
// is written. Each pattern runs only when value holds the literal text
// that every match of it contains (a regular expression costs far more
// than a substring search, and most strings hold none): the guards only
// skip patterns that cannot match. The case-insensitive ones are guarded
// by letters that only their ASCII forms fold to ("ecret", "pwd", "pa"
// before an s, which ſ, U+017F, also folds to).
func detectText(value string) (finding, bool) {
	if strings.Contains(value, "AKIA") || strings.Contains(value, "ASIA") {
		if m := awsKeyID().FindString(value); m != "" {
			return finding{"an AWS access key ID", m}, true
		}
	}
	if containsFold(value, "ecret") {
		if m := awsSecretInline().FindStringSubmatch(value); m != nil {
			return finding{"an AWS secret access key", m[1]}, true
		}
	}
	if strings.Contains(value, "-----BEGIN") {
		if m := privateKey().FindString(value); m != "" {
			return finding{"a private key", value[strings.Index(value, m):]}, true
		}
	}
	if strings.Contains(value, "eyJ") {
		for _, m := range jwt().FindAllString(value, -1) {
			if isJWT(m) {
				return finding{"a JSON Web Token", m}, true
			}
		}
	}
	if mayBeGitHubToken(value) {
		if m := githubToken().FindString(value); m != "" {
			return finding{"a GitHub token", m}, true
		}
	}
	if strings.Contains(value, "xox") {
		if m := slackToken().FindString(value); m != "" {
			return finding{"a Slack token", m}, true
		}
	}
	if strings.Contains(value, "hooks.slack.com/services/T") {
		if m := slackWebhook().FindString(value); m != "" {
			return finding{"a Slack webhook URL", m}, true
		}
	}
	if strings.Contains(value, "://") && strings.Contains(value, "@") {
		for _, m := range urlPassword().FindAllStringSubmatch(value, -1) {
			if !isReference(m[1]) {
				return finding{"a URL with a password", m[1]}, true
			}
		}
	}
	if mayBePasswordInline(value) {
		for _, m := range passwordInline().FindAllStringSubmatch(value, -1) {
			if v := strings.Trim(m[1], `"'`); len(v) >= 4 && !isReference(v) && !isBoolOrNumber(v) {
				return finding{"a password", v}, true
			}
		}
	}
	return finding{}, false
}

// mayBeGitHubToken reports whether value holds a prefix of GitHub's
// tokens: gh[pousr]_ or github_pat_.
func mayBeGitHubToken(value string) bool {
	if strings.Contains(value, "github_pat_") {
		return true
	}
	for i := 0; ; {
		j := strings.Index(value[i:], "gh")
		if j < 0 {
			return false
		}
		i += j + 2
		if i+1 < len(value) && strings.IndexByte("pousr", value[i]) >= 0 && value[i+1] == '_' {
			return true
		}
	}
}

// mayBePasswordInline reports whether value holds what every match of
// passwordInline does: '=' or ':', and "pwd" or "pa" followed by an s
// (password, passwd, pass), in any case.
func mayBePasswordInline(value string) bool {
	if !strings.ContainsAny(value, "=:") {
		return false
	}
	if containsFold(value, "pwd") {
		return true
	}
	for i := 0; i+2 < len(value); i++ {
		if value[i]|0x20 != 'p' || value[i+1]|0x20 != 'a' {
			continue
		}
		if value[i+2]|0x20 == 's' || strings.HasPrefix(value[i+2:], "\u017f") {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains sub, a lower-case ASCII word,
// in any ASCII case. Only for words of letters no other character folds
// to in Unicode (not k or s): for them it is what (?i) matches.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// detectBase64 decodes each long base64 run in value and looks for a
// credential in what it decodes to: a base64 Kubernetes Secret value,
// a Docker config or a basic-auth header pasted into a field.
func (d *detector) detectBase64(value string) (finding, bool) {
	for start := 0; start < len(value); {
		run := base64Run(value[start:])
		if run.end == 0 {
			break
		}
		s := value[start+run.start : start+run.end]
		start += run.end
		text, ok := d.decodeBase64(s)
		if !ok {
			continue
		}
		if f, ok := detectText(text); ok {
			return finding{f.what + " (base64-encoded)", s}, true
		}
	}
	return finding{}, false
}

// span is where a match is in a string: [start, end).
type span struct{ start, end int }

// base64Run returns the first run of base64 (standard or URL-safe) in s
// long enough to hide a credential: 20 or more of A-Z a-z 0-9 + / _ -,
// and up to two '=' after them, as the regular expression
// [A-Za-z0-9+/_-]{20,}={0,2} would find it; {0, 0} when there is none.
func base64Run(s string) span {
	for i := 0; i < len(s); {
		if !isBase64Byte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isBase64Byte(s[j]) {
			j++
		}
		if j-i < 20 {
			i = j
			continue
		}
		for k := 0; k < 2 && j < len(s) && s[j] == '='; k++ {
			j++
		}
		return span{i, j}
	}
	return span{}
}

func isBase64Byte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '_' || c == '-'
}

// base64Encodings are the four base64 alphabets and paddings, in the
// order a run is tried in.
var base64Encodings = []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding}

// decodeBase64 decodes s in the first of the four base64 alphabets and
// paddings that decodes it to printable UTF-8, and returns the text: a
// hex digest or a random token decodes to bytes that are not.
func (d *detector) decodeBase64(s string) (string, bool) {
	d.src = append(d.src[:0], s...)
	for _, enc := range base64Encodings {
		d.dst = slices.Grow(d.dst[:0], enc.DecodedLen(len(s)))[:enc.DecodedLen(len(s))]
		n, err := enc.Decode(d.dst, d.src)
		b := d.dst[:n]
		if err != nil || !utf8.Valid(b) {
			continue
		}
		if bytes.IndexFunc(b, func(r rune) bool { return r < ' ' && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
			continue
		}
		return string(b), true
	}
	return "", false
}

// detectNamed looks at a value whose name says it is a secret: a password
// of any shape, or a long random string under any other secret-like
// name (an AWS secret access key under AWS_SECRET_ACCESS_KEY).
func detectNamed(name, value string) (finding, bool) {
	if !secretLikeName(name) {
		return finding{}, false
	}
	bare := strings.Join(nameWord().FindAllString(name, -1), "")
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

// secretLikeName reports whether name says its value is a secret:
// secret-like (secretName) and not ending in a word that says where the
// secret is instead (pointerWords).
func secretLikeName(name string) bool {
	words := nameWord().FindAllString(name, -1)
	bare := strings.Join(words, "")
	return bare != "" && secretName().MatchString(bare) && !pointerWords[strings.ToLower(words[len(words)-1])]
}

// secretLikeName is secretLikeName, remembered by name.
func (d *detector) secretLikeName(name string) bool {
	if name == "" {
		return false
	}
	like, ok := d.secretLike[name]
	if !ok {
		like = secretLikeName(name)
		if d.secretLike == nil {
			d.secretLike = map[string]bool{}
		}
		d.secretLike[name] = like
	}
	return like
}

// pointerWords end a secret-like name whose value is not the secret but
// says where it is, what it is called or how it is shaped:
// DB_PASSWORD_FILE, TOKEN_URL, SECRET_NAME, TOKEN_TTL.
var pointerWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`file path dir url uri endpoint host name ref arn id type mode
		enabled length len ttl expiry version header policy store provider kind min max format
		algorithm audience issuer mount namespace`) {
		pointerWords[w] = true
	}
}

// isReference reports whether a value points at a secret rather than
// holding one, or is empty.
func isReference(v string) bool { return v == "" || reference().MatchString(v) }

func isBoolOrNumber(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "none", "null":
		return true
	}
	return strings.Trim(v, "0123456789") == ""
}

// isJWT reports whether s is a JWT: its header decodes to a JSON object
// naming an algorithm.
func isJWT(s string) bool {
	header, _, _ := strings.Cut(s, ".")
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(header, "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(b, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}

// entropy is the Shannon entropy of s in bits per character: about 2.5
// for an English word, 4 for a hex digest, 5 to 6 for a random base64
// token.
func entropy(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// redact shows enough of a credential to find it, and never the rest:
// up to its first 4 characters (fewer for a short one), then "…".
func redact(secret string) string {
	r := []rune(secret)
	show := min(4, len(r)/4)
	return string(r[:show]) + "…"
}

// lazyRegexp compiles expr when it is first used, not when gen starts:
// most runs (a check whose inputs the cache knows) use none of them, and
// compiling them all cost a few milliseconds of every start.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
