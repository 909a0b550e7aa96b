#!/usr/bin/env bash
# Installs ember from a build tree into a fresh prefix, then configures, builds and runs
# the external project in this directory against it.
#   tests/install/run.sh <ember build dir> [work dir] [extra cmake args for the app...]
# Without a work dir a temporary one is made (and removed on success).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run.sh <ember build dir> [work dir] [cmake args...]}
work=${2:-}
shift $(( $# >= 2 ? 2 : 1 ))
cleanup=0
if [[ -z $work ]]; then work=$(mktemp -d "${TMPDIR:-/tmp}/ember-install-test.XXXXXX"); cleanup=1; fi
prefix=$work/prefix
rm -rf "$prefix" "$work/app"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$here" -B "$work/app" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" "$@"
cmake --build "$work/app"
"$work/app/app"
if (( cleanup )); then rm -rf "$work"; fi
