# The two commands: `make dev` runs the local stack, `make test` runs every
# test. Both install what they need (moto, cargo-lambda) into ./.venv first.

SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
TOOLS  := $(VENV)/.tools-installed

.PHONY: dev test tools lint unit fmt

dev: $(TOOLS)
	$(VENV)/bin/python infra/dev.py

test: $(TOOLS) lint
	cargo build --workspace --bins
	set -o pipefail; cargo test --workspace 2>&1 | tee target/test-output.log
	@$(PYTHON) infra/test_summary.py target/test-output.log

tools: $(TOOLS)

$(TOOLS): infra/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r infra/requirements.txt
	touch $@

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

# Only the tests that need no emulator.
unit:
	cargo test -p password-recovery

fmt:
	cargo fmt --all
