#!/usr/bin/env bash
# Installs the test tools of tests/deploy that Debian 12 does not package, at the versions pinned
# in scripts/test-tools.versions, from the package registries only:
#   helm         built from the Go module proxy (helm.sh/helm/v3/cmd/helm), with the ldflags of
#                Helm's own Makefile (version, and the Kubernetes version of its client-go that
#                `helm template`/`helm lint` assume; without them helm assumes Kubernetes 1.20)
#   kubeconform  built from the Go module proxy (github.com/yannh/kubeconform/cmd/kubeconform)
#   Kubernetes JSON schemas for kubeconform, from the PyPI wheel kubernetes-validate (pip
#                download, sha256-pinned), with their $refs made file-relative (see below)
#   Go           only when the machine has no Go >= GO_MIN: the pinned toolchain module
#                golang.org/toolchain from the Go module proxy, downloaded with any Go at hand
#                (Debian 12's golang-go 1.19 from scripts/install-deps.sh is enough)
# Everything lands in a cache outside the build tree, one directory per tool and version:
#   ${ATS_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/ats-connector/tools}/helm-v3.22.1/helm, ...
# Idempotent: a tool whose directory exists is not built again (directories appear complete,
# by rename). Several checkouts may share the cache: one installer runs at a time (flock).
# Go's module and build caches are private to one install and removed afterwards (~1.2 GiB).
# Never falls back to fetching from version control: GOPROXY is used without "direct".
#   ATS_GO=/path/to/go   use this go command first (e.g. /usr/lib/go-1.19/bin/go to try the
#                        toolchain bootstrap)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=test-tools.versions
source "$here/test-tools.versions"
tools=${ATS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ats-connector/tools}
mkdir -p "$tools"
exec 9>"$tools/.lock"
flock 9

log() { echo "install-test-tools: $*"; }
die() { echo "install-test-tools: ERROR $*" >&2; exit 1; }

# ---- Schemathesis (tests/api-fuzz) ---------------------------------------------------------
# From PyPI into a venv of its own (a venv's scripts name its path, so it is built in place; a
# failed install is removed, and the check below is on its last file, the verified command).
schemathesis_dir=$tools/schemathesis-$SCHEMATHESIS_VERSION
if ! "$schemathesis_dir/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  log "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $schemathesis_dir"
  rm -rf "$schemathesis_dir"
  { python3 -m venv "$schemathesis_dir" &&
    "$schemathesis_dir/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"; } ||
    { rm -rf "$schemathesis_dir"; die "schemathesis $SCHEMATHESIS_VERSION: venv or pip install failed (Debian: python3-venv)"; }
fi
log "schemathesis $SCHEMATHESIS_VERSION present in $schemathesis_dir"

helm_dir=$tools/helm-$HELM_VERSION
kubeconform_dir=$tools/kubeconform-$KUBECONFORM_VERSION
schema_dir=$tools/kubernetes-schemas-$KUBERNETES_SCHEMA_VERSION-kv$KUBERNETES_VALIDATE_VERSION

if [[ -x $helm_dir/helm && -x $kubeconform_dir/kubeconform && -f $schema_dir/statefulset-apps-v1.json ]]; then
  log "helm $HELM_VERSION, kubeconform $KUBECONFORM_VERSION, Kubernetes schemas $KUBERNETES_SCHEMA_VERSION present in $tools"
  exit 0
fi

