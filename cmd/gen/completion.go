package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gitops-gen/gen/generator"
)

// completeCommand is the hidden command the completion scripts call for
// what changes with the repository: "gen __complete envs" lists the
// environments of the repository gen finds from the current folder (or
// --root), one per line, and nothing (exit 0) outside one, so that a
// shell completing never shows an error.
const completeCommand = "__complete"

// envArgs are the commands whose positional arguments are environments.
var envArgs = []string{"render", "check", "diff", "images", "plan", "graph", "policies", "envs"}

func completionCommand() command {
	return command{
		name:    "completion",
		args:    "bash|zsh|fish",
		summary: "Print the shell completion script for bash, zsh or fish.",
		long: "It completes commands, flags and, by calling gen itself, the environments of the\n" +
			"repository the shell is in. Load it from your shell's startup file (see examples).",
		examples: []string{
			"source <(gen completion bash)                          # in ~/.bashrc",
			"gen completion zsh > \"${fpath[1]}/_gen\"                # then start a new zsh",
			"gen completion fish > ~/.config/fish/completions/gen.fish",
		},
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 1 {
					fmt.Fprintf(e.stderr, "gen completion: name a shell: bash, zsh or fish\n")
					return exitError
				}
				switch e.args[0] {
				case "bash":
					writeBash(e.stdout)
				case "zsh":
					writeZsh(e.stdout)
				case "fish":
					writeFish(e.stdout)
				default:
					fmt.Fprintf(e.stderr, "gen completion: unknown shell %q (want bash, zsh or fish)\n", e.args[0])
					return exitError
				}
				return exitOK
			}
		},
	}
}

func hiddenCompleteCommand() command {
	return command{
		name:    completeCommand,
		args:    "envs",
		hidden:  true,
		summary: "List what the completion scripts complete: the environments, one per line.",
		examples: []string{
			"gen __complete envs",
		},
		flags: func(fs *pflag.FlagSet) func(context.Context, *invocation) int {
			return func(ctx context.Context, e *invocation) int {
				if len(e.args) != 1 || e.args[0] != "envs" {
					return exitError
				}
				envs, err := generator.Environments(e.root)
				if err != nil {
					return exitOK // not in a repository: nothing to offer
				}
				for _, env := range envs {
					fmt.Fprintln(e.stdout, env)
				}
				return exitOK
			}
		},
	}
}

// flagNames returns the long flags of cmd, with "--", sorted.
func flagNames(cmd command) []string {
	fs, _ := newFlagSet(cmd, io.Discard)
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, "--"+f.Name)
		}
	})
	slices.Sort(out)
	return out
}

// visible returns the commands gen help lists, with "help".
func visible() []command {
	var out []command
	for _, c := range commands() {
		if !c.hidden {
			out = append(out, c)
		}
	}
	return out
}

func commandNames() []string {
	var names []string
	for _, c := range visible() {
		names = append(names, c.name)
	}
	return append(names, "help")
}

func writeBash(w io.Writer) {
	fmt.Fprintf(w, `# bash completion for gen: source <(gen completion bash)
_gen() {
    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W %q -- "$cur"))
        return
    fi
    case ${COMP_WORDS[COMP_CWORD-1]} in
        --env|--from)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(gen %s envs 2>/dev/null)" -- "$cur"))
            return ;;
    esac
    if [[ $cur == -* ]]; then
        case $cmd in
`, strings.Join(commandNames(), " "), completeCommand)
	for _, c := range visible() {
		fmt.Fprintf(w, "        %s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, strings.Join(append(flagNames(c), "-h"), " "))
	}
	fmt.Fprintf(w, `        esac
        return
    fi
    case $cmd in
        help) COMPREPLY=($(compgen -W %q -- "$cur")) ;;
        completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
        new) [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "app env" -- "$cur")) ;;
        %s)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(gen %s envs 2>/dev/null)" -- "$cur")) ;;
    esac
}
complete -F _gen gen
`, strings.Join(commandNames(), " "), strings.Join(envArgs, "|"), completeCommand)
}

func writeZsh(w io.Writer) {
	fmt.Fprintf(w, `#compdef gen
# zsh completion for gen: gen completion zsh > "${fpath[1]}/_gen"
_gen() {
    local -a cmds
    cmds=(
`)
	for _, c := range visible() {
		fmt.Fprintf(w, "        %s\n", zshQuote(c.name+":"+c.summary))
	}
	fmt.Fprintf(w, `        'help:Show the commands, or a command'"'"'s flags.'
    )
    if (( CURRENT == 2 )); then
        _describe -t commands 'gen command' cmds
        return
    fi
    local cmd=${words[2]}
    if [[ ${words[CURRENT]} == -* ]]; then
        case $cmd in
`)
	for _, c := range visible() {
		fmt.Fprintf(w, "            %s) compadd -- %s ;;\n", c.name, strings.Join(append(flagNames(c), "-h"), " "))
	}
	fmt.Fprintf(w, `        esac
        return
    fi
    case $cmd in
        help) compadd -- %s ;;
        completion) compadd -- bash zsh fish ;;
        new) (( CURRENT == 3 )) && compadd -- app env ;;
        %s) compadd -- ${(f)"$(gen %s envs 2>/dev/null)"} ;;
    esac
}
if [[ $funcstack[1] == _gen ]]; then
    _gen "$@"
else
    compdef _gen gen
fi
`, strings.Join(commandNames(), " "), strings.Join(envArgs, "|"), completeCommand)
}

func writeFish(w io.Writer) {
	fmt.Fprintf(w, "# fish completion for gen: gen completion fish > ~/.config/fish/completions/gen.fish\n")
	fmt.Fprintf(w, "complete -c gen -f\n")
	for _, c := range visible() {
		fmt.Fprintf(w, "complete -c gen -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	fmt.Fprintf(w, "complete -c gen -n __fish_use_subcommand -a help -d %s\n", fishQuote("Show the commands, or a command's flags."))
	for _, c := range visible() {
		fs, _ := newFlagSet(c, io.Discard)
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			line := fmt.Sprintf("complete -c gen -n '__fish_seen_subcommand_from %s' -l %s", c.name, f.Name)
			if f.Shorthand != "" {
				line += " -s " + f.Shorthand
			}
			if f.Value.Type() != "bool" {
				line += " -r"
			}
			usage, _ := pflag.UnquoteUsage(f)
			fmt.Fprintf(w, "%s -d %s\n", line, fishQuote(usage))
		})
	}
	fmt.Fprintf(w, "complete -c gen -n '__fish_seen_subcommand_from %s' -a '(gen %s envs 2>/dev/null)'\n", strings.Join(envArgs, " "), completeCommand)
	fmt.Fprintf(w, "complete -c gen -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n")
	fmt.Fprintf(w, "complete -c gen -n '__fish_seen_subcommand_from new' -a 'app env'\n")
	fmt.Fprintf(w, "complete -c gen -n '__fish_seen_subcommand_from help' -a %s\n", fishQuote(strings.Join(commandNames(), " ")))
}

// zshQuote quotes s in single quotes for zsh (and any POSIX shell).
func zshQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// fishQuote quotes s in single quotes for fish, where \ and ' are escaped
// inside them.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
