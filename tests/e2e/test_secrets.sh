#!/bin/sh
# The full credential never reaches the database (main file, WAL, dump), a message, a
# summary or a stored rejected line.  Secrets are re-extracted here from the raw samples;
# the masked display forms (first min(n/4,8) and last min(n/8,4) characters) must be there.
. "$(dirname "$0")/lib.sh"

for f in "$SAMPLES"/*; do cat_log "$f"; done >"$WORK/all.log"
# values of token=/tok=/key=/api_key=, quotes and an auth scheme stripped
grep -oE '(^| )(token|tok|key|api_key)=("[^"]*"|[^ ]*)' "$WORK/all.log" |
	sed -E 's/^ ?[a-z_]+=//; s/"//g; s/^(Bearer|token) +//' | sort -u >"$WORK/secrets"
nsec=$(wc -l <"$WORK/secrets" | tr -d ' ')
[ "$nsec" -ge 6 ] || fail "expected at least 6 credentials in the samples, found $nsec"
echo "found $nsec secrets in the samples"

# leak_check WHAT FILE...: no secret, and no middle part of one (what the mask hides), in FILE
leak_check() {
	what=$1
	shift
	while read -r s; do
		mid=$(printf '%s' "$s" | cut -c9- | rev | cut -c5- | rev)
		for f in "$@"; do
			[ -e "$f" ] || continue
			if grep -aqF -- "$s" "$f"; then fail "$what: full secret ${s%"${s#????????}"}... found in $f"; fi
			if grep -aqF -- "$mid" "$f"; then fail "$what: the hidden middle of ${s%"${s#????????}"}... found in $f"; fi
		done
	done <"$WORK/secrets"
	echo "ok: $what: no secret in $*"
}

# while an ingest is running (stdin from a fifo), the WAL holds committed batches
mkfifo "$WORK/fifo"
"$TOKSTAT" --db "$DB" ingest --batch 50 - <"$WORK/fifo" >"$WORK/live.out" 2>"$WORK/live.err" &
pid=$!
exec 3>"$WORK/fifo"
cat_log "$SAMPLES/api-gateway.log.1" >&3
n=0
until [ -s "$DB-wal" ] && [ "$(sqlite3 "$DB" "SELECT count(*) FROM events" 2>/dev/null || echo 0)" -ge 800 ]; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "the running ingest committed nothing"
	sleep 0.1
done
leak_check "during ingest" "$DB" "$DB-wal" "$DB-journal"
exec 3>&-
wait "$pid" || fail "ingest from the fifo failed: $(cat "$WORK/live.err")"

run "$TOKSTAT" --db "$DB" ingest "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log" "$SAMPLES/api-gateway.log.1"
assert_rc "ingest samples" 0
cat "$WORK/live.out" "$WORK/live.err" >>"$WORK/out"
leak_check "after ingest" "$DB" "$DB-wal" "$WORK/out" "$WORK/err"
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
leak_check "after checkpoint" "$DB" "$DB-wal"
sqlite3 "$DB" .dump >"$WORK/dump.sql"
leak_check ".dump" "$WORK/dump.sql"
"$TOKSTAT" --db "$DB" summary >"$WORK/summary.out" 2>&1
"$TOKSTAT" --db "$DB" verify >>"$WORK/summary.out" 2>&1
leak_check "summary and verify output" "$WORK/summary.out"

# every secret's masked form is there, in credentials or (for one only seen in a rejected line) rejects
while read -r s; do
	n=${#s}
	h=$((n / 4)); [ $h -gt 8 ] && h=8
	t=$((n / 8)); [ $t -gt 4 ] && t=4
	m="$(printf '%s' "$s" | cut -c1-$h)...$(printf '%s' "$s" | cut -c$((n - t + 1))-)"
	grep -qF -- "$m" "$WORK/dump.sql" || fail "masked form $m not in the database"
done <"$WORK/secrets"
echo "ok: every masked form is stored"
assert_eq "one credential row per secret" "$nsec" "$(q "SELECT count(*) FROM credentials")"

# the sample's rejected line with a credential (prompt_tokens=null) is stored masked
oa=$(grep -F 'prompt_tokens=null' "$WORK/all.log" | sed -E 's/.*tok="Bearer ([^"]*)".*/\1/')
[ -n "$oa" ] || fail "the sample line with prompt_tokens=null is missing"
assert_eq "the rejected sample line keeps a masked credential" 1 \
	"$(q "SELECT count(*) FROM rejects WHERE reason LIKE '%prompt_tokens%' AND text LIKE '%tok=\"Bearer ${oa%"${oa#????????}"}...%'")"

# secrets in lines rejected for other reasons, in places no key names them
DB=$WORK/r.db
gh=$(grep -m1 -oE 'ghp_[A-Za-z0-9]{36}' "$WORK/all.log")
an=$(grep -m1 -oE 'sk-ant-api03-[A-Za-z0-9_-]{95}' "$WORK/all.log")
gm=$(grep -m1 -oE 'AIza[A-Za-z0-9_-]{35}' "$WORK/all.log")
{
	head -n 40 "$SAMPLES/api-gateway.log"
	echo "curl -H 'Authorization: Bearer $gh' https://api.github.com/user"
	echo "x-api-key: $an"
	echo "10.0.0.1 - - [10/Oct/2025:13:55:36 +0000] \"GET /v1beta/models?key=$gm HTTP/1.1\" 200 5 \"-\" \"curl/8\" key=$gm pt=oops"
	echo "10.0.0.1 - - [32/Oct/2025:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"curl/8\" api_key=\"$gm\""
	echo "$gh $an $gm"
	# valid lines: the secret in the query string and the referer, not stored
	echo "10.0.0.1 - - [10/Oct/2025:13:55:37 +0000] \"GET /v1beta/models/gemini-2.0-flash:generateContent?key=$gm HTTP/1.1\" 200 5 \"https://x.example/?token=$gh\" \"curl/8\" api_key=$gm"
} >"$WORK/r.log"
printf '%s\n%s\n%s\n' "$gh" "$an" "$gm" >"$WORK/secrets"
run "$TOKSTAT" --db "$DB" ingest "$WORK/r.log"
assert_rc "ingest lines with secrets in odd places" 0
assert_eq "rejected lines with secrets" 5 "$(q "SELECT count(*) FROM rejects")"
leak_check "rejected lines" "$DB" "$DB-wal" "$WORK/out" "$WORK/err"
sqlite3 "$DB" .dump >"$WORK/dump2.sql"
leak_check "rejected lines .dump" "$WORK/dump2.sql"
assert_eq "the query-string key is not in the endpoint" "/v1beta/models/gemini-2.0-flash:generateContent" \
	"$(q "SELECT endpoint FROM events WHERE line = 46")"
