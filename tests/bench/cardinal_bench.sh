#!/bin/sh
# Part of make bench: peak memory (and time) at the highest cardinality, where every line is
# a new credential, user, endpoint and session (tests/bench/gen_cardinal.py): proxy, JSON and
# CSV logs. The bound is 100 MB of peak RSS whatever the input. Not a test: it prints numbers.
# CARDINAL_LINES overrides the size (default 1,000,000).
set -eu
cd "$(dirname "$0")/../.."
LINES=${CARDINAL_LINES:-1000000}
OUT=bench-out
mkdir -p $OUT
for kind in proxy json csv; do
	log=$OUT/cardinal-$kind.log
	if [ ! -s "$log" ] || [ "$(wc -l <"$log")" -lt "$LINES" ]; then
		python3 tests/bench/gen_cardinal.py "$kind" "$LINES" >"$log"
	fi
	rm -f $OUT/cardinal.db $OUT/cardinal.db-wal $OUT/cardinal.db-shm $OUT/cardinal.db.key
	/usr/bin/time -f '%e %M' -o $OUT/time.txt ./tokstat --db $OUT/cardinal.db ingest -q "$log"
	awk -v kind="$kind" -v lines="$LINES" '{ printf "cardinal %-5s %8d lines, each new: %6.1f s, peak RSS %5.1f MB\n",
		kind, lines, $1, $2 / 1024 }' $OUT/time.txt
done
