# Two commands on a fresh Debian machine: `make run` and `make test` (see README.md).
SWIFT_BIN ?= $(firstword $(wildcard /opt/swift/usr/bin) $(dir $(shell command -v swift 2>/dev/null)))
export PATH := $(SWIFT_BIN):$(PATH)
SWIFT ?= swift

.PHONY: all build release test run bench sanitize soak repeat-tests fuzz clean setup-build setup-test setup-run setup-bench setup-sanitize setup-soak setup-repeat-tests

all: build

# Explicit rules: make never applies a pattern rule to a .PHONY target, so `setup-%:` would silently do nothing.
setup-build setup-test setup-run setup-bench setup-sanitize setup-soak setup-repeat-tests:
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

# The suite and the proxy under load with reloads, built with AddressSanitizer then ThreadSanitizer
# (.build-asan, .build-tsan); fails on any report. SANITIZERS="thread" runs one. See docs/SANITIZERS.md.
sanitize: setup-sanitize
	scripts/sanitize.sh $(SANITIZERS)

# 5 million requests (jvm_route, gzip, proxy_cache) with a reload every 3 s; 0 errors and flat RSS to pass.
soak: setup-soak release
	scripts/soak.sh

# The whole suite REPEAT times in a row (default 20) with the machine loaded (nginx + wrk on one core); any
# failure is a flaky test to fix, not to retry. Not part of CI.
REPEAT ?= 20
repeat-tests: setup-repeat-tests
	$(SWIFT) build --build-tests
	scripts/repeat-tests.sh $(REPEAT)

# libFuzzer targets under AddressSanitizer, FUZZ_SECONDS each (default 30) or FUZZ_RUNS executions; non-zero
# on a crash. Not part of `make test` (which replays the corpus only). See docs/FUZZING.md.
fuzz: setup-build
	scripts/fuzz.sh $(FUZZ_TARGETS)

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz .build-fuzz-cov
