#!/bin/sh
# Exactly once: a copy of a file's content under another name (a backup, a second
# collector) adds nothing, in the same run or a later one, plain or gzipped.
. "$(dirname "$0")/lib.sh"

cp "$SAMPLES/api-gateway.log.1" "$WORK/a.log"
cp "$WORK/a.log" "$WORK/backup-of-a.log"
ingest_ok "$WORK/a.log" "$WORK/backup-of-a.log"
before=$(totals "$DB")
exp=$(wc -l <"$WORK/a.log" | tr -d ' ')
assert_eq "events + rejects = lines of one copy" "$exp" \
	"$(q "SELECT (SELECT count(*) FROM events) + (SELECT sum(rejected) FROM files)")"
gzip -c "$WORK/a.log" >"$WORK/copy.gz"
mkdir "$WORK/other" && cp "$WORK/a.log" "$WORK/other/a.log"
ingest_ok "$WORK/copy.gz" "$WORK/other/a.log"
assert_eq "nothing added by later copies" "$before" "$(totals "$DB")"
verify_ok
