package output

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// File is one rendered file.
type File struct {
	// Path is relative to the environment's directory and slash-separated,
	// e.g. "apps/web/deployment-web.yaml".
	Path string
	// Data is the file's content.
	Data []byte
}

// SecretsGroup is the API group of the External Secrets Operator, whose
// objects go to secrets/.
const SecretsGroup = "external-secrets.io"

// The folders of rendered/<env>/. platform/ is synced before the
// controllers are installed; secrets/ and ingress/ hold the
// environment-wide objects whose kinds the controllers' charts bring
// (the External Secrets Operator's; the AWS Load Balancer Controller's
// IngressClassParams, with the IngressClass that names them), which Argo
// CD can apply only once those CRDs exist.
const (
	PlatformDir = "platform"
	SecretsDir  = "secrets"
	IngressDir  = "ingress"
	AppsDir     = "apps"
	ArgoCDDir   = "argocd"
	ClusterDir  = "cluster"
)

// Folder returns the top-level folder of rendered/<env>/ that o is
// written to (see [Path]).
func Folder(o object.Object) string {
	switch {
	case o.App == "" && strings.HasPrefix(o.APIVersion(), "eksctl.io/") && o.Kind() == "ClusterConfig":
		// Not a Kubernetes object: Argo CD never syncs cluster/.
		return ClusterDir
	case o.App == "" && strings.HasPrefix(o.APIVersion(), "argoproj.io/"):
		// The root Application syncs this folder.
		return ArgoCDDir
	case o.App == "" && o.Group() == SecretsGroup:
		return SecretsDir
	case o.App == "" && (o.Group() == "elbv2.k8s.aws" || o.Group() == "networking.k8s.io" && o.Kind() == "IngressClass"):
		return IngressDir
	case o.App == "":
		return PlatformDir
	}
	return AppsDir
}

// Path returns the path of o's file inside rendered/<env>/: objects
// without an app go to "platform/<kind>-<name>.yaml", the others to
// "apps/<app>/<kind>-<name>.yaml", with the kind lowercased; Argo CD's
// AppProject and Applications go to "argocd/<kind>-<name>.yaml", the eksctl
// ClusterConfig to "cluster/eksctl.yaml"; the External Secrets Operator's
// objects (secret stores, ExternalSecrets) of no app to "secrets/", in a
// folder per namespace when they have one ("secrets/<namespace>/<kind>-<name>.yaml"),
// and IngressClasses with their IngressClassParams to "ingress/", both
// of which Argo CD syncs after the controllers are installed and before
// the apps (see [Folder]).
//
// This is the one place that decides where an object is written; changing
// it moves files in every rendered tree.
func Path(o object.Object) string {
	file := strings.ToLower(o.Kind()) + "-" + o.Name() + ".yaml"
	switch dir := Folder(o); dir {
	case ClusterDir:
		return ClusterDir + "/eksctl.yaml"
	case SecretsDir:
		if ns := o.Namespace(); ns != "" {
			return dir + "/" + ns + "/" + file
		}
		return dir + "/" + file
	case AppsDir:
		return dir + "/" + o.App + "/" + file
	default:
		return dir + "/" + file
	}
}

// Files encodes every object into its file (see [Path] and [Encode]) and
// returns the files sorted by path. Two objects that would be written to
// the same path are an error, as is an object whose kind, name or app
// cannot be part of a file name, and a Secret that carries data or
// stringData (see [object.CarriesSecretData]): nothing that goes through
// here may commit a secret value to Git.
func Files(objs []object.Object) ([]File, error) {
	files := make([]File, len(objs))
	owner := make(map[string]string, len(objs)) // path -> object ID
	// One buffer for every object, each file's bytes copied out at their
	// size: a buffer per file would be grown, and copied, several times
	// over.
	e := encoder{buf: make([]byte, 0, 64*1024)}
	for i, o := range objs {
		if err := checkNames(o); err != nil {
			return nil, err
		}
		if object.CarriesSecretData(o) {
			// rendered/ is committed to Git; the render gate refuses this
			// earlier, with the input's position (check.SecretData).
			return nil, fmt.Errorf("object %s is a Secret with data or stringData: its values must not be written into rendered/", o.ID())
		}
		p := Path(o)
		if prev, ok := owner[p]; ok {
			a, b := min(prev, o.ID()), max(prev, o.ID()) // whatever the input order
			return nil, fmt.Errorf("objects %s and %s are both written to %s", a, b, p)
		}
		owner[p] = o.ID()
		data, err := e.encode(o.Content)
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", o.ID(), err)
		}
		files[i] = File{Path: p, Data: bytes.Clone(data)}
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// checkNames rejects objects whose file name would be empty or leave its
// folder. Kubernetes names cannot contain a slash, but objects built or
// patched by hand might.
func checkNames(o object.Object) error {
	for _, part := range []struct{ what, value string }{
		{"kind", o.Kind()},
		{"name", o.Name()},
		{"app", o.App},
		{"namespace", o.Namespace()},
	} {
		if part.value == "" && part.what != "app" && part.what != "namespace" {
			return fmt.Errorf("object %s has no %s", o.ID(), part.what)
		}
		if strings.ContainsAny(part.value, `/\`) || part.value == "." || part.value == ".." {
			return fmt.Errorf("object %s: %s %q cannot be part of a file path", o.ID(), part.what, part.value)
		}
	}
	return nil
}
