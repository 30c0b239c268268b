#!/bin/sh
# What a run leaves of a file it read: a file failed by --max-reject-rate keeps its lines and
# its failure (the files view shows it), and every later run with a limit it exceeds fails
# again, saying so, until a run reads new lines of it within the limit; a run that reads
# nothing new of a file changes nothing of it (not its format, not anything: no write at all).
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log
# half.log: 20 good lines and 20 garbage lines (50% rejected)
head -n 20 "$F" | awk '{ print; print "garbage line, not a log record" }' >"$WORK/half.log"
touch -d '2 hours ago' "$WORK/half.log"

run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "50% rejected, --max-reject-rate 10: failed" 1
assert_contains "says the rate" "$WORK/err" "50.0% of lines rejected"
assert_eq "its lines are kept" "20|20" "$(q "SELECT events, rejected FROM files")"
assert_eq "the files view shows the failure" "50.0% of lines rejected, more than --max-reject-rate 10%|50.0" \
	"$(q "SELECT failure, round(failure_rate, 1) FROM files")"
[ -n "$(q "SELECT failed_at FROM files")" ] || fail "the files view has no failed_at"

# the next run reads nothing new: not a silent success
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "nothing new since the failure: failed again" 1
assert_contains "says why" "$WORK/err" "50.0% of its lines were rejected when it was read"
assert_contains "and that nothing was read since" "$WORK/err" "nothing new was read since"
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 60 "$WORK/half.log"
assert_rc "under a limit it does not exceed: no failure" 0
run "$TOKSTAT" --db "$DB" ingest "$WORK/half.log"
assert_rc "without a limit: no failure" 0
assert_eq "the failure is still recorded" "50.0" "$(q "SELECT round(failure_rate, 1) FROM files")"

# new garbage: failed again, recorded again with the new lines' rate
printf 'more garbage\n' >>"$WORK/half.log"
touch -d '2 hours ago' "$WORK/half.log"
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "one new line, rejected: failed" 1
assert_eq "recorded with the new lines' rate" "100.0" "$(q "SELECT round(failure_rate, 1) FROM files")"
# new good lines within the limit: the failure is over
sed -n 21,60p "$F" >>"$WORK/half.log"
touch -d '2 hours ago' "$WORK/half.log"
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "40 new good lines: within the limit" 0
assert_eq "the failure is cleared" "||" "$(q "SELECT failure, failure_rate, failed_at FROM files")"
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "and stays cleared" 0

# a run that reads nothing new does not rewrite files.format (nor anything else)
DB=$WORK/format.db
cp "$F" "$WORK/a.log"
touch -d '2 hours ago' "$WORK/a.log"
ingest_ok "$WORK/a.log"
assert_eq "detected format" "proxy" "$(q "SELECT format FROM files")"
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(cksum <"$DB")
run "$TOKSTAT" --db "$DB" ingest --format combined "$WORK/a.log"
assert_rc "again with another --format, nothing new" 0
assert_contains "nothing new" "$WORK/out" "nothing new"
assert_eq "the format read with stays" "proxy" "$(q "SELECT format FROM files")"
assert_eq "nothing was written: the database is as it was" "$before" "$(cksum <"$DB")"
[ ! -s "$DB-wal" ] || fail "a run with nothing new wrote to the WAL"
echo "ok: no WAL frame written"
verify_ok
