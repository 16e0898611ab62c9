#!/usr/bin/env bash
# The main job with no hypervisor: install, build, poll the shipped simulated cluster, then
# run the adaptation loop on the ICAC 2006 paper's first scenario (the simulator, with an
# accelerated clock) and show its decisions and the environments' run times.
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
exec ./bin/run.js adapt --connect sim:examples/scenarios/icac-1.yaml
