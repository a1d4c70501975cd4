#!/usr/bin/env bash
# Builds tests/deploy/helmrender (Helm's template engine: Go text/template + sprig) offline
# from Debian's Go packages: GOPATH mode, nothing downloaded. Usage: build_helmrender.sh OUT
set -u
out=${1:?usage: build_helmrender.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
passed=0 failed=0
if ! command -v go >/dev/null; then
  echo "FAIL go is not installed (scripts/install-deps.sh installs golang-go)"; echo "0 passed, 1 failed"; exit 1
fi
export GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS= GOENV=off GOTOOLCHAIN=local
export GOCACHE=${GOCACHE:-$(dirname "$out")/gocache}
if go build -o "$out" "$here/helmrender/main.go"; then
  passed=1; echo "ok   helmrender built with $(go version | cut -d' ' -f3) and Debian's sprig: $out"
else
  failed=1; echo "FAIL go build tests/deploy/helmrender (golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev installed?)"
fi
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
