package images

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	ecrlogin "github.com/awslabs/amazon-ecr-credential-helper/ecr-login"
	"github.com/awslabs/amazon-ecr-credential-helper/ecr-login/api"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/gitops-gen/gen/internal/testregistry"
)

// fakeHelper is an authn.Helper that records the hosts it is asked about.
type fakeHelper struct {
	user, pass string
	err        error
	asked      []string
}

func (h *fakeHelper) Get(serverURL string) (string, string, error) {
	h.asked = append(h.asked, serverURL)
	return h.user, h.pass, h.err
}

// who returns the user name an authenticator carries, "" for anonymous.
func who(t *testing.T, a authn.Authenticator) string {
	t.Helper()
	cfg, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Username
}

func TestKeychainRouting(t *testing.T) {
	tests := []struct {
		host string
		want string // "AWS" from the ECR helper, "docker" from the Docker config
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com", "AWS"},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "AWS"},
		{"123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "AWS"},
		{"123456789012.dkr-ecr.us-east-1.on.aws", "AWS"}, // dual-stack
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com:443", "AWS"},
		{"public.ecr.aws", "docker"}, // ECR Public allows anonymous pulls
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", "docker"},
		{"12345.dkr.ecr.eu-west-1.amazonaws.com", "docker"}, // not an account ID
		{"index.docker.io", "docker"},
		{"ghcr.io", "docker"},
		{"127.0.0.1:5000", "docker"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			helper := &fakeHelper{user: "AWS", pass: "ecr-token"}
			k := &keychain{
				ecr:    ECRKeychain(helper),
				docker: staticKeychain{"docker", "docker-pass"},
			}
			reg, err := name.NewRegistry(tt.host)
			if err != nil {
				t.Fatal(err)
			}
			a, err := k.Resolve(reg.Repo("web"))
			if err != nil {
				t.Fatal(err)
			}
			if got := who(t, a); got != tt.want {
				t.Errorf("Resolve(%s) gave credentials of %q, want %q", tt.host, got, tt.want)
			}
			wantAsked := []string(nil)
			if tt.want == "AWS" {
				wantAsked = []string{tt.host}
			}
			if diff := cmp.Diff(wantAsked, helper.asked); diff != "" {
				t.Errorf("ECR helper asked about (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeychainECRFailure(t *testing.T) {
	ecrHost := name.MustParseReference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1").Context()
	helperErr := errors.New("no AWS credentials")
	tests := []struct {
		name    string
		docker  authn.Keychain
		want    string // user name, or "" for an error
		wantErr string
	}{{
		name:   "falls back to docker login",
		docker: staticKeychain{"AWS", "from-docker-login"},
		want:   "AWS",
	}, {
		name:    "error when the Docker config has nothing",
		docker:  authn.NewMultiKeychain(),
		wantErr: "getting credentials for 123456789012.dkr.ecr.eu-west-1.amazonaws.com: no AWS credentials",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &keychain{ecr: ECRKeychain(&fakeHelper{err: helperErr}), docker: tt.docker}
			a, err := k.Resolve(ecrHost)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, helperErr) {
					t.Fatalf("Resolve = %v, %v; want error %q wrapping the helper's", a, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := who(t, a); got != tt.want {
				t.Errorf("Resolve gave credentials of %q, want %q", got, tt.want)
			}
		})
	}
}

// TestKeychainMissingAWSProfile runs the production Keychain, AWS chain
// and all, with a profile that does not exist. ecr-login's default client
// factory panics here; ours must return an error that says why, without
// any network access.
func TestKeychainMissingAWSProfile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("REGISTRY_AUTH_FILE", empty)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_PROFILE", "gen-test-no-such-profile")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(v, "")
	}

	_, err := NewRemote(WithRetries(1)).Resolve(t.Context(), tag(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0"))
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Resolve = %v, want an error matching ErrUnauthorized", err)
	}
	for _, want := range []string{"no credentials for registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com", "gen-test-no-such-profile", "check the AWS credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve error:\n%s\nwant it to mention %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".ecr")); !os.IsNotExist(err) {
		t.Errorf("something was written to ~/.ecr (stat: %v)", err)
	}
}

// fakeECR is the ECR API's GetAuthorizationToken, answering with a token
// for user:password, or failing with err.
type fakeECR struct {
	user, password string
	err            error
	calls          *atomic.Int32
}

func (f fakeECR) GetAuthorizationToken(context.Context, *awsecr.GetAuthorizationTokenInput, ...func(*awsecr.Options)) (*awsecr.GetAuthorizationTokenOutput, error) {
	f.calls.Add(1)
	if f.err != nil {
		return nil, f.err
	}
	return &awsecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
		AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte(f.user + ":" + f.password))),
		ProxyEndpoint:      aws.String("https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
		ExpiresAt:          aws.Time(time.Now().Add(12 * time.Hour)),
	}}}, nil
}

