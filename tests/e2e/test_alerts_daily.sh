#!/bin/sh
# tokstat alerts over a day that crosses the daily token limit: exit 2 and the alert once; a
# second run prints nothing new; a day a little worse stays quiet, a much worse day prints it
# again; a day under every limit resolves it; a day at 85% warns (exit 1). Expected tokens per
# user and day come from python over the raw log, not from tokstat.
. "$(dirname "$0")/lib.sh"

# The daily limit alone: no bursts (each request is large) and no anomaly baseline.
cat > "$WORK/t.conf" <<'EOF'
[limits]
burst_tokens_per_minute = none
daily_cost_usd = none
EOF
alerts() { "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" "$@"; }

# day, user, requests, input tokens each, output tokens each
python3 - "$WORK/proxy.log" <<'EOF'
import sys
plan = [("10", "alice", 12, 90000, 10000),   # 1,200,000: over the limit
        ("10", "bob", 3, 90000, 10000),      #   300,000
        ("11", "alice", 25, 45000, 5000),    # 1,250,000: worse by 4%: quiet
        ("12", "alice", 15, 90000, 10000),   # 1,500,000: worse by 20% than reported
        ("13", "bob", 17, 45000, 5000)]      #   850,000: a warning; alice used nothing
with open(sys.argv[1], "w") as f:
    for day, user, n, inp, out in plan:
        for i in range(n):
            f.write('10.0.0.1 - - [%s/Oct/2025:%02d:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-aaaaaaaaaaaaaaaaaaaaaaaa%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=%d\n' % (day, 8 + i // 60, i % 60, user[0] * 4, user, inp, out))
EOF
ingest_ok "$WORK/proxy.log"

# Independent sums: per (day, user), from the raw lines.
python3 - "$WORK/proxy.log" > "$WORK/expected" <<'EOF'
import re, sys, collections
tot = collections.Counter()
for line in open(sys.argv[1]):
    day = re.search(r"\[(\d+)/Oct", line).group(1)
    user = re.search(r" user=(\S+)", line).group(1)
    tot[(day, user)] += int(re.search(r"input_tokens=(\d+)", line).group(1)) + int(re.search(r"output_tokens=(\d+)", line).group(1))
for (day, user), t in sorted(tot.items()):
    print("%s %s %s" % (day, user, format(t, ",")))
EOF
expect() { awk -v d="$1" -v u="$2" '$1 == d && $2 == u { print $3 }' "$WORK/expected"; }
assert_eq "python: alice on the 10th" "1,200,000" "$(expect 10 alice)"

run alerts --date 2025-10-10
assert_rc "a day over the daily limit is CRITICAL" 2
assert_contains "the status line" "$WORK/out" "tokstat alerts for 2025-10-10: CRITICAL - 1 critical, 0 warning (1 new or worse)"
assert_eq "the alert once" 1 "$(grep -c 'daily_limit' "$WORK/out")"
assert_contains "alice, her tokens, the limit" "$WORK/out" "daily_limit  alice    $(expect 10 alice) tokens  1,000,000 tokens"
assert_not_contains "bob is under 80%" "$WORK/out" "bob"
assert_eq "the alerts view holds it" "alice|critical|1200000.0|1000000.0|2025-10-10|active" \
	"$(q "SELECT subject, severity, value, limit_value, first_seen, status FROM alerts")"

run alerts --date 2025-10-10
assert_rc "the second run still says CRITICAL" 2
assert_eq "the second run prints nothing new" "" "$(cat "$WORK/out")"
run alerts --date 2025-10-10 --all
assert_contains "--all prints it again" "$WORK/out" "ongoing"

run alerts --date 2025-10-11
assert_rc "the next day, still over" 2
assert_eq "4% worse than reported: nothing printed" "" "$(cat "$WORK/out")"

run alerts --date 2025-10-12
assert_rc "a worse day" 2
assert_contains "a worse day prints it again" "$WORK/out" "daily_limit  alice    $(expect 12 alice) tokens"
assert_contains "as worse" "$WORK/out" "worse"
assert_eq "still one alert: first seen on the 10th, worst value kept" "1|2025-10-10|2025-10-12|1500000.0" \
	"$(q "SELECT count(*), min(first_seen), max(last_seen), max(worst_value) FROM alerts")"

run alerts --date 2025-10-13
assert_rc "a day at 85% for bob is a WARNING" 1
assert_contains "bob's warning" "$WORK/out" "warning   daily_limit  bob      $(expect 13 bob) tokens"
assert_not_contains "alice's alert is not active any more" "$WORK/out" "alice"
assert_eq "alice's episode is resolved on the 13th" "resolved|2025-10-13" \
	"$(q "SELECT status, resolved FROM alerts WHERE subject = 'alice'")"

run "$TOKSTAT" --db "$DB" alerts list --all
assert_rc "list --all" 0
assert_contains "list --all shows the resolved one" "$WORK/out" "resolved"

# json: the same alerts, as data
run alerts --date 2025-10-13 --all --format json
assert_rc "json run" 1
python3 - "$WORK/out" <<'EOF' || fail "json output"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["day"] == "2025-10-13" and d["status"] == "WARNING" and d["warning"] == 1, d
a = [x for x in d["alerts"] if x["subject"] == "bob"]
assert len(a) == 1 and a[0]["value"] == 850000 and a[0]["limit"] == 1000000 and a[0]["rule"] == "daily_limit", a
EOF
echo "ok: json"
