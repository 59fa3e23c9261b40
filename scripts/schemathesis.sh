#!/usr/bin/env bash
# Runs schemathesis against a running Switchboard: every operation of the OpenAPI
# document the gateway serves gets generated requests, and every answer must be no 5xx,
# a documented status and a body that fits that status's schema.
#
# Usage: scripts/schemathesis.sh
# Starts the whole system (switchboard-devstack from SWITCHBOARD_BIN_DIR [target/debug],
# on free ports and a temp data dir, no demo tenant), makes a tenant with a space, an AI
# agent, an experience, a widget and an agent, then runs schemathesis three times: the
# tenant admin's operations with the admin token, reissuing admin tokens (apart: it may
# reissue the very token the run uses), then the operator's with the operator token.
# Each run is bounded by SCHEMATHESIS_MAX_EXAMPLES examples per operation [25] (about a
# minute in all). Stops everything and exits non-zero when schemathesis found a failure.
# Needs `cargo build --workspace --bins` and `scripts/ensure-tools.sh --schemathesis`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN_DIR=${SWITCHBOARD_BIN_DIR:-$ROOT/target/debug}
ST_DIR=$ROOT/.tools/schemathesis
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25}
die() { echo "schemathesis: ERROR: $*" >&2; exit 1; }
note() { echo "schemathesis: $*" >&2; }

[[ -x $BIN_DIR/switchboard-devstack ]] || die "$BIN_DIR/switchboard-devstack is missing: cargo build --workspace --bins"
[[ -x $ST_DIR/bin/schemathesis ]] || die "$ST_DIR is missing: scripts/ensure-tools.sh --schemathesis"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

tmp=$(mktemp -d /tmp/switchboard-schemathesis.XXXXXX)
stack=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n $stack ]] && kill -0 "$stack" 2>/dev/null; then
    kill -TERM "$stack" 2>/dev/null || true
    wait "$stack" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gateway=http://127.0.0.1:$(free_port)
operator=sb_op_$(python3 -c 'import secrets; print(secrets.token_hex(24))')
# The rate limits are the gateway's defence, not what is tested here: set far above
# what one run sends, so that answers are the operations' own.
: >"$tmp/devstack.log"
SWITCHBOARD_DATA_DIR=$tmp/data \
  SWITCHBOARD_HTTP_ADDR=${gateway#http://} \
  NATS_URL=nats://127.0.0.1:$(free_port) \
  NATS_SERVER_BIN=${NATS_SERVER_BIN:-$ROOT/.tools/nats/bin/nats-server} \
  SWITCHBOARD_OPERATOR_TOKEN=$operator \
  SWITCHBOARD_DEMO=0 \
  SWITCHBOARD_DEVSTACK_READY_LINE=1 \
  SWITCHBOARD_API_REQUESTS_PER_SECOND=100000 \
  SWITCHBOARD_IP_REQUESTS_PER_SECOND=100000 \
  RUST_LOG=${RUST_LOG:-warn} \
  "$BIN_DIR/switchboard-devstack" >"$tmp/devstack.log" 2>&1 &
stack=$!
for _ in $(seq 1200); do
  grep -q '^SWITCHBOARD_READY ' "$tmp/devstack.log" && break
  kill -0 "$stack" 2>/dev/null || { cat "$tmp/devstack.log" >&2; die "the system did not start"; }
  sleep 0.1
done
grep -q '^SWITCHBOARD_READY ' "$tmp/devstack.log" || { cat "$tmp/devstack.log" >&2; die "the system was not ready within 120 s"; }
note "system ready at $gateway"

# api TOKEN METHOD PATH [BODY]: the answer's JSON; fails unless 2xx.
api() {
  curl -sS --fail-with-body -X "$2" -H "authorization: Bearer $1" \
    ${4:+-H 'content-type: application/json' --data "$4"} "$gateway$3"
}
tenant=$(api "$operator" POST /api/v1/tenants '{"name": "Acme", "edition": "enterprise"}')
tenant_id=$(jq -r .id <<<"$tenant")
admin=$(jq -r .admin_token <<<"$tenant")
base=/api/v1/tenants/$tenant_id
space=$(api "$admin" POST "$base/spaces" '{"name": "Billing"}' | jq -r .id)
ai_agent=$(api "$admin" POST "$base/ai-agents" \
  '{"name": "Sam", "published": true, "knowledge": [{"question": "Hours?", "answer": "9 to 5."}]}' | jq -r .id)
experience=$(api "$admin" POST "$base/experiences" \
  "{\"name\": \"Help\", \"support_mode\": \"ai_and_team\", \"ai_agent\": \"$ai_agent\", \"routed_space\": \"$space\"}" | jq -r .id)
api "$admin" POST "$base/experiences/$experience/widgets" '{"kind": "support_site"}' >/dev/null
api "$admin" POST "$base/agents" \
  "{\"name\": \"Grace\", \"email\": \"grace@acme.test\", \"spaces\": [\"$space\"]}" >/dev/null

# Every path's {tenant} is this tenant, so that requests get past the tenant check.
cat >"$tmp/schemathesis.toml" <<EOF
[parameters]
"path.tenant" = "$tenant_id"
EOF

# run TOKEN ARGS...: one schemathesis run over the operations ARGS select.
run() {
  local token=$1
  shift
  # From the temp dir: what schemathesis keeps between runs (.schemathesis/) goes with it.
  (cd "$tmp" && PYTHONPATH=$ST_DIR "$ST_DIR/bin/schemathesis" --config-file "$tmp/schemathesis.toml" run \
    "$gateway/api/v1/openapi.json" --url "$gateway" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --request-timeout 10 \
    --no-color \
    "$@")
}

status=0
# The operator's operations: creating and listing tenants, a tenant, its edition and
# its first admin's token.
operator_ops='^(POST|GET) /api/v1/tenants$|^(GET|PATCH) /api/v1/tenants/\{tenant\}$|/admin-token$'
# Reissuing an admin's token may hit the first admin (the admin token of the run).
reissue='^POST /api/v1/tenants/\{tenant\}/admins/\{admin\}/token$'
note "the tenant admin's operations"
run "$admin" --include-path-regex '^/api/' --exclude-name-regex "$operator_ops|$reissue" || status=$?
note "reissuing admin tokens"
run "$admin" --include-name-regex "$reissue" || status=$?
note "the operator's operations"
run "$operator" --include-name-regex "$operator_ops" || status=$?
exit "$status"
