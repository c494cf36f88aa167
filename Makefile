# Strata's build. `make demo` and `make test` work on a fresh Debian machine as root: they install
# the system packages Strata needs (libyara-dev, libisal-dev, pkg-config, gcc) when missing, and those the tests
# need (strace, bsdutils; postgresql, whose initdb and pg_ctl the history tests run a private
# cluster with: internal/pgtest).

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
export CGO_ENABLED := 1

# containers/image without gpgme, the containers/storage and docker daemon transports, or btrfs;
# os/user in pure Go (osusergo): it reads /etc/passwd instead of asking glibc's NSS, which
# connects to nscd's socket.
TAGS := containers_image_openpgp containers_image_storage_stub containers_image_docker_daemon_stub exclude_graphdriver_btrfs osusergo
GOFLAGS_TAGS := -tags "$(TAGS)"
# The version, commit and build date `strata version` prints and custody records and SARIF name.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
BUILDINFO := github.com/strata-forensics/strata/internal/buildinfo
LDFLAGS := -X $(BUILDINFO).version=$(VERSION) -X $(BUILDINFO).commit=$(COMMIT) -X $(BUILDINFO).date=$(BUILD_DATE)
APT_PACKAGES := libyara-dev libisal-dev pkg-config gcc rustc strace bsdutils postgresql
# Commands the clean corpora are built with (audit/standard's TestCleanCorpora, cached in
# .cache/corpus), installed when missing if the system allows; without them the test says it
# skipped. npm may come from a nodejs package that conflicts with Debian's npm: it is looked
# for as a command.
CORPUS_TOOLS := mmdebstrap npm
TOOLS := $(CURDIR)/.cache/bin
FUZZTIME ?= 10s
# Every new input that widens coverage is minimized first; a long minimization stalls the
# fuzzer (the packages that link containers/image snapshot a big coverage map per run).
FUZZMINIMIZETIME ?= 1s
# FUZZ selects the targets to run by name (a grep -E pattern); all of them by default.
FUZZ ?= .

.PHONY: all deps build test demo bench lint fuzz clean corpus detect-report

all: build

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! command -v go >/dev/null 2>&1; then missing="$$missing golang-go"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@missing=""; for c in $(CORPUS_TOOLS); do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null 2>&1; } || \
		echo "could not install$$missing: the clean corpora that need them are skipped"; \
	fi
	@go mod download

build: deps
	go build $(GOFLAGS_TAGS) -ldflags "$(LDFLAGS)" -o bin/strata ./cmd/strata

test: deps corpus
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet $(GOFLAGS_TAGS) ./...
	go test $(GOFLAGS_TAGS) -count=1 ./...
	# The read engine shares work between goroutines: its tests run under the race detector too.
	go test $(GOFLAGS_TAGS) -count=1 -race ./forensics/ ./forensics/internal/load/

DEMO := testdata/images
DEMO_REPORT ?= $(CURDIR)/.cache/demo/tracing-report.html
demo: build
	@echo; echo "== strata diff: what changed between the original and the suspect image =="; echo
	bin/strata diff $(DEMO)/demo-original.tar $(DEMO)/demo-suspect.tar
	@echo; echo "== strata scan: the suspect on its own, no original needed =="; echo
	bin/strata scan $(DEMO)/demo-suspect.tar
	@echo; echo "== strata dockerfile: which step made which layer =="; echo
	bin/strata dockerfile $(DEMO)/demo-suspect.tar
	@echo; echo "== strata layers --layer 5: what the replaced last layer holds =="; echo
	bin/strata layers --layer 5 $(DEMO)/demo-suspect.tar
	@echo; echo "== strata report: the tracing report of the pair, from the history database =="; echo
	@mkdir -p $(dir $(DEMO_REPORT))
	bin/strata report --diff --format html --force -o $(DEMO_REPORT) $(DEMO)/demo-original.tar $(DEMO)/demo-suspect.tar

# Image-sized benchmarks run once each (they time whole passes and report ratios against a
# floor measured in the same run); the generated images are cached in .cache/bench.
BENCH_DIR ?= $(CURDIR)/.cache/bench
bench: deps
	STRATA_BENCH_DIR=$(BENCH_DIR) go test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m ./forensics/... ./audit/... ./casework/...
	STRATA_BENCH_DIR=$(BENCH_DIR) go test $(GOFLAGS_TAGS) -run '^$$' -bench . -timeout 20m ./signatures/... ./tui/...

lint: deps
	@test -x $(TOOLS)/staticcheck || GOBIN=$(TOOLS) go install honnef.co/go/tools/cmd/staticcheck@latest
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet $(GOFLAGS_TAGS) ./...
	$(TOOLS)/staticcheck $(GOFLAGS_TAGS) ./...

