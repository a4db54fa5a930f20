# ConnectSphere: the developer entry points. `make dev` and `make test` are the two that matter.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Every recipe that talks to Postgres or the AWS emulator reads what `make services` wrote.
ENV := set -a && . ./.local/env && set +a &&
NEXTEST := $(shell command -v cargo-nextest >/dev/null 2>&1 && echo "cargo nextest run" || echo "cargo test")

.PHONY: help dev services stop migrate seed gateway test schemathesis fuzz lint bench build-lambdas clean-test-dbs dlq redrive

help:
	@echo "make dev       bring ConnectSphere up locally with demo data (http://127.0.0.1:3000)"
	@echo "make test      run every test (starts what the tests need)"
	@echo "make schemathesis  the API against its OpenAPI document, bounded;  make fuzz  the same, longer"
	@echo "make bench     benchmarks: gateway vs bare SQL, chat vs a bare WebSocket relay"
	@echo "make services  start Postgres and the AWS emulator;  make stop  stops them"
	@echo "make lint      clippy (warnings are errors) and rustfmt"

services:
	@bash localstack/services.sh start

stop:
	@bash localstack/services.sh stop

migrate: services
	@$(ENV) cargo run -q -p local-gateway -- migrate

seed: services
	@$(ENV) cargo run -q -p local-gateway -- seed-demo

# Seeds the demo users, then serves the HTTP API in the foreground (Ctrl-C stops it;
# `make stop` stops the backing services).
dev: services
	@$(ENV) cargo run -q -p local-gateway -- seed-demo
	@echo "ConnectSphere: http://127.0.0.1:3000  (health: /health, API: /openapi.json)"
	@$(ENV) cargo run -q -p local-gateway -- serve

gateway: services
	@$(ENV) cargo run -q -p local-gateway -- serve

clean-test-dbs: services
	@$(ENV) cargo run -q -p local-gateway -- drop-test-dbs

test: services
	@$(ENV) cargo run -q -p local-gateway -- drop-test-dbs
	@$(ENV) $(NEXTEST) --workspace

# The HTTP API against its own OpenAPI document (schemathesis, installed from PyPI into
# .local/venv): every check, as a registered user, on a gateway started on free ports with
# a database of its own. `make schemathesis` is bounded (a fixed seed, a few examples per
# operation, well under a minute); `make fuzz` runs longer with a new seed each time
# (MAX_TIME seconds, default 900; MAX_EXAMPLES per operation, default 100).
# SCHEMATHESIS_URL=http://127.0.0.1:3000 tests a running gateway instead.
schemathesis: services
	@$(ENV) bash tests/schemathesis.sh bounded

fuzz: services
	@$(ENV) bash tests/schemathesis.sh fuzz

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

bench: services
	@$(ENV) cargo build -q --profile bench-fast -p blackbox --bins
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench
	@echo
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench-events
	@echo
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench-feed
	@echo
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench-chat

# Release builds of every Lambda (x86_64 here; arm64 in CI elsewhere): needs cargo-lambda,
# installed into the project virtualenv from PyPI.
build-lambdas:
	@test -x .local/venv/bin/cargo-lambda || .local/venv/bin/pip install -q cargo-lambda ziglang
	PATH="$(CURDIR)/.local/venv/bin:$$PATH" cargo lambda build --release --workspace

# Dead letters: `make dlq QUEUE=notifications` lists them, `make redrive QUEUE=notifications`
# puts them back on their queue.
QUEUE ?= notifications
dlq: services
	@$(ENV) cargo run -q -p local-gateway -- dlq $(QUEUE)

redrive: services
	@$(ENV) cargo run -q -p local-gateway -- redrive $(QUEUE)
