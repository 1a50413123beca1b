package policy

import (
	"encoding/json"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// inputFields are the fields of schema.#Input.
var inputFields = []string{
	"object", "kind", "env", "app", "pod", "longRunning", "replicas", "images",
	"hpa", "pdb", "pdbMinAvailable", "selects", "networkPolicies", "resourceQuotas",
	"limitRanges",
}

// A need is what a check reads of its input, found in its syntax. Most of
// the cost of a check is evaluating the input it is unified with, and most
// checks read a few fields of it: min-replicas need not see the whole
// Deployment, requests-and-limits only the containers' resources.
//
// The fields a check mentions (as a label or an identifier, at any depth)
// are the only ones whose presence or value can change its outcome, with
// exceptions that the syntax shows and that make need fall back:
//   - a reference to something declared outside the check (a #definition,
//     a hidden field or a let of the policy file, a package of a module
//     such as the schema): its fields are unknown; a label computed at run
//     time ((k): v, "\(k)": v); a pattern constraint on the check's own
//     fields; a definition or close(), which make a struct reject the
//     fields it does not name: the check gets the whole input;
//   - anything else that sees a struct or list as a whole: pattern
//     constraints ([string]: v), for comprehensions, calls other than to
//     the strings, regexp, math, net, time and strconv packages (len, or,
//     struct.MaxFields, list.Contains, ...), == and != with a struct or
//     list literal: the check gets the fields of the input it mentions at
//     the top, each whole.
//
// Otherwise the check gets the input pruned to the names it mentions, at
// every depth. Pruning keeps every list element (it only drops fields of
// structs), so list lengths are unchanged.
type need struct {
	// fields are the top-level #Input fields; nil means all of them.
	fields []string
	// names, when not nil, prunes the fields' values to the names the
	// check mentions.
	names map[string]bool
}

// scalarPackages are the standard library packages whose functions take
// and return scalars.
var scalarPackages = map[string]bool{
	"strings": true, "regexp": true, "math": true, "net": true, "time": true, "strconv": true,
}

// needOf reads a check's need from its syntax.
func needOf(check cue.Value) need {
	var srcs []ast.Node
	if op, args := check.Expr(); op == cue.AndOp && len(args) > 1 {
		for _, a := range args {
			srcs = append(srcs, a.Source())
		}
	} else {
		srcs = append(srcs, check.Source())
	}
	names := map[string]bool{}
	deep := true
	for _, src := range srcs {
		if src == nil {
			return need{}
		}
		top, nested := scan(src, names)
		if !top {
			return need{}
		}
		deep = deep && nested
	}
	n := need{fields: []string{}}
	for _, f := range inputFields {
		if names[f] {
			n.fields = append(n.fields, f)
		}
	}
	if deep {
		n.names = names
	}
	return n
}

// scan adds the names that occur in src (a check, or the field that
// declares it) to names. It reports whether the check may get only the
// top-level fields it mentions (top), and only the nested fields it
// mentions (deep): see [need].
func scan(src ast.Node, names map[string]bool) (top, deep bool) {
	self, whole := true, false
	if f, ok := src.(*ast.Field); ok {
		src = f.Value
	}
	if s, ok := src.(*ast.StructLit); ok {
		for _, d := range s.Elts {
			if f, ok := d.(*ast.Field); ok {
				if _, ok := f.Label.(*ast.ListLit); ok {
					return false, true // [string]: x constrains every fact
				}
			}
		}
	}
	begin, end := src.Pos(), src.End()
	inside := func(n ast.Node) bool {
		p := n.Pos()
		return p.Filename() == begin.Filename() && p.Offset() >= begin.Offset() && p.Offset() <= end.Offset()
	}
	// labels are the identifiers that name something rather than refer
	// to it: field labels, selectors, and what let, for and aliases
	// declare.
	labels := map[*ast.Ident]bool{}
	ast.Walk(src, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if sel, ok := n.Sel.(*ast.Ident); ok {
				labels[sel] = true
			}
		case *ast.LetClause:
			labels[n.Ident] = true
		case *ast.ForClause:
			labels[n.Key] = true
			labels[n.Value] = true
			whole = true
		case *ast.Alias:
			labels[n.Ident] = true
		case *ast.Field:
			label := n.Label
			if a, ok := label.(*ast.Alias); ok {
				labels[a.Ident] = true
				label, _ = a.Expr.(ast.Label)
			}
			switch l := label.(type) {
			case *ast.Ident:
				labels[l] = true
				names[l.Name] = true
				if strings.HasPrefix(l.Name, "#") {
					self = false // a definition closes what it is unified with
				}
			case *ast.BasicLit:
				s, err := strconv.Unquote(l.Value)
				if err != nil || l.Kind != token.STRING {
					self = false
				}
				names[s] = true
			case *ast.ListLit:
				whole = true // a pattern constraint within a fact
			default: // (expr): x, "\(x)": x
				self = false
			}
		case *ast.Ident:
			names[n.Name] = true
			if labels[n] {
				break
			}
			switch ref := n.Node.(type) {
			case nil:
				// Predeclared (int, or, len, ...) or, when the parser
				// could not resolve it in its file, declared in another
				// file of the package.
				name := strings.TrimPrefix(n.Name, "__")
				switch {
				case !predeclared(n.Name), name == "close", name == "closeAll":
					self = false
				case wholeBuiltins[name]:
					whole = true
				}
			case *ast.ImportSpec:
				path, _ := strconv.Unquote(ref.Path.Value)
				if strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
					self = false // a module's package, such as the schema
				}
			default:
				if !inside(ref) {
					self = false
				}
			}
		case *ast.CallExpr:
			switch fun := n.Fun.(type) {
			case *ast.SelectorExpr:
				whole = whole || !scalarPackages[importPath(fun.X)]
			case *ast.Ident:
				whole = whole || !scalarBuiltins[fun.Name]
			default:
				whole = true
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				for _, x := range []ast.Expr{n.X, n.Y} {
					switch x.(type) {
					case *ast.StructLit, *ast.ListLit:
						whole = true
					}
				}
			}
		}
		return self
	}, nil)
	return self, self && !whole
}

