#!/bin/sh
# Credentials that reach tokstat outside the token field: quoted in an error message, in a
# URL path, in a field that fails to parse (its reason quotes it), past the first 4000
# bytes of a rejected line, with stray bytes in the token, or a scheme with no token.
# None may reach the database whole; the checks grep the database file and its dump.
. "$(dirname "$0")/lib.sh"

K1=sk-proj-Zx81TqLmW0pRs7uVy3AbCdEfGhIjKlMn9876
K2=123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw
K3=sk-live-51HxQabcdefghijKLMNOPqrstuvWXYZ0123456789
# a random 64-character key (a 64-hex run would be a SHA-256 digest, an id that stays: README)
K4=Xq7Lp2Rt9Vb4Nm6Kc1Hd8Fg3Js5Wz0Ya7Ue2Io9Pk4Ql6Mn1Bv8Cx3Zr5Ts0Gh7w
{
	printf '{"timestamp":"2025-10-10T10:00:00Z","model":"gpt-4o","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1},"error":{"message":"Incorrect API key provided: %s"}}\n' "$K1"
} >"$WORK/err.jsonl"
printf '10.0.0.1 - - [10/Oct/2025:10:00:00 +0000] "POST /bot%s/sendMessage HTTP/1.1" 200 5 "-" "c" user=u\n' "$K2" >"$WORK/path.log"
printf 'timestamp,api_key,model,input_tokens,output_tokens\n2025-10-10T10:00:00Z,sk-aaaaaaaaaaaaaaaaaaaaaaaa,gpt-4o,10,5\n%s,gpt-4o,10,5\n' "$K3" >"$WORK/reason.csv"
# a rejected line whose secret straddles byte 4000
python3 -c "
import sys
runs = ''.join('%s ' % ('Ab1' * 66 + 'x') for _ in range(19))
line = runs + 'z' * (3985 - len(runs)) + ' $K4 tail'
print(line)" >"$WORK/long.log"
printf '10.0.0.2 - - [10/Oct/2025:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "c" token="Bearer"\n' >"$WORK/bare.log"
printf '10.0.0.3 - - [10/Oct/2025:10:00:02 +0000] "GET / HTTP/1.1" 200 5 "-" "c" token="ghp_ab\001cdefghijklmnopqrstuvwxyz0123456789"\n' >"$WORK/ctl.log"

run "$TOKSTAT" --db "$DB" ingest "$WORK/err.jsonl" "$WORK/path.log" "$WORK/reason.csv" "$WORK/bare.log" "$WORK/ctl.log"
assert_rc "ingest the files" 0
run "$TOKSTAT" --db "$DB" ingest --format proxy "$WORK/long.log"
assert_rc "ingest the long rejected line" 0
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sqlite3 "$DB" .dump >"$WORK/dump.sql"
for k in "$K1" "$K2" "$K3" "$K4" "${K4#????????}"; do
	for f in "$DB" "$WORK/dump.sql"; do
		if grep -qF -- "$k" "$f"; then
			fail "secret ${k%"${k#????}"}... found in $f"
		fi
	done
done
echo "ok: no secret in the database or its dump"
assert_eq "the error message is kept, its key masked" 1 \
	"$(q "SELECT count(*) FROM events WHERE error LIKE '%Incorrect API key provided: sk-proj-%...%'")"
# (the mask may take the rest of the path with it: base64 keys contain '/')
assert_eq "the key in the path is masked" 1 \
	"$(q "SELECT count(*) FROM events WHERE endpoint LIKE '/bot123456789:AAH%...%'")"
assert_eq "the reject reason still says what was wrong" 1 \
	"$(q "SELECT count(*) FROM rejects WHERE reason LIKE 'bad time%'")"
assert_eq "a scheme with no token is no credential" "1|NULL" \
	"$(q "SELECT count(*), coalesce(token, 'NULL') FROM events WHERE file LIKE '%bare.log'")"
assert_eq "a control byte in a token is not stored" "ghp_ab?c...6789" \
	"$(q "SELECT token FROM events WHERE file LIKE '%ctl.log'")"
# a NUL byte in a JSON line is a reject, not a silently shortened line
printf '{"timestamp":"2025-10-10T10:00:00Z","model":"a","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}}\000{"model":"b"}\n' >"$WORK/nul.jsonl"
DB=$WORK/nul.db
run "$TOKSTAT" --db "$DB" ingest --format openai "$WORK/nul.jsonl"
assert_eq "NUL in a JSON line: rejected with its reason" "0|1|NUL byte in a JSON line" \
	"$(q "SELECT (SELECT count(*) FROM events), count(*), reason FROM rejects")"
