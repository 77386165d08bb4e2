# Two commands on a fresh Debian machine: `make run` and `make test` (see README.md).
SWIFT_BIN ?= $(firstword $(wildcard /opt/swift/usr/bin) $(dir $(shell command -v swift 2>/dev/null)))
export PATH := $(SWIFT_BIN):$(PATH)
SWIFT ?= swift

.PHONY: all build release test run bench fuzz clean setup-build setup-test setup-run setup-bench

all: build

# Explicit rules: make never applies a pattern rule to a .PHONY target, so `setup-%:` would silently do nothing.
setup-build setup-test setup-run setup-bench:
	@scripts/setup.sh $(@:setup-%=%)

build: setup-build
	$(SWIFT) build

release: setup-build
	$(SWIFT) build -c release

test: setup-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

run: setup-run release
	scripts/run-demo.sh

bench: setup-bench release
	scripts/bench.sh

# libFuzzer targets under AddressSanitizer, FUZZ_SECONDS each (default 30) or FUZZ_RUNS executions; non-zero
# on a crash. Not part of `make test` (which replays the corpus only). See docs/FUZZING.md.
fuzz: setup-build
	scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-fuzz
