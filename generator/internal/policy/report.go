package policy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText writes reports for people: per environment a summary line,
// then the violations grouped by app ("(platform)" for environment-wide
// objects), one line each with the severity, policy, object, rendered
// file, field=value, where the app is defined and CUE's message; then
// the waived violations, the expired waivers and the unused ones.
func WriteText(w io.Writer, reports []Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	var total Report
	for _, r := range reports {
		total.Violations = append(total.Violations, r.Violations...)
		total.Expired = append(total.Expired, r.Expired...)
		fmt.Fprintf(tw, "%s: %s\n", r.Env, r.summary())
		for _, group := range byApp(r.Violations) {
			fmt.Fprintf(tw, "  %s\n", appName(group[0].App))
			for _, v := range group {
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\t%s\n",
					v.Severity, v.Policy, v.Object(), v.File, fieldValue(v), dash(v.Source), v.Message)
			}
		}
		if len(r.Waived) > 0 {
			fmt.Fprintf(tw, "  waived:\n")
			for _, v := range r.Waived {
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\t%s\n",
					appName(v.App), v.Policy, v.Object(), fieldValue(v), until(v.Waived.Expires), dash(v.Waived.Source), v.Waived.Reason)
			}
		}
		for _, section := range []struct {
			title string
			uses  []WaiverUse
		}{{"expired waivers", r.Expired}, {"unused waivers", r.Unused}} {
			if len(section.uses) == 0 {
				continue
			}
			fmt.Fprintf(tw, "  %s:\n", section.title)
			for _, u := range section.uses {
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", u.App, u.Policy, dash(u.Source), u.Message)
			}
		}
	}
	switch {
	case total.Failed():
		fmt.Fprintf(tw, "policies: failed: %s\n", total.summary())
	case len(total.Violations) > 0:
		fmt.Fprintf(tw, "policies: passed with %s\n", total.summary())
	default:
		fmt.Fprintf(tw, "policies: passed\n")
	}
}

// counts returns the numbers of error and warning violations.
func (r Report) counts() (errs, warnings int) {
	for _, v := range r.Violations {
		if v.Severity == Error {
			errs++
		} else {
			warnings++
		}
	}
	return errs, warnings
}

// summary is the report's numbers, those that are not zero.
func (r Report) summary() string {
	errs, warnings := r.counts()
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{errs, "error"},
		{warnings, "warning"},
		{len(r.Waived), "waived violation"},
		{len(r.Expired), "expired waiver"},
		{len(r.Unused), "unused waiver"},
	} {
		if c.n > 0 {
			parts = append(parts, plural(c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "no violations"
	}
	return strings.Join(parts, ", ")
}

// byApp groups violations by app, environment-wide objects first, then
// apps by name, keeping their order within an app.
func byApp(vs []Violation) [][]Violation {
	sorted := slices.Clone(vs)
	slices.SortStableFunc(sorted, func(a, b Violation) int { return cmp.Compare(a.App, b.App) })
	var groups [][]Violation
	for i, v := range sorted {
		if i == 0 || v.App != sorted[i-1].App {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], v)
	}
	return groups
}

func appName(app string) string {
	if app == "" {
		return "(platform)"
	}
	return app
}

func fieldValue(v Violation) string {
	if v.Field == "" {
		return "(object)"
	}
	return v.Field + "=" + v.Value
}

// until says how long a waiver holds: until its expiry date, or for
// good (an allowance of the credential scan, which has none).
func until(expires string) string {
	if expires == "" {
		return "with no expiry"
	}
	return "until " + expires
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// jsonReport is the shape WriteJSON writes.
type jsonReport struct {
	// Failed is true when any environment failed (Report.Failed).
	Failed       bool      `json:"failed"`
	Environments []jsonEnv `json:"environments"`
}

type jsonEnv struct {
	Env        string      `json:"env"`
	Failed     bool        `json:"failed"`
	Violations []Violation `json:"violations"`
	Waived     []Violation `json:"waived"`
	Expired    []WaiverUse `json:"expired"`
	Unused     []WaiverUse `json:"unused"`
}

// WriteJSON writes reports as one JSON document, indented, in this shape
// (lists are never null):
//
//	{
//	  "failed": bool,                 // any environment failed
//	  "environments": [{
//	    "env": "prod",
//	    "failed": bool,               // Report.Failed
//	    "violations": [Violation],    // not waived
//	    "waived": [Violation],        // each with "waiver": WaiverUse
//	    "expired": [WaiverUse],
//	    "unused": [WaiverUse]
//	  }]
//	}
//
// A Violation is {"policy", "severity", "description", "env", "app",
// "kind", "namespace", "name", "file", "field", "value", "message",
// "source"}; a WaiverUse is {"env", "app", "policy", "reason", "expires",
// "source", "message"} (see [Violation] and [WaiverUse]). Fields may be
// added; none will be renamed or removed.
func WriteJSON(w io.Writer, reports []Report) error {
	out := jsonReport{Environments: make([]jsonEnv, 0, len(reports))}
	for _, r := range reports {
		out.Failed = out.Failed || r.Failed()
		out.Environments = append(out.Environments, jsonEnv{
			Env:        r.Env,
			Failed:     r.Failed(),
			Violations: nonNil(r.Violations),
			Waived:     nonNil(r.Waived),
			Expired:    nonNil(r.Expired),
			Unused:     nonNil(r.Unused),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // messages hold >=, not HTML
	return enc.Encode(out)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
