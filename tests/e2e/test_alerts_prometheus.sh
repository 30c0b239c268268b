#!/bin/sh
# --prometheus writes the node_exporter textfile-collector format atomically: promtool (Debian's
# prometheus package) accepts it, the alert counts by severity and rule and the day's requests,
# tokens and cost agree with python over the raw log, no label names a user, and no temporary
# file is left beside it.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/collector"
prom=$WORK/collector/tokstat.prom
printf '[limits]\nburst_tokens_per_minute = none\n[alerts]\nprometheus = %s\n' "$prom" > "$WORK/t.conf"

python3 - "$WORK/proxy.log" <<'PY'
import sys
plan = [("alice", 12, 90000, 10000), ("bob", 17, 47000, 3000), ("carol", 3, 1000, 500)]
with open(sys.argv[1], "w") as f:
    for user, n, inp, out in plan:
        for i in range(n):
            status = 500 if user == "carol" and i == 0 else 200
            f.write('10.0.0.1 - - [10/Oct/2025:11:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" %d 900 '
                    '"-" "curl/8" token="sk-test-ffffffffffffffffffffffff%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=%d\n' % (i, status, user[0] * 4, user, inp, out))
PY
ingest_ok "$WORK/proxy.log"

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "critical and warning" 2
[ -s "$prom" ] || fail "no $prom"
cat "$prom"
run promtool check metrics < "$prom"
assert_rc "promtool check metrics accepts it" 0
assert_eq "promtool has no complaint" "" "$(cat "$WORK/out" "$WORK/err")"
assert_eq "no temporary file beside it" "tokstat.prom" "$(ls "$WORK/collector")"

# Independent figures: python over the raw log, at gpt-4o-mini's seed price (sql/pricing.sql).
price() { sqlite3 "$DB" "SELECT $1 FROM prices WHERE model = 'gpt-4o-mini' AND provider IS NULL"; }
python3 - "$WORK/proxy.log" "$(price input_per_mtok)" "$(price output_per_mtok)" > "$WORK/expected" <<'PY'
import re, sys
from fractions import Fraction as F
req = tok = errors = 0
cost = F(0)
for line in open(sys.argv[1]):
    i = int(re.search(r"input_tokens=(\d+)", line).group(1)); o = int(re.search(r"output_tokens=(\d+)", line).group(1))
    req += 1; tok += i + o
    errors += int(re.search(r'" (\d{3}) ', line).group(1)) >= 400
    cost += (i * F(sys.argv[2]) + o * F(sys.argv[3])) / 10**6
print("tokstat_day_requests %d" % req)
print("tokstat_day_errors %d" % errors)
print("tokstat_day_tokens %d" % tok)
print("tokstat_day_cost_usd %.6f" % cost)
PY
while read -r name value; do
	assert_eq "$name" "$value" "$(awk -v n="$name" '$1 == n { print $2 }' "$prom")"
done < "$WORK/expected"
assert_eq "alice's daily limit" 1 "$(awk '$1 == "tokstat_alerts{rule=\"daily_limit\",severity=\"critical\"}" { print $2 }' "$prom")"
assert_eq "bob's warning" 1 "$(awk '$1 == "tokstat_alerts{rule=\"daily_limit\",severity=\"warning\"}" { print $2 }' "$prom")"
assert_eq "every severity x rule series, zeros too" 18 "$(grep -c '^tokstat_alerts{' "$prom")"
assert_not_contains "no label per user" "$prom" "alice"

# The flag wins over the config, and a file that cannot be written fails an OK run (exit 3),
# leaving the config's file as it was.
before=$(cat "$prom")
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-01 --prometheus "$WORK/nowhere/x.prom"
assert_rc "a file that cannot be written, on an OK day" 3
assert_contains "says why" "$WORK/err" "$WORK/nowhere/x.prom: cannot create a temporary file"
assert_eq "the config's file is untouched" "$before" "$(cat "$prom")"
