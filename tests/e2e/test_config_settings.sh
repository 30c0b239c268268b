#!/bin/sh
# The config module owns every setting: the global --config FILE (else $TOKSTAT_CONFIG) before
# the command; for each setting the flag, else its environment variable, else the file, else
# the default. The database ([run] database, $TOKSTAT_DB, --db), format definitions
# ([ingest] parsers), token estimates ([ingest] estimates) and named queries ([query] dir).
# A broken config stops any command but help, naming the file and line.
. "$(dirname "$0")/lib.sh"
unset TOKSTAT_CONFIG TOKSTAT_ESTIMATES TOKSTAT_QUERIES
cd "$WORK"

# two lines: one without tokens (github), one with 10 + 5
cat > a.log <<'LOG'
10.0.0.1 - - [10/Oct/2025:12:00:00 +0000] "GET /repos/a/b HTTP/1.1" 200 900 "-" "curl/8" token="ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" user=alice
10.0.0.1 - - [10/Oct/2025:12:01:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 "-" "curl/8" token="sk-test-bbbbbbbbbbbbbbbbbbbbbbbb" user=bob model=gpt-4o-mini input_tokens=10 output_tokens=5
LOG

# [run] database: where every command goes without --db and $TOKSTAT_DB
printf '[run]\ndatabase = %s/conf.db\n' "$WORK" > db.conf
run "$TOKSTAT" --config db.conf ingest -q a.log
assert_rc "ingest into the config's database" 0
assert_eq "the config's database holds the events" 2 "$(sqlite3 conf.db "SELECT count(*) FROM events")"
[ ! -e tokstat.db ] || fail "used ./tokstat.db instead of [run] database"
run "$TOKSTAT" --config=db.conf summary
assert_rc "--config=FILE works too, and summary reads the config's database" 0
assert_contains "summary of the config's database" "$WORK/out" "conf.db"
run env TOKSTAT_DB="$WORK/env.db" "$TOKSTAT" --config db.conf ingest -q a.log
assert_rc "\$TOKSTAT_DB over [run] database" 0
assert_eq "\$TOKSTAT_DB's database got them" 2 "$(sqlite3 env.db "SELECT count(*) FROM events")"
run env TOKSTAT_DB="$WORK/env.db" "$TOKSTAT" --db "$WORK/flag.db" --config db.conf ingest -q a.log
assert_rc "--db over both" 0
assert_eq "--db's database got them" 2 "$(sqlite3 flag.db "SELECT count(*) FROM events")"
assert_eq "and the config's database nothing new" 1 "$(sqlite3 conf.db "SELECT count(*) FROM files")"
run env TOKSTAT_CONFIG="$WORK/db.conf" "$TOKSTAT" verify
assert_rc "\$TOKSTAT_CONFIG when there is no --config" 0

# [ingest] estimates: the token-less line counts 100 tokens, marked estimated
printf '[ingest]\nestimates = *=100\n' > est.conf
run "$TOKSTAT" --db est.db --config est.conf ingest -q a.log
assert_rc "ingest with the config's estimates" 0
assert_eq "alice's request estimated at 100 tokens, bob's as logged" "alice|100|1 bob|15|0" \
	"$(echo $(sqlite3 est.db "SELECT user, total_tokens, estimated FROM events ORDER BY user"))"
run env TOKSTAT_ESTIMATES='*=7' "$TOKSTAT" --db est2.db --config est.conf ingest -q a.log
assert_eq "\$TOKSTAT_ESTIMATES over [ingest] estimates" 7 \
	"$(sqlite3 est2.db "SELECT total_tokens FROM events WHERE user = 'alice'")"
run env TOKSTAT_ESTIMATES='*=7' "$TOKSTAT" --db est3.db --config est.conf ingest -q --estimate '*=9' a.log
assert_eq "--estimate over both" 9 "$(sqlite3 est3.db "SELECT total_tokens FROM events WHERE user = 'alice'")"
printf '[ingest]\nestimates = lots\n' > badest.conf
run "$TOKSTAT" --db est4.db --config badest.conf ingest -q a.log
assert_rc "a bad estimate in the config" 2
assert_contains "names the file and key" "$WORK/err" "badest.conf: [ingest] estimates: bad estimate 'lots'"
run env TOKSTAT_ESTIMATES=lots "$TOKSTAT" --db est4.db ingest -q a.log
assert_contains "or the variable" "$WORK/err" "\$TOKSTAT_ESTIMATES: bad estimate 'lots'"

# [ingest] parsers: a user format, found by formats and ingest
mkdir parsers
cat > parsers/usage_lines.json <<'JSON'
{
  "name": "usage_lines",
  "kind": "regex",
  "description": "test format: ISO time, user, model, input and output tokens",
  "priority": 5,
  "time_format": "iso8601",
  "pattern": "^(?<time>\\d{4}-\\d\\d-\\d\\dT\\S+) (?<user>\\S+) (?<model>\\S+) (?<input_tokens>\\d+) (?<output_tokens>\\d+)$"
}
JSON
printf '2025-10-10T10:00:00Z carol gpt-4o-mini 120 30\n' > usage.txt
printf '[ingest]\nparsers = %s/parsers\n' "$WORK" > parsers.conf
run "$TOKSTAT" --config parsers.conf formats
assert_contains "formats lists the config's format" "$WORK/out" "usage_lines"
run "$TOKSTAT" --db p.db --config parsers.conf ingest -q usage.txt
assert_rc "ingest reads with the config's format" 0
assert_eq "carol's 150 tokens" "carol|150" "$(sqlite3 p.db "SELECT user, input_tokens + output_tokens FROM events")"

# [query] dir: named queries, under $TOKSTAT_QUERIES and --queries
mkdir q1 q2
printf -- '-- name: answer\n-- description: from q1\nSELECT 1 AS answer;\n' > q1/answer.sql
printf -- '-- name: answer\n-- description: from q2\nSELECT 2 AS answer;\n' > q2/answer.sql
printf '[query]\ndir = %s/q1\n' "$WORK" > q.conf
run "$TOKSTAT" --db p.db --config q.conf query answer --no-header
assert_eq "[query] dir" 1 "$(tr -d '\r' < "$WORK/out")"
run env TOKSTAT_QUERIES="$WORK/q2" "$TOKSTAT" --db p.db --config q.conf query answer --no-header
assert_eq "\$TOKSTAT_QUERIES over [query] dir" 2 "$(tr -d '\r' < "$WORK/out")"
run env TOKSTAT_QUERIES="$WORK/q2" "$TOKSTAT" --db p.db --config q.conf query answer --no-header --queries "$WORK/q1"
assert_eq "--queries over both" 1 "$(tr -d '\r' < "$WORK/out")"

# A broken config stops every command but help, naming file and line; alerts say UNKNOWN.
printf '[ingest]\nparser = x\n' > typo.conf
for cmd in "summary" "ingest -q a.log" "formats" "query answer"; do
	run "$TOKSTAT" --db p.db --config typo.conf $cmd
	assert_rc "$cmd with a typo in the config" 2
	assert_contains "$cmd: file and line" "$WORK/err" "typo.conf:2: unknown key 'parser' in [ingest]"
done
run "$TOKSTAT" --db p.db --config typo.conf alerts --date 2025-10-10
assert_rc "alerts with a typo in the config: UNKNOWN" 3
run "$TOKSTAT" --config typo.conf help ingest
assert_rc "help needs no settings" 0
run "$TOKSTAT" --config
assert_rc "--config without a FILE" 2
assert_contains "says so" "$WORK/err" "--config needs a FILE"
