package load

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"

	"github.com/gitops-gen/gen/generator/internal/suggest"
	"github.com/gitops-gen/gen/generator/model"
)

// patterns describes the schema's string patterns in words, by the name
// of their definition: an error prints the pattern's regular expression,
// which a person should not have to read.
var patterns = []struct{ def, what string }{
	{"#Quantity", "a Kubernetes quantity, such as 512Mi, 1.5Gi or 250m"},
	{"#Name", `a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "web-api"`},
	{"#EnvName", `an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit`},
	{"#IAMRoleName", `an IAM role name: up to 64 letters, digits and "+=,.@_-"`},
	{"#Percent", `a percentage, e.g. "25%"`},
	{"#CIDR", `an IPv4 CIDR block, e.g. "10.0.0.0/16"`},
	{"#Duration", `a duration of one number and unit, e.g. "30s", "5m" or "1h"`},
	{"#PromDuration", `a Prometheus duration, e.g. "30s", "5m", "1h30m" or "30d"`},
}

// explainer retells CUE's errors about one environment.
type explainer struct {
	env *model.Environment
	// bounds maps a pattern's bound as CUE prints it (=~"...") to its
	// description.
	bounds map[string]string
	// quantity is #Quantity's bound.
	quantity string
}

func newExplainer(env *model.Environment, schema cue.Value) *explainer {
	x := &explainer{env: env, bounds: map[string]string{}}
	for _, p := range patterns {
		v := schema.LookupPath(cue.ParsePath(p.def))
		if !v.Exists() {
			continue
		}
		b := fmt.Sprint(v)
		if _, dup := x.bounds[b]; !dup { // #PortName is #Name's pattern
			x.bounds[b] = p.what
		}
		if p.def == "#Quantity" {
			x.quantity = b
		}
	}
	return x
}

// explain returns errs with the common CUE failures retold, each at the
// same field and positions (model.Explained, which keeps CUE's text):
// a value of the wrong type, a value none of a disjunction's alternatives
// accepts, a string that misses its pattern (a quantity gets a "did you
// mean"), a number out of bounds, a field set twice to different values,
// a field the schema does not have (with the closest one it has), and a
// brace never closed (at the brace). Others pass through as they are.
func (x *explainer) explain(errs cueerrors.Error) cueerrors.Error {
	list := cueerrors.Errors(errs)
	var out cueerrors.Error
	for i := 0; i < len(list); i++ {
		e := list[i]
		format, args := e.Msg()
		// A disjunction's summary is followed by one error per
		// alternative, at the same path.
		if format == "%d errors in empty disjunction:" && len(args) == 1 {
			n, _ := args[0].(int)
			if n > 0 && i+n < len(list) {
				group := list[i+1 : i+1+n]
				if ex := x.disjunction(e, group); ex != nil {
					out = cueerrors.Append(out, ex)
					i += n
					continue
				}
			}
		}
		if ex := x.single(e); ex != nil {
			out = cueerrors.Append(out, ex)
			continue
		}
		out = cueerrors.Append(out, e)
	}
	return out
}