work=$(mktemp -d "$tools/.work-XXXXXX")
cleanup() {
  # Go's module cache is read-only by design.
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- Go ------------------------------------------------------------------------------------
go_at_least() {  # go_at_least GO MIN: true if that go command runs and is at least MIN
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  [[ $(printf '%s\n%s\n' "$2" "$v" | sort -V | head -1) == "$2" ]]
}
candidates=()
[[ -n ${ATS_GO:-} ]] && candidates+=("$ATS_GO")
command -v go >/dev/null && candidates+=("$(command -v go)")
candidates+=(/usr/local/go/bin/go /usr/lib/go/bin/go)
go_cmd="" any_go=""
for g in "${candidates[@]}"; do
  [[ -x $g ]] || continue
  [[ -z $any_go ]] && any_go=$g
  if go_at_least "$g" "$GO_MIN"; then go_cmd=$g; break; fi
done

# The proxy only: never "direct" (version control hosts), never "off".
goproxy() {
  local p
  p=$("$1" env GOPROXY | tr ',|' '\n\n' | grep -vxE 'direct|off' | paste -sd, -) || true
  [[ -n $p ]] || die "GOPROXY ($("$1" env GOPROXY)) names no module proxy"
  echo "$p"
}

# The environment of every go command below: private caches, proxy only, no cgo, no VCS stamping.
go_env() {
  env GOPATH="$work/gopath" GOMODCACHE="$work/mod" GOCACHE="$work/cache" GOENV=off \
      GOFLAGS= GO111MODULE=on GOTOOLCHAIN=local CGO_ENABLED=0 GOPROXY="$proxy" "$@"
}

if [[ -z $go_cmd ]]; then
  goroot=$tools/$GO_TOOLCHAIN
  if [[ ! -x $goroot/bin/go ]]; then
    [[ -n $any_go ]] || die "no go command at all: scripts/install-deps.sh installs Debian's golang-go"
    proxy=$(goproxy "$any_go")
    arch="$("$any_go" env GOHOSTOS)-$("$any_go" env GOHOSTARCH)"
    log "no Go >= $GO_MIN ($any_go is $("$any_go" env GOVERSION)): fetching toolchain $GO_TOOLCHAIN.$arch from the Go module proxy"
    start=$SECONDS
    mod="golang.org/toolchain@v0.0.1-$GO_TOOLCHAIN.$arch"
    json=$(go_env "$any_go" mod download -json "$mod") || die "go mod download $mod failed"
    dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
    [[ -n $dir && -f $dir/bin/go ]] || die "toolchain module has no bin/go: $json"
    # A module zip keeps no file modes; go >= 1.21 restores them for this module, older go does
    # not, so do what it does: bin/ and pkg/tool/ hold the executables.
    rm -rf "$goroot.tmp"
    cp -r "$dir" "$goroot.tmp"
    chmod -R u+w "$goroot.tmp"
    chmod +x "$goroot.tmp"/bin/* "$goroot.tmp"/pkg/tool/*/*
    mv "$goroot.tmp" "$goroot"
    log "$GO_TOOLCHAIN installed in $goroot ($((SECONDS - start)) s)"
  fi
  go_cmd=$goroot/bin/go
fi
go_at_least "$go_cmd" "$GO_MIN" || die "$go_cmd is not Go >= $GO_MIN"
proxy=$(goproxy "$go_cmd")
log "building with $go_cmd ($("$go_cmd" env GOVERSION)), GOPROXY=$proxy"

go_install() {  # go_install NAME DIR PACKAGE@VERSION LDFLAGS
  local name=$1 dir=$2 pkg=$3 ldflags=$4 start=$SECONDS
  log "building $name from $pkg"
  go_env GOBIN="$work/bin" "$go_cmd" install -trimpath -ldflags "$ldflags" "$pkg" || die "go install $pkg failed"
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  mv "$work/bin/$name" "$dir.tmp/$name"
  mv "$dir.tmp" "$dir"
  log "$name built in $((SECONDS - start)) s: $dir/$name"
}

# ---- helm ----------------------------------------------------------------------------------
if [[ ! -x $helm_dir/helm ]]; then
  # Helm's Makefile: the Kubernetes version helm assumes is its client-go's minor, major + 1.
  json=$(go_env "$go_cmd" mod download -json "helm.sh/helm/v3@$HELM_VERSION") || die "go mod download helm.sh/helm/v3@$HELM_VERSION failed"
  gomod=$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$json")
  client_go=$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")
  [[ $client_go =~ ^v0\.([0-9]+)\. ]] || die "no k8s.io/client-go v0.N in helm's go.mod ($gomod)"
  k8s_minor=${BASH_REMATCH[1]}
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$k8s_minor"
  done
  go_install helm "$helm_dir" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$ldflags"
fi
"$helm_dir/helm" version --short

# ---- kubeconform ---------------------------------------------------------------------------
if [[ ! -x $kubeconform_dir/kubeconform ]]; then
  go_install kubeconform "$kubeconform_dir" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    "-s -w -X main.version=$KUBECONFORM_VERSION"
fi
echo "kubeconform $("$kubeconform_dir/kubeconform" -v)"

# ---- Kubernetes JSON schemas ---------------------------------------------------------------
if [[ ! -f $schema_dir/statefulset-apps-v1.json ]]; then
  py=/usr/bin/python3
  [[ -x $py ]] || py=$(command -v python3)
  start=$SECONDS
  echo "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION --hash=sha256:$KUBERNETES_VALIDATE_SHA256" >"$work/requirements.txt"
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
    -r "$work/requirements.txt" -d "$work/wheel" || die "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed"
  # The wheel's kubernetes-json-schema/<version>-local-strict/ holds one schema per kind
  # (additionalProperties: false, as `kubectl apply --validate=strict`) whose $refs point at
  # "/api/_definitions.json", resolved by kubernetes-validate through each file's $id
  # (https://kubernetes.io/api/...). kubeconform resolves $refs against the file's own location,
  # so drop the $id and make the refs file-relative: the schemas themselves are unchanged.
  rm -rf "$schema_dir.tmp"
  "$py" - "$work"/wheel/*.whl "kubernetes_validate/kubernetes-json-schema/$KUBERNETES_SCHEMA_VERSION-local-strict/" "$schema_dir.tmp" <<'EOF'
import json, os, sys, zipfile
wheel, prefix, out = sys.argv[1:]
os.makedirs(out)
n = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        schema = json.loads(z.read(name))
        schema.pop("$id", None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(os.path.join(out, name[len(prefix):]), "w") as fh:
            fh.write(text)
        n += 1
if n == 0 or not os.path.exists(os.path.join(out, "_definitions.json")):
    sys.exit(f"no schemas under {prefix} in {wheel}")
print(f"{n} schema files")
EOF
  mv "$schema_dir.tmp" "$schema_dir"
  log "Kubernetes $KUBERNETES_SCHEMA_VERSION schemas from kubernetes-validate $KUBERNETES_VALIDATE_VERSION in $((SECONDS - start)) s: $schema_dir"
fi
log "done: $tools"
