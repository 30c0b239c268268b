#!/bin/sh
# tokstat report shows the alerts: the section "alerts" lists what `tokstat alerts` found on
# the period's days, the most severe first (JSON, valid against report.schema.json, and HTML);
# the users leaderboard gives the share of each user's daily and monthly token limits used,
# by the settings (report --config, or the global --config); the email's default subject names
# the worst alert. Expected values come from the log and the config, computed here.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, which has python3-jsonschema
SCHEMA=$ROOT/sql/reports/report.schema.json
unset TOKSTAT_CONFIG DAILY_TOKEN_LIMIT MONTHLY_TOKEN_LIMIT BURST_TOKEN_LIMIT COST_ALERT_THRESHOLD

# user, requests on 2025-10-10, input tokens each
python3 - "$WORK/proxy.log" <<'EOF2'
import sys
plan = [("alice", 10, 30000), ("freddy", 19, 500), ("paula", 15, 10000)]
with open(sys.argv[1], "w") as f:
    for user, n, t in plan:
        for i in range(n):
            f.write('10.0.0.1 - - [10/Oct/2025:12:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-gggggggggggggggggggggggg%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=0\n' % (i, user[0] * 4, user, t))
EOF2
ingest_ok "$WORK/proxy.log"
printf 'user,tier\nfreddy,free\npaula,pro\n' > "$WORK/tiers.csv"
cat > "$WORK/t.conf" <<'EOF2'
[limits]
daily_tokens = 250_000
burst_tokens_per_minute = none
user_tiers = tiers.csv
EOF2

# Before any alert ran: the section is there, empty.
run "$TOKSTAT" --db "$DB" report --from 2025-10-10 --to 2025-10-10 --format json
assert_rc "report before alerts" 0
assert_eq "no alerts yet" 0 "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['sections']['alerts']['rows']))" "$WORK/out")"

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "alerts found" 2

# The expected alerts and shares, from the log and the config: per user the day's tokens
# (= the month's: the log is one day); limits: daily 250,000 for all; monthly 30,000,000
# by default, 10,000 for the free tier (freddy), 200,000 for pro (paula); warning at 80%,
# critical at 90%; the projection (a warning): the month to date plus the daily average since
# the data's first day (the 10th: 1 day) times the 21 days left of October.
python3 - "$WORK/proxy.log" > "$WORK/expect.json" <<'EOF2'
import sys, re, json, collections
tok = collections.Counter()
for line in open(sys.argv[1]):
    tok[re.search(r"user=(\S+)", line).group(1)] += int(re.search(r"input_tokens=(\d+)", line).group(1))
daily = 250000
monthly = {"alice": 30000000, "freddy": 10000, "paula": 200000}
def level(v, lim):
    return "critical" if v >= 0.9 * lim else "warning" if v >= 0.8 * lim else None
alerts = []
for u, t in tok.items():
    for rule, v, lim in (("daily_limit", t, daily), ("monthly_limit", t, monthly[u])):
        if level(v, lim):
            alerts.append((level(v, lim), rule, u, "{:,} tokens".format(v), "{:,} tokens".format(lim)))
    if t < monthly[u] and t + t * 21 > monthly[u]:
        alerts.append(("warning", "monthly_projection", u, "{:,} tokens".format(t + t * 21), "{:,} tokens".format(monthly[u])))
alerts.sort(key=lambda a: (a[0] != "critical", a[1], a[2]))
shares = {u: [round(100.0 * t / daily, 6), round(100.0 * t / monthly[u], 6)] for u, t in tok.items()}
print(json.dumps({"alerts": alerts, "shares": shares, "order": [u for u, _ in tok.most_common()]}))
EOF2

# JSON: valid, the alerts as expected, the shares as expected.
run "$TOKSTAT" --db "$DB" report --config "$WORK/t.conf" --from 2025-10-10 --to 2025-10-10 --format json
assert_rc "report --config --format json" 0
cp "$WORK/out" "$WORK/report.json"
$PY - "$WORK/report.json" "$SCHEMA" "$WORK/expect.json" <<'EOF2' || fail "the report's alerts or shares"
import sys, json, jsonschema
doc, schema, want = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.validate(doc, schema)
rows = doc["sections"]["alerts"]["rows"]
got = [(r["severity"], r["rule"], r["subject"], r["value"], r["limit_value"]) for r in rows]
assert got == [tuple(a) for a in want["alerts"]], (got, want["alerts"])
assert all(r["status"] == "active" and r["first_seen"] == "2025-10-10" and r["subject_kind"] == "user" for r in rows), rows
users = doc["sections"]["users"]["rows"]
assert [u["user"] for u in users] == want["order"], users
for u in users:
    d, m = want["shares"][u["user"]]
    assert abs(u["daily_limit_share"] - d) < 1e-6 and abs(u["monthly_limit_share"] - m) < 1e-6, (u, d, m)
assert doc["worst_level"] == "bad", doc["worst_level"]
print("ok: the JSON report validates and holds the %d alerts and every user's shares" % len(rows))
EOF2

