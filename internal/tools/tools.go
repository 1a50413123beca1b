//go:build tools

// Package tools pins modules that packages under construction import, so
// that go.mod and go.sum hold them before the code that uses them lands.
package tools

import (
	_ "github.com/awslabs/amazon-ecr-credential-helper/ecr-login"
	_ "github.com/awslabs/amazon-ecr-credential-helper/ecr-login/api"
	_ "github.com/google/go-containerregistry/pkg/authn"
	_ "github.com/google/go-containerregistry/pkg/crane"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/empty"
	_ "github.com/google/go-containerregistry/pkg/v1/mutate"
	_ "github.com/google/go-containerregistry/pkg/v1/random"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/google/go-containerregistry/pkg/v1/remote/transport"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/term"
)
