package objdiff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ANSI SGR codes for WriteText's colours: red for what goes, green for
// what comes, yellow for a modified object, cyan for a field's path.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	faint  = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
)

// WriteText writes r for a reviewer: the two labels, then one header line
// per object, then a summary. A modified object lists its changed fields,
// each with the old value on "-" lines and the new one on "+" lines; an
// added object shows its whole file on "+" lines; a removed object only its
// header:
//
//	--- staging
//	+++ prod
//	~ apps/v1 Deployment chatbot/backend  [scale]   apps/backend/deployment-backend.yaml
//	    spec.replicas
//	      - 2
//	      + 3
//	+ v1 ConfigMap chatbot/new-env  [added]   apps/backend/configmap-new-env.yaml
//	    + apiVersion: v1
//	    ...
//	- v1 Service chatbot/old  [removed]   apps/old/service-old.yaml
//
//	3 objects differ: 0 image, 1 scale, 0 config, 1 added, 1 removed
//	(12 fields differ only by the environment's name and are not shown)
//
// Scalars are written plainly, except that a string is quoted as in JSON
// when it is empty, has leading or trailing space or control characters, or
// would read as a number, bool, null, map or list. A multi-line string is
// written one line per line; maps and lists as compact JSON on one line.
// With color, lines carry ANSI colours, each line reset at its end.
//
// WriteText writes nothing when nothing differs: the caller decides what to
// say then. An added object's file is shown only in a Report returned by
// Compare (it is not part of the JSON form).
func (r *Report) WriteText(w io.Writer, color bool) error {
	if len(r.Objects) == 0 {
		return nil
	}
	p := &printer{w: bufio.NewWriter(w), color: color}
	p.line("", bold, "--- "+r.From)
	p.line("", bold, "+++ "+r.To)
	for _, o := range r.Objects {
		p.object(o)
	}
	p.line("", "", "")
	s := r.Summary
	verb := "objects differ"
	if s.Total() == 1 {
		verb = "object differs"
	}
	p.line("", "", fmt.Sprintf("%d %s: %d image, %d scale, %d config, %d added, %d removed",
		s.Total(), verb, s.Image, s.Scale, s.Config, s.Added, s.Removed))
	switch {
	case r.EnvOnly == 1:
		p.line("", faint, "(1 field differs only by the environment's name and is not shown)")
	case r.EnvOnly > 1:
		p.line("", faint, fmt.Sprintf("(%d fields differ only by the environment's name and are not shown)", r.EnvOnly))
	}
	return p.w.Flush()
}

// printer writes lines to a buffered writer; bufio.Writer keeps the first
// error and returns it from Flush.
type printer struct {
	w     *bufio.Writer
	color bool
}

// line writes indent, then text in colour c (none when c is "").
func (p *printer) line(indent, c, text string) {
	p.w.WriteString(indent)
	if p.color && c != "" && text != "" {
		text = c + text + reset
	}
	p.w.WriteString(text)
	p.w.WriteByte('\n')
}

func (p *printer) object(o Object) {
	marker, c := "~", yellow
	switch o.Class {
	case Added:
		marker, c = "+", green
	case Removed:
		marker, c = "-", red
	}
	head := marker + " " + identify(o) + "  [" + string(o.Class) + "]"
	if p.color {
		head = c + head + reset
	}
	p.line("", "", head+"   "+o.Path)
	for _, f := range o.Fields {
		fp := f.Path
		if fp == "" {
			fp = "(whole file)"
		}
		p.line("    ", cyan, fp)
		if f.From != nil {
			for _, l := range valueLines(*f.From) {
				p.line("      ", red, mark("-", l))
			}
		}
		if f.To != nil {
			for _, l := range valueLines(*f.To) {
				p.line("      ", green, mark("+", l))
			}
		}
	}
	if o.Class == Added && len(o.data) > 0 {
		for _, l := range splitLines(string(o.data)) {
			p.line("    ", green, mark("+", l))
		}
	}
}

// mark puts a "-" or "+" before a line, leaving no trailing space after
// it when the line is empty.
func mark(m, line string) string {
	if line == "" {
		return m
	}
	return m + " " + line
}

// identify names an object for its header: apiVersion, kind and
// namespace/name.
func identify(o Object) string {
	name := o.Name
	if o.Namespace != "" {
		name = o.Namespace + "/" + name
	}
	var parts []string
	for _, s := range []string{o.APIVersion, o.Kind, name} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "(not a Kubernetes object)"
	}
	return strings.Join(parts, " ")
}

// valueLines renders a field's value as one or more lines.
func valueLines(v any) []string {
	switch v := v.(type) {
	case string:
		if strings.Contains(v, "\n") {
			return splitLines(v)
		}
		if needsQuotes(v) {
			return []string{compact(v)}
		}
		return []string{v}
	case json.Number:
		return []string{string(v)}
	case nil:
		return []string{"null"}
	case bool:
		return []string{fmt.Sprint(v)}
	}
	return []string{compact(v)}
}

// splitLines splits a multi-line string (or a file) into lines, without
// the empty line after a final newline; a line that holds control
// characters is quoted.
func splitLines(s string) []string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if hasControl(l) {
			lines[i] = compact(l)
		}
	}
	return lines
}

// needsQuotes says whether a one-line string would be misread unquoted.
func needsQuotes(s string) bool {
	return s == "" || strings.TrimSpace(s) != s || hasControl(s) || json.Valid([]byte(s))
}

// hasControl reports control characters other than tab, which could
// garble or drive a terminal.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || 0x80 <= r && r < 0xa0 {
			return true
		}
	}
	return false
}

// compact renders v as JSON on one line, without escaping <, > and &.
func compact(v any) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
