#!/bin/sh
# The anomaly rule over ten generated days: a spike above 3x the median of the 7 days before
# fires; steady 10%-a-day growth, a tiny user's 15x jump (under the minimum volume) and a new
# user's first day do not. Which users should fire on which day is decided by python over the
# raw log with the rule's own definition.
. "$(dirname "$0")/lib.sh"

cat > "$WORK/t.conf" <<'EOF'
[limits]
daily_tokens = none
burst_tokens_per_minute = none
daily_cost_usd = none
EOF

python3 - "$WORK/proxy.log" <<'EOF'
import sys, random
random.seed(7)
days = range(1, 11)
plan = {}
for d in days:
    plan[("spiky", d)] = 900000 if d == 10 else random.randint(180000, 230000)
    plan[("grower", d)] = int(300000 * 1.1 ** (d - 1))
    plan[("tiny", d)] = 30000 if d == 10 else 2000
    if d == 10:
        plan[("newbie", d)] = 500000
with open(sys.argv[1], "w") as f:
    for (user, d), tokens in sorted(plan.items(), key=lambda x: (x[0][1], x[0][0])):
        n = 20 # requests a day, a minute apart
        for i in range(n):
            t = tokens // n + (tokens % n if i == 0 else 0)
            f.write('10.0.0.1 - - [%02d/Oct/2025:10:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-cccccccccccccccccccccccc%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=0\n' % (d, i, user[:4], user, t))
EOF
ingest_ok "$WORK/proxy.log"

# Independent: per day, who is above 3x the median of the 7 days before (absent days are 0),
# with at least 100,000 tokens and some use in those days.
python3 - "$WORK/proxy.log" > "$WORK/expected" <<'EOF'
import re, sys, statistics, collections
tok = collections.Counter()
for line in open(sys.argv[1]):
    d = int(re.search(r"\[(\d\d)/Oct", line).group(1))
    u = re.search(r" user=(\S+)", line).group(1)
    tok[(u, d)] += int(re.search(r"input_tokens=(\d+)", line).group(1))
users = sorted({u for u, _ in tok})
for d in (8, 9, 10):
    fire = []
    for u in users:
        hist = [tok[(u, d - i)] for i in range(1, 8)]
        if tok[(u, d)] >= 100000 and any(hist) and tok[(u, d)] > 3 * statistics.median(hist):
            fire.append(u)
    print(d, " ".join(fire) or "-")
EOF
cat "$WORK/expected"
assert_eq "python: only the spike on the 10th" "8 -
9 -
10 spiky" "$(cat "$WORK/expected")"

for d in 8 9 10; do
	run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date "$(printf '2025-10-%02d' "$d")" --format json --all
	python3 - "$WORK/out" > "$WORK/fired" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(a["subject"] for a in d["alerts"] if a["rule"] == "anomaly")) or "-")
EOF
	want=$(awk -v d="$d" '$1 == d { $1 = ""; sub(/^ /, ""); print }' "$WORK/expected")
	assert_eq "anomalies on day $d of October" "$want" "$(cat "$WORK/fired")"
done
assert_rc "an anomaly is a warning" 1

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 --all
assert_contains "the spike and its baseline" "$WORK/out" "anomaly  spiky    900,000 tokens"
assert_contains "says how far above the median" "$WORK/out" "x the median of the 7 days before"
