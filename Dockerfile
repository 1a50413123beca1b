# gen in a container, for CI jobs that would rather not install Go:
#
#   docker build -t gen --build-arg VERSION=$(git describe --tags --always --dirty) .
#   docker run --rm -v "$PWD:/repo" gen check
#
# The builder's Go is go.mod's go line (TestDockerfile keeps them equal),
# with make release's flags: no cgo, no build paths, no symbol tables or
# build ID. .git is not copied in, so the binary carries VERSION rather than
# a VCS stamp (-buildvcs=false).
ARG GO_VERSION=1.26.7

FROM golang:${GO_VERSION}-bookworm AS build
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY generator/ generator/
COPY internal/ internal/
ARG VERSION=dev
RUN go build -trimpath -buildvcs=false -ldflags="-s -w -buildid= -X main.version=${VERSION}" -o /out/gen ./cmd/gen

# distroless/static: CA certificates (for gen images --refresh against a
# registry), /tmp, a nonroot user, and nothing else. gen is static.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gen /usr/local/bin/gen
USER nonroot:nonroot
WORKDIR /repo
# A container's cache would not outlive the job, and with --user another
# uid could not write nonroot's home.
ENV GEN_CACHE=off
ENTRYPOINT ["gen"]
