package images

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go/logging"
	ecrlogin "github.com/awslabs/amazon-ecr-credential-helper/ecr-login"
	"github.com/awslabs/amazon-ecr-credential-helper/ecr-login/api"
	"github.com/google/go-containerregistry/pkg/authn"
)

// Keychain returns the keychain [Remote] uses by default.
//
// For private ECR registries (<account>.dkr.ecr.<region>.amazonaws.com,
// and the .com.cn, FIPS and dual-stack hosts that ecr-login recognises)
// it gets a token from ECR through the ecr-login credential helper, with
// the standard AWS credential chain: environment variables, shared config
// and AWS_PROFILE, web identity (IRSA), container and instance roles. If
// that fails but the Docker config holds credentials for the host (from
// "aws ecr get-login-password | docker login"), it uses those. Every
// other registry gets the Docker config, as [authn.DefaultKeychain] reads
// it (anonymous if it has nothing).
//
// ECR tokens are kept in memory for the life of the keychain and never
// written anywhere; see ecrClients for how that differs from ecr-login's
// defaults.
//
// Neither the AWS SDK nor ecr-login logs anything: their failures come
// back as errors, and their warnings ("falling back to IMDSv1" off EC2)
// would only be noise on stderr. [KeychainLogging] sends them somewhere.
func Keychain() authn.Keychain { return KeychainLogging(nil) }

// KeychainLogging is [Keychain] with the AWS SDK's and ecr-login's log
// written to w (nil: nowhere), for a user who asks for it (gen's
// --verbose).
func KeychainLogging(w io.Writer) authn.Keychain {
	if w == nil {
		w = io.Discard
	}
	clients := newECRClients(func(ctx context.Context, region string, fips bool) (api.ECRAPI, error) {
		return loadECRAPI(ctx, region, fips, w)
	})
	helper := ecrlogin.NewECRHelper(
		ecrlogin.WithClientFactory(clients),
		ecrlogin.WithLogger(w), // it logs failures; we report them as errors
	)
	return &keychain{
		ecr:    &ecrKeychain{helper: helper, causes: clients},
		docker: authn.DefaultKeychain,
	}
}

// ECRKeychain returns a keychain that answers for private ECR registries
// only, with the credentials helper returns for the registry host
// (typically an ecr-login ECRHelper; tests pass a fake). For any other
// host it returns [authn.Anonymous], so that it composes with
// [authn.NewMultiKeychain]. When helper fails for an ECR host it returns
// an error rather than anonymous access: private ECR never allows that,
// so falling through would only turn a clear error into a 401.
func ECRKeychain(helper authn.Helper) authn.Keychain {
	return &ecrKeychain{helper: helper}
}

// isECR reports whether host is a private ECR registry, by ecr-login's
// own parser (api.ExtractRegistry). ECR Public (public.ecr.aws) is not:
// it allows anonymous pulls and is left to the Docker config.
func isECR(host string) bool {
	r, err := api.ExtractRegistry(host)
	return err == nil && r.Service == api.ServiceECR
}

// keychain is what Keychain returns: ECR first for ECR hosts, with the
// Docker config as a fallback; the Docker config for the rest.
type keychain struct {
	ecr    authn.Keychain
	docker authn.Keychain
}

