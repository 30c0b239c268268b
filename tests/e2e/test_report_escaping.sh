#!/bin/sh
# Text from a log on its way out of tokstat report: an endpoint, a user and a user agent that
# hold <script>, =HYPERLINK(...) and a right-to-left override (U+202E). HTML escapes the markup
# and shows the override as \u{202E}; text shows \u{202E}; CSV neutralizes the formulas with a
# leading apostrophe; JSON keeps the exact value behind \u escapes. The user agent is not
# stored at all (the proxy format drops it), so it appears nowhere.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
RLO=$(printf '\342\200\256')
{
	printf '%s\n' '10.0.0.1 - - [12/Oct/2025:10:00:00 +0000] "GET /api/<script>alert(1)</script> HTTP/1.1" 200 10 "-" "<script>uaX()</script>'"$RLO"'=HYPERLINK(1)" user="=HYPERLINK(http://evil.example;x)" model=gpt-4o-mini input_tokens=10 output_tokens=5'
	printf '%s\n' '10.0.0.1 - - [12/Oct/2025:11:00:00 +0000] "GET /files/'"$RLO"'gnp.exe HTTP/1.1" 200 10 "-" "curl" user="eve'"$RLO"'cod.exe" model=gpt-4o-mini input_tokens=20 output_tokens=5'
	printf '%s\n' '10.0.0.1 - - [12/Oct/2025:12:00:00 +0000] "GET /=cmd|calc HTTP/1.1" 500 10 "-" "curl" user=@SUM(A1) model=gpt-4o-mini input_tokens=30 output_tokens=5'
	printf '%s\n' '10.0.0.1 - - [12/Oct/2025:13:00:00 +0000] "GET /ok HTTP/1.1" 200 10 "-" "curl" user=-2+3 model=gpt-4o-mini input_tokens=40 output_tokens=5'
} > "$WORK/evil.log"
ingest_ok "$WORK/evil.log"
assert_eq "the four lines are stored" 4 "$(q "SELECT count(*) FROM events")"
assert_eq "the markup endpoint is stored as logged" 1 "$(q "SELECT count(*) FROM events WHERE endpoint = '/api/<script>alert(1)</script>'")"
assert_eq "the formula user is stored as logged" 1 "$(q "SELECT count(*) FROM events WHERE user = '=HYPERLINK(http://evil.example;x)'")"
P="report --from 2025-10-12 --to 2025-10-12"

# text
run ts $P
assert_rc "text report" 0
cp "$WORK/out" "$WORK/r.txt"
assert_contains "text: the override is shown escaped" "$WORK/r.txt" 'eve\u{202E}cod.exe'
assert_contains "text: in an endpoint too" "$WORK/r.txt" '/files/\u{202E}gnp.exe'
assert_eq "text: no raw override" 0 "$(grep -c "$RLO" "$WORK/r.txt" || true)"

# HTML
run ts $P --format html -o "$WORK/r.html"
assert_rc "html report" 0
assert_eq "html: no <script anywhere" 0 "$(grep -ci '<script' "$WORK/r.html" || true)"
assert_contains "html: the endpoint's markup is escaped" "$WORK/r.html" '/api/&lt;script&gt;alert(1)&lt;/script&gt;'
assert_contains "html: the override is shown escaped" "$WORK/r.html" 'eve\u{202E}cod.exe'
assert_contains "html: the formula user is text" "$WORK/r.html" '=HYPERLINK(http://evil.example;x)'
assert_eq "html: no raw override" 0 "$(grep -c "$RLO" "$WORK/r.html" || true)"
tidy -errors -q "$WORK/r.html" > "$WORK/tidy.txt" 2>&1 || fail "tidy: $(cat "$WORK/tidy.txt")"
echo "ok: tidy finds nothing"

# CSV: every cell a spreadsheet would run is neutralized; numbers stay numbers
run ts $P --format csv --by user --by endpoint
assert_rc "csv report" 0
cp "$WORK/out" "$WORK/r.csv"
$PY - "$WORK/r.csv" <<'PY' || fail "csv neutralization"
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="", encoding="utf-8")) if r]
users = {r[0] for r in rows if r[0] != "user" and r[0] != "endpoint"}
want = {"'=HYPERLINK(http://evil.example;x)", "'@SUM(A1)", "'-2+3", "eve\u202ecod.exe",
        "/api/<script>alert(1)</script>", "/files/\u202egnp.exe", "'/=cmd|calc"[1:], "/ok"}
assert want <= users, (want - users, users)
for r in rows:
    for c in r:
        assert not c or c[0] not in "=+-@\t\r" or c.lstrip("-").replace(".", "").isdigit(), ("formula cell", c)
print("ok: formulas neutralized:", sorted(u for u in users if u.startswith("'")))
PY

# JSON: the exact value comes back, the file holds escapes only
run ts $P --format json
assert_rc "json report" 0
cp "$WORK/out" "$WORK/r.json"
assert_eq "json: no raw override" 0 "$(grep -c "$RLO" "$WORK/r.json" || true)"
assert_contains "json: the override as \\u202e" "$WORK/r.json" 'eve\u202ecod.exe'
assert_contains "json: markup as \\u003c" "$WORK/r.json" '\u003cscript\u003e'
$PY - "$WORK/r.json" <<'PY' || fail "json values"
import json, sys
rep = json.load(open(sys.argv[1]))
users = {r["user"] for r in rep["sections"]["users"]["rows"]}
assert {"=HYPERLINK(http://evil.example;x)", "eve\u202ecod.exe", "@SUM(A1)", "-2+3"} <= users, users
eps = {r["endpoint"] for r in rep["sections"]["endpoints"]["rows"]}
assert "/api/<script>alert(1)</script>" in eps, eps
print("ok: json values read back exactly")
PY

# the user agent was never stored, so no output holds it
for f in r.txt r.html r.csv r.json; do assert_not_contains "$f: no user agent" "$WORK/$f" "uaX()"; done
