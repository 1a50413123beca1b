package policy

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/gitops-gen/gen/generator/internal/load"
	"github.com/gitops-gen/gen/generator/model"
)

// Dir is the folder under the root that holds the policies.
const Dir = "policies"

// schemaDir is the folder under the root that holds the CUE definitions.
const schemaDir = load.SchemaDir

// errorEnv is the Env of the [*model.EnvError] that Load returns.
const errorEnv = "policies"

// Severities of a policy.
const (
	Error   = "error"
	Warning = "warning"
)

// Policy is one rule of policies/*.cue, as schema.#Policy defines it.
type Policy struct {
	// Name is the policy's key under policies.
	Name string `json:"name"`
	// Description says what the rule requires and why.
	Description string `json:"description"`
	// Severity is "error" (fails gen render and gen check) or "warning".
	Severity string `json:"severity"`
	// Environments are the environments the policy applies to; "*" is all.
	Environments []string `json:"environments"`
	// Kinds are the kinds of object it matches; "*" is all.
	Kinds []string `json:"kinds"`

	// check is the policy's check, unified with nothing yet.
	check cue.Value
	// depth is the number of selectors in check's path
	// (policies.<name>.check): CUE errors carry full paths.
	depth int
	// need is what check reads of its input.
	need need
}

// AppliesTo reports whether the policy applies to the environment named
// env ("prod" or "chatbot/prod"): whether one of its environments is "*",
// env's full name, its folder's own name (prod: every platform's prod) or
// its platform (chatbot: all of chatbot's environments).
func (p *Policy) AppliesTo(env string) bool {
	platform, base := "", env
	if i := strings.LastIndexByte(env, '/'); i >= 0 {
		platform, base = env[:i], env[i+1:]
	}
	for _, e := range p.Environments {
		if e == "*" || e == env || e == base || (platform != "" && e == platform) {
			return true
		}
	}
	return false
}

// Matches reports whether the policy matches objects of kind.
func (p *Policy) Matches(kind string) bool {
	return slices.Contains(p.Kinds, "*") || slices.Contains(p.Kinds, kind)
}

// Set is the compiled policies of a repository. A Set is immutable and
// its methods are safe for concurrent use: so are CUE values ("Values are
// immutable and all methods can be invoked concurrently", package
// cuelang.org/go/cue; tested in its concurrent_test.go).
type Set struct {
	// root is the absolute repository root, to make positions relative.
	root     string
	policies []Policy // sorted by name
	inputs   []string
}

// Inputs are the folders, relative to the root, the policies were loaded
// from (see cache.InputDirs); policies/ and schema/ are always among them.
func (s *Set) Inputs() []string { return s.inputs }

// Names returns the names of the policies, sorted.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	names := make([]string, len(s.policies))
	for i, p := range s.policies {
		names[i] = p.Name
	}
	return names
}

