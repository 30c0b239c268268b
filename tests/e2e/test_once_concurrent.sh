#!/bin/sh
# Two runs at once on one database: never corrupt, never double count.  The second waits
# (and says so), or with --no-wait fails at once saying the database is busy.
. "$(dirname "$0")/lib.sh"

A=$SAMPLES/api-gateway.log B=$SAMPLES/api-gateway.log.1 C=$SAMPLES/api-gateway.log.2.gz
DB=$WORK/ref.db ingest_ok "$A" "$B" "$C"
ref=$(totals "$WORK/ref.db")

# started together on a database that does not exist yet (both create it), several times
i=0
while [ $i -lt 5 ]; do
	i=$((i + 1))
	DB=$WORK/race$i.db
	"$TOKSTAT" --db "$DB" ingest -q "$A" >"$WORK/r1.out" 2>&1 &
	p1=$!
	"$TOKSTAT" --db "$DB" ingest -q "$B" "$C" >"$WORK/r2.out" 2>&1 &
	p2=$!
	"$TOKSTAT" --db "$DB" ingest -q "$A" "$C" >"$WORK/r3.out" 2>&1 &
	p3=$!
	wait $p1 || fail "race $i: first run failed: $(cat "$WORK/r1.out")"
	wait $p2 || fail "race $i: second run failed: $(cat "$WORK/r2.out")"
	wait $p3 || fail "race $i: third run failed: $(cat "$WORK/r3.out")"
	assert_eq "race $i: three runs at once, totals of one run over the three files" "$ref" "$(totals "$DB")"
	verify_ok "$DB" >/dev/null
done

# a run that holds the database for as long as we like: it reads stdin from a fifo
DB=$WORK/t.db
mkfifo "$WORK/fifo"
"$TOKSTAT" --db "$DB" ingest - <"$WORK/fifo" >"$WORK/first.out" 2>"$WORK/first.err" &
first=$!
exec 3>"$WORK/fifo"
head -n 100 "$A" >&3
# wait until the first run holds its lock (flock(1) takes the same kind of lock)
n=0
while flock -n "$DB" true 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 200 ] || fail "the first run never locked $DB"
	sleep 0.05
done
kill -0 "$first" 2>/dev/null || fail "the first run ended early: $(cat "$WORK/first.err")"

run "$TOKSTAT" --db "$DB" ingest --no-wait "$B" 3>&-
assert_rc "--no-wait while another ingest runs" 1
assert_contains "--no-wait says busy" "$WORK/err" "busy"
assert_contains "--no-wait names the database" "$WORK/err" "$DB"

# 3>&-: the second run must not hold the fifo open, or the first never sees its end
"$TOKSTAT" --db "$DB" ingest "$B" "$C" >"$WORK/second.out" 2>"$WORK/second.err" 3>&- &
second=$!
sleep 1
kill -0 "$second" 2>/dev/null || fail "the second run did not wait: $(cat "$WORK/second.err")"
assert_contains "the second run says it waits" "$WORK/second.err" "waiting"
tail -n +101 "$A" >&3
exec 3>&-
wait "$first" || fail "first run failed: $(cat "$WORK/first.err")"
wait "$second" || fail "second run failed: $(cat "$WORK/second.err")"
echo "ok: both runs succeeded"
assert_eq "totals are the sum of both runs" "$ref" "$(totals "$DB")"
verify_ok