func (k *keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

func (k *keychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	if !isECR(r.RegistryStr()) {
		return authn.Resolve(ctx, k.docker, r)
	}
	a, err := authn.Resolve(ctx, k.ecr, r)
	if err == nil {
		return a, nil
	}
	if d, derr := authn.Resolve(ctx, k.docker, r); derr == nil && d != authn.Anonymous {
		return d, nil
	}
	return nil, err
}

// ecrKeychain is what ECRKeychain returns.
type ecrKeychain struct {
	helper authn.Helper
	// causes, if set, explains helper failures: ecr-login's ECRHelper.Get
	// logs the cause and returns only "credentials not found in native
	// keychain", which tells a user nothing.
	causes interface{ cause(host string) error }
}

func (k *ecrKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

func (k *ecrKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	host := r.RegistryStr()
	if !isECR(host) {
		return authn.Anonymous, nil
	}
	// authn.Helper has no context, and the AWS chain can be slow (instance
	// metadata); don't let it hold the caller past its deadline.
	type answer struct {
		user, pass string
		err        error
	}
	ch := make(chan answer, 1)
	go func() {
		u, p, err := k.helper.Get(host)
		ch <- answer{u, p, err}
	}()
	select {
	case <-ctx.Done():
		return nil, &credentialsError{host: host, err: ctx.Err()}
	case a := <-ch:
		if a.err != nil {
			if k.causes != nil {
				if c := k.causes.cause(host); c != nil {
					a.err = c
				}
			}
			return nil, &credentialsError{host: host, err: a.err}
		}
		return authn.FromConfig(authn.AuthConfig{Username: a.user, Password: a.pass}), nil
	}
}

// credentialsError is a failure to find credentials for host, as opposed
// to a registry refusing them.
type credentialsError struct {
	host string
	err  error
}

func (e *credentialsError) Error() string {
	return fmt.Sprintf("getting credentials for %s: %v", e.host, e.err)
}

func (e *credentialsError) Unwrap() error { return e.err }

// markKeychain marks the errors of k as credentialsErrors, so that Remote
// can tell "no credentials" from the registry's own failures.
type markKeychain struct{ k authn.Keychain }

func (m markKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return m.ResolveContext(context.Background(), r)
}

func (m markKeychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	a, err := authn.Resolve(ctx, m.k, r)
	var ce *credentialsError
	if err != nil && !errors.As(err, &ce) {
		err = &credentialsError{host: r.RegistryStr(), err: err}
	}
	return a, err
}

// ecrTimeout bounds one call for an ECR token, including finding AWS
// credentials. authn.Helper gives us no context to take it from.
const ecrTimeout = 30 * time.Second

// ecrClients is the api.ClientFactory that Keychain gives ecr-login's
// ECRHelper in place of api.DefaultClientFactory, for three reasons:
//
//   - The default panics when the AWS configuration cannot be loaded
//     (api/factory.go, NewClientFromRegion: "if err != nil { panic(err) }"),
//     for example when AWS_PROFILE names a missing profile.
//   - The default client caches tokens in ~/.ecr/cache.json
//     (cache.BuildCredentialsCache, unless AWS_ECR_DISABLE_CACHE is set),
//     and gen must not write credentials anywhere. These clients cache
//     them in memory.
//   - ECRHelper.Get hides why it failed (see ecrKeychain.causes); the
//     clients remember the last failure per host.
//
// One token serves every private registry the AWS principal can reach in
// a region (GetAuthorizationToken's RegistryIds is deprecated for that
// reason), so tokens are cached per region: a render that resolves
// hundreds of repositories asks ECR once.
type ecrClients struct {
	newAPI func(ctx context.Context, region string, fips bool) (api.ECRAPI, error)

	mu     sync.Mutex
	apis   map[string]*ecrRegion // by region, with "/fips" for FIPS
	causes map[string]error      // by registry host
}

var _ api.ClientFactory = (*ecrClients)(nil)

func newECRClients(newAPI func(ctx context.Context, region string, fips bool) (api.ECRAPI, error)) *ecrClients {
	return &ecrClients{newAPI: newAPI, apis: map[string]*ecrRegion{}, causes: map[string]error{}}
}

// loadECRAPI makes an ECR API client for region from the standard AWS
// configuration chain, logging to log. The SDK's default logger writes to
// stderr, and the credential chain warns there when it falls back to
// IMDSv1 (feature/ec2/imds, token_provider.go) on any machine where the
// metadata service refuses tokens.
func loadECRAPI(ctx context.Context, region string, fips bool, log io.Writer) (api.ECRAPI, error) {
	var logger logging.Logger = logging.Nop{}
	if log != io.Discard {
		logger = logging.NewStandardLogger(log)
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region), awsconfig.WithLogger(logger)}
	if fips {
		opts = append(opts, awsconfig.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return awsecr.NewFromConfig(cfg), nil
}

// ecrRegion is the API client and cached token for one region.
type ecrRegion struct {
	clients *ecrClients
	region  string
	fips    bool
	fixed   api.ECRAPI // set when made from a given aws.Config

	mu      sync.Mutex // held while asking ECR, so parallel resolutions ask once
	api     api.ECRAPI
	token   *api.Auth
	expires time.Time
}

func (c *ecrClients) region(region string, fips bool) *ecrRegion {
	key := region
	if fips {
		key += "/fips"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.apis[key]
	if !ok {
		r = &ecrRegion{clients: c, region: region, fips: fips}
		c.apis[key] = r
	}
	return r
}

// NewClientFromRegion implements api.ClientFactory.
func (c *ecrClients) NewClientFromRegion(region string) api.Client {
	return c.region(region, false)
}

// NewClientWithFipsEndpoint implements api.ClientFactory.
func (c *ecrClients) NewClientWithFipsEndpoint(region string) (api.Client, error) {
	return c.region(region, true), nil
}

// NewClientWithDefaults implements api.ClientFactory; the region comes
// from the AWS configuration.
func (c *ecrClients) NewClientWithDefaults() api.Client {
	return c.region("", false)
}

// NewClient implements api.ClientFactory.
func (c *ecrClients) NewClient(cfg aws.Config) api.Client {
	return &ecrRegion{clients: c, region: cfg.Region, fixed: awsecr.NewFromConfig(cfg)}
}

// NewClientWithOptions implements api.ClientFactory. opts.CacheDir is
// ignored: tokens stay in memory.
func (c *ecrClients) NewClientWithOptions(opts api.Options) api.Client {
	return c.NewClient(opts.Config)
}

func (c *ecrClients) cause(host string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.causes[host]
}

func (c *ecrClients) setCause(host string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.causes, host)
	} else {
		c.causes[host] = err
	}
}

// GetCredentials implements api.Client.
func (r *ecrRegion) GetCredentials(serverURL string) (*api.Auth, error) {
	auth, err := r.getCredentials(serverURL)
	host := strings.TrimPrefix(serverURL, "https://")
	r.clients.setCause(host, err)
	return auth, err
}

func (r *ecrRegion) getCredentials(serverURL string) (*api.Auth, error) {
	reg, err := api.ExtractRegistry(serverURL)
	if err != nil {
		return nil, err
	}
	if reg.Service != api.ServiceECR {
		return nil, fmt.Errorf("%s is not a private ECR registry", serverURL)
	}
	return r.GetCredentialsByRegistryID(reg.ID)
}

// GetCredentialsByRegistryID implements api.Client. The token is the
// region's, whatever the registry.
func (r *ecrRegion) GetCredentialsByRegistryID(string) (*api.Auth, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Renew a little early, as ecr-login does, so a token does not expire
	// between being handed out and being used.
	if r.token != nil && time.Now().Before(r.expires.Add(-5*time.Minute)) {
		return r.token, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), ecrTimeout)
	defer cancel()
	client := r.fixed
	if client == nil {
		if r.api == nil {
			a, err := r.clients.newAPI(ctx, r.region, r.fips)
			if err != nil {
				return nil, fmt.Errorf("loading the AWS configuration: %w", err)
			}
			r.api = a
		}
		client = r.api
	}
	out, err := client.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		return nil, fmt.Errorf("asking ECR for a token: %w", err)
	}
	for _, d := range out.AuthorizationData {
		if d.AuthorizationToken == nil {
			continue
		}
		auth, err := decodeECRToken(*d.AuthorizationToken)
		if err != nil {
			return nil, err
		}
		auth.ProxyEndpoint = aws.ToString(d.ProxyEndpoint)
		r.token, r.expires = auth, aws.ToTime(d.ExpiresAt)
		if r.expires.IsZero() {
			r.expires = time.Now().Add(time.Hour)
		}
		return auth, nil
	}
	return nil, errors.New("asking ECR for a token: the answer had no authorization data")
}

// ListCredentials implements api.Client; nothing in gen lists them.
func (r *ecrRegion) ListCredentials() ([]*api.Auth, error) {
	return nil, errors.New("listing ECR credentials is not supported")
}

// decodeECRToken splits an ECR authorization token, base64 of
// "user:password", without quoting it in errors.
func decodeECRToken(token string) (*api.Auth, error) {
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil, errors.New("ECR returned an authorization token that is not base64")
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok {
		return nil, errors.New("ECR returned an authorization token without a user:password pair")
	}
	return &api.Auth{Username: user, Password: pass}, nil
}
