package kubetest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Options configure Start.
type Options struct {
	// Scheduler starts a kube-scheduler as well. The default is none:
	// pods are stored and stay Pending, without a PodScheduled condition.
	Scheduler bool
}

// Readiness timeouts. They bound a wait, they assert nothing: on an idle
// machine etcd is ready in a second and kube-apiserver in about ten.
const (
	etcdTimeout      = 2 * time.Minute
	apiserverTimeout = 5 * time.Minute
	schedulerTimeout = 3 * time.Minute
)

// Cluster is a running control plane.
type Cluster struct {
	// Config is the client configuration of the admin user, a member of
	// system:masters.
	Config *rest.Config
	// Kubeconfig is a kubeconfig file holding the same, for programs.
	Kubeconfig string
	// Client and Dynamic are clients of Config.
	Client  kubernetes.Interface
	Dynamic dynamic.Interface

	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// Start starts etcd and kube-apiserver on free ports of 127.0.0.1, with
// their state in a temporary folder of t's, and kube-scheduler when
// opts.Scheduler is set; it returns once kube-apiserver answers /readyz
// (and kube-scheduler its own), and stops them all when t ends. It skips
// t (or fails it under CI) when etcd is not installed; see the package
// documentation.
//
// kube-apiserver runs with RBAC, the default admission plugins, a
// self-signed serving certificate and a service account signing key made
// for it, and a token for the admin user.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	skipOrFail(t)
	progs, err := build()
	if err != nil {
		t.Fatal(err)
	}
	logBuild.Do(func() { t.Logf("go build kube-apiserver kube-scheduler: %s", progs.took.Round(time.Second)) })
	started := time.Now()
	dir := t.TempDir()
	creds, err := writeCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}

	etcdURL, err := startEtcd(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := startAPIServer(t, dir, progs.apiserver, etcdURL, creds)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Scheduler {
		if err := startScheduler(t, dir, progs.scheduler, c.Kubeconfig); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("control plane ready in %s", time.Since(started).Round(100*time.Millisecond))
	return c
}

// logBuild logs how long the build took, in the first test that waited
// for it.
var logBuild sync.Once

// startEtcd starts etcd and returns its client URL once it is healthy.
func startEtcd(t testing.TB, dir string) (string, error) {
	t.Helper()
	var clientURL string
	err := retryPorts("etcd", func() error {
		ports, err := freePorts(2)
		if err != nil {
			return err
		}
		clientURL = "http://127.0.0.1:" + strconv.Itoa(ports[0])
		peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
		p, err := startProcess(t, dir, "etcd", etcdBin,
			"--name=kubetest",
			"--data-dir="+filepath.Join(dir, "etcd", "data"),
			"--listen-client-urls="+clientURL,
			"--advertise-client-urls="+clientURL,
			"--listen-peer-urls="+peerURL,
			"--initial-advertise-peer-urls="+peerURL,
			"--initial-cluster=kubetest="+peerURL,
			"--logger=zap",
			"--log-level=warn",
		)
		if err != nil {
			return err
		}
		client := &http.Client{Timeout: 5 * time.Second}
		defer client.CloseIdleConnections()
		err = p.waitReady(etcdTimeout, func() error {
			return getOK(client, clientURL+"/health")
		})
		if err != nil && p.exited() != nil && p.portTaken() {
			return errPortTaken
		}
		return err
	})
	return clientURL, err
}

// startAPIServer starts kube-apiserver against etcdURL and returns the
// cluster once /readyz answers ok and kube-system exists.
func startAPIServer(t testing.TB, dir, bin, etcdURL string, creds *credentials) (*Cluster, error) {
	t.Helper()
	var c *Cluster
	err := retryPorts("kube-apiserver", func() error {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		host := "https://127.0.0.1:" + strconv.Itoa(ports[0])
		p, err := startProcess(t, dir, "kube-apiserver", bin,
			"--etcd-servers="+etcdURL,
			"--bind-address=127.0.0.1",
			"--advertise-address=127.0.0.1",
			// The "kubernetes" Service's endpoints would be 127.0.0.1, which
			// the reconciler refuses; no pod reaches the apiserver anyway.
			"--endpoint-reconciler-type=none",
			"--secure-port="+strconv.Itoa(ports[0]),
			"--cert-dir="+filepath.Join(dir, "kube-apiserver", "certs"),
			"--tls-cert-file="+creds.certFile,
			"--tls-private-key-file="+creds.keyFile,
			"--token-auth-file="+creds.tokenFile,
			"--authorization-mode=RBAC",
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file="+creds.saKeyFile,
			"--service-account-signing-key-file="+creds.saKeyFile,
			// Addresses for Services' cluster IPs; nothing routes them.
			"--service-cluster-ip-range=10.96.0.0/16",
			// Less work on a small machine; neither matters to tests.
			"--enable-priority-and-fairness=false",
			"--profiling=false",
		)
		if err != nil {
			return err
		}
		c, err = newCluster(dir, host, creds)
		if err != nil {
			return err
		}
		client, err := rest.HTTPClientFor(c.Config)
		if err != nil {
			return err
		}
		defer client.CloseIdleConnections()
		err = p.waitReady(apiserverTimeout, func() error {
			if err := getOK(client, host+"/readyz"); err != nil {
				return err
			}
			// The system namespaces are created just after readiness.
			_, err := c.Client.CoreV1().Namespaces().Get(context.Background(), metav1.NamespaceSystem, metav1.GetOptions{})
			return err
		})
		if err != nil && p.exited() != nil && p.portTaken() {
			return errPortTaken
		}
		return err
	})
	return c, err
}

// newCluster returns the clients of the apiserver at host and writes its
// kubeconfig into dir.
func newCluster(dir, host string, creds *credentials) (*Cluster, error) {
	cfg := &rest.Config{
		Host:            host,
		BearerToken:     creds.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: creds.caPEM},
		// Tests create hundreds of objects in a row; the defaults (5 per
		// second) would throttle them.
		QPS:   200,
		Burst: 400,
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["kubetest"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: creds.caPEM}
	kc.AuthInfos[adminUser] = &clientcmdapi.AuthInfo{Token: creds.token}
	kc.Contexts["kubetest"] = &clientcmdapi.Context{Cluster: "kubetest", AuthInfo: adminUser}
	kc.CurrentContext = "kubetest"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{
		Config:     cfg,
		Kubeconfig: path,
		Client:     client,
		Dynamic:    dyn,
		mapper:     restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco)),
	}, nil
}

