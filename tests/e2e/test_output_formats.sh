#!/bin/sh
# `tokstat formats`, `tokstat verify` and ingest's totals are tables of the report model:
# --format csv|json (ingest: --output-format) writes them through the report's writers, and the
# default text is what it always was. Expected values come from the parser definitions in
# parsers/ and from the raw sample files, read here with python.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

# ---- formats: every built-in definition, as parsers/*.json says ----
"$PY" - "$ROOT/parsers" "$WORK/formats.expected" <<'EOF'
import json, os, sys
rows = []
for f in sorted(os.listdir(sys.argv[1])):
    d = json.load(open(os.path.join(sys.argv[1], f)))
    rows.append((d["name"], d["kind"], d.get("priority", 0), "built-in", d.get("description", "")))
json.dump(sorted(rows), open(sys.argv[2], "w"))
# the text layout: a header, then per format its name, kind, priority and origin, and its
# description on a line of its own, indented by 33 columns
with open(sys.argv[2] + ".txt", "w") as out:
    out.write("%-16s %-6s %-8s %s\n" % ("NAME", "KIND", "PRIORITY", "ORIGIN / DESCRIPTION"))
    for name, kind, prio, origin, desc in sorted(rows):
        out.write("%-16s %-6s %-8d %s\n%-32s %s\n" % (name, kind, prio, origin, "", desc))
EOF
run "$TOKSTAT" formats
assert_rc "formats" 0
cp "$WORK/out" "$WORK/formats.txt"
assert_same_file "formats: the text is the layout it always had" "$WORK/formats.expected.txt" "$WORK/formats.txt"
run "$TOKSTAT" formats --format json
assert_rc "formats --format json" 0
assert_eq "formats --format json: every definition" "ok" "$("$PY" -c "
import json
d = json.load(open('$WORK/out'))
assert d['report'] == 'formats', d['report']
rows = sorted(tuple(r[k] for k in ('name', 'kind', 'priority', 'origin', 'description'))
              for r in d['sections']['formats']['rows'])
exp = sorted(tuple(r) for r in json.load(open('$WORK/formats.expected')))
assert rows == exp, (rows[:2], exp[:2])
print('ok')")"
run "$TOKSTAT" formats --format csv
assert_rc "formats --format csv" 0
assert_eq "formats --format csv: the same rows, through Python's csv module" "ok" "$("$PY" -c "
import csv, json
rows = sorted((r['name'], r['kind'], int(r['priority']), r['origin'], r['description'])
              for r in csv.DictReader(open('$WORK/out', newline='')))
exp = sorted(tuple(r) for r in json.load(open('$WORK/formats.expected')))
assert rows == exp, (rows[:2], exp[:2])
print('ok')")"
run "$TOKSTAT" formats --format yaml
assert_rc "formats --format yaml is a usage error" 2
assert_contains "it says what it wants" "$WORK/err" "--format wants text, csv or json"

