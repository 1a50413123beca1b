package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

func policiesCommand() command {
	return command{
		name:     "policies",
		args:     "[--report [ENV...]]",
		summary:  "List the policies in policies/ with their descriptions and the environments they apply to.",
		examples: []string{"gen policies", "gen policies --report prod", "gen policies --report -o sarif > policies.sarif"},
		long: "With --report, render the environments (all by default; offline) and report what the policies\n" +
			"find: text grouped by app, -o json, or -o sarif for code scanning. Exits 1 when a policy fails.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			report := fs.Bool(flagReport, false, "evaluate the policies and print the report")
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json (and sarif with --report)")
			return func(ctx context.Context, e *invocation) int {
				if *format != "text" && *format != "json" && !(*report && *format == "sarif") {
					fmt.Fprintf(e.stderr, "gen policies: unknown output format %q (want text, json, or sarif with --report)\n", *format)
					return exitError
				}
				if len(e.args) > 0 && !*report {
					fmt.Fprintf(e.stderr, "gen policies: environments are named after --report\n")
					return exitError
				}
				policies, err := generator.Policies(e.root)
				if err != nil {
					return e.fail(err)
				}
				if !*report {
					return listPolicies(e, policies, *format)
				}
				envs, ok := e.envs(true)
				if !ok {
					return exitError
				}
				opts := e.options()
				opts.Envs = envs
				res, err := generator.Render(ctx, opts)
				if err != nil {
					return e.fail(err)
				}
				reports := res.PolicyReports()
				switch *format {
				case "json":
					err = generator.WritePolicyJSON(e.stdout, reports)
				case "sarif":
					err = generator.WritePolicySARIF(e.stdout, reports, policies)
				default:
					generator.WritePolicyText(e.stdout, reports)
				}
				if err != nil {
					return e.fail(err)
				}
				if res.PolicyFailed() {
					return exitChanges
				}
				return exitOK
			}
		},
	}
}

// policyJSON is the stable shape of "gen policies -o json".
type policyJSON struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Severity     string   `json:"severity"`
	Environments []string `json:"environments"`
	Kinds        []string `json:"kinds"`
}

func listPolicies(e *invocation, ps []generator.Policy, format string) int {
	if format == "json" {
		out := []policyJSON{}
		for _, p := range ps {
			out = append(out, policyJSON{p.Name, p.Description, p.Severity, p.Environments, p.Kinds})
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintf(e.stdout, "%s\n", b)
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POLICY\tSEVERITY\tENVIRONMENTS\tKINDS\tDESCRIPTION")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Severity, strings.Join(p.Environments, ","), strings.Join(p.Kinds, ","), p.Description)
	}
	tw.Flush()
	return exitOK
}
