package policy

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"golang.org/x/sync/errgroup"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/internal/output"
	"github.com/gitops-gen/gen/generator/model"
)

// renderedDir is the folder under the root that holds the rendered trees
// (generator.RenderedDir, which imports this package).
const renderedDir = "rendered"

// Missing is the Value of a violation about a field the object lacks.
const Missing = "(missing)"

// maxValue is how many characters of a value a Violation keeps.
const maxValue = 120

// Violation is one object failing one policy at one field.
type Violation struct {
	// Policy is the policy's name; Severity ("error" or "warning") and
	// Description are the policy's.
	Policy      string `json:"policy"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	// Env is the environment; App the app that owns the object, "" for
	// environment-wide (platform) objects.
	Env string `json:"env"`
	App string `json:"app"`
	// Kind, Namespace and Name are the object's.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// File is the object's rendered file relative to the root, e.g.
	// "rendered/prod/apps/web/deployment-web.yaml".
	File string `json:"file"`
	// Field is the failing field: a path in the object such as
	// "spec.template.spec.containers[0].resources.requests.cpu" (the
	// check's object.* and pod.* paths, and images[i] mapped to its
	// container's image), or the #Input fact, such as "replicas" or
	// "pdb.spec.minAvailable". "" when the check failed as a whole.
	Field string `json:"field"`
	// Value is the value found at Field (JSON; long values are cut), or
	// "(missing)".
	Value string `json:"value"`
	// Message is what CUE says is wrong, on one line.
	Message string `json:"message"`
	// Source is where the app is defined, "environments/prod/prod.cue:12"
	// relative to the root; "" for platform objects.
	Source string `json:"source"`
	// Waived is the waiver that excuses the violation, in Report.Waived.
	Waived *WaiverUse `json:"waiver,omitempty"`
}

// Object names the violation's object: Kind/namespace/name or Kind/name.
func (v Violation) Object() string {
	if v.Namespace != "" {
		return v.Kind + "/" + v.Namespace + "/" + v.Name
	}
	return v.Kind + "/" + v.Name
}

// WaiverUse is an app's waiver of a policy in one environment, as a
// report mentions it.
type WaiverUse struct {
	Env    string `json:"env"`
	App    string `json:"app"`
	Policy string `json:"policy"`
	Reason string `json:"reason"`
	// Expires is the last day the waiver holds, YYYY-MM-DD.
	Expires string `json:"expires"`
	// Source is where the waiver is written, relative to the root.
	Source string `json:"source"`
	// Message says what is wrong with it, for Expired and Unused.
	Message string `json:"message,omitempty"`
}

// Report is the outcome of evaluating the policies over one environment.
// [WriteJSON] documents its JSON form.
type Report struct {
	// Env is the environment's name.
	Env string
	// Violations are the errors and warnings that no valid waiver excuses,
	// in the order of the objects, then by policy name.
	Violations []Violation
	// Waived are the violations that a waiver excuses.
	Waived []Violation
	// Expired are the waivers past their expiry date; each is itself a
	// violation, and what it waived is reported again in Violations.
	Expired []WaiverUse
	// Unused are the waivers that excused nothing: their policy does not
	// exist, does not apply to the environment, or found nothing wrong
	// with the app. They do not fail a render.
	Unused []WaiverUse
}

// Failed reports whether the environment fails its policies: an
// error-severity violation, or an expired waiver.
func (r Report) Failed() bool {
	if len(r.Expired) > 0 {
		return true
	}
	for _, v := range r.Violations {
		if v.Severity == Error {
			return true
		}
	}
	return false
}

// Evaluate checks every object of env against every policy that applies to
// env and matches the object's kind, then applies the apps' waivers with
// today as the date. It is pure and safe for concurrent use.
//
// A policy's check is unified with the object's #Input and validated as
// "cue vet" without -c does, but with required fields enforced: an
// object fails a check where a constraint conflicts with a value the
// input has (replicas: >=3 with replicas 1) or where a required field
// (cpu!: _) is missing. A constraint on a field the input lacks is not a
// failure (replicas: >=3 on a Service, which has no replicas): use x!: to
// require a field, and pod?: {...} to make a required field conditional
// on a fact that only some kinds have.
func (s *Set) Evaluate(env *model.Environment, objs []object.Object, today time.Time) Report {
	if s == nil {
		s = &Set{}
	}
	rep := Report{Env: env.Name}
	var pols []*Policy
	for i := range s.policies {
		if s.policies[i].AppliesTo(env.Name) {
			pols = append(pols, &s.policies[i])
		}
	}
	if len(pols) > 0 && len(objs) > 0 {
		f := newFacts(env, objs)
		// Objects are checked in chunks, in parallel: CUE values are safe
		// for concurrent use, and each chunk's result has its own slot, so
		// the order of the violations never depends on timing.
		chunks := (len(objs) + chunkSize - 1) / chunkSize
		found := make([][]Violation, chunks)
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for c := range chunks {
			g.Go(func() error {
				lo, hi := c*chunkSize, min((c+1)*chunkSize, len(objs))
				found[c] = s.check(env, f, pols, lo, hi)
				return nil
			})
		}
		_ = g.Wait()
		for _, vs := range found {
			rep.Violations = append(rep.Violations, vs...)
		}
	}
	s.waive(&rep, env, today)
	return rep
}

// chunkSize is how many objects one goroutine of Evaluate checks.
const chunkSize = 64

// check checks objects lo to hi of f against the policies pols.
func (s *Set) check(env *model.Environment, f *facts, pols []*Policy, lo, hi int) []Violation {
	// Inputs are encoded into a context of their own: a context only
	// grows, and values of different contexts unify.
	ctx := cuecontext.New()
	var out []Violation
	var matching []*Policy
	for i := lo; i < hi; i++ {
		o := f.objs[i]
		matching = matching[:0]
		for _, p := range pols {
			if p.Matches(o.Kind()) {
				matching = append(matching, p)
			}
		}
		if len(matching) == 0 {
			continue
		}
		in := f.input(i)
		enc := encoder{ctx: ctx, in: in}
		for _, p := range matching {
			err := p.check.Unify(enc.value(p.need)).Validate(cue.Final())
			out = append(out, s.violations(p, env, o, in, err)...)
		}
	}
	return out
}

// violations turns the CUE errors of one check into violations, one per
// failing field.
func (s *Set) violations(p *Policy, env *model.Environment, o object.Object, in map[string]any, err error) []Violation {
	if err == nil {
		return nil
	}
	type failure struct {
		path []string
		msgs []string
	}
	var fails []*failure
	byPath := map[string]*failure{}
	for _, ce := range cueerrors.Errors(err) {
		errPath := ce.Path()
		key := strings.Join(errPath, "\x00")
		f := byPath[key]
		if f == nil {
			f = &failure{path: errPath}
			byPath[key] = f
			fails = append(fails, f)
		}
		if msg := clean(msgOf(ce)); !slices.Contains(f.msgs, msg) {
			f.msgs = append(f.msgs, msg)
		}
	}
	out := make([]Violation, 0, len(fails))
	for _, fl := range fails {
		rel := fl.path
		if len(rel) >= p.depth {
			rel = rel[p.depth:]
		}
		field, value := fieldOf(o, in, rel)
		v := Violation{
			Policy:      p.Name,
			Severity:    p.Severity,
			Description: p.Description,
			Env:         env.Name,
			App:         o.App,
			Kind:        o.Kind(),
			Namespace:   o.Namespace(),
			Name:        o.Name(),
			File:        path.Join(renderedDir, env.Name, output.Path(o)),
			Field:       field,
			Value:       value,
			Message:     joinMessages(fl.msgs),
		}
		if app := env.Apps[o.App]; app != nil && o.App != "" {
			v.Source = s.source(env, app.Path(""))
		}
		out = append(out, v)
	}
	return out
}

// fieldOf maps the path of a CUE error in the #Input to the field of the
// object it is about, and finds the value there.
func fieldOf(o object.Object, in map[string]any, rel []string) (field, value string) {
	if len(rel) == 0 {
		return "", ""
	}
	value = valueAt(in, rel)
	switch rel[0] {
	case "object":
		return formatPath(rel[1:]), value
	case "pod":
		if podPath := object.PodSpecPath(o.Kind()); podPath != nil {
			return formatPath(append(slices.Clone(podPath), rel[1:]...)), value
		}
	case "images":
		// images[i] is the i-th of the init containers, then the
		// containers: the field to fix is that container's image.
		if len(rel) < 2 {
			break
		}
		i, err := strconv.Atoi(rel[1])
		uses := o.Images()
		if err != nil || i >= len(uses) {
			break
		}
		list, j := "containers", i
		for k := range i {
			if uses[k].InitContainer {
				j--
			}
		}
		if uses[i].InitContainer {
			list = "initContainers"
			j = i
		}
		p := append(slices.Clone(object.PodSpecPath(o.Kind())), list, strconv.Itoa(j), "image")
		return formatPath(p), quote(uses[i].Reference)
	}
	return formatPath(rel), value
}

// valueAt returns the value at an error path in the input, as JSON.
func valueAt(in map[string]any, rel []string) string {
	var v any = in
	for _, sel := range rel {
		switch x := v.(type) {
		case map[string]any:
			c, ok := x[unquote(sel)]
			if !ok {
				return Missing
			}
			v = c
		case []any:
			i, err := strconv.Atoi(sel)
			if err != nil || i < 0 || i >= len(x) {
				return Missing
			}
			v = x[i]
		default:
			return Missing
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(b))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return truncate(string(b))
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxValue {
		return s
	}
	r := []rune(s)
	return string(r[:maxValue-1]) + "…"
}

// formatPath writes an error path the way Kubernetes tools do: list
// indices in brackets, labels joined by dots (quoted, as CUE quotes them,
// when they are not identifiers).
func formatPath(sels []string) string {
	var b strings.Builder
	for _, s := range sels {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func unquote(sel string) string {
	if strings.HasPrefix(sel, `"`) {
		if u, err := strconv.Unquote(sel); err == nil {
			return u
		}
	}
	return sel
}

