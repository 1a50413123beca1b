package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// lineWidth is the column after which yaml.v2 (the emitter behind
// sigs.k8s.io/yaml) folds long plain and quoted scalars at a space: its
// default best_width. We fold where it folds, so output stays byte for byte
// what kubectl users are used to.
const lineWidth = 80

// maxSimpleKey is the longest key, in bytes, that yaml.v2 writes as a
// simple "key: value" entry; longer keys, and keys with line breaks, get
// the explicit "? key" form (yaml_emitter_check_simple_key).
const maxSimpleKey = 128

// Encode renders one object as canonical YAML: block style with two-space
// indentation, map keys sorted in byte order (as encoding/json sorts them),
// sequence items at their parent key's indentation, a trailing newline and
// no document markers.
//
// v holds the JSON data model: map[string]any, []any, string, bool, nil and
// json.Number, which is written verbatim. Other values are converted
// through encoding/json first. Strings are written plain only when no YAML
// 1.1 or 1.2 reader could take them for anything but a string; otherwise
// they are quoted, and multi-line strings become literal blocks where that
// is exact. For ordinary Kubernetes objects the output is byte-identical to
// sigs.k8s.io/yaml.Marshal; see the package documentation for the
// differences.
func Encode(v map[string]any) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 2048)}
	return e.encode(v)
}

// encode is Encode into e's buffer, from its start: the bytes returned
// are e's until the next call.
func (e *encoder) encode(v map[string]any) ([]byte, error) {
	e.buf, e.col = e.buf[:0], 0
	if len(v) == 0 {
		e.buf = append(e.buf, "{}\n"...)
		return e.buf, nil
	}
	if err := e.mapping(v, 0, true, true); err != nil {
		return nil, err
	}
	if e.col != 0 {
		e.buf = append(e.buf, '\n')
	}
	return e.buf, nil
}

// encoder writes YAML into buf.
type encoder struct {
	buf  []byte
	col  int      // characters since the last line break, as yaml.v2 counts columns
	keys []string // sorted keys of the mappings being written, innermost last
}

// node writes v after an indicator ("key:", "-" or an explicit ":").
// indent is the column of that indicator's collection. inline is true
// after "-" and an explicit ":", where a nested collection starts on
// the same line ("- name: x", "- - a"); after "key:" it starts on the next
// line. last is true for the document's final node.
func (e *encoder) node(v any, indent int, inline, last bool) error {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			e.write(" {}")
			return nil
		}
		return e.mapping(v, indent+2, inline, last)
	case []any:
		if len(v) == 0 {
			e.write(" []")
			return nil
		}
		if inline {
			indent += 2
		}
		return e.sequence(v, indent, inline, last)
	case string:
		e.write(" ")
		s := validUTF8(v)
		e.scalar(s, analyze(s), indent+2, true, last)
	case json.Number:
		if !validNumber(string(v)) {
			return fmt.Errorf("invalid number %q", string(v))
		}
		e.write(" ")
		e.write(string(v))
	case bool:
		if v {
			e.write(" true")
		} else {
			e.write(" false")
		}
	case nil:
		e.write(" null")
	default:
		// Anything else (int, float64, []string, structs ...) is encoded as
		// encoding/json would encode it.
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding %T: %w", v, err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var u any
		if err := d.Decode(&u); err != nil {
			return fmt.Errorf("decoding %T: %w", v, err)
		}
		return e.node(u, indent, inline, last)
	}
	return nil
}

// mapping writes a non-empty map with its keys at column indent.
func (e *encoder) mapping(m map[string]any, indent int, inline, last bool) error {
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys[start:])
	defer func() { e.keys = e.keys[:start] }()

	for i := range len(m) {
		k := e.keys[start+i]
		v := m[k]
		lastEntry := last && i == len(m)-1
		e.lineAt(indent, inline && i == 0)
		k = validUTF8(k)
		info := analyze(k)
		if len(k) <= maxSimpleKey && !info.lineBreak {
			e.scalar(k, info, indent+2, false, false)
			e.write(":")
			if err := e.node(v, indent, false, lastEntry); err != nil {
				return err
			}
			continue
		}
		// An explicit entry: "? key" then ": value" on the next line.
		e.write("? ")
		e.scalar(k, info, indent+2, true, false)
		e.lineAt(indent, false)
		e.write(":")
		if err := e.node(v, indent, true, lastEntry); err != nil {
			return err
		}
	}
	return nil
}

// sequence writes a non-empty list with its "-" at column indent.
func (e *encoder) sequence(l []any, indent int, inline, last bool) error {
	for i, item := range l {
		e.lineAt(indent, inline && i == 0)
		e.write("-")
		if err := e.node(item, indent, true, last && i == len(l)-1); err != nil {
			return err
		}
	}
	return nil
}

// lineAt moves to column indent: on the current line if sameLine, else on
// a new line (unless a block scalar has just ended one).
func (e *encoder) lineAt(indent int, sameLine bool) {
	if !sameLine && e.col > 0 {
		e.newline()
	}
	for e.col < indent {
		e.buf = append(e.buf, ' ')
		e.col++
	}
}

func (e *encoder) newline() {
	e.buf = append(e.buf, '\n')
	e.col = 0
}

// write appends ASCII text without line breaks.
func (e *encoder) write(s string) {
	e.buf = append(e.buf, s...)
	e.col += len(s)
}

// scalar writes the string s. indent is the column of continuation lines;
// fold allows breaking long lines at spaces (never in simple keys).
func (e *encoder) scalar(s string, info scalarInfo, indent int, fold, last bool) {
	switch styleOf(s, info, last) {
	case plainStyle:
		e.plain(s, info, indent, fold)
	case singleStyle:
		e.single(s, indent, fold)
	case doubleStyle:
		e.double(s, indent, fold)
	case literalStyle:
		e.literal(s, indent)
	}
}

