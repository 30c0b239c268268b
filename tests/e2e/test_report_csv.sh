#!/bin/sh
# tokstat report --format csv: RFC 4180, one table per --by with a header row of column keys,
# numbers unformatted, NULL as an empty cell. Python's csv module reads it back, and the
# requests and errors per UTC day and per model equal what python counts in the raw logs.
# (libcsv reads it back in tests/unit/test_out_csv.c.)
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
FILES="$SAMPLES/api-gateway.log.2.gz $SAMPLES/api-gateway.log.1 $SAMPLES/api-gateway.log"
ingest_ok $FILES
run ts report --from 2025-10-05 --to 2025-10-12 --format csv --by day --by model -o "$WORK/r.csv"
assert_rc "csv report" 0
assert_eq "CRLF line ends (RFC 4180)" "$(wc -l < "$WORK/r.csv")" "$(grep -c "$(printf '\r')\$" "$WORK/r.csv")"
run ts report --from 2025-10-05 --to 2025-10-12 --format csv
assert_rc "csv report without --by" 0
assert_eq "without --by: the days" "day,requests,errors,input,output,cache_read,cache_write,total,estimated,cost_usd,unpriced_tokens" \
	"$(head -1 "$WORK/out" | tr -d '\r"')"
$PY - "$WORK/r.csv" $FILES <<'PY' || fail "csv differs from the raw logs"
import csv, sys, re, gzip, datetime, collections
path, files = sys.argv[1], sys.argv[2:]
LINE = re.compile(r'^\S+(?:, \S+)? \S+ \S+ \[([^\]]+)\] "(?:[^"\\]|\\.)*" (\d{3}) ')
days, models = collections.defaultdict(lambda: [0, 0]), collections.Counter()
for f in files:
    raw = open(f, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for b in raw.split(b"\n"):
        line = b.rstrip(b"\r").decode("utf-8", "replace")
        m = LINE.match(line)
        if not m or "prompt_tokens=null" in line:  # the samples' rejected lines
            continue
        t = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").astimezone(datetime.timezone.utc)
        d = days[t.strftime("%Y-%m-%d")]
        d[0] += 1
        d[1] += int(m.group(2)) >= 400
        mm = re.search(r' model=(\S+)', line)
        if mm and mm.group(1) != "-":
            models[mm.group(1)] += 1
blocks, cur = [], []
for row in csv.reader(open(path, newline="", encoding="utf-8")):
    if not row:
        blocks.append(cur); cur = []
    else:
        cur.append(row)
blocks.append(cur)
assert len(blocks) == 2, len(blocks)
day_hdr, *day_rows = blocks[0]
assert day_hdr[:3] == ["day", "requests", "errors"], day_hdr
got = {r[0]: [int(r[1]), int(r[2])] for r in day_rows}
assert got == dict(days), (got, dict(days))
print("ok: per day", got)
model_hdr, *model_rows = blocks[1]
assert model_hdr[:3] == ["model", "provider", "requests"], model_hdr
got = {r[0]: int(r[2]) for r in model_rows}
assert got == dict(models), (got, dict(models))
# numbers unformatted: plain digits, a dot, no thousands separators or units
for r in model_rows:
    for c in r[2:]:
        assert c == "" or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?", c), c
# gemini-2.0-flash: the logs name no provider, its model says google (sql/providers.sql); it
# logged no cache writes: NULL is an empty cell
assert any(r[0] == "gemini-2.0-flash" and r[1] == "google" and r[6] == "" for r in model_rows)
print("ok: per model", got)
PY