// clean puts a CUE message on one line.
func clean(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}

// joinMessages joins the messages of one field: a summary such as "2
// errors in empty disjunction:" is followed by its parts.
func joinMessages(msgs []string) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			if strings.HasSuffix(msgs[i-1], ":") {
				b.WriteByte(' ')
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(m)
	}
	return b.String()
}

// source returns where the field at path (a CUE path) of env is written,
// as "file:line" relative to the root, or "".
func (s *Set) source(env *model.Environment, cuePath string) string {
	return Source(env, s.root, cuePath)
}

// Source returns where the field at cuePath (a CUE path) of env is
// written, as "file:line" relative to root (an absolute path, or "" to
// keep the file name as CUE gives it), or "". Reports use it for the
// waivers they list.
func Source(env *model.Environment, root, cuePath string) string {
	pos := env.Pos(cuePath)
	if !pos.IsValid() || pos.Filename() == "" {
		return ""
	}
	name := pos.Filename()
	if root != "" && filepath.IsAbs(name) {
		if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	return filepath.ToSlash(name) + ":" + strconv.Itoa(pos.Line())
}

// waive moves the violations that a valid waiver excuses to rep.Waived
// and reports the expired and unused waivers of env's enabled apps.
func (s *Set) waive(rep *Report, env *model.Environment, today time.Time) {
	date := today.Format(time.DateOnly)
	type key struct{ app, policy string }
	matched := map[key]bool{}
	kept := rep.Violations[:0]
	for _, v := range rep.Violations {
		app := env.Apps[v.App]
		w, ok := model.Waiver{}, false
		if app != nil && v.App != "" {
			w, ok = app.Waivers[v.Policy]
		}
		if !ok {
			kept = append(kept, v)
			continue
		}
		matched[key{v.App, v.Policy}] = true
		if expired(w, date) {
			kept = append(kept, v)
			continue
		}
		use := s.waiverUse(env, app, v.Policy, w)
		v.Waived = &use
		rep.Waived = append(rep.Waived, v)
	}
	rep.Violations = kept
	for app, policy := range env.Waivers() {
		w := app.Waivers[policy]
		use := s.waiverUse(env, app, policy, w)
		switch p := s.policy(policy); {
		case expired(w, date):
			use.Message = fmt.Sprintf("waiver for %s expired on %s: %s", policy, w.Expires, w.Reason)
			if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
				use.Message = fmt.Sprintf("waiver for %s has an invalid expiry date %q: %s", policy, w.Expires, w.Reason)
			}
			rep.Expired = append(rep.Expired, use)
		case matched[key{app.Name, policy}]:
		case p == nil:
			use.Message = fmt.Sprintf("waiver for %s: there is no policy %s in %s/", policy, policy, Dir)
			rep.Unused = append(rep.Unused, use)
		case !p.AppliesTo(env.Name):
			use.Message = fmt.Sprintf("waiver for %s: the policy does not apply to %s", policy, env.Name)
			rep.Unused = append(rep.Unused, use)
		default:
			use.Message = fmt.Sprintf("waiver for %s: %s passes the policy; remove the waiver", policy, app.Name)
			rep.Unused = append(rep.Unused, use)
		}
	}
}

// expired reports whether a waiver's last day is before date
// (YYYY-MM-DD). A date that does not parse counts as expired.
func expired(w model.Waiver, date string) bool {
	if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
		return true
	}
	return w.Expires < date
}

func (s *Set) waiverUse(env *model.Environment, app *model.App, policy string, w model.Waiver) WaiverUse {
	return WaiverUse{
		Env:     env.Name,
		App:     app.Name,
		Policy:  policy,
		Reason:  w.Reason,
		Expires: w.Expires,
		Source:  s.source(env, app.Path("waivers."+model.Label(policy))),
	}
}

// policy returns the policy named name, or nil.
func (s *Set) policy(name string) *Policy {
	i, ok := slices.BinarySearchFunc(s.policies, name, func(p Policy, name string) int { return strings.Compare(p.Name, name) })
	if !ok {
		return nil
	}
	return &s.policies[i]
}
