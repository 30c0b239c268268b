#!/bin/sh
# Exactly once: a file renamed since it was read adds nothing; the files view follows the
# new name.
. "$(dirname "$0")/lib.sh"

cp "$SAMPLES/api-gateway.log.1" "$WORK/a.log"
ingest_ok "$WORK/a.log"
before=$(totals "$DB")
mv "$WORK/a.log" "$WORK/renamed.log"
ingest_ok "$WORK/renamed.log"
assert_eq "nothing added after rename" "$before" "$(totals "$DB")"
assert_eq "one file, under its new name" "1|$WORK/renamed.log" "$(q "SELECT count(*), max(file) FROM files")"
assert_eq "events point to the new name" "$(wc -l <"$WORK/renamed.log" | tr -d ' ')" \
	"$(q "SELECT count(*) + (SELECT sum(rejected) FROM files) FROM events WHERE file = '$WORK/renamed.log'")"
verify_ok
