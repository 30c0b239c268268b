#!/bin/sh
# The command line: --version, help, usage errors (exit 2), where the database is
# (--db, $TOKSTAT_DB, ./tokstat.db), `tokstat formats`, and a user-defined format loaded
# from --parsers / $TOKSTAT_PARSERS and picked by auto-detection, with no recompile.
. "$(dirname "$0")/lib.sh"

run "$TOKSTAT" --version
assert_rc "--version" 0
grep -qE '^tokstat [0-9]+\.[0-9]+\.[0-9]+' "$WORK/out" || fail "--version prints '$(cat "$WORK/out")'"
run "$TOKSTAT" help
assert_rc "help" 0
for c in ingest verify formats summary help; do assert_contains "help lists $c" "$WORK/out" "  $c "; done
run "$TOKSTAT" help ingest
assert_rc "help ingest" 0
for o in --format --parsers --max-reject-rate --max-line --batch --no-wait --quiet; do
	assert_contains "help ingest documents $o" "$WORK/out" "$o"
done
run "$TOKSTAT" frobnicate
assert_rc "unknown command" 2
assert_contains "unknown command is named" "$WORK/err" "frobnicate"
run "$TOKSTAT" help frobnicate
assert_rc "help for an unknown command" 2
run "$TOKSTAT" --db "$DB" ingest
assert_rc "ingest without files" 2
assert_contains "ingest without files says what was expected" "$WORK/err" "expected"
run "$TOKSTAT" --db "$DB" ingest --batch zero "$SAMPLES/api-gateway.log"
assert_rc "bad --batch" 2
run "$TOKSTAT" --db "$DB" ingest --format nosuch "$SAMPLES/api-gateway.log"
assert_rc "unknown --format" 2
assert_contains "unknown --format is named" "$WORK/err" "nosuch"
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 150 "$SAMPLES/api-gateway.log"
assert_rc "--max-reject-rate out of range" 2
run "$TOKSTAT" --bogus
assert_rc "unknown global option" 2

# where the database is: --db, else $TOKSTAT_DB, else ./tokstat.db
mkdir "$WORK/cwd" && cd "$WORK/cwd" || exit 1
head -n 50 "$SAMPLES/api-gateway.log" >"$WORK/small.log"
run env -u TOKSTAT_DB "$TOKSTAT" ingest -q "$WORK/small.log"
assert_rc "ingest with the default database" 0
[ -f "$WORK/cwd/tokstat.db" ] || fail "./tokstat.db was not created"
assert_eq "./tokstat.db holds the events" 50 "$(sqlite3 "$WORK/cwd/tokstat.db" "SELECT count(*) FROM events")"
run env TOKSTAT_DB="$WORK/env.db" "$TOKSTAT" ingest -q "$WORK/small.log"
assert_rc "ingest with \$TOKSTAT_DB" 0
assert_eq "\$TOKSTAT_DB holds the events" 50 "$(sqlite3 "$WORK/env.db" "SELECT count(*) FROM events")"
run env TOKSTAT_DB="$WORK/env.db" "$TOKSTAT" --db "$WORK/flag.db" ingest -q "$WORK/small.log"
assert_rc "--db beats \$TOKSTAT_DB" 0
assert_eq "--db holds the events" 50 "$(sqlite3 "$WORK/flag.db" "SELECT count(*) FROM events")"
assert_eq "\$TOKSTAT_DB untouched by the --db run" 1 "$(sqlite3 "$WORK/env.db" "SELECT count(*) FROM files")"
run env TOKSTAT_DB="$WORK/env.db" "$TOKSTAT" verify
assert_rc "verify reads \$TOKSTAT_DB" 0
assert_contains "verify names the database" "$WORK/out" "env.db"
cd "$ROOT" || exit 1

# formats: the built-in ones with their origin
run "$TOKSTAT" formats
assert_rc "formats" 0
for f in combined common proxy; do
	grep -qE "^$f +regex .*built-in" "$WORK/out" || fail "formats does not list $f as built-in: $(cat "$WORK/out")"
done
echo "ok: formats lists combined, common, proxy as built-in"

# a user-defined format: "TIME USER MODEL IN OUT", a file in a directory, no recompile
mkdir "$WORK/parsers"
cat >"$WORK/parsers/usage_lines.json" <<'JSON'
{
  "name": "usage_lines",
  "kind": "regex",
  "description": "test format: ISO time, user, model, input and output tokens",
  "priority": 5,
  "time_format": "iso8601",
  "pattern": "^(?<time>\\d{4}-\\d\\d-\\d\\dT\\S+) (?<user>\\S+) (?<model>\\S+) (?<input_tokens>\\d+) (?<output_tokens>\\d+)$",
  "skip": "^\\s*(#|$)"
}
JSON
cat >"$WORK/usage.txt" <<'LOG'
# time user model in out
2025-10-10T23:30:00+02:00 alice gpt-4o-mini 120 30
2025-10-10T22:15:00Z bob claude-3-5-haiku-20241022 1000 250
2025-10-11T08:00:00Z alice gpt-4o-mini 80 20
this line is not a record
LOG
exp=$(awk '!/^#/ && NF == 5 { i += $4; o += $5; n++ } END { print n "|" i "|" o }' "$WORK/usage.txt")
run "$TOKSTAT" formats --parsers "$WORK/parsers"
assert_rc "formats --parsers" 0
grep -qE "^usage_lines +regex .*$WORK/parsers/usage_lines.json" "$WORK/out" ||
	fail "formats --parsers does not list usage_lines with its file: $(cat "$WORK/out")"
echo "ok: formats --parsers lists usage_lines with its origin"
run env TOKSTAT_PARSERS="$WORK/parsers" "$TOKSTAT" formats
assert_contains "formats with \$TOKSTAT_PARSERS lists usage_lines" "$WORK/out" "usage_lines"

DB=$WORK/user.db
run "$TOKSTAT" --db "$DB" ingest "$WORK/usage.txt"
assert_rc "without the parsers directory the format is unknown" 1
assert_contains "... and the message names the file" "$WORK/err" "usage.txt"
DB=$WORK/user2.db
run "$TOKSTAT" --db "$DB" ingest --parsers "$WORK/parsers" "$WORK/usage.txt"
assert_rc "ingest --parsers" 0
assert_contains "auto-detection picked usage_lines" "$WORK/out" "usage_lines"
assert_eq "events, input, output from awk" "$exp" "$(q "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events")"
assert_eq "comment skipped, garbage rejected" "1|1" "$(q "SELECT skipped, rejected FROM files")"
assert_eq "UTC days of the user format (23:30+02:00 is the 10th)" "2025-10-10|2|1120 2025-10-11|1|80 " \
	"$(q "SELECT day, sum(requests), sum(input_tokens) FROM daily_usage GROUP BY day ORDER BY day" | tr '\n' ' ')"
DB=$WORK/user3.db
run env TOKSTAT_PARSERS="$WORK/parsers" "$TOKSTAT" --db "$DB" ingest -q "$WORK/usage.txt"
assert_rc "ingest with \$TOKSTAT_PARSERS" 0
assert_eq "same events through \$TOKSTAT_PARSERS" "$exp" \
	"$(q "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events")"
# a broken definition is reported with its file
printf '{ "name": "broken", "kind": "regex", "pattern": "(" }\n' >"$WORK/parsers/broken.json"
run "$TOKSTAT" formats --parsers "$WORK/parsers"
[ "$rc" -ne 0 ] || fail "a broken format definition was accepted"
assert_contains "a broken definition is named" "$WORK/err" "broken.json"
