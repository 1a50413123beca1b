package load

import (
	"encoding/binary"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// plainApps reads an environment's files and returns, for each app whose
// value the files give as plain data only, an encoding of that data: the
// app's memo key is then a digest of it (appKey), which costs far less
// than exporting the app's value as CUE.
//
// An app is plain data when every declaration that gives it a value is a
// field apps: <name>: <literal> of some file's top level (as "apps: {...}"
// or "apps: web: ..."), where a literal is a string (not bytes, not
// interpolated), a number, a boolean, null, a list of literals (not open),
// or a struct whose every element is a regular field (no optional or
// required marker, no hidden field, no definition, no alias, no
// attribute) with a literal. Such a value has no default, disjunction,
// constraint, pattern, comprehension, reference or embedding: its
// evaluation against #EnvApp depends on the data alone. Anything that may
// give apps or an app more than that (a top-level embedding,
// comprehension, pattern or dynamic field, "apps" written otherwise than
// as a struct) makes no app plain; anything else in an app's value makes
// that app not plain. The encoding is that of each declaration in turn,
// in the files' order: the same encoding is the same declarations, hence
// the same value.
//
// An app missing from the result is keyed by its value exported as CUE.
func plainApps(files []*ast.File) map[string][]byte {
	apps := map[string][]byte{}
	notPlain := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.ImportDecl, *ast.CommentGroup, *ast.LetClause:
				// No field: a let is only read by references, which make
				// an app that has one not plain.
				continue
			case *ast.Attribute:
				// A build constraint or the permission to embed files
				// gives no field; another (@embed) may give any.
				if k, _ := d.Split(); k != "if" && k != "extern" {
					return nil
				}
			case *ast.Field:
				name, ok := regularLabel(d)
				if !ok {
					if isStaticOther(d) {
						continue // another field, whatever it holds
					}
					return nil // may be apps
				}
				if name != "apps" {
					continue
				}
				s, ok := d.Value.(*ast.StructLit)
				if !ok || len(d.Attrs) > 0 {
					return nil
				}
				for _, e := range s.Elts {
					switch e := e.(type) {
					case *ast.CommentGroup:
						continue
					case *ast.Field:
						app, ok := regularLabel(e)
						if !ok || len(e.Attrs) > 0 {
							return nil
						}
						if notPlain[app] {
							continue
						}
						b, ok := appendPlain(apps[app], e.Value)
						if !ok {
							notPlain[app] = true
							delete(apps, app)
							continue
						}
						apps[app] = b
					default:
						return nil
					}
				}
			default:
				return nil
			}
		}
	}
	return apps
}

// regularLabel returns the name of a field with a regular label (an
// identifier neither hidden nor a definition, or a quoted string), no
// alias and no optional or required marker.
func regularLabel(f *ast.Field) (string, bool) {
	if f.Alias != nil || f.Constraint != token.ILLEGAL {
		return "", false
	}
	switch l := f.Label.(type) {
	case *ast.Ident:
		if l.Name == "" || strings.HasPrefix(l.Name, "_") || strings.HasPrefix(l.Name, "#") || !ast.IsValidIdent(l.Name) {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return "", false
		}
		name, _, err := ast.LabelName(l)
		if err != nil {
			return "", false
		}
		return name, true
	}
	return "", false
}

// isStaticOther reports whether f, which has no regular label, still
// names a field known not to be apps: a hidden field or a definition, or
// a regular one with an alias or a marker.
func isStaticOther(f *ast.Field) bool {
	l := f.Label
	if a, ok := l.(*ast.Alias); ok {
		l, _ = a.Expr.(ast.Label)
	}
	switch l := l.(type) {
	case *ast.Ident:
		return l.Name != "apps" && ast.IsValidIdent(l.Name)
	case *ast.BasicLit:
		name, _, err := ast.LabelName(l)
		return err == nil && name != "apps"
	}
	return false
}

// appendPlain appends to b an encoding of the literal x, or returns false
// when x is not plain data (see plainApps). The encoding is injective:
// each element is tagged, and strings are length-prefixed.
func appendPlain(b []byte, x ast.Expr) ([]byte, bool) {
	switch x := x.(type) {
	case *ast.BasicLit:
		switch x.Kind {
		case token.INT, token.FLOAT:
			// The literal as written: the same text is the same number.
			return appendTagged(b, 'n', x.Value), true
		case token.TRUE, token.FALSE, token.NULL:
			return appendTagged(b, 'b', x.Value), true
		case token.STRING:
			if !strings.HasPrefix(strings.TrimLeft(x.Value, "#"), `"`) {
				return nil, false // bytes
			}
			s, err := literal.Unquote(x.Value)
			if err != nil {
				return nil, false
			}
			return appendTagged(b, 's', s), true
		}
		return nil, false
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if x.Op != token.SUB || !ok || (lit.Kind != token.INT && lit.Kind != token.FLOAT) {
			return nil, false
		}
		return appendTagged(b, 'n', "-"+lit.Value), true
	case *ast.ListLit:
		b = append(b, '[')
		for _, e := range x.Elts {
			var ok bool
			if b, ok = appendPlain(b, e); !ok { // an Ellipsis among them too
				return nil, false
			}
		}
		return append(b, ']'), true
	case *ast.StructLit:
		b = append(b, '{')
		for _, e := range x.Elts {
			switch e := e.(type) {
			case *ast.CommentGroup:
				continue
			case *ast.Field:
				name, ok := regularLabel(e)
				if !ok || len(e.Attrs) > 0 {
					return nil, false
				}
				b = appendTagged(b, 'f', name)
				if b, ok = appendPlain(b, e.Value); !ok {
					return nil, false
				}
			default:
				return nil, false
			}
		}
		return append(b, '}'), true
	}
	return nil, false
}

func appendTagged(b []byte, tag byte, s string) []byte {
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
