#!/usr/bin/env bash
# `ats-connector keygen`: a new keyring is 0600 and usable as secrets.keyring_file, an existing
# file is never replaced, --add keeps the keys and makes a new one primary, key material is never
# printed. Prints one line per check and a closing "N passed, N failed".
set -u
bin=${ATS_CONNECTOR_BIN:?set ATS_CONNECTOR_BIN to the built ats-connector}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022  # what the mode must not depend on
passed=0 failed=0
ok() { passed=$((passed+1)); echo "ok   $1"; }
fail() { failed=$((failed+1)); echo "FAIL $1"; }
expect() { # description condition...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
keys_of() { sed -n 's/^ *key: //p' "$1"; }

ring=$work/keyring.yaml
out=$("$bin" keygen --out "$ring" 2>&1); rc=$?
expect "keygen --out exits 0 ($rc: $out)" test "$rc" = 0
expect "the keyring exists" test -f "$ring"
expect "its mode is 600 (got $(stat -c %a "$ring"))" test "$(stat -c %a "$ring")" = 600
expect "it holds one key, k1, primary" test "$(grep -c '^  - id:' "$ring")-$(sed -n 's/^primary: //p' "$ring")" = "1-k1"
k1=$(keys_of "$ring")
expect "the key is 32 bytes of base64" test "$(printf '%s' "$k1" | base64 -d | wc -c)" = 32
expect "the key is not printed" bash -c '[[ "$1" != *"$2"* ]]' _ "$out" "$k1"

cat > "$work/config.yaml" <<YAML
connections:
  - id: acme
    source: workable
    workable:
      subdomain: acme
      api_token: \${WORKABLE_TOKEN}
kafka:
  bootstrap_servers: "localhost:9092"
secrets:
  keyring_file: $ring
YAML
out=$(WORKABLE_TOKEN=tok-0123456789 "$bin" validate --config "$work/config.yaml" 2>&1); rc=$?
expect "validate accepts it as secrets.keyring_file ($rc: $out)" test "$rc" = 0
expect "validate does not warn about its mode" bash -c '[[ "$1" != *"readable by group"* ]]' _ "$out"

before=$(sha256sum < "$ring")
out=$("$bin" keygen --out "$ring" 2>&1); rc=$?
expect "keygen refuses to replace an existing keyring (exit $rc)" test "$rc" = 2
expect "and says to use --add ($out)" bash -c '[[ "$1" == *"keygen --add --out"* ]]' _ "$out"
expect "the keyring is unchanged" test "$(sha256sum < "$ring")" = "$before"

out=$("$bin" keygen --add --out "$ring" 2>&1); rc=$?
expect "keygen --add exits 0 ($rc: $out)" test "$rc" = 0
expect "k2 is primary" test "$(sed -n 's/^primary: //p' "$ring")" = k2
expect "k1 is kept as it was" test "$(keys_of "$ring" | head -n1)" = "$k1"
expect "two different keys" test "$(keys_of "$ring" | sort -u | wc -l)" = 2
expect "the mode is still 600 (got $(stat -c %a "$ring"))" test "$(stat -c %a "$ring")" = 600
expect "no temporary file is left" test "$(ls "$work" | grep -c tmp)" = 0
expect "no key is printed" bash -c '[[ "$1" != *"$2"* && "$1" != *"$3"* ]]' _ "$out" "$k1" "$(keys_of "$ring" | tail -n1)"
out=$("$bin" keygen --out "$ring" --add 2>&1); rc=$?
expect "--add after --out works too, k3 primary ($rc)" test "$rc-$(sed -n 's/^primary: //p' "$ring")" = 0-k3

check() { # expected-code substring command...
  local code=$1 want=$2; shift 2
  out=$("$@" 2>&1); rc=$?
  if [[ $rc == "$code" && "$out" == *"$want"* ]]; then ok "$*";
  else fail "$*: want exit $code and '$want', got $rc: $out"; fi
}
check 2 "keygen --out $work/none.yaml" "$bin" keygen --add --out "$work/none.yaml"
printf 'keys: []\nprimary: k1\n' > "$work/empty.yaml"
check 2 "has no keys" "$bin" keygen --add --out "$work/empty.yaml"
check 2 "keygen needs --out FILE" "$bin" keygen
check 2 "--add takes no value" "$bin" keygen --add "$ring"
check 2 "unknown option --output" "$bin" keygen --output "$work/x.yaml"
check 0 "Usage: ats-connector keygen" "$bin" keygen --help
check 0 "keygen --out FILE" "$bin" --help
check 1 "cannot create" "$bin" keygen --out "$work/no/such/dir/keyring.yaml"
sed -i "s#keyring_file: .*#keyring_file: $work/gone.yaml#" "$work/config.yaml"
WORKABLE_TOKEN=tok-0123456789 check 2 "ats-connector keygen --out $work/gone.yaml" \
  "$bin" validate --config "$work/config.yaml"

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
