#!/bin/sh
# make bench, JSON lines: ingest speed of a generated 1,000,000-line application log
# (500-700-byte lines; BENCH_JSON_LINES overrides). Prints lines/s, MB/s and peak RSS.
set -eu
LINES=${BENCH_JSON_LINES:-1000000}
OUT=bench-out
mkdir -p $OUT
if [ ! -s $OUT/app.jsonl ] || [ "$(wc -l < $OUT/app.jsonl)" -ne "$LINES" ]; then
	echo "generating $LINES JSON lines..."
	python3 tests/bench/gen_json.py "$LINES" > $OUT/app.jsonl
fi
bytes=$(wc -c < $OUT/app.jsonl)
rm -f $OUT/json.db $OUT/json.db-wal $OUT/json.db-shm
/usr/bin/time -f '%e %M' -o $OUT/time.txt ./tokstat --db $OUT/json.db ingest -q $OUT/app.jsonl
awk -v s="$(cut -d' ' -f1 $OUT/time.txt)" -v rss="$(cut -d' ' -f2 $OUT/time.txt)" -v lines="$LINES" -v bytes="$bytes" 'BEGIN {
	printf "%-6s %9d lines in %6.2f s: %9.0f lines/s, %6.1f MB/s, peak RSS %5.1f MB (%.0f bytes/line)\n",
		"json", lines, s, lines / s, bytes / s / 1e6, rss / 1024, bytes / lines }'
