#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every test
# with the lab required (a missing KDC, peer or tool fails instead of skipping).
# Usage: ci/test.sh            everything
#        FUZZCOUNT=20000 ci/test.sh  shorter fuzzing (inputs per target)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export GSSNEGO_REQUIRE_LAB=1
# The machine's locale must not change what tools print or how tests parse it.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n=== %s (t+%ds)\n' "$*" "$SECONDS"; }

step "install dependencies"
ci/install-deps.sh base samba apache browser ldap postgres ssh proxy capture asan fleet dns git

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted"; exit 1; fi

# A conflict committed by mistake (docs/performance.md once carried one).
# git grep -I skips binary files; testdata may hold such lines on
# purpose. A markdown setext heading underlined with exactly seven '=' would
# match: underline it longer, or use '#'.
step "no merge-conflict markers in tracked files"
if git grep -n -I -E '^(<<<<<<< |>>>>>>> |\|\|\|\|\|\|\| |=======$)' -- . ':!:**/testdata/**'; then
  echo "merge-conflict markers committed (above)"; exit 1
fi

# Comments and docs cite only files a user of the repository has (the
# background notes the project started from are not in it: their facts live
# in docs/design.md, docs/protocol.md and docs/lab.md).
step "no references to files outside the repository"
if git grep -n -E '(DESIGN|PROTOCOL|LAB)\.md|\.\./shared/|/work/[s]hared' -- . ':!:**/testdata/**'; then
  echo "references to files outside the repository (above)"; exit 1
fi

# Every module, the development ones (bench/, ci/tools) too.
step "go mod tidy -diff, every module"
for m in $(git ls-files '*go.mod' ':!:**/testdata/**' | xargs -n1 dirname | sort); do
  (cd "$m" && go mod tidy -diff) || { echo "module $m: go.mod or go.sum not tidy (diff above)"; exit 1; }
done

step "go vet (linux, heimdal, windows)"
go vet ./...
go vet -tags heimdal ./...
GOOS=windows go vet ./...

step "cross builds"
GOOS=windows GOARCH=amd64 go build ./...
GOOS=windows GOARCH=arm64 go build ./...

# A user's view of the modules (docs/release.md): every published module
# served at the lockstep version from a file-based module proxy built from
# this tree, and a module outside the tree that requires the root,
# compat/ldap and compat/pgx with no replace lines builds against them.
step "consumer build: ldapgss and pgxgss from outside the tree"
(cd ci/tools && go run ./consumer)

# Every ```go block of README.md and docs/*.md builds and vets (Linux, Windows).
step "documentation snippets compile"
(cd ci/tools && go run ./snippets)

step "tests, MIT build, -race"
go test -race -count=1 ./...

# Without cgo, platform.Provider() is the pure-Go Kerberos provider
# (kerberos/), and every test runs over it. A test that needs what the
# provider does not offer (SPNEGO or NTLM as a provider mechanism, S4U;
# docs/purego.md) skips with that reason, asked of the provider
# (lab.NeedMech, lab.NeedImpersonator), even with the lab required.
step "tests without cgo (pure-Go Kerberos provider)"
CGO_ENABLED=0 go test -count=1 ./...

# Every other module in the tree, found by its go.mod (today bench/, ci/tools,
# cmd/gssnego, compat/dns, compat/ldap, compat/mssql, compat/pgx, compat/ssh, compat/sspi,
# replay/redisstore): each has its
# own go.mod so that a user of negotiate/ never downloads pgx, go-ldap or go-mssqldb.
submodules=$(find . -name go.mod -not -path ./go.mod -not -path '*/testdata/*' -printf '%h\n' | sort)
for m in $submodules; do
  step "module $m: vet (linux, windows), tests with -race"
  (cd "$m" && go vet ./... && GOOS=windows go vet ./... && go test -race -count=1 ./...)
  case "$m" in ./compat/*|./cmd/*) # the adapters and the CLI over Heimdal and the pure-Go provider too
    step "module $m: tests with -race, Heimdal build"
    (cd "$m" && go test -race -count=1 -tags heimdal ./...)
    step "module $m: tests without cgo (pure-Go Kerberos provider)"
    (cd "$m" && CGO_ENABLED=0 go test -count=1 ./...) ;;
  esac
done

step "tests, Heimdal build, -race"
go test -race -count=1 -tags heimdal ./...

step "Windows build under Wine 8, against a throwaway realm"
ci/wine.sh

# Each run first proves that the checker reports a deliberate leak, so a
# checker that cannot run on this machine fails the step instead of passing it.
step "leak check of the cgo package: valgrind (MIT), LeakSanitizer (MIT, Heimdal)"
gssapi_unix/leakcheck.sh
LEAKCHECK_TOOL=asan gssapi_unix/leakcheck.sh
LEAKCHECK_TOOL=asan gssapi_unix/leakcheck.sh -tags heimdal

step "fuzzing"
ci/fuzz.sh

echo
echo "ci/test.sh: all steps passed in ${SECONDS}s"
