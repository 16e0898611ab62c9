#!/usr/bin/env bash
# The main job with no hypervisor: install, build, poll the shipped simulated cluster, then
# run one pass of the adaptation loop on it and show its decisions (a dry run).
#   ./scripts/demo.sh [extra violin usage flags]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "violin needs Node.js 20 or newer (node --version: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
[ -f oclif.manifest.json ] && [ -d dist ] || npm run build >&2
./bin/run.js usage --connect sim:examples/two-sites.yaml "$@"
echo
exec ./bin/run.js adapt --once --dry-run --connect sim:examples/two-sites.yaml
