package kubetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crdTimeout bounds the wait for the CRDs to be served (a bound, not an
// assertion: large schemas take the apiserver a while to compile).
const crdTimeout = 3 * time.Minute

// InstallCRDs creates the CustomResourceDefinitions of the YAML files at
// paths (each may hold several documents) and waits until every one is
// established, so that its kinds can be used at once.
func (c *Cluster) InstallCRDs(t testing.TB, paths ...string) {
	t.Helper()
	ctx := t.Context()
	var names []string
	for _, path := range paths {
		docs, err := readDocuments(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, doc := range docs {
			obj := &unstructured.Unstructured{Object: doc}
			if obj.GetKind() != "CustomResourceDefinition" {
				t.Fatalf("%s: a %s, not a CustomResourceDefinition", path, obj.GetKind())
			}
			if _, err := c.Dynamic.Resource(crdResource).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
				t.Fatalf("creating CRD %s from %s: %v", obj.GetName(), path, err)
			}
			names = append(names, obj.GetName())
		}
	}
	deadline := time.Now().Add(crdTimeout)
	for _, name := range names {
		for {
			err := established(ctx, c, name)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("CRD %s not established after %s: %v", name, crdTimeout, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	c.mapper.Reset()
}

// established returns nil once the CRD name has the condition
// Established=True.
func established(ctx context.Context, c *Cluster, name string) error {
	crd, err := c.Dynamic.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, cond := range conds {
		m, _ := cond.(map[string]any)
		if m["type"] == "Established" {
			if m["status"] == "True" {
				return nil
			}
			return fmt.Errorf("condition Established is %v: %v", m["status"], m["message"])
		}
	}
	return errors.New("no Established condition yet")
}

// readDocuments reads the non-empty YAML documents of path.
func readDocuments(path string) ([]map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := utilyaml.NewYAMLOrJSONDecoder(f, 64<<10)
	var docs []map[string]any
	for {
		var doc map[string]any
		if err := d.Decode(&doc); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, err
		}
		if len(doc) > 0 {
			docs = append(docs, doc)
		}
	}
}