// TestRemoteECR runs the whole ECR flow without AWS: ecr-login's
// ECRHelper with our client factory over a fake ECR API, the keychain,
// and ggcr's Basic auth over TLS to a registry that answers for an ECR
// host name and expects user AWS with the token's password.
func TestRemoteECR(t *testing.T) {
	const (
		ecrHost  = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
		password = "ecr-token-password-never-shown"
	)
	reg := testregistry.NewFaults(testregistry.BasicAuth(testregistry.Handler(), "AWS", password))
	_, tr := testregistry.ServeTLS(t, reg, "*.dkr.ecr.eu-west-1.amazonaws.com")
	want := descriptor(testregistry.PushIndex(t, ecrHost+"/web:1.0.0", "web", remoteTransport(tr), remoteAuth("AWS", password)))
	testregistry.Push(t, ecrHost+"/api:1.0.0", "api", remoteTransport(tr), remoteAuth("AWS", password))

	tests := []struct {
		name    string
		ecr     fakeECR
		wantErr string // empty: want success
	}{{
		name: "token accepted",
		ecr:  fakeECR{user: "AWS", password: password},
	}, {
		name:    "token refused",
		ecr:     fakeECR{user: "AWS", password: "stale-" + password},
		wantErr: ecrHost + "/web:1.0.0: registry " + ecrHost + " refused the credentials for " + ecrHost + "/web (401 Unauthorized: UNAUTHORIZED: authentication required); check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an IRSA role) and that they allow ecr:BatchGetImage on the repository",
	}, {
		name:    "no token",
		ecr:     fakeECR{err: errors.New("AccessDeniedException: User is not authorized to perform: ecr:GetAuthorizationToken")},
		wantErr: ecrHost + "/web:1.0.0: no credentials for registry " + ecrHost + ": asking ECR for a token: AccessDeniedException: User is not authorized to perform: ecr:GetAuthorizationToken; check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an IRSA role) and that they allow ecr:BatchGetImage on the repository",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ecr.calls = new(atomic.Int32)
			clients := newECRClients(func(_ context.Context, region string, fips bool) (api.ECRAPI, error) {
				if region != "eu-west-1" || fips {
					t.Errorf("ECR client for region %q (FIPS %v), want eu-west-1", region, fips)
				}
				return tt.ecr, nil
			})
			helper := ecrlogin.NewECRHelper(ecrlogin.WithClientFactory(clients), ecrlogin.WithLogger(io.Discard))
			kc := &keychain{ecr: &ecrKeychain{helper: helper, causes: clients}, docker: authn.NewMultiKeychain()}
			r := NewRemote(fast(WithKeychain(kc), WithTransport(tr))...)

			got, err := r.Resolve(t.Context(), tag(t, ecrHost+"/web:1.0.0"))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("Resolve = %v, %v; want an error matching ErrUnauthorized", got, err)
				}
				if err.Error() != tt.wantErr {
					t.Errorf("Resolve error:\n%s\nwant:\n%s", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("Resolve error contains the password:\n%s", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
			// A second repository reuses the region's token.
			if _, err := r.Resolve(t.Context(), tag(t, ecrHost+"/api:1.0.0")); err != nil {
				t.Fatal(err)
			}
			if n := tt.ecr.calls.Load(); n != 1 {
				t.Errorf("GetAuthorizationToken called %d times for two repositories, want 1", n)
			}
		})
	}
}

func TestDecodeECRToken(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		want    *api.Auth
		wantErr string
	}{
		{"user and password", base64.StdEncoding.EncodeToString([]byte("AWS:pa:ss")), &api.Auth{Username: "AWS", Password: "pa:ss"}, ""},
		{"not base64", "AWS:secret", nil, "ECR returned an authorization token that is not base64"},
		{"no colon", base64.StdEncoding.EncodeToString([]byte("AWSsecret")), nil, "ECR returned an authorization token without a user:password pair"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeECRToken(tt.token)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("decodeECRToken(%q) = %v, %v; want error %q", tt.token, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeECRToken mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeychainQuiet runs the production keychain, AWS chain and all,
// against an instance metadata service (a local one) that refuses IMDSv2
// tokens, as many do: the SDK then warns "falling back to IMDSv1" through
// its logger, by default on stderr. The keychain must keep that off
// stderr, and write it where KeychainLogging says.
func TestKeychainQuiet(t *testing.T) {
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			http.Error(w, "tokens refused", http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	defer imds.Close()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME": dir, "DOCKER_CONFIG": dir, "REGISTRY_AUTH_FILE": empty, "XDG_RUNTIME_DIR": dir, "XDG_CONFIG_HOME": dir,
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL, "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
	} {
		t.Setenv(k, v)
	}
	reg, err := name.NewRegistry("123456789012.dkr.ecr.eu-west-1.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}

	// The default: the SDK's logger would write to os.Stderr, read when the
	// AWS configuration is loaded; a pipe stands in for it.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	_, err = Keychain().Resolve(reg)
	os.Stderr = stderr
	w.Close()
	printed, _ := io.ReadAll(r)
	if err == nil {
		t.Fatalf("Keychain().Resolve(%s) succeeded without credentials", reg)
	}
	if len(printed) > 0 {
		t.Errorf("Keychain().Resolve(%s) wrote on stderr:\n%s", reg, printed)
	}

	var log strings.Builder
	if _, err := KeychainLogging(&log).Resolve(reg); err == nil {
		t.Fatalf("KeychainLogging().Resolve(%s) succeeded without credentials", reg)
	}
	if !strings.Contains(log.String(), "falling back to IMDSv1") {
		t.Errorf("KeychainLogging(w) logged %q, want the SDK's warning about IMDSv1", log.String())
	}
}