// plain writes s unquoted, folding as yaml_emitter_write_plain_scalar
// does: at a single space, once the line is longer than lineWidth.
func (e *encoder) plain(s string, info scalarInfo, indent int, fold bool) {
	if !fold || e.col+len(s) <= lineWidth+1 {
		// No space in s can start beyond lineWidth: nothing to fold.
		e.buf = append(e.buf, s...)
		if info.ascii {
			e.col += len(s)
		} else {
			e.col += utf8.RuneCountInString(s)
		}
		return
	}
	spaces := false
	for len(s) > 0 {
		if s[0] == ' ' {
			if !spaces && e.col > lineWidth && s[1] != ' ' {
				e.newline()
				e.lineAt(indent, true)
			} else {
				e.write(" ")
			}
			spaces = true
			s = s[1:]
			continue
		}
		word := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			word = s[:i]
		}
		e.buf = append(e.buf, word...)
		if info.ascii {
			e.col += len(word)
		} else {
			e.col += utf8.RuneCountInString(word)
		}
		s = s[len(word):]
		spaces = false
	}
}

// single writes s in single quotes, folding like
// yaml_emitter_write_single_quoted_scalar.
func (e *encoder) single(s string, indent int, fold bool) {
	e.write("'")
	spaces := false
	for i := 0; i < len(s); {
		switch s[i] {
		case ' ':
			if fold && !spaces && e.col > lineWidth && i > 0 && i < len(s)-1 && s[i+1] != ' ' {
				e.newline()
				e.lineAt(indent, true)
			} else {
				e.write(" ")
			}
			spaces = true
			i++
			continue
		case '\'':
			e.write("'")
		}
		i = e.char(s, i)
		spaces = false
	}
	e.write("'")
}

// double writes s in double quotes with yaml.v2's escapes, folding like
// yaml_emitter_write_double_quoted_scalar (a space that starts the next
// line is escaped).
func (e *encoder) double(s string, indent int, fold bool) {
	e.write(`"`)
	spaces := false
	for i := 0; i < len(s); {
		r, w := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r == '\n' || r == '"' || r == '\\' || !printable(r):
			e.escape(r)
			spaces = false
		case r == ' ':
			if fold && !spaces && e.col > lineWidth && i > 0 && i < len(s)-1 {
				e.newline()
				e.lineAt(indent, true)
				if s[i+1] == ' ' {
					e.write(`\`)
				}
			} else {
				e.write(" ")
			}
			spaces = true
		default:
			e.buf = append(e.buf, s[i:i+w]...)
			e.col++
			spaces = false
		}
		i += w
	}
	e.write(`"`)
}

// escape writes r as a double-quoted escape sequence.
func (e *encoder) escape(r rune) {
	if c, ok := escapes[r]; ok {
		e.buf = append(e.buf, '\\', c)
		e.col += 2
		return
	}
	const hex = "0123456789ABCDEF"
	var n int
	switch {
	case r <= 0xff:
		e.write(`\x`)
		n = 2
	case r <= 0xffff:
		e.write(`\u`)
		n = 4
	default:
		e.write(`\U`)
		n = 8
	}
	for k := (n - 1) * 4; k >= 0; k -= 4 {
		e.buf = append(e.buf, hex[(r>>k)&0xf])
		e.col++
	}
}

// escapes are yaml.v2's short escapes.
var escapes = map[rune]byte{
	0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v',
	0x0c: 'f', 0x0d: 'r', 0x1b: 'e', '"': '"', '\\': '\\', 0x85: 'N',
	0xa0: '_', 0x2028: 'L', 0x2029: 'P',
}

// literal writes s as a literal block scalar with its lines at column
// indent: "|" plus an indentation indicator when s starts with a space or
// a line break, and "-" or "+" chomping unless s ends with exactly one
// line break.
func (e *encoder) literal(s string, indent int) {
	e.write("|")
	if s[0] == ' ' || s[0] == '\n' {
		e.write("2") // indent is always the parent's indentation plus 2
	}
	switch {
	case !strings.HasSuffix(s, "\n"):
		e.write("-")
	case keepChomp(s):
		e.write("+")
	}
	e.newline()
	for len(s) > 0 {
		if s[0] == '\n' {
			e.newline()
			s = s[1:]
			continue
		}
		line := s
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			line = s[:j]
		}
		e.lineAt(indent, true)
		e.buf = append(e.buf, line...)
		e.col += utf8.RuneCountInString(line)
		s = s[len(line):]
	}
}

// char writes the character starting at s[i] and returns the index after it.
func (e *encoder) char(s string, i int) int {
	w := 1
	if s[i] >= utf8.RuneSelf {
		_, w = utf8.DecodeRuneInString(s[i:])
	}
	e.buf = append(e.buf, s[i:i+w]...)
	e.col++
	return i + w
}

// validNumber reports whether s is a JSON number (as encoding/json checks
// json.Number values).
func validNumber(s string) bool {
	digits := func(s string) string {
		return strings.TrimLeft(s, "0123456789")
	}
	s = strings.TrimPrefix(s, "-")
	switch {
	case s == "":
		return false
	case s[0] == '0':
		s = s[1:]
	case s[0] >= '1' && s[0] <= '9':
		s = digits(s)
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && s[1] >= '0' && s[1] <= '9' {
		s = digits(s[1:])
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
		}
		if s == "" || s[0] < '0' || s[0] > '9' {
			return false
		}
		s = digits(s)
	}
	return s == ""
}
