#!/bin/sh
# tokstat credential: from a full secret, read from stdin, to the mask and fingerprint tokstat
# stored (computed here with python's BLAKE2b and the database's key), its requests (counted
# with grep in the raw logs) and its rows (through query timeline). The secret is never shown.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES"/*
for f in "$SAMPLES"/*; do cat_log "$f"; done >"$WORK/all.log"
# a GitHub token of the samples, as test_secrets.sh finds them: one of two that share a mask
secret=$(grep -oE 'ghp_[A-Za-z0-9]{36}' "$WORK/all.log" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
[ ${#secret} -eq 40 ] || fail "no GitHub token in the samples"
expected=$(grep -cF -- "$secret" "$WORK/all.log")
mask=$(printf '%s' "$secret" | cut -c1-8)...$(printf '%s' "$secret" | cut -c37-40)
key=$(tr -d '\n' <"$DB.key")
fp() { python3 -c 'import hashlib, sys; print(hashlib.blake2b(sys.argv[1].encode(), key=bytes.fromhex(sys.argv[2]), digest_size=16).hexdigest()[:12])' "$1" "$key"; }
fp=$(fp "$secret")
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(sha256sum <"$DB")

# no_secret FILE...: neither the secret nor the part its mask hides
no_secret() {
	mid=$(printf '%s' "$secret" | cut -c9-36)
	for f in "$@"; do
		if grep -qF -- "$secret" "$f" || grep -qF -- "$mid" "$f"; then fail "the secret is in $f"; fi
	done
}

printf 'Bearer %s\n' "$secret" | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>"$WORK/err"
rc=$?
assert_eq "credential - finds a sample secret" 0 "$rc"
value() { awk -v k="$1" '$1 == k { print $2; exit }' "$WORK/out"; }
assert_eq "its mask" "$mask" "$(value mask)"
assert_eq "its fingerprint prefix (BLAKE2b-128 with the database's key)" "$fp" "$(value token_fp)"
assert_eq "seen" "yes" "$(value seen)"
assert_eq "its requests, as grep counts them in the raw logs" "$expected" "$(value requests)"
assert_eq "its last request" "$(q "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(e.epoch), 'unixepoch') FROM event e
	JOIN credential c ON c.id = e.token WHERE substr(c.fingerprint, 1, 12) = '$fp'")" "$(value last_seen)"
sibling=$(q "SELECT substr(fingerprint, 1, 12) FROM credential WHERE display = '$mask' AND substr(fingerprint, 1, 12) <> '$fp'")
[ -n "$sibling" ] || fail "the samples' second token with the same mask is missing"
assert_contains "the other secret with the same mask is listed" "$WORK/out" "$sibling"
assert_contains "and how to see its rows" "$WORK/out" "tokstat query timeline -p credential=$fp"
no_secret "$WORK/out" "$WORK/err"
echo "ok: neither output shows the secret"

# the fingerprint finds its rows
run "$TOKSTAT" --db "$DB" query timeline -p "credential=$fp" -p limit=100000 --format csv --no-header
assert_rc "query timeline with the fingerprint" 0
assert_eq "the timeline has every request of the secret" "$expected" "$(wc -l <"$WORK/out" | tr -d ' ')"

# also as an argument (then wiped from the process's arguments); and a secret never seen
run "$TOKSTAT" --db "$DB" credential "$secret"
assert_rc "credential SECRET" 0
assert_eq "the same fingerprint" "$fp" "$(value token_fp)"
no_secret "$WORK/out" "$WORK/err"
printf 'ghp_%s\n' "$(printf 'x%.0s' $(seq 36))" | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>&1
rc=$?
assert_eq "a secret never seen: exit 1" 1 "$rc"
assert_eq "seen no" "no" "$(value seen)"
printf '\n' | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>&1
rc=$?
assert_eq "an empty stdin: exit 1" 1 "$rc"
assert_contains "says so" "$WORK/out" "no secret given"
run "$TOKSTAT" --db "$DB" credential
assert_rc "no argument" 2
assert_eq "credential wrote nothing to the database" "$before" "$(sha256sum <"$DB")"

# a log of our own: one full secret, and one that a proxy masked before logging it
DB=$WORK/own.db
own="sk-live-$(printf 'Q%.0s' $(seq 30))7b3Zk2"
premasked_secret="sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789WXYZ"
cat >"$WORK/own.log" <<LOG
10.0.0.1 - - [10/Oct/2025:02:15:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 10 "-" "t" token="Bearer $own" user=mallory model=gpt-4o-mini pt=10 ct=5
10.0.0.1 - - [10/Oct/2025:02:45:00 +0000] "POST /v1/chat/completions HTTP/1.1" 429 10 "-" "t" token="Bearer $own" user=mallory model=gpt-4o-mini
10.0.0.2 - - [10/Oct/2025:03:30:00 +0000] "POST /v1/responses HTTP/1.1" 200 10 "-" "t" token="sk-proj-...WXYZ" user=bob model=gpt-4o pt=1 ct=1
LOG
ingest_ok "$WORK/own.log"
key=$(tr -d '\n' <"$DB.key")
printf '%s\n' "$own" | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>"$WORK/err"
assert_eq "credential - finds the full secret of our log" 0 $?
assert_eq "its fingerprint" "$(fp "$own")" "$(value token_fp)"
assert_eq "its two requests" 2 "$(value requests)"
assert_eq "its status after the 429" "rate_limited" "$(value status)"
secret=$own
no_secret "$WORK/out" "$WORK/err"
run "$TOKSTAT" --db "$DB" query timeline -p "credential=$(value token_fp)" --from 2025-10-10T02:00 --to 2025-10-10T03:00 --format csv --no-header
assert_eq "what did this key do between 02:00 and 03:00: both requests" \
	"2025-10-10T02:15:00Z,200 2025-10-10T02:45:00Z,429" "$(tr -d '\r' <"$WORK/out" | cut -d, -f1,7 | paste -sd' ' -)"
printf '%s\n' "$premasked_secret" | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>"$WORK/err"
assert_eq "a secret whose log held only its mask is found by the mask" 0 $?
assert_contains "and said to be so" "$WORK/out" "as its mask only"
assert_eq "the fingerprint is the logged mask's" "$(fp "sk-proj-...WXYZ")" "$(value token_fp)"
