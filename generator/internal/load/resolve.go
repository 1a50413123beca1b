package load

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/suggest"
)

// Resolve returns the environments, among known (the names
// [Environments] returns), that arg names:
//
//   - an environment's full name, "prod" or "chatbot/prod", names it;
//   - a platform's name, "chatbot", names all of its environments;
//   - an environment folder's own name, "prod", names the one
//     environment of that name when only one platform has it.
//
// A name of several platforms' environments is an [*AmbiguousError]; a
// name that is none of these an [*UnknownError].
func Resolve(known []string, arg string) ([]string, error) {
	if slices.Contains(known, arg) {
		return []string{arg}, nil
	}
	var inPlatform, byBase []string
	for _, k := range known {
		platform, base := Split(k)
		if platform != "" && platform == arg {
			inPlatform = append(inPlatform, k)
		}
		if base == arg && !strings.Contains(arg, "/") {
			byBase = append(byBase, k)
		}
	}
	switch {
	case len(inPlatform) > 0:
		return inPlatform, nil
	case len(byBase) == 1:
		return byBase, nil
	case len(byBase) > 1:
		return nil, &AmbiguousError{Name: arg, Envs: byBase}
	}
	return nil, &UnknownError{Name: arg, Known: known}
}

// AmbiguousError is an environment folder's name that several platforms
// have: "prod" for chatbot/prod and shuttle/prod.
type AmbiguousError struct {
	Name string
	// Envs are the full names of the environments of that name.
	Envs []string
}

func (e *AmbiguousError) Error() string {
	list := strings.Join(e.Envs, " and ")
	if n := len(e.Envs); n > 2 {
		list = strings.Join(e.Envs[:n-1], ", ") + " and " + e.Envs[n-1]
	}
	return fmt.Sprintf("environment %q is ambiguous: %s have it; name one of them in full, e.g. %s", e.Name, list, e.Envs[0])
}

// UnknownError is a name that is no environment and no platform.
type UnknownError struct {
	Name  string
	Known []string
}

func (e *UnknownError) Error() string {
	names := slices.Clone(e.Known)
	var platforms []string
	for _, k := range e.Known {
		if p, _ := Split(k); p != "" && !slices.Contains(platforms, p) {
			platforms = append(platforms, p)
		}
	}
	msg := fmt.Sprintf("unknown environment %q (environments: %s", e.Name, strings.Join(names, ", "))
	if len(platforms) > 0 {
		msg += "; platforms: " + strings.Join(platforms, ", ")
	}
	msg += ")"
	if best := suggest.Closest(e.Name, append(names, platforms...)); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return msg
}