// single retells one error, or returns nil.
func (x *explainer) single(e cueerrors.Error) cueerrors.Error {
	format, args := e.Msg()
	name := label(e.Path())
	switch {
	case strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2:
		v, t := fmt.Sprint(args[0]), fmt.Sprint(args[1])
		if isType(t) {
			return model.Explain(e.Path(), fmt.Sprintf("%s must be %s, got %s", name, typeWords(t), valueWords(v)), e)
		}
		if p := e.Path(); len(p) == 1 && p[0] == "name" && x.env != nil {
			return model.Explain(p, fmt.Sprintf("an environment is named after its folder, %q; remove name: or rename the folder", x.env.Base()), e)
		}
		return model.Explain(e.Path(), fmt.Sprintf("%s is set to both %s and %s: a field holds one value; to let one place override another, make the overridden value a default, e.g. %s: *%s | _", name, v, t, name, t), e)
	case format == "invalid value %v (out of bound %s)" && len(args) == 2:
		v, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
		what, ok := x.boundWords(b)
		if !ok {
			return nil
		}
		msg := fmt.Sprintf("%s must be %s, got %s", name, what, v)
		if b == x.quantity {
			msg = fmt.Sprintf("%s %s is not %s", name, v, what)
			if s, ok := suggestQuantity(strings.Trim(v, `"`)); ok {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
		}
		return model.Explain(e.Path(), msg, e)
	case format == "field not allowed":
		return x.notAllowed(e)
	case strings.Contains(e.Error(), "expected '}', found 'EOF'"):
		return unclosed(e)
	case strings.Contains(e.Error(), "expected 'EOF', found '}'"):
		return unopened(e)
	}
	return nil
}

// disjunction retells a value that no alternative of a disjunction
// accepts, from the errors of each alternative: "must be a string or
// {secret, key}, got the integer 5". It returns nil when an alternative
// is not one it can put in words.
func (x *explainer) disjunction(summary cueerrors.Error, alts []cueerrors.Error) cueerrors.Error {
	var value string
	var words []string
	var pairs [][2]string // conflicts between two concrete values
	for _, a := range alts {
		format, args := a.Msg()
		switch {
		case strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2:
			v, t := fmt.Sprint(args[0]), fmt.Sprint(args[1])
			if isType(t) {
				value = v
				words = appendOnce(words, typeWords(t))
			} else {
				pairs = append(pairs, [2]string{v, t})
			}
		case format == "invalid value %v (out of bound %s)" && len(args) == 2:
			w, ok := x.boundWords(fmt.Sprint(args[1]))
			if !ok {
				return nil
			}
			value = fmt.Sprint(args[0])
			words = appendOnce(words, w)
		default:
			return nil
		}
	}
	// A conflict of two values does not say which is the input's: it is
	// the one every alternative saw.
	if value == "" && len(pairs) > 0 {
		for _, c := range pairs[0] {
			all := true
			for _, p := range pairs[1:] {
				all = all && (p[0] == c || p[1] == c)
			}
			if all {
				value = c
				break
			}
		}
	}
	if value == "" {
		return nil
	}
	for _, p := range pairs {
		lit := p[1]
		if lit == value {
			lit = p[0]
		}
		// A literal of a kind that another alternative already takes
		// (the default 1 beside int, or beside >=0) says nothing more.
		if !covered(lit, words) {
			words = appendOnce(words, lit)
		}
	}
	if len(words) == 0 {
		return nil
	}
	if kindOf(value) != "" {
		value = valueWords(value)
	}
	return model.Explain(summary.Path(), fmt.Sprintf("%s must be %s, got %s", label(summary.Path()), orList(words), value), append([]cueerrors.Error{summary}, alts...)...)
}

// covered reports whether words already take the literal lit's kind.
func covered(lit string, words []string) bool {
	for _, w := range words {
		switch kindOf(lit) {
		case "int", "float":
			if strings.HasPrefix(w, "an integer") || strings.HasPrefix(w, "a number") {
				return true
			}
		case "string":
			if w == "a string" {
				return true
			}
		}
	}
	return false
}

// notAllowed retells a field the schema does not have, with the closest
// field the schema has at that place.
func (x *explainer) notAllowed(e cueerrors.Error) cueerrors.Error {
	path := e.Path()
	if len(path) == 0 || x.env == nil || !x.env.Value.Exists() {
		return nil
	}
	field := unquote(path[len(path)-1])
	parent := x.env.Value
	if len(path) > 1 {
		parent = x.env.Value.LookupPath(cue.MakePath(selectorsOf(path[:len(path)-1])...))
	}
	var names []string
	if it, err := parent.Fields(cue.Optional(true)); err == nil {
		for it.Next() {
			if n := unquote(it.Selector().String()); n != field {
				names = append(names, strings.TrimSuffix(n, "?"))
			}
		}
	}
	where := "here"
	if len(path) > 1 {
		where = "in " + strings.Join(path[:len(path)-1], ".")
	}
	msg := fmt.Sprintf("the schema has no field %q %s", field, where)
	slices.Sort(names)
	if best := suggest.Closest(field, names); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	} else if len(names) > 0 && len(names) <= 12 {
		msg += fmt.Sprintf(" (its fields: %s)", strings.Join(names, ", "))
	}
	return model.Explain(path, msg, e)
}

// unclosed retells "expected '}', found 'EOF'", which CUE reports at the
// end of the file, at the brace that is never closed: the first "{"
// whose matching "}" is on a line indented differently from the line
// that opened it (the closing brace that was meant for it is missing,
// so every later one closes the wrong block), or else the outermost one
// left open.
func unclosed(e cueerrors.Error) cueerrors.Error {
	name := e.Position().Filename()
	src, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	file := token.NewFile(name, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, scanner.DontInsertCommas)
	type open struct {
		pos    token.Pos
		indent string
	}
	var stack []open
	var suspect *open
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LBRACE:
			stack = append(stack, open{pos, indentOf(src, pos.Offset())})
		case token.RBRACE:
			if len(stack) == 0 {
				return nil
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if suspect == nil && indentOf(src, pos.Offset()) != o.indent {
				suspect = &o
			}
		}
	}
	if len(stack) == 0 {
		return nil
	}
	at := stack[0]
	if suspect != nil {
		at = *suspect
	}
	return model.Explain(e.Path(),
		fmt.Sprintf(`this "{" is never closed: CUE reached the end of %s still inside it; add the "}" where its block ends`, baseName(name)),
		&atPos{e, at.pos})
}

