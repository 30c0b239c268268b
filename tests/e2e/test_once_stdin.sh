#!/bin/sh
# Exactly once through stdin: "-" twice adds nothing; stdin after the file itself adds
# nothing; gzip on stdin is told by its magic bytes.
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log.1
run sh -c "'$TOKSTAT' --db '$DB' ingest - <'$F'"
assert_rc "ingest - (first)" 0
before=$(totals "$DB")
assert_eq "events + rejects = lines" "$(wc -l <"$F" | tr -d ' ')" \
	"$(q "SELECT (SELECT count(*) FROM events) + (SELECT sum(rejected) FROM files)")"
run sh -c "cat '$F' | '$TOKSTAT' --db '$DB' ingest -"
assert_rc "ingest - (second, through a pipe)" 0
assert_eq "nothing added by stdin twice" "$before" "$(totals "$DB")"
run sh -c "gzip -c '$F' | '$TOKSTAT' --db '$DB' ingest -"
assert_rc "ingest - (gzip on stdin)" 0
assert_eq "nothing added by gzip on stdin" "$before" "$(totals "$DB")"
ingest_ok "$F"
assert_eq "nothing added by the file itself after stdin" "$before" "$(totals "$DB")"
# and the other way round: a file first, then the same content grown on stdin
DB=$WORK/u.db
head -n 300 "$F" >"$WORK/part.log"
ingest_ok "$WORK/part.log"
run sh -c "'$TOKSTAT' --db '$DB' ingest - <'$F'"
assert_rc "stdin with the grown content" 0
assert_eq "grown content on stdin read from where the file stopped" "$before" "$(totals "$DB")"
verify_ok
