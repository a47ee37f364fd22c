#!/usr/bin/env bash
# The demo command. The sample client/server and HTTP demo land with the
# examples issue; until then this says so instead of pretending.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "ci/demo.sh: the demo (throwaway realm, sample client and server, mechListMIC"
echo "transcript) is not built yet: it lands with the examples/HTTP issue."
echo "What exists today: 'go run ./cmd/gssnego inspect' on captured tokens, e.g."
echo "  go run ./cmd/gssnego inspect -f <file of hex tokens>"
