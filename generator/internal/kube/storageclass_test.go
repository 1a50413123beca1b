package kube

import (
	"encoding/json"
	"testing"

	"github.com/gitops-gen/gen/generator/model"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestStorageClassYAML shows the schema's default StorageClass, gp3, as it
// will be rendered: seed 003's gp2 class, encrypted, on gp3.
func TestStorageClassYAML(t *testing.T) {
	env := newEnv(t)
	b, err := json.Marshal(find(t, build(t, env), "StorageClass", "gp3").Content)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.JSONToYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `allowVolumeExpansion: true
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
  labels:
    app.kubernetes.io/managed-by: gen
    app.kubernetes.io/part-of: platform
    environment: prod
  name: gp3
parameters:
  encrypted: "true"
  type: gp3
provisioner: ebs.csi.aws.com
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("StorageClass mismatch (-want +got):\n%s", diff)
	}
}

func TestStorageClasses(t *testing.T) {
	labels := map[string]string{
		"app.kubernetes.io/managed-by": "gen",
		"app.kubernetes.io/part-of":    "platform",
		"environment":                  "prod",
	}
	isDefault := map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	tests := []struct {
		name string
		sc   func(sc *model.StorageClass)
		want storagev1.StorageClass
	}{
		{
			name: "gp3 default encrypted",
			sc:   func(sc *model.StorageClass) { sc.Default = true },
			want: storagev1.StorageClass{
				ObjectMeta:           metav1.ObjectMeta{Annotations: isDefault},
				Parameters:           map[string]string{"type": "gp3", "encrypted": "true"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
				VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				AllowVolumeExpansion: new(true),
			},
		},
		{
			name: "gp3 with iops and throughput",
			sc: func(sc *model.StorageClass) {
				sc.IOPS = new(6000)
				sc.Throughput = new(250)
				sc.ReclaimPolicy = "Retain"
				sc.VolumeBindingMode = "Immediate"
			},
			want: storagev1.StorageClass{
				Parameters:           map[string]string{"type": "gp3", "encrypted": "true", "iops": "6000", "throughput": "250"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimRetain),
				VolumeBindingMode:    new(storagev1.VolumeBindingImmediate),
				AllowVolumeExpansion: new(true),
			},
		},
		{
			name: "io2 with iops",
			sc:   func(sc *model.StorageClass) { sc.Type = "io2"; sc.IOPS = new(10000) },
			want: storagev1.StorageClass{
				Parameters:           map[string]string{"type": "io2", "encrypted": "true", "iops": "10000"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
				VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				AllowVolumeExpansion: new(true),
			},
		},
		{
			name: "st1 unencrypted, not expandable",
			sc: func(sc *model.StorageClass) {
				sc.Type = "st1"
				sc.Encrypted = false
				sc.AllowVolumeExpansion = false
			},
			want: storagev1.StorageClass{
				Parameters:           map[string]string{"type": "st1", "encrypted": "false"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
				VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				AllowVolumeExpansion: new(false),
			},
		},
		{
			// The check stage rejects this; Build renders what it is given.
			name: "gp2 with seed 003's iops and throughput",
			sc: func(sc *model.StorageClass) {
				sc.Type = "gp2"
				sc.IOPS = new(3000)
				sc.Throughput = new(125)
			},
			want: storagev1.StorageClass{
				Parameters:           map[string]string{"type": "gp2", "encrypted": "true", "iops": "3000", "throughput": "125"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
				VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				AllowVolumeExpansion: new(true),
			},
		},
		{
			name: "zero value: API defaults",
			sc:   func(sc *model.StorageClass) { *sc = model.StorageClass{} },
			want: storagev1.StorageClass{
				Parameters:           map[string]string{"encrypted": "false"},
				AllowVolumeExpansion: new(false),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := defaultStorageClass(t)
			tc.sc(&sc)
			env := newEnv(t)
			env.Cluster.StorageClasses = map[string]model.StorageClass{"data": sc}
			got := decode[storagev1.StorageClass](t, find(t, build(t, env), "StorageClass", "data"))
			want := tc.want
			want.TypeMeta = metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"}
			want.Name = "data"
			want.Labels = labels
			want.Provisioner = "ebs.csi.aws.com"
			if diff := cmp.Diff(want, *got); diff != "" {
				t.Errorf("StorageClass mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStorageClassesSortedByName(t *testing.T) {
	env := newEnv(t)
	env.Cluster.StorageClasses = map[string]model.StorageClass{}
	for _, name := range []string{"standard", "gp3", "io2-db", "archive"} {
		env.Cluster.StorageClasses[name] = defaultStorageClass(t)
	}
	var got []string
	for _, o := range build(t, env) {
		if o.Kind() == "StorageClass" {
			got = append(got, o.Name())
		}
	}
	want := []string{"archive", "gp3", "io2-db", "standard"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StorageClasses mismatch (-want +got):\n%s", diff)
	}
}

func TestOneDefaultStorageClass(t *testing.T) {
	// The fixture has gp3 (the default) and gp3-fast: one default annotation.
	var defaults []string
	for _, o := range build(t, fixture(t)) {
		if o.Kind() != "StorageClass" {
			continue
		}
		if decode[storagev1.StorageClass](t, o).Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			defaults = append(defaults, o.Name())
		}
	}
	if diff := cmp.Diff([]string{"gp3"}, defaults); diff != "" {
		t.Errorf("default StorageClasses mismatch (-want +got):\n%s", diff)
	}
}

// TestNoStorageClasses: a cluster without StorageClasses renders none. (The
// schema always declares gp3, so only a model built in Go has none.)
func TestNoStorageClasses(t *testing.T) {
	env := newEnv(t)
	env.Cluster.StorageClasses = nil
	for _, o := range build(t, env) {
		if o.Kind() == "StorageClass" {
			t.Errorf("no storage classes, yet Build() renders %s", o.ID())
		}
	}
}
