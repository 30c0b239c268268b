#!/bin/sh
# A CSV file read on from a checkpoint keeps its header (the columns come from the file's
# first record), and a checkpoint never falls inside a record whose quoted field spans
# lines: a file that ends in the middle of one, while still being written, gets the
# record whole on the next run. Expected values: python's csv module over the final file.
. "$(dirname "$0")/lib.sh"

H='timestamp,model,input_tokens,output_tokens,api_key,error'
row() { printf '2025-10-1%d 10:00:0%d,gpt-4o,%d,%d,sk-test-aaaaaaaaaaaaaaaaaaaaaaaa,\n' "$1" "$1" "$2" "$3"; }
expect() { # FILE -> events|input|output computed by python's csv
	python3 -c '
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline=""))]
print("%d|%d|%d" % (len(rows), sum(int(r["input_tokens"]) for r in rows), sum(int(r["output_tokens"]) for r in rows)))' "$1"
}

F=$WORK/usage.csv
{ echo "$H"; row 1 10 1; row 2 20 2; } >"$F"
ingest_ok --format usage_csv "$F"
{ row 3 30 3; row 4 40 4; row 5 50 5; } >>"$F"
run "$TOKSTAT" --db "$DB" ingest "$F"
assert_rc "the grown CSV is read on" 0
assert_eq "grown CSV: every row an event, nothing rejected" "$(expect "$F")|0" \
	"$(q "SELECT count(*), sum(input_tokens), sum(output_tokens), (SELECT rejected FROM files) FROM events")"

# a record whose quoted error message holds a line break, cut between its two lines
DB=$WORK/q.db
F=$WORK/quoted.csv
{ echo "$H"; row 1 10 1; printf '2025-10-12 10:00:00,gpt-4o,20,2,,"upstream said:\n'; } >"$F"
run "$TOKSTAT" --db "$DB" ingest --format usage_csv "$F"
assert_rc "a record cut in its quoted field: exit 0" 0
assert_contains "the open record is left for the next run" "$WORK/out" "left for the next run"
assert_eq "only the whole record so far" "1|10" "$(q "SELECT count(*), sum(input_tokens) FROM events")"
printf 'overloaded"\n' >>"$F"
{ row 3 30 3; } >>"$F"
run "$TOKSTAT" --db "$DB" ingest "$F"
assert_rc "the completed file is read on" 0
assert_eq "the record whole: events, input, output, nothing rejected" "$(expect "$F")|0" \
	"$(q "SELECT count(*), sum(input_tokens), sum(output_tokens), (SELECT rejected FROM files) FROM events")"
assert_eq "its error message has both lines" 1 "$(q "SELECT count(*) FROM events WHERE error = 'upstream said:
overloaded'")"

# a finished file (not written to for a while) that ends inside a quote: the record is a reject
DB=$WORK/o.db
F=$WORK/open.csv
{ echo "$H"; row 1 10 1; printf '2025-10-12 10:00:00,gpt-4o,20,2,,"never closed\nmore\n'; } >"$F"
touch -d '2 hours ago' "$F"
run "$TOKSTAT" --db "$DB" ingest --format usage_csv "$F"
assert_rc "a finished file ending in an open quote: exit 0" 0
assert_eq "one event, one reject naming where the quote opened" "1|1|3" \
	"$(q "SELECT events, rejected, (SELECT line FROM rejects) FROM files")"
ingest_ok "$F"
assert_eq "reading it again adds nothing" "1|1" "$(q "SELECT events, rejected FROM files")"
verify_ok