// startScheduler starts kube-scheduler with kubeconfig and waits until it
// answers /readyz, which it does once its informers have synced.
func startScheduler(t testing.TB, dir, bin, kubeconfig string) error {
	t.Helper()
	return retryPorts("kube-scheduler", func() error {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		p, err := startProcess(t, dir, "kube-scheduler", bin,
			"--kubeconfig="+kubeconfig,
			"--authentication-kubeconfig="+kubeconfig,
			"--authorization-kubeconfig="+kubeconfig,
			"--leader-elect=false",
			"--bind-address=127.0.0.1",
			"--secure-port="+strconv.Itoa(ports[0]),
			"--cert-dir="+filepath.Join(dir, "kube-scheduler", "certs"),
		)
		if err != nil {
			return err
		}
		// Its serving certificate is self-signed, made at start; /readyz
		// needs no authentication.
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		}}
		defer client.CloseIdleConnections()
		url := "https://127.0.0.1:" + strconv.Itoa(ports[0]) + "/readyz"
		err = p.waitReady(schedulerTimeout, func() error { return getOK(client, url) })
		if err != nil && p.exited() != nil && p.portTaken() {
			return errPortTaken
		}
		return err
	})
}

// getOK returns nil when url answers 200, or what it answered.
func getOK(client *http.Client, url string) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return nil
}

// Mapping returns the resource that serves gvk, asking the apiserver's
// discovery again when it is not known yet (a CRD installed since).
func (c *Cluster) Mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// Resource returns a client of gvk's resource in namespace (ignored for
// cluster-scoped kinds).
func (c *Cluster) Resource(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	m, err := c.Mapping(gvk)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dynamic.Resource(m.Resource).Namespace(namespace), nil
	}
	return c.Dynamic.Resource(m.Resource), nil
}
