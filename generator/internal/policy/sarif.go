package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SARIF 2.1.0, the format GitHub code scanning (and most CI) uploads:
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html. Only
// the properties gen fills in are modelled.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// Rules that are not policies: waivers past their date fail like a
// policy; waivers that excuse nothing are notes. Policy names are
// DNS-1123 labels, so a "/" keeps these ids apart from them.
const (
	ruleExpired = "gen/waiver-expired"
	ruleUnused  = "gen/waiver-unused"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name  string      `json:"name"`
	Rules []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	ShortDescription     sarifText      `json:"shortDescription"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    *int               `json:"ruleIndex,omitempty"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]string  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical          `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// WriteSARIF writes reports as a SARIF 2.1.0 log with one run of the tool
// "gen": one rule per policy (id: its name; shortDescription: its
// description; level: its severity), plus gen/waiver-expired (error) and
// gen/waiver-unused (note). Each violation is a result located where its
// app is defined in environments/ (the rendered file, line 1, for
// platform objects); a waived violation carries the waiver as an
// in-source suppression, so code scanning shows it as dismissed; expired
// and unused waivers are results located at the waiver.
func WriteSARIF(w io.Writer, reports []Report, policies []Policy) error {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: "gen"}},
		Results: []sarifResult{},
	}
	index := map[string]int{}
	addRule := func(r sarifRule) {
		index[r.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	for _, p := range policies {
		addRule(sarifRule{
			ID:                   p.Name,
			ShortDescription:     sarifText{p.Description},
			DefaultConfiguration: sarifConfig{level(p.Severity)},
			Properties:           map[string]any{"environments": p.Environments, "kinds": p.Kinds},
		})
	}
	addRule(sarifRule{
		ID:                   ruleExpired,
		ShortDescription:     sarifText{"A waiver of a policy is past its expiry date: renew it with a new date, or fix what it waives."},
		DefaultConfiguration: sarifConfig{"error"},
	})
	addRule(sarifRule{
		ID:                   ruleUnused,
		ShortDescription:     sarifText{"A waiver excuses no violation: remove it."},
		DefaultConfiguration: sarifConfig{"note"},
	})

	violation := func(v Violation) sarifResult {
		loc := location(v.Source, v.File)
		loc.LogicalLocations = []sarifLogicalLocation{{
			FullyQualifiedName: v.Env + "/" + v.Object(),
			Kind:               "resource",
		}}
		r := sarifResult{
			RuleID: v.Policy,
			Level:  level(v.Severity),
			Message: sarifText{fmt.Sprintf("%s %s in %s (%s): %s: %s",
				v.Policy, v.Object(), v.Env, v.File, fieldValue(v), v.Message)},
			Locations: []sarifLocation{loc},
			Properties: map[string]string{
				"env": v.Env, "app": v.App, "kind": v.Kind, "namespace": v.Namespace, "name": v.Name,
				"renderedFile": v.File, "field": v.Field, "value": v.Value,
			},
		}
		if i, ok := index[v.Policy]; ok {
			r.RuleIndex = &i
		}
		return r
	}
	waiver := func(rule, level string, u WaiverUse) sarifResult {
		i := index[rule]
		return sarifResult{
			RuleID:    rule,
			RuleIndex: &i,
			Level:     level,
			Message:   sarifText{fmt.Sprintf("%s in %s: %s", u.App, u.Env, u.Message)},
			Locations: []sarifLocation{location(u.Source, "environments/"+u.Env)},
			Properties: map[string]string{
				"env": u.Env, "app": u.App, "policy": u.Policy, "expires": u.Expires, "reason": u.Reason,
			},
		}
	}
	for _, rep := range reports {
		for _, v := range rep.Violations {
			run.Results = append(run.Results, violation(v))
		}
		for _, v := range rep.Waived {
			r := violation(v)
			r.Suppressions = []sarifSuppression{{
				Kind:          "inSource",
				Justification: fmt.Sprintf("%s (waived %s)", v.Waived.Reason, until(v.Waived.Expires)),
			}}
			run.Results = append(run.Results, r)
		}
		for _, u := range rep.Expired {
			run.Results = append(run.Results, waiver(ruleExpired, "error", u))
		}
		for _, u := range rep.Unused {
			run.Results = append(run.Results, waiver(ruleUnused, "note", u))
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// level maps a policy severity to a SARIF level.
func level(severity string) string {
	if severity == Warning {
		return "warning"
	}
	return "error"
}

// location returns the SARIF location of source ("file:line"), or of
// fallback's first line.
func location(source, fallback string) sarifLocation {
	file, line := fallback, 1
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		if n, err := strconv.Atoi(source[i+1:]); err == nil && n > 0 {
			file, line = source[:i], n
		}
	}
	return sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: sarifArtifact{URI: file},
		Region:           sarifRegion{StartLine: line},
	}}
}
