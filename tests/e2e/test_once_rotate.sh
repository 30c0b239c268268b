#!/bin/sh
# Exactly once: logrotate's "mv a.log a.log.1 && gzip a.log.1" adds nothing; gzip is told
# by magic bytes, the file by its decompressed content.
. "$(dirname "$0")/lib.sh"

cp "$SAMPLES/api-gateway.log" "$WORK/a.log"
ingest_ok "$WORK/a.log"
before=$(totals "$DB")
mv "$WORK/a.log" "$WORK/a.log.1" && gzip "$WORK/a.log.1"
ingest_ok "$WORK/a.log.1.gz"
assert_eq "nothing added after rotate + gzip" "$before" "$(totals "$DB")"
# a gzip under a name that does not say so
mv "$WORK/a.log.1.gz" "$WORK/archive.dat"
ingest_ok "$WORK/archive.dat"
assert_eq "nothing added for the same gzip under any name" "$before" "$(totals "$DB")"
assert_eq "one file" 1 "$(q "SELECT count(*) FROM files")"
verify_ok
