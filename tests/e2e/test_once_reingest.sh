#!/bin/sh
# Exactly once: ingesting the same files again adds nothing, in a later run and in the
# same run (a file named twice).
. "$(dirname "$0")/lib.sh"

cp "$SAMPLES/api-gateway.log" "$SAMPLES/api-gateway.log.2.gz" "$WORK/"
ingest_ok "$WORK/api-gateway.log" "$WORK/api-gateway.log.2.gz"
before=$(totals "$DB")
exp=$( (cat "$WORK/api-gateway.log"; gzip -dc "$WORK/api-gateway.log.2.gz") | wc -l | tr -d ' ')
assert_eq "lines read" "$exp" "$(q "SELECT sum(lines) FROM files")"
run "$TOKSTAT" --db "$DB" ingest "$WORK/api-gateway.log" "$WORK/api-gateway.log.2.gz" "$WORK/api-gateway.log"
assert_rc "ingest again" 0
assert_eq "nothing added" "$before" "$(totals "$DB")"
assert_eq "summary says nothing new for each" 3 "$(grep -c 'nothing new' "$WORK/out")"
assert_eq "still two files" 2 "$(q "SELECT count(*) FROM files")"
verify_ok
