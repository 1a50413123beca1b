# gen: render CUE environments into rendered/<env>/.
#
#   make render ENV=prod   render one environment (default: prod)
#   make render-all        render every environment
#   make check             fail when rendered/ is out of date
#   make test              run every test (what CI runs)
#   make bench             timings of the gen binary on the default environments (median of
#                          15 runs), then on synthetic platforms of 25, 250 and 1000 apps
#   make update-golden     rewrite golden files after an intended change
#   make locks             reproduce the image lock files from a local registry (no AWS)

GO ?= go
ENV ?= prod

.PHONY: all build render render-all check diff test vet bench update-golden locks

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

test: vet
	$(GO) test ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./generator/...
	$(GO) run ./generator/internal/benchplatform -gen bin/gen

update-golden:
	GEN_UPDATE=1 $(GO) test ./generator/... ./cmd/gen/...

locks: build
	$(GO) run ./internal/devregistry -- sh -c 'set -e; for env in $$(ls environments); do \
		[ -d environments/$$env ] || continue; \
		bin/gen images $$env --refresh --mirror $(ECR)=$$GEN_DEV_REGISTRY >/dev/null; done'