# ---- ingest: --output-format json|csv, the files and the totals ----
FILES="$SAMPLES/api-gateway.log.2.gz $SAMPLES/api-gateway.log.1 $SAMPLES/api-gateway.log"
"$PY" - $FILES > "$WORK/lines.expected" <<'EOF'
import gzip, sys
for p in sys.argv[1:]:
    raw = open(p, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    print("%s %d" % (p, raw.count(b"\n")))
EOF
run "$TOKSTAT" --db "$WORK/text.db" ingest $FILES
assert_rc "ingest, text" 0
cp "$WORK/out" "$WORK/ingest.txt"
run "$TOKSTAT" --db "$DB" ingest --output-format json $FILES
assert_rc "ingest --output-format json" 0
assert_eq "stdout is one JSON document: every file's lines, and the totals" "ok" "$("$PY" -c "
import json, re
d = json.load(open('$WORK/out'))
files = d['sections']['files']['rows']
exp = [l.split() for l in open('$WORK/lines.expected')]
assert [(f['file'], f['lines'], f['result']) for f in files] == [(p, int(n), 'ok') for p, n in exp], files
tot = d['sections']['totals']['rows'][0]
for k in ('lines', 'events', 'rejected', 'skipped', 'duplicates'):
    assert tot[k] == sum(f[k] for f in files), k
assert tot['files'] == len(exp) and tot['failed_files'] == 0
assert all(f['events'] + f['rejected'] + f['skipped'] == f['lines'] for f in files)
# the same figures as the text run's totals line
m = re.search(r'^tokstat: (\d+) files, (\d+) lines, (\d+) events, (\d+) rejected$', open('$WORK/ingest.txt').read(), re.M)
assert m and tuple(map(int, m.groups())) == (tot['files'], tot['lines'], tot['events'], tot['rejected']), m
print('ok')")"
assert_eq "the text run's totals line is as before" \
	"tokstat: 3 files, $(awk '{ n += $2 } END { print n }' "$WORK/lines.expected") lines, $(q "SELECT count(*) FROM event") events, $(q "SELECT sum(rejected) FROM file") rejected" \
	"$(tail -1 "$WORK/ingest.txt")"
run "$TOKSTAT" --db "$DB" ingest --output-format csv $FILES "$WORK/missing.log"
assert_rc "ingest --output-format csv with a missing file" 1
assert_eq "csv: a row per file, the missing one failed with its error" "ok" "$("$PY" -c "
import csv
rows = list(csv.DictReader(open('$WORK/out', newline='')))
assert [r['result'] for r in rows] == ['ok', 'ok', 'ok', 'failed'], rows
assert all(r['lines'] == '0' and r['resumed_after'] for r in rows[:3]), rows  # nothing new
assert rows[3]['lines'] == '' and 'cannot open' in rows[3]['error'], rows[3]
print('ok')")"
assert_contains "the error is on stderr too" "$WORK/err" "missing.log: cannot open"

# ---- verify: the result and the differences ----
run "$TOKSTAT" --db "$DB" verify
assert_rc "verify" 0
assert_eq "verify: its one line" "tokstat: $DB: aggregates match the raw events; integrity ok" "$(cat "$WORK/out")"
run "$TOKSTAT" --db "$DB" verify --format json
assert_rc "verify --format json" 0
assert_eq "verify --format json: no problems" "0 0" "$("$PY" -c "
import json
d = json.load(open('$WORK/out'))['sections']
print(d['verify']['rows'][0]['problems'], len(d['differences']['rows']))")"
cp "$DB" "$WORK/bad.db"; cp "$DB.key" "$WORK/bad.db.key"
sqlite3 "$WORK/bad.db" "UPDATE daily SET requests = requests + 1 WHERE day = (SELECT min(day) FROM daily)"
n=$(sqlite3 "$WORK/bad.db" "SELECT count(*) FROM daily WHERE day = (SELECT min(day) FROM daily)")
run "$TOKSTAT" --db "$WORK/bad.db" verify --format json
assert_rc "verify --format json of a damaged database" 1
assert_eq "each changed aggregate twice (differs, missing), counted and listed" "$((2 * n)) $((2 * n)) daily,raw" \
	"$("$PY" -c "
import json
d = json.load(open('$WORK/out'))['sections']
rows = d['differences']['rows']
print(d['verify']['rows'][0]['problems'], len(rows), ','.join(sorted({r['check'].split()[0] for r in rows})))")"
assert_contains "and says so on stderr" "$WORK/err" "$((2 * n)) problems found"
run "$TOKSTAT" --db "$WORK/bad.db" verify --format csv
assert_rc "verify --format csv of a damaged database" 1
assert_eq "csv: the differences" "$((2 * n))" "$("$PY" -c "
import csv
print(len(list(csv.DictReader(open('$WORK/out', newline='')))))")"
run "$TOKSTAT" --db "$WORK/bad.db" verify
assert_rc "verify, text, of a damaged database" 1
assert_eq "text: one line per difference, as before" "$((2 * n))" "$(grep -c '^daily aggregate differs from raw events: \|^raw events missing from daily aggregates: ' "$WORK/out")"
