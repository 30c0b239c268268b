#!/bin/sh
# The report's latency section: average, 95th percentile and maximum response time per
# endpoint and per model, per UTC day, read from the daily aggregates' histogram. A generated
# proxy log with known latencies (some lines without one, some on bucket edges, one beyond the
# last edge); python computes the expected figures here from the raw file: the averages, the
# nearest-rank p95 and its bucket, and the interpolation inside the bucket that README
# documents. Also: verify checks the latency sums and buckets; an older database (no latency
# columns) gets them rebuilt from its raw events, and days pruned before that stay unknown.
. "$(dirname "$0")/lib.sh"
LOG=$WORK/latency.log

python3 - "$LOG" <<'PY'
import random, sys
random.seed(10)
out = open(sys.argv[1], "w")
eps = [("POST", "/v1/chat/completions", "gpt-4o-mini"), ("POST", "/v1/messages", "claude-sonnet-4-5"),
       ("POST", "/v1/responses", "gpt-4o-mini"), ("GET", "/repos/acme/api/pulls", None)]
edges = [0, 1, 2, 1023, 1024, 4096, 262143, 262144, 300000]
for day, date in ((11, "11/Oct/2025"), (12, "12/Oct/2025")):
    for i in range(400):
        method, path, model = eps[i % 4] if i % 9 else eps[0]
        secs = i * 200 + 17
        ts = "%s:%02d:%02d:%02d +0000" % (date, secs // 3600 % 24, secs // 60 % 60, secs % 60)
        pairs = 'tok="sk-lat%d" user=u%d' % (i % 3, i % 5)
        if model:
            pairs += " model=%s pt=%d ct=%d" % (model, 100 + i, 10 + i % 7)
        r = i % 13
        if r == 0:
            pass                       # no latency logged at all
        elif r == 1:
            pairs += " rt=-"           # the log says it has none
        else:
            if i < len(edges) * 3 and i % 3 == 0:
                ms = edges[i // 3]
            else:
                ms = int(10 ** random.uniform(0, 4.5 if model else 3))
            pairs += " rt=%d.%03d" % (ms // 1000, ms % 1000)
        out.write('10.0.0.%d - - [%s] "%s %s HTTP/1.1" %d 100 "-" "t" %s\n'
                  % (i % 7, ts, method, path, 500 if i % 17 == 0 else 200, pairs))
    # an endpoint that never logs a latency: not in the section
    out.write('10.0.0.1 - - [%s:23:59:59 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "t" tok="sk-lat9"\n' % date)
PY

# The independent figures, from the raw file: key "dim|name|day" -> n, avg, p95, bucket, max.
cat > "$WORK/expect.py" <<'PY'
import re, sys, json, datetime, collections
LINE = re.compile(r'^\S+ \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" \d{3} \S+ "[^"]*" "[^"]*"(.*)$')
groups = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = LINE.match(line.rstrip("\n"))
    t = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").astimezone(datetime.timezone.utc)
    kv = dict(p.split("=", 1) for p in m.group(4).split())
    if kv.get("rt", "-") == "-":
        continue
    s, frac = kv["rt"].split(".")
    ms = int(s) * 1000 + int(frac)
    day = t.strftime("%Y-%m-%d")
    groups[("endpoint", m.group(3), day)].append(ms)
    if "model" in kv:
        groups[("model", kv["model"], day)].append(ms)
# README's buckets: [0, 1), then [2^(K-1), 2^K) for K = 1..18, then [2^18, infinity)
edges = [0] + [2 ** k for k in range(19)] + [float("inf")]
out = {}
for (dim, name, day), v in groups.items():
    v.sort()
    n = len(v)
    rank = -(-95 * n // 100)          # ceil(0.95 n): nearest rank
    true_p95 = v[rank - 1]
    k = max(i for i in range(20) if edges[i] <= true_p95)
    lo, hi = edges[k], min(edges[k + 1], max(v))
    below = sum(1 for x in v if x < lo)
    inside = sum(1 for x in v if lo <= x < edges[k + 1])
    p95 = lo + (hi - lo) * (rank - below) / inside
    out["%s|%s|%s" % (dim, name, day)] = dict(n=n, avg=sum(v) / n, p95=p95, lo=lo, hi=hi, true_p95=true_p95,
                                              max=max(v))
json.dump(out, open(sys.argv[2], "w"), indent=1)
PY
python3 "$WORK/expect.py" "$LOG" "$WORK/expect.json"

# compare a report's latency section (JSON) with the expected figures: every group (0) or a top N
cat > "$WORK/compare.py" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1]))
sec = json.load(open(sys.argv[2]))["sections"]["latency"]
top = int(sys.argv[3])
got = {"%s|%s|%s" % (r["dim"], r["name"], r["day"]): r for r in sec["rows"]}
want = set(exp)
if top > 0:
    # each dim and day's TOP groups by requests timed (the generated log has no ties there)
    per = {}
    for k in exp:
        dim, name, day = k.split("|")
        per.setdefault((dim, day), []).append((-exp[k]["n"], k))
    want = {k for v in per.values() for _, k in sorted(v)[:top]}
assert set(got) == want, (sorted(set(got) ^ want))
assert sec["total_rows"] == len(exp), (sec["total_rows"], len(exp))
for k in want:
    e, g = exp[k], got[k]
    assert g["requests"] == e["n"], (k, g, e)
    assert abs(g["avg_ms"] - e["avg"]) < 1e-6, (k, g, e)
    assert abs(g["p95_ms"] - e["p95"]) < 1e-6, (k, g, e)
    assert e["lo"] <= g["p95_ms"] <= e["hi"] and e["lo"] <= e["true_p95"] <= e["hi"], (k, g, e)
    assert g["max_ms"] == e["max"], (k, g, e)
print(len(got))
PY

ingest_ok "$LOG"
verify_ok
# what the log holds that the test relies on: events without a latency are there and not counted
assert_eq "events without a latency are stored as NULL" "$(grep -vc ' rt=[0-9]' "$LOG")" \
	"$(q "SELECT count(*) FROM event WHERE latency_ms IS NULL")"
assert_eq "the aggregates count the events with one" "$(q "SELECT count(latency_ms) FROM event")" \
	"$(q "SELECT sum(latency_n) FROM daily")"
assert_eq "daily_usage shows them: count, sum and maximum per day" \
	"$(q "SELECT group_concat(x, ' ') FROM (SELECT day || ':' || count(latency_ms) || ':' || sum(latency_ms) || ':' ||
		max(latency_ms) AS x FROM events GROUP BY day ORDER BY day)")" \
	"$(q "SELECT group_concat(x, ' ') FROM (SELECT day || ':' || sum(latency_requests) || ':' || sum(latency_ms_sum) || ':' ||
		max(latency_ms_max) AS x FROM daily_usage GROUP BY day ORDER BY day)")"

run ts report --from 2025-10-11 --to 2025-10-12 --format json
assert_rc "json report" 0
cp "$WORK/out" "$WORK/all.json"
assert_eq "every group's n, average, p95 (in its bucket) and maximum, as python computes them" \
	"$(python3 -c "import json; print(len(json.load(open('$WORK/expect.json'))))")" \
	"$(python3 "$WORK/compare.py" "$WORK/expect.json" "$WORK/all.json" 0)"
python3 -c "
import json, jsonschema
jsonschema.validate(json.load(open('$WORK/all.json')), json.load(open('$ROOT/sql/reports/report.schema.json')))" ||
	fail "the JSON report does not validate against its schema"
echo "ok: the JSON report validates"
assert_not_contains "an endpoint that never logged a latency is not listed" "$WORK/all.json" '"name": "/healthz"'

run ts report --from 2025-10-11 --to 2025-10-12 --format json --top 2
assert_rc "json report, top 2" 0
cp "$WORK/out" "$WORK/top2.json"
assert_eq "top 2 of each dim and day, total_rows before the cut" 8 \
	"$(python3 "$WORK/compare.py" "$WORK/expect.json" "$WORK/top2.json" 2)"

# CSV (--by latency) holds the same rows as the JSON, through Python's csv module
run ts report --from 2025-10-11 --to 2025-10-12 --by latency --format csv
assert_rc "csv --by latency" 0
assert_eq "csv rows equal the json rows" "ok" "$(python3 -c "
import csv, json
rows = list(csv.DictReader(open('$WORK/out', newline='')))
js = json.load(open('$WORK/all.json'))['sections']['latency']['rows']
assert len(rows) == len(js), (len(rows), len(js))
for c, j in zip(rows, js):
    assert (c['dim'], c['name'], c['day'], int(c['requests']), int(c['max_ms'])) == \
        (j['dim'], j['name'], j['day'], j['requests'], j['max_ms']), (c, j)
    assert abs(float(c['p95_ms']) - j['p95_ms']) < 1e-6 and abs(float(c['avg_ms']) - j['avg_ms']) < 1e-6
print('ok')")"

# text and HTML: the section is there, with a row python expects
key=$(python3 -c "
import json; e = json.load(open('$WORK/expect.json')); k = 'endpoint|/v1/messages|2025-10-12'
print(e[k]['n'], e[k]['max'])")
run ts report --from 2025-10-12
assert_rc "text report" 0
assert_contains "text: the section's title" "$WORK/out" "Latency per day (UTC), top 10 endpoints and models by requests timed"
line=$(grep '^endpoint  */v1/messages  *2025-10-12' "$WORK/out" | awk '{ print $4, $NF }')
assert_eq "text: /v1/messages on 2025-10-12, requests timed and max" "$key" "$line"
run ts report --from 2025-10-12 --format html
assert_rc "html report" 0
assert_contains "html: the section's title" "$WORK/out" "Latency per day (UTC)"
run ts report --from 2025-10-12 --format email
assert_rc "email report" 0
assert_contains "email: the section" "$WORK/out" "Latency per day (UTC)"

# verify checks the latency sums and buckets like the other sums
cp "$DB" "$WORK/bad.db"
sqlite3 "$WORK/bad.db" "UPDATE daily SET latency_b05 = latency_b05 + 1
		WHERE (day, token, user, endpoint, model) = (SELECT day, token, user, endpoint, model FROM daily WHERE latency_n > 0 LIMIT 1)"
cp "$DB.key" "$WORK/bad.db.key"
run "$TOKSTAT" --db "$WORK/bad.db" verify
assert_rc "verify finds a changed latency bucket" 1
assert_contains "and says which aggregate" "$WORK/out" "daily aggregate differs from raw events"
sqlite3 "$WORK/bad.db" "UPDATE daily SET latency_sum = latency_sum + 1, latency_b05 = latency_b05 - 1
	WHERE (day, token, user, endpoint, model) = (SELECT day, token, user, endpoint, model FROM daily WHERE latency_n > 0 LIMIT 1)"
run "$TOKSTAT" --db "$WORK/bad.db" verify
assert_rc "verify finds a changed latency sum" 1

# An older database: the schema before migration 9 (no latency columns, user_version 8).
# A writing command migrates it and rebuilds the figures from the raw events.
old() { # DB: drop the latency columns (and the views that read them), as a tokstat before them made it
	python3 - "$1" <<'PY' || fail "cannot make an older database of $1"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for (v,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
    c.execute("DROP VIEW " + v)
for col in ["latency_n", "latency_sum", "latency_max"] + ["latency_b%02d" % k for k in range(20)]:
    c.execute("ALTER TABLE daily DROP COLUMN " + col)
c.execute("UPDATE meta SET value = zeroblob(16) WHERE key = 'views_hash'")
c.execute("PRAGMA user_version = 8")
c.commit()
PY
	assert_eq "$1 has no latency columns" 0 \
		"$(sqlite3 "$1" "SELECT count(*) FROM pragma_table_info('daily') WHERE name LIKE 'latency%'")"
}
cp "$DB" "$WORK/old.db"; cp "$DB.key" "$WORK/old.db.key"
old "$WORK/old.db"
run "$TOKSTAT" --db "$WORK/old.db" ingest -q "$LOG"
assert_rc "a writing command on the older database" 0
assert_eq "it is migrated" 9 "$(sqlite3 "$WORK/old.db" "PRAGMA user_version")"
verify_ok "$WORK/old.db"
run "$TOKSTAT" --db "$WORK/old.db" report --from 2025-10-11 --to 2025-10-12 --format json
assert_rc "report of the migrated database" 0
assert_eq "its latency figures are rebuilt from the raw events" \
	"$(python3 -c "import json; print(len(json.load(open('$WORK/expect.json'))))")" \
	"$(python3 "$WORK/compare.py" "$WORK/expect.json" "$WORK/out" 0)"

# A reading command on an older database brings it up to date once (its tables lack what the
# views read), then reads it; in a directory it cannot write, it says what to do.
cp "$DB" "$WORK/old2.db"; cp "$DB.key" "$WORK/old2.db.key"
old "$WORK/old2.db"
run "$TOKSTAT" --db "$WORK/old2.db" report --from 2025-10-11 --to 2025-10-12 --format json
assert_rc "report (a reading command) on the older database" 0
assert_eq "it was migrated" 9 "$(sqlite3 "$WORK/old2.db" "PRAGMA user_version")"
assert_eq "and its latency figures rebuilt" \
	"$(python3 -c "import json; print(len(json.load(open('$WORK/expect.json'))))")" \
	"$(python3 "$WORK/compare.py" "$WORK/expect.json" "$WORK/out" 0)"
mkdir -p "$WORK/ro"
cp "$DB" "$WORK/ro/old3.db"; cp "$DB.key" "$WORK/ro/old3.db.key"
old "$WORK/ro/old3.db"
chmod a-w "$WORK/ro/old3.db"
chmod a+rwx "$WORK/ro"
if [ "$(id -u)" -eq 0 ]; then RO="setpriv --reuid=nobody --regid=nogroup --clear-groups"; else RO=; fi
run $RO "$TOKSTAT" --db "$WORK/ro/old3.db" summary
assert_rc "a reading command on an older database it cannot write, whose views need what it lacks" 1
assert_contains "says it is older and cannot be brought up to date there" "$WORK/err" \
	"written by an older tokstat (schema 8; this one writes 9), and it cannot be brought up to date here"
assert_eq "and left it as it was" 8 "$(sqlite3 "$WORK/ro/old3.db" "PRAGMA user_version")"

# pruned before the migration: the raw events of 2025-10-11 are gone, so its figures are not
# known (NULL, not 0) and the report says so; 2025-10-12 is rebuilt
cp "$DB" "$WORK/pruned.db"; cp "$DB.key" "$WORK/pruned.db.key"
old "$WORK/pruned.db"
# (what tokstat prune records: the day, and each file's pruned events)
sqlite3 "$WORK/pruned.db" "INSERT OR REPLACE INTO meta(key, value) VALUES ('pruned_before', 20373);
	UPDATE file SET pruned = pruned + (SELECT count(*) FROM event WHERE epoch < 20373 * 86400);
	DELETE FROM event WHERE epoch < 20373 * 86400;"
run "$TOKSTAT" --db "$WORK/pruned.db" ingest -q "$LOG"
assert_rc "a writing command on the pruned older database" 0
assert_eq "the pruned day's latency is not known" "0|$(q "SELECT count(*) FROM daily WHERE day = 20372")" \
	"$(sqlite3 "$WORK/pruned.db" "SELECT count(latency_n) || '|' || count(*) FROM daily WHERE day = 20372")"
verify_ok "$WORK/pruned.db"
run "$TOKSTAT" --db "$WORK/pruned.db" report --from 2025-10-11 --to 2025-10-12 --format json
assert_rc "report over the pruned day" 0
assert_eq "only 2025-10-12 is listed, with the figures python expects" "ok" "$(python3 -c "
import json
exp = json.load(open('$WORK/expect.json'))
sec = json.load(open('$WORK/out'))['sections']['latency']
assert {r['day'] for r in sec['rows']} == {'2025-10-12'}
for r in sec['rows']:
    e = exp['%s|%s|%s' % (r['dim'], r['name'], r['day'])]
    assert r['requests'] == e['n'] and abs(r['p95_ms'] - e['p95']) < 1e-6, (r, e)
assert any('No latency figures for 1 day(s) of the period, up to 2025-10-11' in n['text'] for n in sec['notes']), sec['notes']
print('ok')")"
