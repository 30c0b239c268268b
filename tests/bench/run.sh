#!/bin/sh
# make bench: ingest speed (plain and gzip) and peak memory on a generated proxy log.
# Not a test: it prints numbers. BENCH_LINES overrides the size (default 2,000,000).
set -eu
cd "$(dirname "$0")/../.."
LINES=${BENCH_LINES:-2000000}
OUT=bench-out
mkdir -p $OUT
if [ ! -s $OUT/proxy.log ] || [ "$(wc -l < $OUT/proxy.log)" -ne "$LINES" ]; then
	echo "generating $LINES lines..."
	python3 tests/bench/gen_proxy.py "$LINES" > $OUT/proxy.log
	gzip -1 -c $OUT/proxy.log > $OUT/proxy.log.gz
fi
bytes=$(wc -c < $OUT/proxy.log)

run() { # NAME FILE
	rm -f $OUT/bench.db $OUT/bench.db-wal $OUT/bench.db-shm
	/usr/bin/time -f '%e %M' -o $OUT/time.txt ./tokstat --db $OUT/bench.db ingest -q "$2"
	set -- "$1" "$(cut -d' ' -f1 $OUT/time.txt)" "$(cut -d' ' -f2 $OUT/time.txt)"
	awk -v name="$1" -v s="$2" -v rss="$3" -v lines="$LINES" -v bytes="$bytes" 'BEGIN {
		printf "%-6s %9d lines in %6.2f s: %9.0f lines/s, %6.1f MB/s, peak RSS %5.1f MB\n",
			name, lines, s, lines / s, bytes / s / 1e6, rss / 1024 }'
}
run plain $OUT/proxy.log
run gzip $OUT/proxy.log.gz
for b in tests/bench/*_bench.sh; do
	if [ -f "$b" ]; then sh "$b"; fi
done
