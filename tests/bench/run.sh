#!/bin/sh
# make bench: speed as ratios measured in one run (tests/bench/ratios.py: tokstat against
# ccusage on Claude Code sessions, gzip against plain, ingest against SQLite's ceiling, a
# night with and without 20 million events of history) and peak memory; then the other
# benches (tests/bench/*_bench.sh), which print seconds. Not a test: it prints numbers.
# BENCH_QUICK=1 runs everything on smaller inputs (a few minutes); BENCH_LINES sets the
# proxy log's size (default 2,000,000).
set -eu
cd "$(dirname "$0")/../.."
if [ -n "${BENCH_QUICK:-}" ] && [ "$BENCH_QUICK" != 0 ]; then
	: "${BENCH_JSON_LINES:=100000}" "${BENCH_SCRUB_LINES:=50000}" "${BENCH_EVENTS:=1000000}"
	: "${QUERY_BENCH_SEED:=100000}"
	export BENCH_JSON_LINES BENCH_SCRUB_LINES BENCH_EVENTS QUERY_BENCH_SEED
fi
python3 tests/bench/ratios.py
if [ -n "${BENCH_QUICK:-}" ] && [ "$BENCH_QUICK" != 0 ]; then
	# the databases those benches keep (query_bench's 10 million events) stay the full ones
	BENCH_OUT=$PWD/bench-out/quick
	export BENCH_OUT
fi
for b in tests/bench/*_bench.sh; do
	if [ -f "$b" ]; then sh "$b"; fi
done