fuzz: deps
	@set -e; for dir in $$(grep -rlE '^func Fuzz[A-Za-z0-9_]+\(' --include='*_test.go' --exclude-dir=.cache --exclude-dir=.git . | xargs -n1 dirname | sort -u); do \
		for t in $$(grep -hoE '^func Fuzz[A-Za-z0-9_]+' $$dir/*_test.go | sed 's/func //' | sort -u | grep -E '$(FUZZ)'); do \
			echo "== $$t ($$dir)"; \
			go test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$dir; \
		done; \
	done

# Clean software the detectors must stay quiet on (audit/standard's TestCleanCorpora): Debian's PHP and
# Tomcat packages, unpacked (not installed), and a real npm install of popular packages, all
# below .cache/corpus. Fetched once; a corpus that cannot be fetched is skipped by the test.
CORPUS := $(CURDIR)/.cache/corpus
CORPUS_DEBS := wordpress phpmyadmin mediawiki tomcat10-examples tomcat10-admin libtomcat10-java
CORPUS_NPM := express@5.3.0 lodash@4.18.1 axios@1.21.1 react@19.3.1 react-dom@19.3.1 webpack@5.113.0 typescript@7.0.2 \
	moment@2.31.0 eslint@10.16.0 jquery@4.1.0 vue@3.5.47 @babel/core@7.29.17 chalk@5.6.2 commander@14.0.3 \
	esbuild@0.28.2 socket.io@4.8.4 ws@8.23.1 shelljs@0.10.0 execa@10.2.1 cross-spawn@7.1.2 pm2@7.0.4 nodemon@3.1.14 \
	node-gyp@13.1.0 sharp@0.35.6 @swc/core@1.16.22 prettier@3.10.2
# A real Debian root filesystem with the script-heavy web software bookworm ships (Perl CGI
# and modules, gitweb, cvsweb, awstats, ikiwiki, munin, Python and Ruby web frameworks, PHP
# libraries and applications, C CGIs), installed by mmdebstrap (about 1.2 GB, built once;
# skipped when mmdebstrap or the mirror is missing).
CORPUS_DEBIAN_WEB := libcgi-pm-perl libcgi-fast-perl libplack-perl libmojolicious-perl libdancer2-perl libcatalyst-perl \
	libhtml-mason-perl libtemplate-perl libapache2-mod-perl2 gitweb cvsweb ikiwiki munin awstats smokeping mrtg \
	python3-full python3-django python3-flask python3-bottle python3-cherrypy3 python3-pyramid python3-webob \
	ruby-full ruby-rack ruby-sinatra ruby-rails php-cli php-fpm libapache2-mod-php php-symfony php-laravel-framework \
	php-twig php-guzzlehttp-guzzle php-pear php-phpseclib smarty4 php-tcpdf php-getid3 php-league-commonmark dokuwiki \
	icingaweb2 cgit nagios4-cgi
# Debian's own autostart, sudo and PAM files, unpacked together into one tree (debian-autostart):
# cron, at and anacron jobs, systemd units, init scripts, profile.d and skeleton shell files,
# udev rules, network and X session hooks, git's hook templates, Python .pth hooks, sudoers and the
# PAM stacks of login, ssh, display managers and mail, FTP and file servers, which the persistence
# and privilege reviews must leave silent.
CORPUS_AUTOSTART := sudo openssh-server openssh-client login passwd libpam-runtime libpam-modules libpam-systemd \
	libpam-gnome-keyring cron cron-daemon-common anacron at gdm3 lightdm sddm xrdp python3-setuptools systemd \
	systemd-container udev apache2 nginx-common unattended-upgrades logrotate man-db sysstat bash bash-completion \
	needrestart libvte-2.91-common polkitd cups-daemon vsftpd dovecot-core ppp samba screen ifupdown isc-dhcp-client \
	network-manager x11-common git
# Debian's kernel modules (the cloud kernel's, about 1,100), module sources (DKMS packages), the
# eBPF objects libxdp ships and the eBPF tools' programs (debian-kernel), which the kernel
# rootkit readings must leave silent.
CORPUS_KERNEL := linux-image-cloud-amd64 libxdp1 v4l2loopback-dkms acpi-call-dkms xtables-addons-dkms bpfcc-tools libbpf-tools
comma := ,
space := $(subst ,, )
corpus:
	@mkdir -p $(CORPUS)/debs
	@updated=""; for p in $(CORPUS_DEBS); do \
		test -e $(CORPUS)/$$p/.done && continue; \
		command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "corpus: no apt-get/dpkg-deb, $$p skipped"; continue; }; \
		if ! ls $(CORPUS)/debs/$${p}_*.deb >/dev/null 2>&1; then \
			(cd $(CORPUS)/debs && apt-get download -qq $$p >/dev/null 2>&1) || \
			{ test -n "$$updated" || { apt-get update -qq >/dev/null 2>&1; updated=1; }; (cd $(CORPUS)/debs && apt-get download -qq $$p >/dev/null 2>&1); } || \
			{ echo "corpus: $$p could not be downloaded"; continue; }; \
		fi; \
		rm -rf $(CORPUS)/$$p && mkdir -p $(CORPUS)/$$p && dpkg-deb -x $(CORPUS)/debs/$${p}_*.deb $(CORPUS)/$$p && touch $(CORPUS)/$$p/.done; \
	done
	@if [ "$$(cat $(CORPUS)/debian-autostart/.done 2>/dev/null)" != "$(CORPUS_AUTOSTART)" ]; then \
		if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then \
			mkdir -p $(CORPUS)/debs/autostart && cd $(CORPUS)/debs/autostart && \
			{ apt-get download -qq $(CORPUS_AUTOSTART) >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get download -qq $(CORPUS_AUTOSTART) >/dev/null 2>&1; }; } && \
			rm -rf $(CORPUS)/debian-autostart && mkdir -p $(CORPUS)/debian-autostart && \
			ok=1 && for d in $(CORPUS)/debs/autostart/*.deb; do dpkg-deb -x $$d $(CORPUS)/debian-autostart || ok=; done && \
			test -n "$$ok" && echo "$(CORPUS_AUTOSTART)" > $(CORPUS)/debian-autostart/.done || echo "corpus: debian-autostart could not be fetched"; \
		else echo "corpus: no apt-get/dpkg-deb, debian-autostart skipped"; fi; \
	fi
	@if [ "$$(cat $(CORPUS)/debian-kernel/.done 2>/dev/null)" != "$(CORPUS_KERNEL)" ]; then \
		if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then \
			kernel=$$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $$2; exit}'); \
			rm -rf $(CORPUS)/debs/kernel && mkdir -p $(CORPUS)/debs/kernel && cd $(CORPUS)/debs/kernel && \
			{ apt-get download -qq $$kernel $(filter-out linux-image-cloud-amd64,$(CORPUS_KERNEL)) >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; \
				kernel=$$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $$2; exit}'); \
				apt-get download -qq $$kernel $(filter-out linux-image-cloud-amd64,$(CORPUS_KERNEL)) >/dev/null 2>&1; }; } && \
			rm -rf $(CORPUS)/debian-kernel && mkdir -p $(CORPUS)/debian-kernel && \
			ok=1 && for d in $(CORPUS)/debs/kernel/*.deb; do dpkg-deb -x $$d $(CORPUS)/debian-kernel || ok=; done && \
			test -n "$$ok" && echo "$(CORPUS_KERNEL)" > $(CORPUS)/debian-kernel/.done || echo "corpus: debian-kernel could not be fetched"; \
		else echo "corpus: no apt-get/dpkg-deb, debian-kernel skipped"; fi; \
	fi
	@if [ ! -e $(CORPUS)/debian-web/.done ]; then \
		if command -v mmdebstrap >/dev/null; then \
			echo "corpus: building debian-web with mmdebstrap (once; several minutes)"; \
			rm -rf $(CORPUS)/debian-web $(CORPUS)/debian-web.tar; \
			if timeout 3600 mmdebstrap --quiet --variant=standard --include=$(subst $(space),$(comma),$(strip $(CORPUS_DEBIAN_WEB))) bookworm $(CORPUS)/debian-web.tar >$(CORPUS)/debian-web.log 2>&1; then \
				mkdir -p $(CORPUS)/debian-web && tar -xf $(CORPUS)/debian-web.tar -C $(CORPUS)/debian-web --exclude='./dev/*' && \
				rm -f $(CORPUS)/debian-web.tar && touch $(CORPUS)/debian-web/.done; \
			else rm -f $(CORPUS)/debian-web.tar; echo "corpus: mmdebstrap failed (see $(CORPUS)/debian-web.log), debian-web skipped"; fi; \
		else echo "corpus: no mmdebstrap, debian-web skipped"; fi; \
	fi
	@if [ "$$(cat $(CORPUS)/npm/.done 2>/dev/null)" != "$(CORPUS_NPM)" ]; then \
		if command -v npm >/dev/null; then \
			rm -rf $(CORPUS)/npm && mkdir -p $(CORPUS)/npm && cd $(CORPUS)/npm && echo '{"name":"corpus","version":"1.0.0","private":true}' > package.json && \
			timeout 900 npm install --no-audit --no-fund --ignore-scripts --loglevel=error $(CORPUS_NPM) >/dev/null 2>&1 && echo "$(CORPUS_NPM)" > .done || echo "corpus: npm install failed"; \
		else echo "corpus: no npm, npm packages skipped"; fi; \
	fi

# Per-technique recall of the detectors' metamorphic harnesses: "harness: TECHNIQUE FOUND/TOTAL
# recall=R" (fails when a harness test fails).
detect-report: deps
	@set -o pipefail; go test $(GOFLAGS_TAGS) -count=1 -run Harness -v ./signatures/... ./audit/... 2>&1 | grep -a '^harness:'

clean:
	rm -rf bin .cache
