# The two commands: `make dev` runs the local stack, `make test` runs every
# test (`make check` is its fast tier). Both install what they need (moto,
# cargo-lambda, zig, SAM CLI, schemathesis) into ./.venv first; `make test`
# also Chromium, ChromeDriver (Debian's) and axe-core (npm) for the browser
# tests.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
TOOLS  := $(VENV)/.tools-installed
# Chromium, ChromeDriver and axe-core for the browser tests.
BROWSER := infra/browser/node_modules/.installed

.PHONY: dev test check bench tools lint fmt template-check sam-build screenshots

# SAM and cargo-lambda from ./.venv, offline, with zig's cache in the project.
SAM_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" AWS_DEFAULT_REGION=us-east-1 \
	SAM_CLI_TELEMETRY=0 XDG_CACHE_HOME="$(CURDIR)/.cache"
FUNCTIONS := RequestResetFunction VerifyCodeFunction SetPasswordFunction AdminResetFunction DeliverFunction VerifyCredentialsFunction LockAccountFunction
PACKAGES  := request-reset verify-code set-password admin-reset deliver verify-credentials lock-account

dev: $(TOOLS)
	$(VENV)/bin/python infra/dev.py

test: $(TOOLS) $(BROWSER) lint template-check
	cargo build --workspace --bins
	set -o pipefail; cargo test --workspace 2>&1 | tee target/test-output.log
	@$(PYTHON) infra/test_summary.py target/test-output.log

# Release binaries and arm64 packages, then the measurements (see
# BENCHMARKS.md). One package per cargo call: built together, cargo would
# give every function the features of all. BENCH_ARGS, e.g. `--runs 5`.
bench: $(TOOLS)
	@for p in $(PACKAGES) hello-world; do cargo build --release -p $$p || exit 1; done
	@for p in $(PACKAGES); do \
		$(SAM_ENV) cargo lambda build --release --arm64 --output-format zip -p $$p || exit 1; \
	done
	cargo run --release -p benchmark -- $(BENCH_ARGS)

tools: $(TOOLS)

$(BROWSER): infra/browser/package.json infra/browser/package-lock.json infra/browser/install.sh
	infra/browser/install.sh

# The README's pictures of the pages, taken by the browser tests.
screenshots: $(TOOLS) $(BROWSER)
	SCREENSHOTS=docs/screenshots cargo test -p system-tests --test browser

$(TOOLS): infra/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $@

# cfn-lint, sam validate and sam build; tests/template_check.rs (run by
# cargo test) checks what they cannot. The build here checks that every
# function builds for arm64 through SAM, with the release profile less its
# link-time optimisation (about 3 minutes instead of 7 on two cores), into a
# folder and cache of its own, so a later `sam build` for a deployment never
# picks it up. The shipped profile's packages and their sizes are
# `make sam-build`'s and `make bench`'s.
QUICK_RELEASE := CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
template-check: $(TOOLS)
	$(SAM_ENV) $(VENV)/bin/cfn-lint template.yaml
	$(SAM_ENV) $(VENV)/bin/sam validate --lint
	@$(MAKE) --no-print-directory sam-build SAM_BUILD_DIR=.aws-sam/check SAM_BUILD_ENV="$(QUICK_RELEASE)"

# The packages as a deployment gets them (`sam deploy` takes .aws-sam/build).
SAM_BUILD_DIR := .aws-sam/build
sam-build: $(TOOLS)
	$(SAM_ENV) $(SAM_BUILD_ENV) $(VENV)/bin/sam build --build-dir $(SAM_BUILD_DIR) --cache-dir $(SAM_BUILD_DIR)-cache
	@for f in $(FUNCTIONS); do \
		test -x $(SAM_BUILD_DIR)/$$f/bootstrap || { echo "sam build left no bootstrap for $$f"; exit 1; }; \
		echo "$$f: bootstrap $$(du -h $(SAM_BUILD_DIR)/$$f/bootstrap | cut -f1)"; \
	done

# Also each function alone, as sam build and make bench build it: with only
# its own features, which the workspace-wide run unifies away.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	@for p in $(PACKAGES); do cargo clippy -p $$p -- -D warnings || exit 1; done

# The fast tier: formatting, lints and every test that needs neither an
# emulator nor an AWS SDK crate (the crates of the domain, the messages, the
# core, the test support, the edges with the in-memory suite, the HTTPS
# client, and the phone metadata's writer).
FAST := -p recovery-domain -p recovery-admin-api -p recovery-messages -p recovery-core -p recovery-testing -p recovery-edges -p recovery-https -p phone-metadata

check:
	cargo fmt --all --check
	cargo clippy $(FAST) --all-targets -- -D warnings
	cargo test $(FAST)

fmt:
	cargo fmt --all
