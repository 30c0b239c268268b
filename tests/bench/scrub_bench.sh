#!/bin/sh
# make bench, scrubbing: a proxy log with one 70 KB junk line per 1,000 lines (a rejected
# line is scrubbed whole before it is stored), for three kinds of junk that made the old
# pattern quadratic: a run of '-', one random alphanumeric run, "a=a=a=...". Then a 1 MB
# line of each alone. Scrubbing is linear: a junk byte costs about what any byte costs.
# BENCH_SCRUB_LINES overrides the size (default 200,000 lines).
set -eu
LINES=${BENCH_SCRUB_LINES:-200000}
OUT=bench-out
mkdir -p $OUT
gen() { # JUNK LINES: LINES proxy lines with a 70 KB junk line after every 1,000; 0: 1 MB of junk
	python3 - "$1" "$2" <<'PY'
import random, string, subprocess, sys
junk, lines = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
def make(n):
    if junk == 'dashes': return '-' * n
    if junk == 'assign': return 'a=' * (n // 2)
    return ''.join(rng.choices(string.ascii_letters + string.digits, k=n))
if lines == 0:
    sys.stdout.write(make(1000000) + '\n')
    sys.exit(0)
normal = subprocess.run(['python3', 'tests/bench/gen_proxy.py', str(lines)], capture_output=True, text=True,
                        check=True).stdout.splitlines(True)
block = make(70000) + '\n'
for i, line in enumerate(normal):
    sys.stdout.write(line)
    if i % 1000 == 999:
        sys.stdout.write(block)
PY
}
for junk in dashes random assign; do
	f=$OUT/scrub-$junk.log
	if [ ! -s $f ] || [ "$(cat $OUT/scrub-$junk.n 2>/dev/null)" != "$LINES" ]; then
		gen $junk "$LINES" >$f
		echo "$LINES" >$OUT/scrub-$junk.n
	fi
	[ -s $OUT/scrub-$junk-1mb.log ] || gen $junk 0 >$OUT/scrub-$junk-1mb.log
	for file in $f $OUT/scrub-$junk-1mb.log; do
		rm -f $OUT/scrub.db $OUT/scrub.db-wal $OUT/scrub.db-shm
		/usr/bin/time -f '%e %M' -o $OUT/time.txt ./tokstat --db $OUT/scrub.db ingest -q --format proxy "$file"
		awk -v name="$(basename "$file" .log)" -v s="$(cut -d' ' -f1 $OUT/time.txt)" \
			-v lines="$(wc -l <"$file")" -v bytes="$(wc -c <"$file")" -v rss="$(cut -d' ' -f2 $OUT/time.txt)" 'BEGIN {
			if (s <= 0) s = 0.005 # below the resolution of time
			printf "%-18s %7d lines in %5.2f s: %8.0f lines/s, %6.1f MB/s, peak RSS %5.1f MB\n",
				name, lines, s, lines / s, bytes / s / 1e6, rss / 1024 }'
	done
done
