#!/bin/sh
# tokstat query's command line: usage errors exit 2 and say what is expected; named queries
# from --queries DIR and $TOKSTAT_QUERIES (replacing a built-in one); --show; SQL from stdin;
# a database an older tokstat wrote is read through this binary's views, as summary does.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES/api-gateway.log"

usage() { # WHAT EXPECTED_MESSAGE ARGS...
	what=$1 msg=$2
	shift 2
	run "$TOKSTAT" --db "$DB" query "$@"
	assert_rc "$what" 2 >/dev/null
	assert_contains "$what: the message" "$WORK/err" "$msg"
}
usage "no SQL" "give SQL, a query name"
usage "two arguments" "give one SQL string" "SELECT 1" "SELECT 2"
usage "an unknown query" "no query named 'nosuch'" nosuch
usage "a bad --format" "--format is table, csv, json, jsonl or markdown" --format xml "SELECT 1"
usage "a bad --timeout" "--timeout wants a number" --timeout soon "SELECT 1"
usage "-p without =" "-p wants NAME=VALUE" -p user "SELECT 1"
usage "-p from=" "give the period with --from and --to" -p from=2025-10-10 "SELECT :from"
usage "a bad --from" "--from wants a day YYYY-MM-DD" --from 10/10/2025 top-users
usage "an empty period" "the period is empty" --from 2025-10-12 --to 2025-10-11 top-users
usage "markdown without header" "needs its header" --format markdown --no-header "SELECT 1"
usage "--list with an argument" "--list takes no" --list top-users

# --from/--to bind :from and :to as instants, the end of a day being the next midnight
run "$TOKSTAT" --db "$DB" query "SELECT :from AS f, :to AS t" --from 2025-10-10 --to 2025-10-11 --no-header
assert_rc "--from/--to in SQL" 0
assert_eq "bound as the period's instants" "2025-10-10T00:00:00Z,2025-10-12T00:00:00Z" "$(tr -d '\r' <"$WORK/out")"

# SQL from stdin
echo "SELECT count(*) FROM events" | "$TOKSTAT" --db "$DB" query - --no-header >"$WORK/out" 2>"$WORK/err"
assert_eq "SQL from stdin" "$(q "SELECT count(*) FROM event")" "$(tr -d '\r' <"$WORK/out")"

# --show prints the SQL, which sqlite3 runs too (plain SQL over the views)
run "$TOKSTAT" query --show top-users
assert_rc "--show" 0
assert_contains "--show prints the header" "$WORK/out" "-- name: top-users"
sed 's/:from/NULL/g; s/:to/NULL/g; s/:limit/3/g' "$WORK/out" | q -separator , >"$WORK/sqlite3.out"
run "$TOKSTAT" --db "$DB" query top-users -p limit=3 --no-header
tr -d '\r' <"$WORK/out" >"$WORK/tokstat.out"
assert_same_file "sqlite3 runs the named query's SQL alike" "$WORK/sqlite3.out" "$WORK/tokstat.out"

# a directory of queries: a new one, and one that replaces the built-in timeline
mkdir "$WORK/queries"
cat >"$WORK/queries/busy-hours.sql" <<'SQL'
-- name: busy-hours
-- description: The busiest UTC hours
-- param: limit = 3   rows
-- param: min:text = 1  at least this many requests (given as text, compared as a number)
SELECT hour, sum(requests) AS requests FROM hourly_usage GROUP BY hour
HAVING sum(requests) >= CAST(:min AS INTEGER) ORDER BY requests DESC, hour LIMIT :limit;
SQL
printf -- '-- name: timeline\n-- description: replaced\nSELECT 42 AS answer;\n' >"$WORK/queries/timeline.sql"
run "$TOKSTAT" query --list --queries "$WORK/queries" --format csv
assert_rc "--list --queries DIR" 0
assert_contains "lists the new query with its origin" "$WORK/out" "busy-hours,\"limit=3, min=1\",$WORK/queries/busy-hours.sql"
assert_contains "the directory's timeline replaces the built-in" "$WORK/out" "timeline,,$WORK/queries/timeline.sql,replaced"
run "$TOKSTAT" --db "$DB" query busy-hours --queries "$WORK/queries" --no-header
assert_rc "a query from the directory" 0
assert_eq "the busiest hours" "$(q -separator , "SELECT strftime('%Y-%m-%dT%H', hour * 3600, 'unixepoch'), sum(requests)
	FROM hourly GROUP BY hour ORDER BY 2 DESC, 1 LIMIT 3")" "$(tr -d '\r' <"$WORK/out")"
TOKSTAT_QUERIES=$WORK/queries "$TOKSTAT" --db "$DB" query timeline --no-header >"$WORK/out" 2>"$WORK/err"
assert_eq "\$TOKSTAT_QUERIES is read too" "42" "$(tr -d '\r' <"$WORK/out")"
printf -- '-- name: other\n-- description: x\nSELECT 1;\n' >"$WORK/queries/wrong.sql"
run "$TOKSTAT" query --list --queries "$WORK/queries"
assert_rc "a query file whose name differs from its header" 1
assert_contains "names the file" "$WORK/err" "$WORK/queries/wrong.sql"
rm "$WORK/queries/wrong.sql"
run "$TOKSTAT" query --list --queries "$WORK/nosuch"
assert_rc "a missing directory" 1
assert_contains "names it" "$WORK/err" "$WORK/nosuch"

# no database
run "$TOKSTAT" --db "$WORK/none.db" query "SELECT 1"
assert_rc "no database" 1
assert_contains "says so" "$WORK/err" "no such database"
[ ! -e "$WORK/none.db" ] || fail "query created a database"

# an older tokstat's views: the query sees this binary's, the file keeps its own
sqlite3 "$DB" "DROP VIEW daily_usage;
	CREATE VIEW daily_usage AS SELECT date(day * 86400, 'unixepoch') AS day, requests FROM daily;
	UPDATE meta SET value = zeroblob(16) WHERE key = 'views_hash';"
run "$TOKSTAT" --db "$DB" query "SELECT sum(requests) FROM daily_usage WHERE day_number >= 0" --no-header
assert_rc "query over an older tokstat's views" 0
assert_eq "through this binary's daily_usage" "$(q "SELECT sum(requests) FROM daily")" "$(tr -d '\r' <"$WORK/out")"
run "$TOKSTAT" --db "$DB" query top-credentials -p limit=1 --no-header
assert_rc "a named query over an older tokstat's views" 0
assert_eq "the file keeps its own view" "" \
	"$(q "SELECT name FROM pragma_table_info('daily_usage') WHERE name = 'day_number'")"

# a secret pasted by mistake is not repeated in a message: as an unquoted word of the SQL
# (SQLite names it as a column) or as a query name
secret=ghp_HCThWqWxCbt2AIeRuvf7fcZu9EM1NuwardK4
run "$TOKSTAT" --db "$DB" query "SELECT count(*) FROM events WHERE token = $secret"
assert_rc "an unquoted secret in the SQL" 1
assert_contains "SQLite's message, with the secret masked" "$WORK/err" "no such column: ghp_HCTh...rdK4"
assert_not_contains "not the secret" "$WORK/err" "$secret"
run "$TOKSTAT" --db "$DB" query "$secret"
assert_rc "a secret as a query name" 2
assert_not_contains "not repeated as a query name" "$WORK/err" "Cbt2AIeRuvf7fcZu9EM1Nuwa"
