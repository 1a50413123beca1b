package check

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

// CredentialAllowance is an app's credentialScan.allow entry as a render
// used it: the field it names and why, and what the scan found there.
type CredentialAllowance struct {
	// App is the app, Field the allowed field relative to it, as written
	// under credentialScan.allow ("env.CHECKSUM"), Reason its reason.
	App, Field, Reason string
	// Path is the field's CUE path, "apps.web.env.CHECKSUM".
	Path string
	// Found says what the scan found in the field, redacted: "an AWS
	// access key ID (AKIA…)"; "" when it found nothing there, and the
	// allowance is unused.
	Found string
	// Kind, Namespace and Name are the object the scan found it in.
	Kind, Namespace, Name string
}

// Credentials scans every string of every rendered object (objs, after
// the patches) for credentials: AWS keys, private keys, JWTs, GitHub and
// Slack tokens, passwords in flags, configuration lines and URLs, the
// same base64-encoded, and long random values under secret-like names
// (see detect). gen renders no Secret, and everything it renders is
// committed to Git and shown in logs and diffs: a credential belongs in
// a Secret that the pod references.
//
// Each finding is an error at the app's field that wrote the value (env,
// config, args, command, labels, annotations; its patches when built,
// the objects before the patches, does not hold the value), naming what
// was found in redacted form only: the message never holds the value.
// Findings in a field the app allows (credentialScan.allow) are returned
// instead, with the allowances that found nothing, for the report.
func Credentials(env *model.Environment, built, objs []object.Object) ([]CredentialAllowance, error) {
	// builtStrings holds, per app, the strings of its objects as built
	// (before the patches): whether a patch wrote a value. Only an app
	// with patches whose objects hold a credential asks, so it is filled
	// for those alone.
	builtStrings := map[string]map[string]bool{}
	inBuilt := func(app, value string) bool {
		strs, ok := builtStrings[app]
		if !ok {
			strs = map[string]bool{}
			for _, o := range built {
				if o.App == app {
					namedStrings(o.Content, "", func(_, value string) { strs[value] = true })
				}
			}
			builtStrings[app] = strs
		}
		return strs[value]
	}
	type key struct{ path, what string }
	seen := map[key]bool{}
	used := map[[2]string]bool{}
	var allowed []CredentialAllowance
	var errs cueerrors.Error
	var d detector
	for _, o := range objs {
		// Nearly every object holds no credential: found says so without
		// the order of namedStrings, which sorts every map's keys. The
		// findings of the others are then taken in that order.
		if !d.found(o.Content, "") {
			continue
		}
		namedStrings(o.Content, "", func(name, value string) {
			f, ok := d.detect(name, value)
			if !ok {
				return
			}
			app := env.Apps[o.App]
			field := credentialField(app, value, app != nil && len(app.Patches) > 0 && inBuilt(o.App, value))
			path := "platform"
			if app != nil {
				path = app.Path(field)
			}
			if seen[key{path, f.what}] {
				return
			}
			seen[key{path, f.what}] = true
			found := fmt.Sprintf("%s (%s)", f.what, redact(f.secret))
			if app != nil {
				if allow, ok := allowanceFor(app, field); ok {
					used[[2]string{app.Name, allow}] = true
					allowed = append(allowed, CredentialAllowance{App: app.Name, Field: allow,
						Reason: app.CredentialScan.Allow[allow].Reason, Path: path, Found: found,
						Kind: o.Kind(), Namespace: o.Namespace(), Name: o.Name()})
					return
				}
			}
			errs = cueerrors.Append(errs, env.Errorf(path, "%s: holds %s; %s", o.ID(), found, credentialFix(app, field)))
		})
	}
	for _, name := range slices.Sorted(maps.Keys(env.Apps)) {
		app := env.Apps[name]
		if !app.Enabled {
			continue
		}
		for _, field := range slices.Sorted(maps.Keys(app.CredentialScan.Allow)) {
			if !used[[2]string{name, field}] {
				allowed = append(allowed, CredentialAllowance{App: name, Field: field,
					Reason: app.CredentialScan.Allow[field].Reason, Path: app.Path("credentialScan.allow." + model.Label(field))})
			}
		}
	}
	if errs != nil {
		return allowed, errs
	}
	return allowed, nil
}

// allowanceFor returns the key of the app's credentialScan.allow entry
// for field; quotes are optional in the key (config.files.key.pem allows
// config.files."key.pem").
func allowanceFor(app *model.App, field string) (string, bool) {
	bare := strings.ReplaceAll(field, `"`, "")
	for _, k := range slices.Sorted(maps.Keys(app.CredentialScan.Allow)) {
		if strings.ReplaceAll(k, `"`, "") == bare {
			return k, true
		}
	}
	return "", false
}

