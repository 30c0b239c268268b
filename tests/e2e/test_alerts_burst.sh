#!/bin/sh
# The burst rule sums tokens per UTC minute exactly: a minute whose events are split across
# two files, ingested by two runs, is found only once both are in, with the sum of both;
# the same tokens in two neighbouring minutes are no burst. Expected peaks: python over the
# raw files.
. "$(dirname "$0")/lib.sh"

cat > "$WORK/t.conf" <<'EOF'
[limits]
daily_cost_usd = none
EOF
alerts() { "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 "$@"; }

# file a: alice 6,000 tokens in 14:02 (and some before); carol 5,000 in 09:00
# file b: alice 5,000 more in 14:02 (its last seconds); carol 5,000 in 09:01
python3 - "$WORK" <<'EOF'
import sys
work = sys.argv[1]
def line(t, user, inp, out):
    return ('10.0.0.1 - - [10/Oct/2025:%s +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 "-" "curl/8" '
            'token="sk-test-bbbbbbbbbbbbbbbbbbbbbbbb%s" user=%s model=gpt-4o-mini input_tokens=%d output_tokens=%d\n'
            % (t, user[0] * 4, user, inp, out))
with open(work + "/a.log", "w") as f:
    f.write(line("13:58:10", "alice", 900, 100))
    for s in (0, 10, 20):
        f.write(line("14:02:%02d" % s, "alice", 1800, 200))
    f.write(line("09:00:30", "carol", 4000, 1000))
with open(work + "/b.log", "w") as f:
    for s in (50, 59):
        f.write(line("14:02:%02d" % s, "alice", 2000, 500))
    f.write(line("14:03:00", "alice", 100, 0))
    f.write(line("09:01:00", "carol", 4000, 1000))
EOF

# Independent: the busiest minute per user over the given files.
peaks() {
	python3 - "$@" <<'EOF'
import re, sys, collections
m = collections.Counter()
for path in sys.argv[1:]:
    for line in open(path):
        t = re.search(r"\[10/Oct/2025:(\d\d:\d\d):", line).group(1)
        u = re.search(r" user=(\S+)", line).group(1)
        m[(u, t)] += int(re.search(r"input_tokens=(\d+)", line).group(1)) + int(re.search(r"output_tokens=(\d+)", line).group(1))
best = {}
for (u, t), v in m.items():
    if u not in best or v > best[u][0]:
        best[u] = (v, t)
for u in sorted(best):
    print(u, format(best[u][0], ","), best[u][1])
EOF
}
peaks "$WORK/a.log" > "$WORK/peak_a"
peaks "$WORK/a.log" "$WORK/b.log" > "$WORK/peak_ab"
assert_eq "python: alice's peak in file a alone" "alice 6,000 14:02" "$(grep alice "$WORK/peak_a")"
assert_eq "python: alice's peak over both" "alice 11,000 14:02" "$(grep alice "$WORK/peak_ab")"
assert_eq "python: carol's peak over both" "carol 5,000 09:00" "$(grep carol "$WORK/peak_ab")"

ingest_ok "$WORK/a.log"
run alerts
assert_rc "file a alone: 6,000 of 10,000 in a minute" 0
assert_eq "nothing to say" "" "$(cat "$WORK/out")"

ingest_ok "$WORK/b.log"
run alerts
assert_rc "both files: the minute holds 11,000" 2
peak=$(awk '$1 == "alice" { print $2 }' "$WORK/peak_ab")
assert_contains "the burst, summed over two files and two runs" "$WORK/out" "burst_limit  alice    $peak tokens/min"
assert_contains "in its minute" "$WORK/out" "2025-10-10T14:02Z"
assert_not_contains "carol's 10,000 in two minutes is no burst" "$WORK/out" "carol"
assert_eq "one alert" 1 "$(q "SELECT count(*) FROM alerts WHERE rule = 'burst_limit'")"
assert_eq "the exact peak is stored" "11000.0" "$(q "SELECT value FROM alerts WHERE rule = 'burst_limit'")"

# The same minute at a lower limit per user: [user:carol] warns at 80% of 6,000 = 4,800.
cat >> "$WORK/t.conf" <<'EOF'
[user:carol]
burst_tokens_per_minute = 6000
EOF
run alerts
assert_rc "still CRITICAL: alice's burst goes on" 2
assert_contains "carol at 5,000 of 6,000 (83%) warns" "$WORK/out" "warning   burst_limit  carol    5,000 tokens/min  6,000 tokens/min"
assert_eq "only carol's is new: alice's goes on" 1 "$(grep -c 'burst_limit' "$WORK/out")"
