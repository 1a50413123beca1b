package output

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/object"
)

// obj returns an Object of the given app, kind, namespace and name.
func obj(app, kind, namespace, name string) object.Object {
	md := map[string]any{"name": name}
	if namespace != "" {
		md["namespace"] = namespace
	}
	return object.Object{App: app, Content: map[string]any{
		"apiVersion": "v1",
		"kind":       kind,
		"metadata":   md,
	}}
}

func eksctl(name string) object.Object {
	return object.Object{Content: map[string]any{
		"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig",
		"metadata": map[string]any{"name": name, "region": "ap-south-1"},
	}}
}

func argo(kind, name string) object.Object {
	return object.Object{Content: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "argocd"},
	}}
}

// eso returns an object of the External Secrets Operator, of no app.
func eso(kind, namespace, name string) object.Object {
	o := obj("", kind, namespace, name)
	o.Content["apiVersion"] = "external-secrets.io/v1"
	return o
}

// withAPIVersion returns o with apiVersion v.
func withAPIVersion(o object.Object, v string) object.Object {
	o.Content["apiVersion"] = v
	return o
}

func TestPath(t *testing.T) {
	tests := []struct {
		name string
		in   object.Object
		want string
	}{
		{"platform object", obj("", "Namespace", "", "shop"), "platform/namespace-shop.yaml"},
		{"app object", obj("web", "Deployment", "shop", "web"), "apps/web/deployment-web.yaml"},
		{"kind lowercased", obj("web", "ConfigMap", "shop", "web-config"), "apps/web/configmap-web-config.yaml"},
		{"name kept", obj("", "ClusterRole", "", "system:web"), "platform/clusterrole-system:web.yaml"},
		{"namespace ignored", obj("web", "Service", "other", "web"), "apps/web/service-web.yaml"},
		{"eksctl ClusterConfig", eksctl("chatbot-prod"), "cluster/eksctl.yaml"},
		{"Argo CD Application", argo("Application", "root"), "argocd/application-root.yaml"},
		{"Argo CD AppProject", argo("AppProject", "prod"), "argocd/appproject-prod.yaml"},
		{"another ClusterConfig kind", obj("", "ClusterConfig", "", "x"), "platform/clusterconfig-x.yaml"},
		{"ExternalSecret: a folder per namespace", eso("ExternalSecret", "shop", "db"), "secrets/shop/externalsecret-db.yaml"},
		{"SecretStore", eso("SecretStore", "shop", "aws"), "secrets/shop/secretstore-aws.yaml"},
		{"ClusterSecretStore", eso("ClusterSecretStore", "", "vault"), "secrets/clustersecretstore-vault.yaml"},
		{"an app's ExternalSecret stays with the app", withAPIVersion(obj("web", "ExternalSecret", "shop", "db"), "external-secrets.io/v1"), "apps/web/externalsecret-db.yaml"},
		{"IngressClass", withAPIVersion(obj("", "IngressClass", "", "alb-shop"), "networking.k8s.io/v1"), "ingress/ingressclass-alb-shop.yaml"},
		{"IngressClassParams", withAPIVersion(obj("", "IngressClassParams", "", "alb-shop"), "elbv2.k8s.aws/v1beta1"), "ingress/ingressclassparams-alb-shop.yaml"},
		{"an Ingress of no app is the platform's", withAPIVersion(obj("", "Ingress", "shop", "x"), "networking.k8s.io/v1"), "platform/ingress-x.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Path(tt.in); got != tt.want {
				t.Errorf("Path(%s) = %s, want %s", tt.in.ID(), got, tt.want)
			}
		})
	}
}

func TestFiles(t *testing.T) {
	objs := []object.Object{
		obj("web", "Service", "shop", "web"),
		obj("", "Namespace", "", "shop"),
		obj("api", "Deployment", "shop", "api"),
		obj("web", "Deployment", "shop", "web"),
	}
	files, err := Files(objs)
	if err != nil {
		t.Fatalf("Files() error: %v", err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	want := []string{
		"apps/api/deployment-api.yaml",
		"apps/web/deployment-web.yaml",
		"apps/web/service-web.yaml",
		"platform/namespace-shop.yaml",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("Files() paths mismatch (-want +got):\n%s", diff)
	}
	wantData := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
	if got := string(files[3].Data); got != wantData {
		t.Errorf("Files() data of %s = %q, want %q", files[3].Path, got, wantData)
	}
}

func TestFilesErrors(t *testing.T) {
	bad := obj("web", "ConfigMap", "shop", "web")
	bad.Content["data"] = map[string]any{"n": json.Number("x")}
	secretData := obj("web", "Secret", "shop", "token")
	secretData.Content["data"] = map[string]any{"token": "aHVudGVyMg=="}
	secretStringData := obj("", "Secret", "shop", "token")
	secretStringData.Content["stringData"] = map[string]any{"token": "hunter2"}
	tests := []struct {
		name string
		objs []object.Object
		want []string // substrings of the error
	}{
		{
			name: "same path",
			objs: []object.Object{obj("web", "Service", "a", "web"), obj("web", "Service", "b", "web")},
			want: []string{"Service/a/web", "Service/b/web", "apps/web/service-web.yaml"},
		},
		{
			name: "encoding error",
			objs: []object.Object{bad},
			want: []string{"ConfigMap/shop/web", `invalid number "x"`},
		},
		{
			name: "a Secret with data is never written",
			objs: []object.Object{secretData},
			want: []string{"Secret/shop/token is a Secret with data or stringData"},
		},
		{
			name: "nor one with stringData",
			objs: []object.Object{secretStringData},
			want: []string{"Secret/shop/token is a Secret with data or stringData"},
		},
		{
			name: "no name",
			objs: []object.Object{obj("web", "Service", "shop", "")},
			want: []string{"has no name"},
		},
		{
			name: "no kind",
			objs: []object.Object{obj("web", "", "shop", "web")},
			want: []string{"has no kind"},
		},
		{
			name: "slash in name",
			objs: []object.Object{obj("web", "Service", "shop", "../../etc")},
			want: []string{`name "../../etc"`},
		},
		{
			name: "dot-dot app",
			objs: []object.Object{obj("..", "Service", "shop", "web")},
			want: []string{`app ".."`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Files(tt.objs)
			if err == nil {
				t.Fatalf("Files() = nil error, want error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Files() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
