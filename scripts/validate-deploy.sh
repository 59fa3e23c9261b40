#!/usr/bin/env bash
# Validates everything under deploy/ with the real tools, offline (no Docker engine,
# no cluster): installs them first when missing (scripts/ensure-tools.sh --deploy).
#
#   Dockerfile        hadolint
#   compose           `docker compose config` (schema, interpolation, references),
#                     `nats-server -t` on nats.conf, `nginx -t` on nginx.conf
#   k8s               `kubectl kustomize` on base and every overlay, its output through
#                     kubernetes-validate --strict for each KUBERNETES_VERSIONS, and
#                     scripts/check-k8s-references.py on the overlays (names, ports,
#                     keys, one PodDisruptionBudget per workload); `nats-server -t` on
#                     the NATS ConfigMap's file
#
# Also: every services/* binary is in the image, the compose file and the base.
# Every check runs; each failure prints the validator's own message. Exits 1 when
# any check failed. Usage: scripts/validate-deploy.sh (from anywhere)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPLOY=$ROOT/deploy
TOOLS=$ROOT/.tools
# The oldest Kubernetes the manifests claim to work on, and the newest that
# kubernetes-validate knows.
KUBERNETES_VERSIONS=(1.32.0 1.37.0)

"$ROOT/scripts/ensure-tools.sh" --deploy

scratch=$(mktemp -d /tmp/switchboard-validate-deploy.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

failed=() passed=0
# check NAME CMD...: runs CMD with its output captured; on failure prints the output
# under the check's name and remembers it.
check() {
  local name=$1 log
  shift
  log=$scratch/check.log
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1))
    echo "validate-deploy: ok      $name"
  else
    failed+=("$name")
    echo "validate-deploy: FAILED  $name" >&2
    sed 's/^/    /' "$log" >&2
  fi
}

hadolint() { "$TOOLS/hadolint/bin/hadolint" --no-color "$@"; }

compose_config() {
  # The required variables: the check is about the file, not this machine's secrets.
  SWITCHBOARD_OPERATOR_TOKEN=validate-deploy SWITCHBOARD_SECRET_KEY=validate-deploy \
    "$TOOLS/compose/bin/docker-compose" --file "$DEPLOY/compose/compose.yaml" config --quiet
}

# nats_config FILE VAR=VALUE: `nats-server -t` with the variable the file refers to.
nats_config() { env "$2" "$TOOLS/nats/bin/nats-server" -t -c "$1"; }

nginx_config() {
  # The file writes under /tmp (pid, temp paths); here that is the scratch dir.
  local dir=$scratch/nginx
  mkdir -p "$dir"
  sed "s#/tmp/#$dir/#g" "$DEPLOY/compose/nginx.conf" >"$dir/nginx.conf"
  "$TOOLS/nginx/usr/sbin/nginx" -t -q -e stderr -p "$dir/" -c "$dir/nginx.conf"
}

# every_service: each services/NAME (binary switchboard-NAME) is built into the image
# and runs under Compose and Kubernetes, so a new service is not forgotten here.
every_service() {
  local missing=0 dir name
  for dir in "$ROOT"/services/*/; do
    name=switchboard-$(basename "$dir")
    grep -q "target/release/$name\b" "$DEPLOY/Dockerfile" ||
      { echo "deploy/Dockerfile does not build and copy $name"; missing=1; }
    grep -q "command: \[\"$name\"\]" "$DEPLOY/compose/compose.yaml" ||
      { echo "deploy/compose/compose.yaml runs no $name"; missing=1; }
    grep -qs "command: \[\"$name\"\]" "$DEPLOY"/k8s/base/*.yaml ||
      { echo "deploy/k8s/base runs no $name"; missing=1; }
  done
  return "$missing"
}

kustomize() { "$TOOLS/kubectl/bin/kubectl" kustomize "$1" >"$2"; }

# kube_validate RENDERED: strict schema validation for each of KUBERNETES_VERSIONS.
kube_validate() {
  local versions=() out status=0
  for version in "${KUBERNETES_VERSIONS[@]}"; do versions+=(-k "$version"); done
  out=$(PYTHONPATH=$TOOLS/kubernetes-validate python3 -m kubernetes_validate \
    --strict --quiet "${versions[@]}" "$1") || status=$?
  [[ -z $out ]] || echo "$out"
  # A kind without a schema is only a warning there; here it fails.
  ((status == 0)) && ! grep -q '^WARN' <<<"$out"
}

k8s_references() {
  PYTHONPATH=$TOOLS/kubernetes-validate python3 "$ROOT/scripts/check-k8s-references.py" "$1"
}

check "every service in the image, compose and Kubernetes" every_service
check "hadolint deploy/Dockerfile" hadolint "$DEPLOY/Dockerfile"
check "docker compose config deploy/compose/compose.yaml" compose_config
check "nats-server -t deploy/compose/nats.conf" nats_config "$DEPLOY/compose/nats.conf" SERVER_NAME=nats-1
check "nginx -t deploy/compose/nginx.conf" nginx_config
check "nats-server -t deploy/k8s/base/nats.conf" nats_config "$DEPLOY/k8s/base/nats.conf" POD_NAME=nats-0
for dir in "$DEPLOY/k8s/base" "$DEPLOY"/k8s/overlays/*/; do
  dir=${dir%/} name=${dir#"$DEPLOY"/}
  rendered=$scratch/${name//\//-}.yaml
  before=${#failed[@]}
  check "kubectl kustomize deploy/$name" kustomize "$dir" "$rendered"
  ((${#failed[@]} == before)) || continue
  check "kubernetes-validate --strict deploy/$name (Kubernetes ${KUBERNETES_VERSIONS[*]})" \
    kube_validate "$rendered"
  # The base leaves the Secret to the overlays: its references are checked there.
  if [[ $name == k8s/overlays/* ]]; then
    check "references in deploy/$name" k8s_references "$rendered"
  fi
done

if ((${#failed[@]})); then
  echo "validate-deploy: ${#failed[@]} of $((passed + ${#failed[@]})) checks failed:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "validate-deploy: all $passed checks passed"
