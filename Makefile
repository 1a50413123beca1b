# gen: render CUE environments into rendered/<env>/ (rendered/<platform>/<env>/).
#
#   make render-all        build bin/gen (only when its sources changed), render every environment
#   make render ENV=chatbot/prod  render one environment (default: chatbot/prod): a full
#                          name (chatbot/prod), a platform (chatbot), or a name one
#                          platform only has
#   make check             fail when rendered/ is out of date
#   make diff              what rendering would change in rendered/
#   make bin/gen           build gen into bin/ (make build is the same)
#   make release           reproducible binaries for linux and darwin, amd64 and arm64, into
#                          dist/ with SHA256SUMS (VERSION=v1.2.3 to name them; default:
#                          git describe)
#   make release-check     build the host's release binary twice, from two clones of HEAD
#                          in different folders, and fail unless the bytes are identical
#   make test              go vet, then every test under the race detector (what CI runs)
#   make kube-programs     compile kube-apiserver and kube-scheduler into the build cache
#                          (make test does it first; the control-plane tests link them)
#   make fmt               fail listing the Go files gofmt would change (make fmt-fix rewrites them)
#   make lint              go vet and staticcheck (CI runs it)
#   make bench             timings of the gen binary on the default environments (median of
#                          15 runs), then on synthetic platforms of 25, 250 and 1000 apps,
#                          beside helm template of an equivalent chart and cp -r
#   make helm              build helm from tools/helm into $(TOOLS_CACHE) (make bench does)
#   make fuzz              run every fuzz target for FUZZTIME each (default 2m)
#   make update-golden     rewrite golden files after an intended change
#   make locks             reproduce the image lock files from a local registry (no AWS)
#   make graph             draw each environment's dependency graph into docs/graph/<env>.dot,
#                          and docs/graph/<env>.svg when Graphviz's dot is on PATH

GO ?= go
ENV ?= chatbot/prod

.PHONY: all build render render-all check diff release release-check test vet kube-programs fmt fmt-fix lint bench helm update-golden locks graph fuzz fuzz-smoke

# The registries the committed platforms pull from (chatbot, koorde and
# shuttle: ap-south-1; my-app: us-east-1; microservices: eu-west-1); make
# locks mirrors each to a local registry seeded with deterministic images.
ECR ?= 235494787667.dkr.ecr.ap-south-1.amazonaws.com 111122223333.dkr.ecr.us-east-1.amazonaws.com 481516234200.dkr.ecr.eu-west-1.amazonaws.com

all: build

# bin/gen is a file, rebuilt only when something it is built from is newer:
# the module's Go files (tests aside), the data files they embed, go.mod and
# go.sum, and the folders that hold them (a folder changes when a file is
# added or removed). A no-change make is then instant, where go run links
# the whole binary again on every call.
GEN_SOURCES := go.mod go.sum $(shell find cmd generator internal \
	-name testdata -prune -o -type d -print -o \
	-type f \( -name '*.go' ! -name '*_test.go' -o -path '*/data/*' \) -print)

build: bin/gen

bin/gen: $(GEN_SOURCES)
	$(GO) build -o $@ ./cmd/gen

# RENDERFLAGS: more flags for gen render, e.g. RENDERFLAGS=--offline.
RENDERFLAGS ?=

render: bin/gen
	bin/gen render $(RENDERFLAGS) $(ENV)

render-all: bin/gen
	bin/gen render --all $(RENDERFLAGS)

check: bin/gen
	bin/gen check

# gen diff exits 1 when something differs; that is not a failure here.
diff: bin/gen
	bin/gen diff || [ $$? -eq 1 ]

# Release binaries, byte for byte reproducible from a commit and a Go
# version: no cgo, no build paths (-trimpath), no symbol tables or build ID
# (-s -w -buildid=), the version set below and the VCS revision stamped by
# go build (-buildvcs=true: GOFLAGS may turn stamping off). Go stamps only
# a checkout whose .git is a folder; in a linked git worktree the binaries
# carry the version alone. VERSION names the files and is what gen version
# prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
RELEASE_PLATFORMS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
RELEASE_FLAGS = -trimpath -buildvcs=true -ldflags='-s -w -buildid= -X main.version=$(VERSION)'

