package output

import (
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// style is how a string scalar is written.
type style int

const (
	plainStyle   style = iota // key: value
	singleStyle               // key: '- value'
	doubleStyle               // key: "true"
	literalStyle              // key: |
)

// scalarInfo is what one pass over a string finds out about it. The rules
// follow yaml_emitter_analyze_scalar in go.yaml.in/yaml/v2 (the emitter
// behind sigs.k8s.io/yaml), so that ordinary objects come out byte for byte
// as sigs.k8s.io/yaml.Marshal writes them.
type scalarInfo struct {
	special       bool // a character that only a double-quoted escape can carry
	newline       bool // contains '\n'
	lineBreak     bool // contains '\n', '\r', NEL, LS or PS: a line break to YAML 1.1
	indicator     bool // would read as YAML syntax if written plain
	leadingSpace  bool
	trailingSpace bool
	spaceNewline  bool // " \n": a line with trailing space
	ascii         bool
}

// analyze scans s once. s must be valid UTF-8.
func analyze(s string) scalarInfo {
	info := scalarInfo{ascii: true}
	if len(s) == 0 {
		return info
	}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		info.indicator = true // document markers
	}
	info.leadingSpace = s[0] == ' '
	info.trailingSpace = s[len(s)-1] == ' '
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			info.ascii = false
			r, w := utf8.DecodeRuneInString(s[i:])
			if !printable(r) {
				info.special = true
			}
			if r == 0x85 || r == 0x2028 || r == 0x2029 {
				info.lineBreak = true
			}
			i += w - 1
			continue
		}
		if c < ' ' && c != '\n' || c == 0x7f {
			info.special = true // tabs, CR and other controls
			info.lineBreak = info.lineBreak || c == '\r'
			continue
		}
		followedBySpace := i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t'
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				info.indicator = true
			case '?', ':', '-':
				info.indicator = info.indicator || followedBySpace
			}
		} else {
			switch c {
			case ':':
				info.indicator = info.indicator || followedBySpace
			case '#':
				p := s[i-1]
				info.indicator = info.indicator || p == ' ' || p == '\t' || p == '\n' || p == '\r'
			}
		}
		if c == '\n' {
			info.newline = true
			info.lineBreak = true
			if i > 0 && s[i-1] == ' ' {
				info.spaceNewline = true
			}
		}
	}
	return info
}

// printable reports whether r may appear unescaped in the output. It is
// yaml.v2's is_printable, which leaves out controls, DEL, C1 controls
// (including NEL), surrogates, U+FEFF, U+FFFE, U+FFFF and everything beyond
// the Basic Multilingual Plane. We also escape U+2028 and U+2029: YAML 1.1
// reads them as line breaks and YAML 1.2 does not, so only an escape means
// the same thing to both.
func printable(r rune) bool {
	switch {
	case r == '\n' || r >= 0x20 && r <= 0x7e:
		return true
	case r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return false
	case r >= 0xa0 && r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd:
		return true
	}
	return false
}

// ambiguous reports whether s, written plain, could be read as something
// other than a string: a null, bool, number, timestamp, merge or value key.
// It is the union of what go.yaml.in/yaml/v2 resolves (sigs.k8s.io/yaml's
// reader, YAML 1.1 with Go's number parsing), the YAML 1.1 type regexps
// (yaml.org/type) and the YAML 1.2 core schema, so the output means the
// same to kubectl, yaml.v3, PyYAML and JavaScript readers. It is
// deliberately generous: a needless pair of quotes costs nothing.
func ambiguous(s string) bool {
	if s == "" {
		return true // null
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
		return keywords()[s] || numberish(s) || timestampish(s)
	case strings.IndexByte("yYnNtTfFoO~<=", c) >= 0:
		return keywords()[s]
	}
	return false
}

// keywords are the plain scalars that YAML 1.1 or 1.2 read as a bool, a
// null, a special float, a merge key ("<<") or a value key ("="). They,
// and the regular expressions below, are built on first use: a process
// that encodes nothing (a check the cache answers) does not pay for them.
var keywords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`
		y Y yes Yes YES n N no No NO
		true True TRUE false False FALSE
		on On ON off Off OFF
		~ null Null NULL
		.nan .NaN .NAN
		.inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF
		<< =`) {
		m[s] = true
	}
	return m
})

// numberRE matches, once underscores are removed, every int and float of
// YAML 1.1 (binary, octal, hex, decimal, sexagesimal) and YAML 1.2 (0o
// octal, exponents without sign), plus Go's upper-case base prefixes,
// which yaml.v2 accepts through strconv.ParseInt(s, 0, 64).
var numberRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|[0-9]+(:[0-5]?[0-9])*(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)$`)
})

func numberish(s string) bool {
	// Most strings that start with a digit are quantities, versions or
	// addresses ("250m", "1.4.2", "10.0.0.1"); skip the regexp for any
	// string with a character no number can contain.
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEFoOxX_.:+-", rune(s[i])) {
			return false
		}
	}
	return numberRE().MatchString(strings.ReplaceAll(s, "_", ""))
}

// timestampRE is the YAML 1.1 timestamp (yaml.org/type/timestamp.html),
// loosened to one-digit fields and a comma before fractions, as Go's
// time.Parse (which yaml.v2 uses) accepts them.
var timestampRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}([.,][0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:?[0-9]{2})?))?)?$`)
})

// timestampLayouts are the layouts yaml.v2 tries (resolve.go).
var timestampLayouts = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func timestampish(s string) bool {
	if len(s) < 5 || s[4] != '-' {
		return false
	}
	if timestampRE().MatchString(s) {
		return true
	}
	for _, layout := range timestampLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// styleOf picks how a string is written. last reports the document's
// final scalar, which must not be a keep-chomped literal: its trailing blank
// lines would end the file, where editors and pre-commit hooks strip them
// (yaml.v2 writes a "..." document end marker there instead).
func styleOf(s string, info scalarInfo, last bool) style {
	switch {
	case info.special:
		return doubleStyle
	case info.newline:
		if info.trailingSpace || info.spaceNewline || last && keepChomp(s) {
			return doubleStyle
		}
		return literalStyle
	case ambiguous(s):
		return doubleStyle
	case info.indicator || info.leadingSpace || info.trailingSpace:
		return singleStyle
	}
	return plainStyle
}

// keepChomp reports whether a literal of s needs the "+" chomping
// indicator: s ends with more than one line break.
func keepChomp(s string) bool {
	return s == "\n" || strings.HasSuffix(s, "\n\n")
}

// validUTF8 replaces each invalid byte of s by U+FFFD, as encoding/json
// does, so that Encode means what json.Marshal means.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}
