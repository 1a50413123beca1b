package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/internal/kubetest"
	"github.com/gitops-gen/gen/internal/repotest"
)

// fieldManager is the field manager of gen's server-side applies, as Argo
// CD's would be.
const fieldManager = "gen"

// InstallSharedCRDs installs every CustomResourceDefinition of the shared
// folder's schemas/crds/ (Argo CD, External Secrets, prometheus-operator,
// Argo Rollouts, KEDA, the AWS Load Balancer Controller): the kinds that
// rendered objects may use beyond Kubernetes' own.
func InstallSharedCRDs(t testing.TB, c *kubetest.Cluster) {
	t.Helper()
	dir := repotest.SharedFile(t, "schemas", "crds")
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no CRDs in %s", dir)
	}
	c.InstallCRDs(t, paths...)
}

// CreateNamespaces creates (or updates, with its labels) every Namespace
// among objs, and the namespaces named in also that do not exist yet:
// those that something other than gen creates, such as Argo CD's. The
// other namespaced objects can then be sent to the apiserver.
func CreateNamespaces(ctx context.Context, c *kubetest.Cluster, objs []object.Object, also ...string) error {
	for _, o := range objs {
		if o.Group() != "" || o.Kind() != "Namespace" {
			continue
		}
		data, err := json.Marshal(o.Content)
		if err != nil {
			return err
		}
		force := true
		if _, err := c.Client.CoreV1().Namespaces().Patch(ctx, o.Name(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: fieldManager, Force: &force}); err != nil {
			return fmt.Errorf("creating %s: %w", o.ID(), err)
		}
	}
	for _, name := range also {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

// Rejection is an object the apiserver refused.
type Rejection struct {
	// ID is the object's ID ([object.Object.ID]).
	ID string
	// Message is the apiserver's answer.
	Message string
}

// Warning is a warning the apiserver sent back with an object it
// accepted (a deprecated field, a Pod Security violation of a pod
// template).
type Warning struct {
	ID, Message string
}

// DryRun sends each of objs to the apiserver as a server-side apply, with
// dryRun=All and strict field validation: the apiserver decodes the object
// (unknown and duplicate fields are errors), defaults, validates it and
// runs the admission plugins, and stores nothing. It returns the objects
// it refused, in the order of objs, and the warnings it sent with the
// others. The namespaces the objects are in must exist (CreateNamespaces),
// and the CRDs of their kinds be installed; an object whose kind the
// apiserver does not serve is a rejection.
func DryRun(ctx context.Context, c *kubetest.Cluster, objs []object.Object) ([]Rejection, []Warning, error) {
	warnings := &collector{}
	cfg := rest.CopyConfig(c.Config)
	cfg.WarningHandlerWithContext = warnings
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	var rejected []Rejection
	var warned []Warning
	force := true
	opts := metav1.PatchOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldManager:    fieldManager,
		Force:           &force,
		FieldValidation: metav1.FieldValidationStrict,
	}
	for _, o := range objs {
		gvk := schema.FromAPIVersionAndKind(o.APIVersion(), o.Kind())
		m, err := c.Mapping(gvk)
		if err != nil {
			rejected = append(rejected, Rejection{ID: o.ID(), Message: fmt.Sprintf("the apiserver does not serve %s: %v", gvk, err)})
			continue
		}
		data, err := json.Marshal(o.Content)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", o.ID(), err)
		}
		var res dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			res = dyn.Resource(m.Resource).Namespace(o.Namespace())
		}
		_, err = res.Patch(ctx, o.Name(), types.ApplyPatchType, data, opts)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			rejected = append(rejected, Rejection{ID: o.ID(), Message: err.Error()})
		}
		for _, w := range warnings.take() {
			warned = append(warned, Warning{ID: o.ID(), Message: w})
		}
	}
	return rejected, warned, nil
}

// collector keeps the warnings the apiserver sends.
type collector struct {
	mu   sync.Mutex
	list []string
}

func (w *collector) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

// take returns the warnings since the last call.
func (w *collector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := w.list
	w.list = nil
	return l
}