release:
	rm -rf dist
	mkdir -p dist
	@set -e; for p in $(RELEASE_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=dist/gen_$(VERSION)_$${os}_$${arch}; \
		echo "$$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build $(RELEASE_FLAGS) -o $$out ./cmd/gen; \
	done
	cd dist && sha256sum gen_* > SHA256SUMS
	@cat dist/SHA256SUMS

# Two builds of the host's release binary from two clones of HEAD (the
# commit it was at when the check began) in different folders, stamped
# alike, must be identical byte for byte.
release-check:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; rev=$$(git rev-parse HEAD); \
	for d in a b; do \
		git clone -q . "$$tmp/$$d"; git -C "$$tmp/$$d" checkout -q "$$rev"; \
		(cd "$$tmp/$$d" && CGO_ENABLED=0 $(GO) build $(RELEASE_FLAGS) -o "$$tmp/gen-$$d" ./cmd/gen); \
	done; \
	(cd "$$tmp" && sha256sum gen-a gen-b); \
	cmp "$$tmp/gen-a" "$$tmp/gen-b"; \
	echo "release-check: two builds of $$rev in different folders are identical"

vet:
	$(GO) vet ./...

# -race: Render and Pin run concurrently, and the tests start registries and
# servers in goroutines. The race detector needs cgo, hence CGO_ENABLED=1 (and
# a C compiler: gcc). It makes the tests 5 to 10 times slower; -timeout stops a
# hung test with every goroutine's stack well within CI's 90 minutes, on two
# cores shared with other work, rather than at go test's default of 10 minutes
# per package, which a busy machine can reach without hanging.
TESTFLAGS ?= -race -timeout 30m

# The tests that validate against eksctl's JSON schema and the controllers'
# CRDs read them from the shared folder (internal/repotest): $GEN_SHARED,
# else shared/ beside the repository. Without it they skip (under CI=true,
# fail); go test prints a passing package's output only with -v, so make
# test says it here, before and after the tests.
SHARED_DIR = $(or $(GEN_SHARED),$(abspath ../shared))
define shared-warning
if [ -z "$$CI" ] && [ ! -d "$(SHARED_DIR)/schemas" ]; then echo "WARNING: $(SHARED_DIR)/schemas not found: the validations against eksctl's schema and the CRDs are SKIPPED; set GEN_SHARED=/path/to/shared or put shared/ beside the clone"; fi
endef

# cmd/gen's TestCompletionSyntax has bash, zsh and fish parse the
# completion scripts; a shell that is not installed skips its check (under
# CI=true, fails).
define shells-warning
if [ -z "$$CI" ]; then for s in zsh fish; do command -v $$s >/dev/null || echo "WARNING: $$s not found: the syntax check of gen completion $$s is SKIPPED (Debian: apt-get install zsh fish)"; done; fi
endef

test: vet kube-programs
	@$(shared-warning)
	@$(shells-warning)
	CGO_ENABLED=1 $(GO) test $(TESTFLAGS) ./...
	@$(shared-warning)
	@$(shells-warning)
	@if [ "$$CI" = true ]; then $(MAKE) --no-print-directory fuzz-smoke; fi

# The fuzz targets, as package:target. Each package's seed corpus
# (testdata/fuzz/<target>/) runs in every go test; these search further.
# go test -fuzz takes one target of one package at a time.
FUZZ_TARGETS = \
	./generator/images:FuzzParseLock \
	./generator/internal/load:FuzzLoad \
	./generator/internal/objdiff:FuzzCompare \
	./generator/internal/output:FuzzEncode
FUZZTIME ?= 2m
# Under CI, make test runs each target this long: a smoke test that the
# targets run and find nothing quickly, not a search.
FUZZSMOKE ?= 20s
# When a worker finds an input that reaches new code, go test minimizes it
# for up to a minute by default, counting none of those runs: with FuzzLoad
# (each input evaluates CUE, a few milliseconds) both workers spent whole
# smoke runs minimizing, and the search never advanced. 20 runs per
# minimization keep the search going; a failing input is still minimized.
FUZZMINIMIZE ?= 20x

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) "$${t%%:*}"; done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZSMOKE)

