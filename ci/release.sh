#!/usr/bin/env bash
# Prepares a lockstep release of every module (docs/release.md):
#   ci/release.sh v0.2.0
# rewrites each go.mod's requirement of the root and of sibling modules to
# VERSION (the relative replace lines stay: they serve development inside the
# tree, and a user's build ignores them), checks that every module is still
# tidy, and prints the commit, tag and push commands. It changes no git state.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOWORK=off GOFLAGS="${GOFLAGS:-} -buildvcs=false"

version=${1:-}
if ! [[ $version =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "usage: ci/release.sh vMAJOR.MINOR.PATCH[-PRERELEASE]" >&2; exit 2
fi
case $version in v0.*|v1.*) ;; *)
  echo "release.sh: $version: a major version 2 or more needs /vN module paths first" >&2; exit 2 ;;
esac

root=github.com/gssnego/gssnego
modfiles=$(git ls-files '*go.mod' ':!:**/testdata/**' | sort)
published=()   # directories whose modules are tagged: the root, compat/*, replay/redisstore and the CLI
for f in $modfiles; do
  d=$(dirname "$f")
  # Every requirement of a module of this tree moves to VERSION.
  for p in $(awk -v r="$root" '$1 ~ "^"r"(/|$)" && $2 ~ /^v/ {print $1}
                               $1 == "require" && $2 ~ "^"r"(/|$)" {print $2}' "$f"); do
    (cd "$d" && go mod edit -require="$p@$version")
  done
  case $d in
    .) published=("$d" ${published[@]+"${published[@]}"}) ;;  # the root's tag first
    compat/*|replay/redisstore|cmd/gssnego) published+=("$d") ;;
  esac
done

for f in $modfiles; do
  (cd "$(dirname "$f")" && go mod tidy -diff >/dev/null) ||
    { echo "release.sh: $(dirname "$f") is not tidy after the rewrite (go mod tidy there)" >&2; exit 1; }
done

tags=()
for d in "${published[@]}"; do
  if [ "$d" = . ]; then tags+=("$version"); else tags+=("$d/$version"); fi
done
cat <<MSG
Every go.mod now requires the modules of this tree at $version.
Run ci/test.sh (its consumer step builds against $version from the tree), then:

  git commit -am "release $version"
$(for t in "${tags[@]}"; do echo "  git tag -a $t -m \"gssnego $version\""; done)
  git push origin ${tags[*]}

and, once pushed, ask the module proxy for each (it records them in the checksum database):
$(for d in "${published[@]}"; do p=$root; [ "$d" = . ] || p=$root/$d; echo "  GOPROXY=https://proxy.golang.org GOFLAGS=-mod=mod go list -m $p@$version"; done)
MSG
