package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
	"github.com/gitops-gen/gen/generator/images"
)

func imagesCommand() command {
	return command{
		name:    "images",
		args:    "ENV [--refresh [IMAGE...]] | --refresh-missing [ENV...]",
		summary: "List the images of an environment with their tag, digest and whether the lock file has them.",
		examples: []string{
			"gen images prod",
			"gen images prod --refresh 235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:1.5.0",
			"gen images --refresh-missing dev staging",
			"gen images chatbot -o json",
		},
		long: "With --refresh, ask the registries again (for every image, or for each IMAGE given as\n" +
			"repository or repository:tag) and update the lock file; then run gen render ENV.\n" +
			"With --refresh-missing, ask only for the tags the lock files of the environments named\n" +
			"(all by default) lack, as after a tag bump, and add them; locked digests stay.\n" +
			"ENV may be a platform: each of its environments in turn, under a line \"==> ENV <==\"\n" +
			"(-o json: an array of what one environment gives); --refresh refreshes all of them.",
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			refresh := fs.Bool(flagRefresh, false, "re-resolve tags and update the lock file")
			missing := fs.Bool(flagRefreshMissing, false, "resolve the tags missing from the lock files of the environments named (all by default) and add them")
			mirrors := mirrorsFlag{}
			timeout := fs.Duration(flagTimeout, images.DefaultTimeout, "give up asking registries after this `duration`, retries included")
			fs.Var(mirrors, flagMirror, "ask the mirror instead of host (repeatable); locks keep host")
			format := fs.StringP(flagOutput, "o", "text", "output `format`: text or json")
			return func(ctx context.Context, e *invocation) int {
				if *missing {
					if *refresh {
						fmt.Fprintf(e.stderr, "gen images: --%s and --%s do not go together\n", flagRefresh, flagRefreshMissing)
						return exitError
					}
					return refreshMissing(ctx, e, images.PinOptions{Mirrors: mirrors, Timeout: *timeout})
				}
				if len(e.args) == 0 {
					fmt.Fprintf(e.stderr, "gen images: name an environment\n")
					return exitError
				}
				if len(e.args) > 1 && !*refresh {
					fmt.Fprintf(e.stderr, "gen images: images to refresh are named after --refresh\n")
					return exitError
				}
				if *format != "text" && *format != "json" {
					fmt.Fprintf(e.stderr, "gen images: unknown output format %q (want text or json)\n", *format)
					return exitError
				}
				envs, perEnv, ok := e.envsOf(e.args[0])
				if !ok {
					return exitError
				}
				refs := e.args[1:]
				opts := images.PinOptions{Mirrors: mirrors, Lenient: !*refresh}
				if *refresh {
					opts.Resolver = e.resolver(false)
					opts.RefreshAll = len(refs) == 0
					opts.Refresh = refs
					opts.Progress = e.progress()
					opts.Timeout = *timeout
				}
				gopts := e.optionsWith(envs, opts)
				pinned, err := generator.Images(ctx, gopts)
				if err != nil {
					return e.fail(err)
				}
				if *refresh {
					var used []images.Image
					for _, p := range pinned {
						used = append(used, p.Images...)
					}
					if unknown := unmatched(refs, used); len(unknown) > 0 {
						fmt.Fprintf(e.stderr, "gen images: %s not used by %s\n", strings.Join(unknown, ", "), strings.Join(envs, " or "))
						return exitError
					}
					changed, err := generator.WriteLocks(gopts, pinned)
					if err != nil {
						return e.fail(err)
					}
					for _, p := range pinned {
						if slices.Contains(changed, p.Path) {
							fmt.Fprintf(e.stderr, "%s: updated; run: gen render %s\n", p.Path, p.Env)
						}
					}
				}
				if *format == "json" {
					return printImagesJSON(e, pinned, perEnv)
				}
				for i, p := range pinned {
					if perEnv {
						e.section(i, p.Env)
					}
					printImagesText(e, p)
				}
				return exitOK
			}
		},
	}
}

// refreshMissing resolves the tags missing from the lock files of the
// environments named (all by default), adds them, and says which lock
// files changed and what to render next.
func refreshMissing(ctx context.Context, e *invocation, opts images.PinOptions) int {
	envs, ok := e.envs(true)
	if !ok {
		return exitError
	}
	opts.Resolver, opts.Progress = e.resolver(false), e.progress()
	gopts := e.optionsWith(envs, opts)
	pinned, err := generator.Images(ctx, gopts)
	if err != nil {
		return e.fail(err)
	}
	changed, err := generator.WriteLocks(gopts, pinned)
	if err != nil {
		return e.fail(err)
	}
	var render []string
	for _, p := range pinned {
		if !slices.Contains(changed, p.Path) {
			continue
		}
		render = append(render, shellQuote(p.Env))
		if p.Resolved > 0 {
			fmt.Fprintf(e.stderr, "%s: updated, %s resolved\n", p.Path, plural(p.Resolved, "tag"))
		} else {
			fmt.Fprintf(e.stderr, "%s: updated\n", p.Path)
		}
	}
	if len(render) == 0 {
		fmt.Fprintf(e.stderr, "gen images: no tag is missing from the lock files of %s\n", strings.Join(envs, ", "))
		return exitOK
	}
	fmt.Fprintf(e.stderr, "run: gen render %s%s\n", rootFlag(e.suggestedRoot()), strings.Join(render, " "))
	return exitOK
}

// unmatched returns the refs that name no image in list.
func unmatched(refs []string, list []images.Image) []string {
	var out []string
	for _, r := range refs {
		found := false
		for _, im := range list {
			if r == im.Repository || r == im.Repository+":"+im.Tag {
				found = true
			}
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}

// imageJSON is the stable shape of "gen images -o json".
type imageJSON struct {
	Repository string   `json:"repository"`
	Tag        string   `json:"tag,omitempty"`
	Digest     string   `json:"digest,omitempty"`
	MediaType  string   `json:"mediaType,omitempty"`
	Status     string   `json:"status"`
	Apps       []string `json:"apps"`
}

// printImagesText writes the table of p's images.
func printImagesText(e *invocation, p images.Pinned) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tTAG\tDIGEST\tSTATUS\tAPPS")
	for _, im := range p.Images {
		digest := im.Digest
		if digest == "" {
			digest = "-"
		}
		tag := im.Tag
		if tag == "" {
			tag = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", im.Repository, tag, digest, im.Origin, strings.Join(im.Apps, ","))
	}
	tw.Flush()
}

// imagesEnvJSON is the stable shape of "gen images ENV -o json"; for a
// platform, an array of them.
type imagesEnvJSON struct {
	Environment string      `json:"environment"`
	Lock        string      `json:"lock"`
	Images      []imageJSON `json:"images"`
}

func printImagesJSON(e *invocation, pinned []images.Pinned, perEnv bool) int {
	out := make([]imagesEnvJSON, 0, len(pinned))
	for _, p := range pinned {
		env := imagesEnvJSON{Environment: p.Env, Lock: p.Path, Images: []imageJSON{}}
		for _, im := range p.Images {
			env.Images = append(env.Images, imageJSON{im.Repository, im.Tag, im.Digest, im.MediaType, string(im.Origin), im.Apps})
		}
		out = append(out, env)
	}
	var v any = out
	if !perEnv {
		v = out[0]
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(e.stdout, "%s\n", b)
	return exitOK
}