// scalarBuiltins are the predeclared functions that take scalars.
var scalarBuiltins = map[string]bool{"error": true, "div": true, "mod": true, "quo": true, "rem": true}

// wholeBuiltins are the predeclared functions that can see a struct or a
// list as a whole.
var wholeBuiltins = map[string]bool{"len": true, "and": true, "or": true, "matchN": true, "matchIf": true}

// predeclared reports whether name is one of CUE's predeclared
// identifiers (cuelang.org/go/internal/core/compile/predeclared.go).
func predeclared(name string) bool {
	if strings.HasPrefix(name, "__") {
		return true
	}
	switch name {
	case "_", "string", "bytes", "bool", "int", "float", "number", "error", "len", "close",
		"matchIf", "matchN", "and", "or", "div", "mod", "quo", "rem", "self",
		"rune", "int8", "int16", "int32", "int64", "int128",
		"uint", "uint8", "uint16", "uint32", "uint64", "uint128", "float32", "float64":
		return true
	}
	return false
}

// importPath returns the path of the package x refers to, or "".
func importPath(x ast.Expr) string {
	id, ok := x.(*ast.Ident)
	if !ok {
		return ""
	}
	spec, ok := id.Node.(*ast.ImportSpec)
	if !ok {
		return ""
	}
	path, _ := strconv.Unquote(spec.Path.Value)
	return path
}

// encoder encodes one object's input for the checks of the policies that
// match it: each fact once for the checks that read it whole, and pruned
// for each check that reads part of it.
type encoder struct {
	ctx   *cue.Context
	in    map[string]any // the facts, unstructured
	whole map[string]cue.Value
	all   cue.Value
}

// value returns the input for a check with need n.
func (e *encoder) value(n need) cue.Value {
	if n.fields == nil {
		if !e.all.Exists() {
			e.all = e.ctx.Encode(cueable(e.in, nil))
		}
		return e.all
	}
	m := make(map[string]any, len(n.fields))
	for _, f := range n.fields {
		x, ok := e.in[f]
		if !ok {
			continue
		}
		if n.names != nil {
			m[f] = cueable(x, n.names)
			continue
		}
		v, ok := e.whole[f]
		if !ok {
			if e.whole == nil {
				e.whole = make(map[string]cue.Value, len(e.in))
			}
			v = e.ctx.Encode(cueable(x, nil))
			e.whole[f] = v
		}
		m[f] = v // Encode takes a cue.Value as it is
	}
	return e.ctx.Encode(m)
}

// cueable returns a copy of an unstructured value in the form Encode
// takes, json.Numbers as int64 or float64 (Encode would make strings of
// them), keeping only the struct fields in names (all when nil).
func cueable(v any, names map[string]bool) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, c := range v {
			if names == nil || names[k] {
				m[k] = cueable(c, names)
			}
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, c := range v {
			l[i] = cueable(c, names)
		}
		return l
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	}
	return v
}
