package policy

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/internal/golden"
)

// fixtureReports returns the reports of the waiver fixture's environment
// as dev and as prod, and the policies.
func fixtureReports(t *testing.T) ([]Report, []Policy) {
	t.Helper()
	s, dev, objs := waiverFixture(t)
	prod := newEnv(t, s.root, "prod", waiverEnv)
	return []Report{s.Evaluate(dev, objs, today), s.Evaluate(prod, objs, today)}, s.Policies()
}

// checkGolden compares got with testdata/name; -update (or GEN_UPDATE=1)
// rewrites it.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, "run with -update to rewrite it")
}

func TestWriteText(t *testing.T) {
	reports, _ := fixtureReports(t)
	var b bytes.Buffer
	WriteText(&b, reports)
	checkGolden(t, "report.txt", b.Bytes())
}

func TestWriteTextPassed(t *testing.T) {
	tests := []struct {
		name    string
		reports []Report
		want    string
	}{
		{"nothing", nil, "policies: passed\n"},
		{"clean", []Report{{Env: "dev"}}, "dev: no violations\npolicies: passed\n"},
		{
			"a warning",
			[]Report{{Env: "dev", Violations: []Violation{{Policy: "p", Severity: Warning, Kind: "Namespace", Name: "shop",
				File: "rendered/dev/platform/namespace-shop.yaml", Field: "metadata.labels.team", Value: Missing, Message: "m"}}}},
			"dev: 1 warning\n" +
				"  (platform)\n" +
				"    warning  p  Namespace/shop  rendered/dev/platform/namespace-shop.yaml  metadata.labels.team=(missing)  -  m\n" +
				"policies: passed with 1 warning\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			WriteText(&b, tt.reports)
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("WriteText mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	reports, _ := fixtureReports(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, reports); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "report.json", b.Bytes())

	// Empty lists are [], never null.
	b.Reset()
	if err := WriteJSON(&b, []Report{{Env: "dev"}}); err != nil {
		t.Fatal(err)
	}
	const want = `{
  "failed": false,
  "environments": [
    {
      "env": "dev",
      "failed": false,
      "violations": [],
      "waived": [],
      "expired": [],
      "unused": []
    }
  ]
}
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteJSON(clean) mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteSARIF(t *testing.T) {
	reports, policies := fixtureReports(t)
	var b bytes.Buffer
	if err := WriteSARIF(&b, reports, policies); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "report.sarif", b.Bytes())

	// The structure code scanning relies on.
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []struct {
					Kind string `json:"kind"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	dec := json.NewDecoder(bytes.NewReader(b.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		// Unknown fields are fine in SARIF; decode again to report only
		// real problems.
		if err := json.Unmarshal(b.Bytes(), &log); err != nil {
			t.Fatalf("WriteSARIF wrote invalid JSON: %v", err)
		}
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") {
		t.Errorf("SARIF version, $schema = %q, %q; want 2.1.0", log.Version, log.Schema)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("SARIF has %d runs, want 1", len(log.Runs))
	}
	run := log.Runs[0]
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
		if r.ShortDescription.Text == "" {
			t.Errorf("rule %s has no shortDescription", r.ID)
		}
	}
	wantIDs := []string{"cpu-requests", "min-replicas", "namespace-network-policy", "prod-only", ruleExpired, ruleUnused}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("SARIF rule ids mismatch (-want +got):\n%s", diff)
	}
	counts := map[string]int{}
	for _, r := range run.Results {
		if r.RuleIndex == nil || *r.RuleIndex < 0 || *r.RuleIndex >= len(ids) || ids[*r.RuleIndex] != r.RuleID {
			t.Errorf("result %q: ruleIndex %v does not name its rule", r.RuleID, r.RuleIndex)
		}
		if !slices.Contains([]string{"error", "warning", "note"}, r.Level) {
			t.Errorf("result %q: level %q", r.RuleID, r.Level)
		}
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" ||
			r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result %q: locations %+v, want one with a uri and a line", r.RuleID, r.Locations)
		}
		if r.Message.Text == "" {
			t.Errorf("result %q has no message", r.RuleID)
		}
		key := r.Level
		if len(r.Suppressions) > 0 {
			key = "suppressed"
		}
		counts[key]++
	}
	var want map[string]int = map[string]int{}
	for _, r := range reports {
		for _, v := range r.Violations {
			want[level(v.Severity)]++
		}
		want["suppressed"] += len(r.Waived)
		want["error"] += len(r.Expired)
		want["note"] += len(r.Unused)
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("SARIF results by level mismatch (-want +got):\n%s", diff)
	}
}

// TestSARIFLocation checks where results point: the app's source, else
// the rendered file.
func TestSARIFLocation(t *testing.T) {
	tests := []struct {
		source, fallback string
		want             sarifPhysical
	}{
		{"environments/prod/prod.cue:12", "rendered/prod/apps/web/deployment-web.yaml",
			sarifPhysical{sarifArtifact{"environments/prod/prod.cue"}, sarifRegion{12}}},
		{"", "rendered/prod/platform/namespace-shop.yaml",
			sarifPhysical{sarifArtifact{"rendered/prod/platform/namespace-shop.yaml"}, sarifRegion{1}}},
	}
	for _, tt := range tests {
		if got := location(tt.source, tt.fallback).PhysicalLocation; got != tt.want {
			t.Errorf("location(%q, %q) = %+v, want %+v", tt.source, tt.fallback, got, tt.want)
		}
	}
}
