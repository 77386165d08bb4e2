# Two commands on a fresh Debian machine: `make run` and `make test` (see README.md).
SWIFT_BIN ?= $(firstword $(wildcard /opt/swift/usr/bin) $(dir $(shell command -v swift 2>/dev/null)))
export PATH := $(SWIFT_BIN):$(PATH)
SWIFT ?= swift

.PHONY: all build release test run bench sanitize soak repeat-tests fuzz config-diff clean install-build install uninstall deb test-install setup-build setup-test setup-run setup-bench setup-sanitize setup-soak setup-repeat-tests setup-test-install setup-deb setup-config-diff

all: build

# Explicit rules: make never applies a pattern rule to a .PHONY target, so `setup-%:` would silently do nothing.
setup-build setup-test setup-run setup-bench setup-sanitize setup-soak setup-repeat-tests setup-test-install setup-deb setup-config-diff:
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

# `switchyard -t` against Debian's `nginx -t` over nginx-tests' configs, conf/, examples/, the reference
# deployment, /etc/nginx and hand-written cases; lists each disagreement scripts/config-diff/known.txt does not
# accept, and fails when there is one. CONFIG_DIFF_MUTATE=1 adds the mutation round (about ten minutes),
# CONFIG_DIFF_MUTATE_SECONDS=N bounds it. SWITCHYARD=path skips the release build. Not part of `make test`.
# See docs/CONFIG-DIFF.md.
config-diff: setup-config-diff $(if $(SWITCHYARD),,release)
	scripts/config-diff/config-diff.py all

# ---- Installing (README "Install"). One release build with the Swift runtime linked statically, in
# .build-install, with the installed paths compiled in (scripts/gen-install-paths.sh); `make run` and
# `make test` keep using .build and the checkout's defaults.
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SBINDIR = $(PREFIX)/sbin
CONFDIR = $(SYSCONFDIR)/switchyard
DATADIR = $(PREFIX)/share/switchyard
MANDIR = $(PREFIX)/share/man
DOCDIR = $(PREFIX)/share/doc/switchyard
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
LOGROTATEDIR ?= /etc/logrotate.d
INSTALL_BIN = .build-install/release/switchyard
# Files of the default configuration, never overwritten by an install.
CONF_FILES = switchyard.conf mime.types koi-utf koi-win win-utf sites-available/default conf.d/README
EXAMPLE_FILES = $(wildcard examples/*.conf) examples/README.md

install-build: setup-build
	scripts/gen-install-paths.sh $(PREFIX) $(SYSCONFDIR)
	$(SWIFT) build -c release --static-swift-stdlib -Xswiftc -DSWITCHYARD_INSTALLED --scratch-path .build-install --product switchyard

install: install-build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CONFDIR)/conf.d $(DESTDIR)$(CONFDIR)/sites-available \
		$(DESTDIR)$(CONFDIR)/sites-enabled $(DESTDIR)$(DATADIR)/html $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(UNITDIR) $(DESTDIR)$(LOGROTATEDIR) \
		$(DESTDIR)/var/log/switchyard $(DESTDIR)/var/cache/switchyard
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/switchyard
	@# A first install also enables the default site; an existing configuration is left as it is.
	@[ -e $(DESTDIR)$(CONFDIR)/switchyard.conf ] || first=1; \
	for f in $(CONF_FILES); do \
		if [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then echo "kept $(DESTDIR)$(CONFDIR)/$$f"; \
		else install -m 0644 packaging/etc/$$f $(DESTDIR)$(CONFDIR)/$$f && echo "installed $(DESTDIR)$(CONFDIR)/$$f"; fi; \
	done; \
	if [ -n "$$first" ] && [ ! -e $(DESTDIR)$(CONFDIR)/sites-enabled/default ]; then \
		ln -s ../sites-available/default $(DESTDIR)$(CONFDIR)/sites-enabled/default; fi
	install -m 0644 packaging/html/index.html $(DESTDIR)$(DATADIR)/html/index.html
	gzip -9n < packaging/switchyard.8 > $(DESTDIR)$(MANDIR)/man8/switchyard.8.gz
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 $(EXAMPLE_FILES) $(DESTDIR)$(DOCDIR)/examples/
	sed 's|/usr/sbin/|$(SBINDIR)/|g' packaging/switchyard.service > $(DESTDIR)$(UNITDIR)/switchyard.service
	sed 's|/usr/sbin/|$(SBINDIR)/|g' packaging/switchyard.logrotate > $(DESTDIR)$(LOGROTATEDIR)/switchyard
	chmod 0644 $(DESTDIR)$(UNITDIR)/switchyard.service $(DESTDIR)$(LOGROTATEDIR)/switchyard

# Removes what install put there; a configuration file that differs from the shipped one is kept (and named),
# as are logs and the cache.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/switchyard $(DESTDIR)$(DATADIR)/html/index.html \
		$(DESTDIR)$(MANDIR)/man8/switchyard.8.gz $(DESTDIR)$(DOCDIR)/README.md \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLE_FILES))) \
		$(DESTDIR)$(UNITDIR)/switchyard.service $(DESTDIR)$(LOGROTATEDIR)/switchyard
	@for f in $(CONF_FILES); do \
		if cmp -s packaging/etc/$$f $(DESTDIR)$(CONFDIR)/$$f; then rm -f $(DESTDIR)$(CONFDIR)/$$f; \
		elif [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then echo "kept modified $(DESTDIR)$(CONFDIR)/$$f"; fi; \
	done
	@[ "$$(readlink $(DESTDIR)$(CONFDIR)/sites-enabled/default)" != ../sites-available/default ] \
		|| [ -e $(DESTDIR)$(CONFDIR)/sites-available/default ] || rm -f $(DESTDIR)$(CONFDIR)/sites-enabled/default
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/html $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(CONFDIR)/conf.d $(DESTDIR)$(CONFDIR)/sites-available $(DESTDIR)$(CONFDIR)/sites-enabled \
		$(DESTDIR)$(CONFDIR) $(DESTDIR)/var/log/switchyard $(DESTDIR)/var/cache/switchyard 2>/dev/null

# switchyard_VERSION_ARCH.deb in the checkout (scripts/build-deb.sh: install into a staging root, control
# file with dpkg-shlibdeps' dependencies, dpkg-deb, lintian when installed).
deb: setup-deb
	rm -rf .build-install/deb-root
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(CURDIR)/.build-install/deb-root
	scripts/build-deb.sh .build-install/deb-root

# As root, changes the machine and restores it: make install DESTDIR=…, the .deb built, installed, started,
# reloaded, reopened, stopped and purged (scripts/test-install.sh). Not part of `make test`.
test-install: setup-test-install
	scripts/test-install.sh

clean:
	rm -rf .build .build-asan .build-tsan .build-fuzz .build-fuzz-cov .build-install
