package objdiff

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// envToken replaces an environment's name while comparing. It holds NUL
// bytes so that it can occur neither in a path nor in a rendered value and
// cannot make two different inputs equal by accident.
const envToken = "\x00env\x00"

// normaliser replaces each side's environment name with envToken. The zero
// value (on == false) leaves everything as it is.
type normaliser struct {
	on       bool
	from, to string
}

// newNormaliser checks the environment names in opts and returns the
// normaliser they ask for: on only when both are set and differ.
func newNormaliser(opts Options) (normaliser, error) {
	if (opts.FromEnv == "") != (opts.ToEnv == "") {
		return normaliser{}, fmt.Errorf("environment names: FromEnv is %q and ToEnv is %q; set both or neither", opts.FromEnv, opts.ToEnv)
	}
	for _, env := range []string{opts.FromEnv, opts.ToEnv} {
		if env != "" && !validEnv(env) {
			return normaliser{}, fmt.Errorf("environment name %q: want letters, digits, '-', '_', '.' or '/', starting and ending with a letter or digit", env)
		}
	}
	if opts.FromEnv == opts.ToEnv {
		return normaliser{}, nil
	}
	return normaliser{on: true, from: opts.FromEnv, to: opts.ToEnv}, nil
}

func validEnv(s string) bool {
	for i, r := range s {
		switch {
		case isAlnum(r):
		case (r == '-' || r == '_' || r == '.' || r == '/') && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return s != ""
}

// fromSide and toSide normalise a string from the "from" and "to" inputs.
func (n normaliser) fromSide(s string) string {
	if !n.on {
		return s
	}
	return replaceToken(s, n.from)
}

func (n normaliser) toSide(s string) string {
	if !n.on {
		return s
	}
	return replaceToken(s, n.to)
}

// replaceToken replaces every whole-token occurrence of env in s with
// envToken. An occurrence is whole when it is neither preceded nor followed
// by a letter or digit: "prod" is replaced in "backend-prod",
// "rendered/prod/apps" and "chatbot_prod" but not in "product" or "prod2".
func replaceToken(s, env string) string {
	if !strings.Contains(s, env) {
		return s
	}
	var b strings.Builder
	last, pos := 0, 0 // s[:last] is in b; search from pos
	for {
		j := strings.Index(s[pos:], env)
		if j < 0 {
			break
		}
		i, end := pos+j, pos+j+len(env)
		if !boundaryBefore(s, i) || !boundaryAfter(s, end) {
			pos = i + 1
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(envToken)
		last, pos = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func boundaryBefore(s string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isAlnum(r)
}

func boundaryAfter(s string, i int) bool {
	if i == len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isAlnum(r)
}

func isAlnum(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