// nameRE is the rule for policy names: a DNS-1123 label, as schema.#Name.
var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`) })

// Load reads and compiles the policies in root's policies/ folder: CUE
// package "policies", each file declaring policies: <name>: {...}, checked
// against schema.#Policy; each check is also unified with schema.#Input,
// so that a check constraining a fact that does not exist (replica:
// rather than replicas:) is an error too. A missing folder, or one without
// .cue files, is an empty Set.
//
// Problems are returned as a [*model.EnvError] with Env "policies": a list
// of CUE errors, every one of them, positioned in the policy files.
func Load(root string) (*Set, error) {
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	s := &Set{root: absRoot, inputs: []string{"cue.mod", Dir, schemaDir}}
	if !load.HasCUEFile(filepath.Join(absRoot, Dir)) {
		return s, nil
	}
	fail := func(err error) (*Set, error) {
		return nil, &model.EnvError{Env: errorEnv, Err: inUserFiles(err)}
	}
	pkg, schema, inputs, err := load.WithSchema(absRoot, Dir)
	if err != nil {
		return fail(err)
	}
	s.inputs = inputs
	policyDef := schema.LookupPath(cue.MakePath(cue.Def("Policy")))
	inputDef := schema.LookupPath(cue.MakePath(cue.Def("Input")))
	if !policyDef.Exists() || !inputDef.Exists() {
		return fail(fmt.Errorf("%s/ defines no #Policy or #Input", schemaDir))
	}

	var errs cueerrors.Error
	// Only policies: is read; anything else at the top is most likely a
	// misspelt policies:, which would otherwise be ignored in silence.
	// Helpers can be definitions, hidden fields or lets.
	fields, err := pkg.Fields()
	if err != nil {
		return fail(err)
	}
	for fields.Next() {
		if sel := fields.Selector(); sel.String() != "policies" {
			errs = cueerrors.Append(errs, errorf(fields.Value(), nil,
				"%s: unknown field: policies/*.cue declare policies: <name>: {...} (helpers can be #definitions or _hidden fields)", sel))
		}
	}
	pols := pkg.LookupPath(cue.MakePath(cue.Str("policies")))
	if pols.Exists() {
		iter, err := pols.Fields()
		if err != nil {
			return fail(err)
		}
		for iter.Next() {
			p, err := compile(iter.Selector().Unquoted(), iter.Value(), policyDef, inputDef)
			if err != nil {
				errs = cueerrors.Append(errs, err)
				continue
			}
			s.policies = append(s.policies, p)
		}
	}
	if errs != nil {
		return fail(errs)
	}
	slices.SortFunc(s.policies, func(a, b Policy) int { return cmp.Compare(a.Name, b.Name) })
	return s, nil
}

// compile checks one policy against #Policy and its check against #Input,
// and decodes it.
func compile(name string, v, policyDef, inputDef cue.Value) (Policy, cueerrors.Error) {
	var errs cueerrors.Error
	if !nameRE().MatchString(name) {
		errs = cueerrors.Append(errs, errorf(v, v.Path().Selectors(),
			"invalid policy name %q: must be a DNS-1123 label (lowercase letters, digits and -)", name))
	}
	p := v.Unify(policyDef)
	// Validate without Final: the check may hold required fields (cpu!:),
	// which the input, not the policy, must provide.
	if err := p.Validate(); err != nil {
		errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
	}
	for _, label := range []string{"description", "check"} {
		if !p.LookupPath(cue.MakePath(cue.Str(label))).Exists() {
			errs = cueerrors.Append(errs, errorf(v, append(v.Path().Selectors(), cue.Str(label)),
				"field is required but not present"))
		}
	}
	check := p.LookupPath(cue.MakePath(cue.Str("check")))
	if check.Exists() {
		if err := check.Unify(inputDef).Validate(); err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
		}
	}
	if errs != nil {
		return Policy{}, errs
	}
	pol := Policy{Name: name, check: check, depth: len(check.Path().Selectors()), need: needOf(check)}
	for _, f := range []struct {
		label string
		into  any
	}{
		{"description", &pol.Description},
		{"severity", &pol.Severity},
		{"environments", &pol.Environments},
		{"kinds", &pol.Kinds},
	} {
		if err := p.LookupPath(cue.MakePath(cue.Str(f.label))).Decode(f.into); err != nil {
			errs = cueerrors.Append(errs, cueerrors.Promote(err, ""))
		}
	}
	return pol, errs
}

// Policies returns the policies, sorted by name.
func (s *Set) Policies() []Policy {
	if s == nil {
		return nil
	}
	return slices.Clone(s.policies)
}

// policyError is a CUE error about a policy, positioned at it.
type policyError struct {
	path   []string
	pos    token.Pos
	also   []token.Pos
	format string
	args   []any
}

func (e *policyError) Position() token.Pos         { return e.pos }
func (e *policyError) InputPositions() []token.Pos { return e.also }
func (e *policyError) Path() []string              { return e.path }
func (e *policyError) Msg() (string, []any)        { return e.format, e.args }
func (e *policyError) Error() string {
	msg := fmt.Sprintf(e.format, e.args...)
	if len(e.path) > 0 {
		return strings.Join(e.path, ".") + ": " + msg
	}
	return msg
}

// errorf returns an error with path (nil: none) positioned at v.
func errorf(v cue.Value, path []cue.Selector, format string, args ...any) cueerrors.Error {
	var p []string
	for _, s := range path {
		p = append(p, s.String())
	}
	return &policyError{path: p, pos: v.Pos(), format: format, args: args}
}

// inUserFiles keeps, of each error's positions, those outside schema/
// when it has any: the schema is the product's contract, the policy file
// is what its author should edit.
func inUserFiles(err error) cueerrors.Error {
	var out cueerrors.Error
	for _, ce := range cueerrors.Errors(err) {
		var user []token.Pos
		for _, p := range cueerrors.Positions(ce) {
			if !inSchema(p) {
				user = append(user, p)
			}
		}
		if len(user) > 0 && len(user) < len(cueerrors.Positions(ce)) {
			ce = &policyError{path: ce.Path(), pos: user[0], also: user[1:], format: "%s", args: []any{msgOf(ce)}}
		}
		out = cueerrors.Append(out, ce)
	}
	return out
}

func inSchema(p token.Pos) bool {
	f := filepath.ToSlash(p.Filename())
	return strings.Contains(f, "/"+schemaDir+"/") || strings.HasPrefix(f, schemaDir+"/")
}

// msgOf returns the message of a CUE error without its path.
func msgOf(e cueerrors.Error) string {
	format, args := e.Msg()
	return fmt.Sprintf(format, args...)
}