// credentialField returns the app's field, relative to the app, that
// wrote value into a rendered object: "patches" when the objects as built
// do not hold it (inBuilt) and the app has patches; else the env, config,
// args, command, label or annotation that holds it, the app's or a
// sidecar's ("sidecars.proxy.env.TOKEN"); else "" (the app).
func credentialField(app *model.App, value string, inBuilt bool) string {
	if app == nil {
		return ""
	}
	if !inBuilt && len(app.Patches) > 0 {
		return "patches"
	}
	type named struct {
		field  string
		values map[string]string
	}
	fields := []named{
		{"env", envValues(app.Env)},
		{"config.env", app.Config.Env},
		{"config.files", app.Config.Files},
		{"labels", app.Labels},
		{"annotations", app.Annotations},
	}
	type listed struct {
		field  string
		values []string
	}
	lists := []listed{{"args", app.Args}, {"command", app.Command}}
	for _, name := range app.SidecarNames() {
		sc, at := app.Sidecars[name], "sidecars."+model.Label(name)+"."
		fields = append(fields, named{at + "env", envValues(sc.Env)}, named{at + "config.files", sc.Config.Files})
		lists = append(lists, listed{at + "args", sc.Args}, listed{at + "command", sc.Command})
	}
	for _, m := range fields {
		for _, k := range slices.Sorted(maps.Keys(m.values)) {
			if m.values[k] == value {
				return m.field + "." + model.Label(k)
			}
		}
	}
	for _, l := range lists {
		if i := slices.Index(l.values, value); i >= 0 {
			return fmt.Sprintf("%s[%d]", l.field, i)
		}
	}
	return ""
}

func envValues(env map[string]model.EnvVar) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		if v.SecretRef == nil {
			out[k] = v.Value
		}
	}
	return out
}

// credentialFix says how to keep a credential out of the rendered files:
// a Secret the namespace declares, read through env; or, for a value that
// is no credential, an allowance.
func credentialFix(app *model.App, field string) string {
	if app == nil {
		return "a credential must not be written into rendered/: create it as a Secret outside gen and have the controller read it from there"
	}
	name := "NAME"
	for _, prefix := range []string{"env.", "config.env."} {
		if k, ok := strings.CutPrefix(field, prefix); ok {
			name = k
		}
	}
	allow := strings.ReplaceAll(field, `"`, "") // quotes are optional in the key
	if allow == "" {
		allow = "<field>"
	}
	return fmt.Sprintf(`a credential must not be written into rendered/: keep it in a Secret and reference it, env: %s: {secret: "...", key: "..."}, with the Secret declared under namespaces: %s: secrets; if it is no credential, say why: apps: %s: credentialScan: allow: %q: reason: "..."`,
		name, model.Label(app.Namespace), model.Label(app.Name), allow)
}

// namedStrings calls fn with every string in v (an object's content) and
// the name it is written under: its key in a map; an env variable's name
// for its value ({name, value}); the flag before it in a list of
// arguments (--password, then the password).
func namedStrings(v any, name string, fn func(name, value string)) {
	switch v := v.(type) {
	case string:
		fn(name, v)
	case map[string]any:
		envName, _ := v["name"].(string)
		for _, k := range slices.Sorted(maps.Keys(v)) {
			namedStrings(v[k], keyName(k, envName), fn)
		}
	case []any:
		prev := ""
		for _, e := range v {
			namedStrings(e, argName(prev), fn)
			prev, _ = e.(string)
		}
	}
}

// keyName is the name a value is written under at key k of a map whose
// "name" is envName: an env variable's name for its value.
func keyName(k, envName string) string {
	if k == "value" && envName != "" {
		return envName
	}
	return k
}

// argName is the name a list element is written under after the element
// prev: the flag before it (--password, then the password), else none.
func argName(prev string) string {
	if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") {
		return prev
	}
	return ""
}

// found reports whether detect finds a credential in any string of v
// that namedStrings would call fn with, under the same name, in any
// order.
func (d *detector) found(v any, name string) bool {
	switch v := v.(type) {
	case string:
		_, ok := d.detect(name, v)
		return ok
	case map[string]any:
		envName, _ := v["name"].(string)
		for k, e := range v {
			if d.found(e, keyName(k, envName)) {
				return true
			}
		}
	case []any:
		prev := ""
		for _, e := range v {
			if d.found(e, argName(prev)) {
				return true
			}
			prev, _ = e.(string)
		}
	}
	return false
}
