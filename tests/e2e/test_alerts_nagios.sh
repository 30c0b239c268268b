#!/bin/sh
# --format nagios prints one status line that parses by the Monitoring Plugins development
# guidelines' grammar (https://www.monitoring-plugins.org/doc/guidelines.html): "TEXT | PERFDATA"
# with PERFDATA a space-separated list of 'label'=value[UOM];[warn];[crit];[min];[max]; the
# status word agrees with the exit code; counts and the day's tokens and requests agree with
# python over the raw log; a failure is UNKNOWN (3) on stdout, as Nagios reads no stderr.
. "$(dirname "$0")/lib.sh"

cat > "$WORK/t.conf" <<'EOF'
[limits]
burst_tokens_per_minute = none
daily_cost_usd = none
EOF

python3 - "$WORK/proxy.log" <<'EOF'
import sys
plan = [("alice", 11, 95000, 5000),  # 1,100,000: critical
        ("bob", 17, 47000, 3000),    #   850,000: warning
        ("carol", 4, 9000, 1000)]    #    40,000
with open(sys.argv[1], "w") as f:
    for user, n, inp, out in plan:
        for i in range(n):
            f.write('10.0.0.1 - - [10/Oct/2025:09:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-dddddddddddddddddddddddd%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=%d\n' % (i, user[0] * 4, user, inp, out))
EOF
ingest_ok "$WORK/proxy.log"
requests=$(wc -l < "$WORK/proxy.log")
tokens=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(input|output)_tokens=/) { split($i, kv, "="); s += kv[2] } } END { print s }' "$WORK/proxy.log")

# The grammar, as a regex (python): one line, the text part without '|', then perfdata.
cat > "$WORK/check.py" <<'EOF'
import re, sys
LABEL = r"(?:'(?:[^'=]|'')+'|[^ '=|]+)"          # quoted when it holds spaces or '='
NUM = r"-?[0-9]+(?:\.[0-9]+)?"
UOM = r"(?:us|ms|s|%|B|KB|MB|TB|GB|c)?"
RANGE = r"(?:@?(?:~|" + NUM + r")?:?(?:" + NUM + r")?)"
PERF = LABEL + "=" + NUM + UOM + "(?:;" + RANGE + "?){0,2}(?:;(?:" + NUM + ")?){0,2}"
LINE = re.compile(r"^(TOKSTAT (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]*?)(?: \|((?: " + PERF + r")+))?\n$")
out, rc = open(sys.argv[1]).read(), int(sys.argv[2])
m = LINE.match(out)
assert m, "does not parse: %r" % out
assert out.count("\n") == 1, "more than one line"
assert len(m.group(1)) < 80, "text part of %d characters" % len(m.group(1))
assert len(out) <= 1024, "longer than NRPE's 1024 bytes"
assert ["OK", "WARNING", "CRITICAL", "UNKNOWN"].index(m.group(2)) == rc, (m.group(2), rc)
perf = {}
for item in (m.group(3) or "").split():
    label, rest = item.split("=", 1)
    perf[label.strip("'")] = rest.split(";")[0]
for kv in sys.argv[3:]:
    k, v = kv.split("=")
    assert perf.get(k) == v, "%s: %r, expected %s" % (k, perf.get(k), v)
print("parsed: %s, %d perfdata items" % (m.group(2), len(perf)))
EOF

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 --format nagios
assert_rc "one critical, one warning" 2
cat "$WORK/out"
python3 "$WORK/check.py" "$WORK/out" "$rc" critical=1 warning=1 daily_limit=2 "requests=$requests" "tokens=$tokens" ||
	fail "the status line"
assert_contains "the text names the counts" "$WORK/out" "TOKSTAT CRITICAL - 1 critical, 1 warning on 2025-10-10 |"

# Nothing new: a monitoring system still sees the state (the line and the status stay).
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 --format nagios
assert_rc "the state holds on the next check" 2
python3 "$WORK/check.py" "$WORK/out" "$rc" critical=1 warning=1 || fail "the second line"

# Acknowledged alerts no longer count.
for id in $(q "SELECT id FROM alerts WHERE status = 'active'"); do
	"$TOKSTAT" --db "$DB" alerts ack "$id" > /dev/null || fail "ack $id"
done
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 --format nagios
assert_rc "everything acknowledged: OK" 0
python3 "$WORK/check.py" "$WORK/out" "$rc" critical=0 warning=0 "tokens=$tokens" || fail "the OK line"

# A day without usage.
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-01 --format nagios
assert_rc "no usage: OK" 0
python3 "$WORK/check.py" "$WORK/out" "$rc" critical=0 warning=0 tokens=0 requests=0 || fail "the empty day"

# UNKNOWN: could not evaluate, or a wrong command line; the reason on stdout, one line.
printf '[limits]\ndaily_tokenz = 5\n' > "$WORK/bad.conf"
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/bad.conf" --format nagios
assert_rc "a config typo is UNKNOWN" 3
python3 "$WORK/check.py" "$WORK/out" "$rc" || fail "the UNKNOWN line"
assert_contains "naming file and line" "$WORK/out" "bad.conf:2: unknown key 'daily_tok"
assert_contains "whole on stderr" "$WORK/err" "bad.conf:2: unknown key 'daily_tokenz' in [limits] (known: daily_tokens"
run "$TOKSTAT" --db "$WORK/missing.db" alerts --format nagios
assert_rc "no database is UNKNOWN" 3
python3 "$WORK/check.py" "$WORK/out" "$rc" || fail "the missing database line"
run "$TOKSTAT" --db "$DB" alerts --format nagios --date 2025-13-01
assert_rc "a wrong date is UNKNOWN, not 2" 3
run "$TOKSTAT" --db "$DB" alerts --frobnicate
assert_rc "an unknown option is UNKNOWN, not 2" 3
assert_contains "with the usage line" "$WORK/err" "usage: tokstat alerts"
