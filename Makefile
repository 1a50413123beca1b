# gen: render CUE environments into rendered/<env>/ (rendered/<platform>/<env>/).
#
#   make render ENV=prod   render one environment (default: prod): a full name
#                          (chatbot/prod), a platform (chatbot), or a name one
#                          platform only has (prod)
#   make render-all        render every environment
#   make check             fail when rendered/ is out of date
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

GO ?= go
ENV ?= prod

.PHONY: all build render render-all check diff test vet kube-programs fmt fmt-fix lint bench helm update-golden locks fuzz fuzz-smoke

# The registry the default environments pull from; make locks mirrors it to
# a local registry seeded with deterministic images.
ECR ?= 235494787667.dkr.ecr.ap-south-1.amazonaws.com

all: build

build:
	$(GO) build -o bin/gen ./cmd/gen

render:
	$(GO) run ./cmd/gen render $(ENV)

render-all:
	$(GO) run ./cmd/gen render --all

check:
	$(GO) run ./cmd/gen check

# gen diff exits 1 when something differs; that is not a failure here.
diff: build
	bin/gen diff || [ $$? -eq 1 ]

vet:
	$(GO) vet ./...

# -race: Render and Pin run concurrently, and the tests start registries and
# servers in goroutines. The race detector needs cgo, hence CGO_ENABLED=1 (and
# a C compiler: gcc). It makes the tests 5 to 10 times slower; -timeout stops a
# hung test with every goroutine's stack well within CI's 90 minutes, on two
# cores shared with other work, rather than at go test's default of 10 minutes
# per package, which a busy machine can reach without hanging.
TESTFLAGS ?= -race -timeout 30m

test: vet kube-programs
	CGO_ENABLED=1 $(GO) test $(TESTFLAGS) ./...
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

locks: build
	$(GO) run ./internal/devregistry -- sh -c 'set -e; \
		for d in environments/*/ environments/*/*/; do \
			d=$${d%/}; case $$d in */_*) continue;; esac; \
			ls $$d/*.cue >/dev/null 2>&1 || continue; \
			if ls $$d/*/*.cue >/dev/null 2>&1; then continue; fi; \
			bin/gen images $${d#environments/} --refresh --mirror $(ECR)=$$GEN_DEV_REGISTRY >/dev/null; done'
