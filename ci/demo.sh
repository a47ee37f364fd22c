#!/usr/bin/env bash
# The demo: a throwaway MIT realm on loopback, the MSDN "SSPI with Windows
# Sockets" sample server and client in Go (internal/sspisample; the CLI's
# `gssnego server` / `gssnego client`), and each negotiation transcript with
# the inspector's mechListMIC verdicts: optimistic Kerberos (no MIC due), no
# optimistic token (MICs due, exchanged and verified), the same through a man
# in the middle that strips a MIC (refused), the CLI in two processes, the
# first two again over HTTP Negotiate, and the double hop (a front end
# reaching a back end as the user with the credential the user delegated by
# policy, then refused for a service not ok-as-delegate), and last `gssnego
# audit` of the whole demo's traffic, which tcpdump recorded on lo (every
# exchange found; the one the man in the middle stripped flagged). Everything
# it starts is stopped and its files removed; it installs what is missing
# (ci/install-deps.sh base capture), so running it again is safe. The
# "verdict:" and "audit|" lines are stable (examples/demo TestDemoScript
# checks them).
# Usage: ci/demo.sh [-capture FILE.pcap]   (or GSSNEGO_DEMO_CAPTURE=FILE.pcap:
# keep the capture; by default it is a temporary file)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

ci/install-deps.sh base capture

bin=$(mktemp -d "${TMPDIR:-/tmp}/gssnego-demo-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT
(cd cmd/gssnego && go build -o "$bin/gssnego" .)  # a module of its own (docs/release.md)
go build -o "$bin/demo" ./examples/demo
"$bin/demo" -gssnego "$bin/gssnego" "$@"