# The global --config gives the same shares; without settings the defaults apply (1,000,000
# a day, 30,000,000 a month: alice at 30% and 1%).
run "$TOKSTAT" --db "$DB" --config "$WORK/t.conf" report --from 2025-10-10 --to 2025-10-10 --format json
assert_eq "the global --config: alice's daily share" 120 \
	"$(python3 -c "import json,sys; print([u for u in json.load(open(sys.argv[1]))['sections']['users']['rows'] if u['user'] == 'alice'][0]['daily_limit_share'])" "$WORK/out" | sed 's/\.0$//')"
run "$TOKSTAT" --db "$DB" report --from 2025-10-10 --to 2025-10-10 --format json
assert_eq "the defaults: alice's shares" "30 1" \
	"$(python3 -c "import json,sys; a=[u for u in json.load(open(sys.argv[1]))['sections']['users']['rows'] if u['user'] == 'alice'][0]; print('%g %g' % (a['daily_limit_share'], a['monthly_limit_share']))" "$WORK/out")"
run "$TOKSTAT" --db "$DB" report --config "$WORK/missing.conf" --from 2025-10-10 --to 2025-10-10
assert_rc "report --config with no such file" 2
assert_contains "names it" "$WORK/err" "missing.conf: cannot open"

# HTML: the alerts table, critical ones marked as bad, in the expected order.
run "$TOKSTAT" --db "$DB" report --config "$WORK/t.conf" --from 2025-10-10 --to 2025-10-10 --format html -o "$WORK/r.html"
assert_rc "report --format html" 0
python3 - "$WORK/r.html" "$WORK/expect.json" <<'EOF2' || fail "the HTML report's alerts"
import sys, json
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.h2 = ""; self.in_h2 = False; self.tables = {}; self.row = None; self.cell = None
    def handle_starttag(self, tag, a):
        if tag == "h2": self.in_h2 = True; self.h2 = ""
        elif tag == "tr": self.row = []
        elif tag == "td" and self.row is not None: self.cell = ""
    def handle_endtag(self, tag):
        if tag == "h2": self.in_h2 = False
        elif tag == "td" and self.cell is not None: self.row.append(self.cell.strip()); self.cell = None
        elif tag == "tr" and self.row: self.tables.setdefault(self.h2, []).append(self.row); self.row = None
    def handle_data(self, d):
        if self.in_h2: self.h2 += d
        if self.cell is not None: self.cell += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
want = json.load(open(sys.argv[2]))["alerts"]
# the table's rows (the section's title sits in a row of the layout table above them)
rows = [r for r in p.tables["Alerts (top 10, the most severe first)"] if len(r) == 12]
got = [(r[0], r[1], r[3], r[5], r[6]) for r in rows]
# a badge reads as a mark and the word: "✗ critical" (bad), "⚠ warning" (watch)
exp = [(("\u2717 " if a[0] == "critical" else "\u26a0 ") + a[0],) + tuple(a[1:]) for a in want]
assert got == exp, (got, exp)
print("ok: the HTML report lists the %d alerts, the most severe first" % len(rows))
EOF2

# The email's default subject names the worst alert and how many there are.
run "$TOKSTAT" --db "$DB" report --config "$WORK/t.conf" --from 2025-10-10 --to 2025-10-10 --format email
assert_contains "the subject" "$WORK/out" "Subject: tokstat report 2025-10-10: CRITICAL, $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['alerts']))" "$WORK/expect.json") alerts"

# Acknowledged alerts stay in the report, said so; a period without those days has none.
ids=$(q "SELECT id FROM alerts WHERE subject = 'freddy'")
run "$TOKSTAT" --db "$DB" alerts ack $ids
assert_rc "ack freddy's" 0
run "$TOKSTAT" --db "$DB" report --config "$WORK/t.conf" --from 2025-10-10 --to 2025-10-10 --format json
assert_eq "freddy's alerts are acked in the report" "acked acked" \
	"$(python3 -c "import json,sys; print(' '.join(r['status'] for r in json.load(open(sys.argv[1]))['sections']['alerts']['rows'] if r['subject'] == 'freddy'))" "$WORK/out")"

# A database no writing command of this tokstat has opened (no alert tables yet): the report
# still works, and says why there are no alerts.
cp "$DB" "$WORK/old.db"
sqlite3 "$WORK/old.db" "DROP VIEW alerts; DROP TABLE alert; DROP TABLE alert_run; DROP INDEX event_by_epoch;
	PRAGMA user_version = 2; UPDATE meta SET value = zeroblob(16) WHERE key = 'views_hash';"
run "$TOKSTAT" --db "$WORK/old.db" report --from 2025-10-10 --to 2025-10-10
assert_rc "report over an older database" 0
assert_contains "says why there are no alerts" "$WORK/out" "No alerts: this database was written by an older tokstat"
assert_eq "and leaves it as it was" 2 "$(sqlite3 "$WORK/old.db" "PRAGMA user_version")"