// atPos is a CUE error moved to another position.
// unopened retells "expected 'EOF', found '}'", a "}" that closes no
// "{": the "{" of its block is missing. The block most likely begins on
// the nearest line above indented as the "}" is (a field whose value was
// to be that block), which the message names.
func unopened(e cueerrors.Error) cueerrors.Error {
	pos := e.Position()
	src, err := os.ReadFile(pos.Filename())
	if err != nil || pos.Offset() >= len(src) {
		return nil
	}
	indent := indentOf(src, pos.Offset())
	lines := strings.Split(string(src[:pos.Offset()]), "\n")
	msg := `this "}" closes no "{": the "{" that opens its block is missing`
	// lines[len(lines)-1] is the "}"'s own line, up to it.
	for i := len(lines) - 2; i >= 0; i-- {
		line := lines[i]
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "//") {
			continue
		}
		if line[:len(line)-len(strings.TrimLeft(line, " \t"))] == indent {
			msg += fmt.Sprintf(`; should line %d (%s) end with "{"?`, i+1, strconv.Quote(text))
			break
		}
	}
	return model.Explain(e.Path(), msg, e)
}

type atPos struct {
	err cueerrors.Error
	pos token.Pos
}

func (a *atPos) Position() token.Pos         { return a.pos }
func (a *atPos) InputPositions() []token.Pos { return nil }
func (a *atPos) Error() string               { return a.err.Error() }
func (a *atPos) Path() []string              { return a.err.Path() }
func (a *atPos) Msg() (string, []any)        { return a.err.Msg() }

// indentOf returns the leading white space of the line holding offset.
func indentOf(src []byte, offset int) string {
	start := offset
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// boundWords puts a bound CUE prints (>=1, !="", =~"...") in words.
func (x *explainer) boundWords(b string) (string, bool) {
	if w, ok := x.bounds[b]; ok {
		return w, true
	}
	for _, op := range []struct{ op, words string }{
		{">=", "at least "}, {"<=", "at most "}, {">", "greater than "}, {"<", "less than "},
	} {
		if n, ok := strings.CutPrefix(b, op.op); ok && number().MatchString(n) {
			return "a number " + op.words + n, true
		}
	}
	if b == `!=""` {
		return "a non-empty string", true
	}
	return "", false
}

var number = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`) })

// isType reports whether t, as CUE prints a value, is a type or a
// struct or list of the schema rather than a concrete value.
func isType(t string) bool {
	switch t {
	case "int", "float", "number", "string", "bytes", "bool":
		return true
	}
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// typeWords puts a type, as CUE prints it, in words: "an integer", a
// struct by its fields ({secret, key}).
func typeWords(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "float", "number":
		return "a number"
	case "string":
		return "a string"
	case "bytes":
		return "bytes"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(t, "{") {
		if fields := topFields(t); len(fields) > 0 {
			return "{" + strings.Join(fields, ", ") + "}"
		}
		return "a struct"
	}
	if strings.HasPrefix(t, "[") {
		return "a list"
	}
	return t
}

// valueWords puts a concrete value in words: the string "3", the
// integer 5.
func valueWords(v string) string {
	switch kindOf(v) {
	case "string":
		return "the string " + v
	case "int":
		return "the integer " + v
	case "float":
		return "the number " + v
	case "bool":
		return v
	}
	if strings.HasPrefix(v, "{") {
		return "a struct"
	}
	if strings.HasPrefix(v, "[") {
		return "a list"
	}
	return v
}

// kindOf returns the type of a concrete value as CUE prints it.
func kindOf(v string) string {
	switch {
	case strings.HasPrefix(v, `"`):
		return "string"
	case v == "true" || v == "false":
		return "bool"
	case regexp.MustCompile(`^-?[0-9]+$`).MatchString(v):
		return "int"
	case number().MatchString(v):
		return "float"
	}
	return ""
}

// topFields returns the field names of a struct as CUE prints it
// ({secret!:#Name,key!:(string & !="")}), without their markers.
func topFields(s string) []string {
	var out []string
	depth, start := 0, 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		case ':':
			if depth == 1 && start > 0 {
				name := strings.TrimRight(strings.TrimSpace(s[start:i]), "!?")
				if name != "" && !strings.ContainsAny(name, " \"") {
					out = append(out, name)
				}
				start = -1
			}
		case ',':
			if depth == 1 {
				start = i + 1
			}
		}
	}
	return out
}

// suggestQuantity returns the Kubernetes quantity s was likely meant to
// be: "100GB" and "100 GiB" are 100Gi.
func suggestQuantity(s string) (string, bool) {
	m := regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$`).FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	units := map[string]string{
		"kb": "Ki", "kib": "Ki", "ki": "Ki",
		"mb": "Mi", "mib": "Mi", "mi": "Mi",
		"gb": "Gi", "gib": "Gi", "gi": "Gi", "g": "Gi",
		"tb": "Ti", "tib": "Ti", "ti": "Ti", "t": "Ti",
		"": "",
	}
	u, ok := units[strings.ToLower(m[2])]
	if !ok || m[1]+u == s {
		return "", false
	}
	return m[1] + u, true
}

// label is the field an error is about, as a person names it: its last
// label, unquoted.
func label(path []string) string {
	if len(path) == 0 {
		return "the value"
	}
	return unquote(path[len(path)-1])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func selectorsOf(path []string) []cue.Selector {
	out := make([]cue.Selector, len(path))
	for i, p := range path {
		if n, err := strconv.Atoi(p); err == nil {
			out[i] = cue.Index(n)
		} else {
			out[i] = cue.Str(unquote(p))
		}
	}
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
