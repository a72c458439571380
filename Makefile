# Build, test, install. `make check` is the README's test command
# (scripts/check: sets up what the tests need, runs them all, then
# installcheck); `make install PREFIX=DIR` installs static release binaries,
# man pages and shell completions; DESTDIR is honoured.

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
BASHDIR = $(PREFIX)/share/bash-completion/completions
ZSHDIR = $(PREFIX)/share/zsh/site-functions
FISHDIR = $(PREFIX)/share/fish/vendor_completions.d

TOOLS = evhash evchain evverify evpsi evcatalog
# The one version of the package, as written in Sources/EvidenceCLI/Version.swift.
VERSION := $(shell sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/EvidenceCLI/Version.swift)
# One release binary, `evidence`, with the Swift runtime linked in (and stripped): it
# needs only libc, libstdc++, libgcc_s, libcrypto, libgmp, libcurl and libqrencode
# on the target machine. It runs as the tool it is called by: the five tools are
# installed as links to it.
RELEASE = .build/release
COMPLETIONS = .build/completions
# The five names as links to the release binary, to run it by each name here.
LINKS = .build/multicall

.PHONY: all check setup test release completions install uninstall installcheck dist version

all:
	swift build

check:
	scripts/check

setup:
	scripts/setup

test: setup
	swift test

release:
	swift build -c release --static-swift-stdlib --product evidence
	mkdir -p $(LINKS)
	for t in $(TOOLS); do ln -sf ../release/evidence $(LINKS)/$$t || exit 1; done

completions: release
	mkdir -p $(COMPLETIONS)/bash $(COMPLETIONS)/zsh $(COMPLETIONS)/fish
	for t in $(TOOLS); do \
	    $(LINKS)/$$t --generate-completion-script bash > $(COMPLETIONS)/bash/$$t && \
	    $(LINKS)/$$t --generate-completion-script zsh > $(COMPLETIONS)/zsh/_$$t && \
	    $(LINKS)/$$t --generate-completion-script fish > $(COMPLETIONS)/fish/$$t.fish || exit 1; \
	done

install: release completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	install -s -m 0755 $(RELEASE)/evidence $(DESTDIR)$(BINDIR)/evidence
	for t in $(TOOLS); do \
	    ln -sf evidence $(DESTDIR)$(BINDIR)/$$t && \
	    install -m 0644 man/$$t.1 $(DESTDIR)$(MANDIR)/$$t.1 && \
	    install -m 0644 $(COMPLETIONS)/bash/$$t $(DESTDIR)$(BASHDIR)/$$t && \
	    install -m 0644 $(COMPLETIONS)/zsh/_$$t $(DESTDIR)$(ZSHDIR)/_$$t && \
	    install -m 0644 $(COMPLETIONS)/fish/$$t.fish $(DESTDIR)$(FISHDIR)/$$t.fish || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/evidence
	for t in $(TOOLS); do \
	    rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/$$t.1 $(DESTDIR)$(BASHDIR)/$$t \
	        $(DESTDIR)$(ZSHDIR)/_$$t $(DESTDIR)$(FISHDIR)/$$t.fish; \
	done
	@# The folders install made, once empty, up to (not including) PREFIX.
	for d in $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR); do \
	    d="$(DESTDIR)$$d"; \
	    while [ "$$d" != "$(DESTDIR)$(PREFIX)" ] && rmdir "$$d" 2>/dev/null; do d=$$(dirname "$$d"); done; \
	done

# Installs into a temporary DESTDIR, checks the result (scripts/installcheck),
# then uninstalls and checks that nothing is left, not even an empty folder.
installcheck:
	@stage=$$(mktemp -d) && trap 'rm -rf "$$stage"' EXIT && \
	$(MAKE) --no-print-directory install DESTDIR="$$stage" PREFIX=/opt/evidence >/dev/null && \
	scripts/installcheck "$$stage/opt/evidence" "$(VERSION)" && \
	$(MAKE) --no-print-directory uninstall DESTDIR="$$stage" PREFIX=/opt/evidence >/dev/null && \
	left=$$(find "$$stage/opt/evidence" -mindepth 1) && \
	if [ -n "$$left" ]; then echo "installcheck: uninstall left $$left" >&2; exit 1; fi

# A versioned tarball of the committed tree: evidence-$(VERSION).tar.gz.
dist:
	git archive --format=tar.gz --prefix=evidence-$(VERSION)/ -o evidence-$(VERSION).tar.gz HEAD
	@echo evidence-$(VERSION).tar.gz

version:
	@echo $(VERSION)