# The control-plane tests (internal/kubetest) build kube-apiserver and
# kube-scheduler from the k8s.io/kubernetes module, as go build does with
# CGO_ENABLED=0. Compiling their packages here first, into the build
# cache, keeps that compile (about ten minutes on two idle cores with a
# cold cache, a second or two with a warm one) out of the tests' -timeout,
# and the test packages that then build the two programs at once only
# link them instead of each compiling everything.
# They come from the module of tools/kubernetes, which pins the release of
# the committed clusters' Kubernetes minor apart from gen's go.mod.
KUBE_PROGRAMS = k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler
kube-programs:
	cd tools/kubernetes && CGO_ENABLED=0 $(GO) list -export -f '{{.ImportPath}}' $(KUBE_PROGRAMS) >/dev/null

# gofmt -l lists the files it would change; any is a failure.
fmt:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo "gofmt would change these files (run: make fmt-fix):"; echo "$$files"; exit 1; fi

fmt-fix:
	gofmt -w .

# staticcheck is a tool dependency in go.mod ("tool" directive), which pins
# its version: go mod download fetches it with everything else, and
# go tool builds it from the module cache, offline. Upgrade it with
# go get -tool honnef.co/go/tools/cmd/staticcheck@VERSION.
lint: vet
	$(GO) tool staticcheck ./...

# helm, the yardstick of make bench: built from the module of tools/helm,
# which pins helm.sh/helm/v4 apart from gen's go.mod (its k8s.io modules
# need not match gen's), into a folder named after its version in
# TOOLS_CACHE, outside the repository. The first build fetches the modules
# through the Go module proxy and compiles for a few minutes; after that
# the binary is there, and nothing is downloaded when the benchmark runs.
TOOLS_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gen-tools
HELM_VERSION = $(shell awk '$$1 == "helm.sh/helm/v4" { print $$2 }' tools/helm/go.mod)
HELM ?= $(TOOLS_CACHE)/helm-$(HELM_VERSION)

helm: $(HELM)

$(HELM): tools/helm/go.mod tools/helm/go.sum
	cd tools/helm && CGO_ENABLED=0 $(GO) build -o $@ helm.sh/helm/v4/cmd/helm

BENCHFLAGS ?=
bench: build helm
	$(GO) test -run '^$$' -bench . -benchmem ./generator/...
	$(GO) run ./generator/internal/benchplatform -gen bin/gen -helm $(HELM) $(BENCHFLAGS)

# The generator package rewrites rendered/ first, on its own: the other
# packages' tests read rendered/ and must not see it half written.
update-golden:
	GEN_UPDATE=1 $(GO) test ./generator
	GEN_UPDATE=1 $(GO) test $$($(GO) list ./generator/... ./cmd/gen/... | grep -v '/generator$$')

# gen envs lists the environments as every command finds them (full
# names, platforms' included), without evaluating any CUE.
locks: build
	$(GO) run ./internal/devregistry -- sh -c 'set -e; envs=$$(bin/gen envs); \
		for env in $$envs; do \
			bin/gen images "$$env" --refresh $(foreach r,$(ECR),--mirror $(r)=$$GEN_DEV_REGISTRY/$(r)) >/dev/null; done'

# The graphs are checked like rendered/: a test compares docs/graph/*.dot
# with what gen graph draws. An environment named "chatbot/prod" gets
# docs/graph/chatbot/prod.dot. The SVGs are drawn when dot is installed
# (Debian: apt-get install graphviz); nothing checks them.
GRAPHS ?= docs/graph
graph: bin/gen
	bin/gen graph --all -o $(GRAPHS)
	@if command -v dot >/dev/null; then \
		find $(GRAPHS) -name '*.dot' | while read -r f; do dot -Tsvg "$$f" -o "$${f%.dot}.svg"; done; \
	else echo "dot is not on PATH: no SVG drawn (apt-get install graphviz)"; fi
