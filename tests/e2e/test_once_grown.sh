#!/bin/sh
# Exactly once: a file that grew since the last run is read from where that run stopped,
# also when it was shorter than the 4 KiB that identify a file, and when it grew, then was
# rotated and gzipped.  Totals must equal one run over the whole file.
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log
n=$(wc -l <"$F" | tr -d ' ')
ingest_ok --batch 100 "$F"
DB=$WORK/ref.db ingest_ok "$F"
ref=$(totals "$WORK/ref.db")

# in three steps: 3 lines (under 4 KiB), 700 lines, everything
DB=$WORK/grow.db
head -n 3 "$F" >"$WORK/a.log"
[ "$(wc -c <"$WORK/a.log")" -lt 4096 ] || fail "3 lines should be under 4 KiB"
ingest_ok "$WORK/a.log"
assert_eq "3 lines read" 3 "$(q "SELECT lines FROM files")"
head -n 700 "$F" | tail -n +4 >>"$WORK/a.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/a.log"
assert_rc "ingest grown file" 0
assert_contains "summary says it resumed" "$WORK/out" "resumed after line 3"
assert_eq "one file, 700 lines read" "1|700" "$(q "SELECT count(*), sum(lines) FROM files")"
tail -n +701 "$F" >>"$WORK/a.log"
ingest_ok "$WORK/a.log"
assert_eq "grown twice: totals of one run over the whole file" "$ref" "$(totals "$DB")"
assert_eq "lines read" "$n" "$(q "SELECT lines FROM files")"
verify_ok

# grew after the last run, then rotated and gzipped before the next one
DB=$WORK/rot.db
head -n 1000 "$F" >"$WORK/b.log"
ingest_ok "$WORK/b.log"
tail -n +1001 "$F" >>"$WORK/b.log"
mv "$WORK/b.log" "$WORK/b.log.1" && gzip "$WORK/b.log.1"
ingest_ok "$WORK/b.log.1.gz"
assert_eq "grown, rotated, gzipped: totals of one run" "$ref" "$(totals "$DB")"
verify_ok

# a line half written when the run read the file is finished later: counted once, whole
DB=$WORK/half.db
head -n 500 "$F" >"$WORK/c.log"
sed -n 501p "$F" | head -c 100 >>"$WORK/c.log"
ingest_ok "$WORK/c.log"
sed -n 501p "$F" | tail -c +101 >>"$WORK/c.log"
tail -n +502 "$F" >>"$WORK/c.log"
cmp -s "$WORK/c.log" "$F" || fail "test setup: c.log differs from the sample"
ingest_ok "$WORK/c.log"
# the half line may be counted as a reject in the first run only if it is not read again;
# the totals of events must equal the reference either way
assert_eq "half-written last line: events of one run" \
	"$(sqlite3 "$WORK/ref.db" "SELECT count(*), sum(input_tokens) FROM events")" \
	"$(q "SELECT count(*), sum(input_tokens) FROM events")"
assert_eq "half-written last line: rejects of one run" \
	"$(sqlite3 "$WORK/ref.db" "SELECT sum(rejected) FROM files")" "$(q "SELECT sum(rejected) FROM files")"
verify_ok

# a new file of a few lines whose last line is still being written: exit 0, the half line
# is left for the next run (it falls among the lines read to detect the format)
DB=$WORK/few.db
head -n 5 "$F" >"$WORK/few.log"
sed -n 6p "$F" | head -c 40 >>"$WORK/few.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/few.log"
assert_rc "few lines and a half: exit 0" 0
assert_contains "the summary says the last line was left" "$WORK/out" "left for the next run"
assert_eq "few lines and a half: 5 events, nothing rejected" "5|0" "$(q "SELECT events, rejected FROM files")"
sed -n 6p "$F" | tail -c +41 >>"$WORK/few.log"
ingest_ok "$WORK/few.log"
assert_eq "completed: 6 events, nothing rejected" "6|0" "$(q "SELECT events, rejected FROM files")"

# --complete: the same fresh file with its half line, declared finished, reads the half line
# now (a line without newline is a line); the summary says nothing was left
DB=$WORK/complete.db
head -n 5 "$F" >"$WORK/done.log"
sed -n 6p "$F" | head -c 40 >>"$WORK/done.log"
run "$TOKSTAT" --db "$DB" ingest --complete "$WORK/done.log"
assert_rc "--complete: exit 0" 0
assert_not_contains "--complete: nothing left for the next run" "$WORK/out" "left for the next run"
assert_eq "--complete: 5 lines read, the sixth (cut) one too" "6" "$(q "SELECT lines FROM files")"
assert_eq "--complete: the cut line is an event or a reject, not held" "6" "$(q "SELECT events + rejected FROM files")"
