#!/bin/sh
# tokstat query's output: parameters bound (a quote in a value is data, not SQL), each format
# escaped for where it goes (JSON parses and keeps every character; the table and CSV on a
# terminal show controls as \xNN; CSV neutralizes formulas; Markdown escapes |), rows stream
# in bounded memory, and --timeout and Ctrl-C stop a runaway query with their exit status.
. "$(dirname "$0")/lib.sh"

# users from an application log: a C1 CSI and a right-to-left override (kept by ingest), a
# formula, a pipe, a U+2028, and a long name
python3 - "$WORK/app.jsonl" <<'PY'
import json, sys
users = ["eve\u009b31m\u202etxt.exe", "=HYPERLINK(\"http://x\",\"y\")", "a|b", "line\u2028sep",
         "x" * 100, "-2+3"]
with open(sys.argv[1], "w") as fp:
    for i, u in enumerate(users):
        fp.write(json.dumps({"inputTokens": 10 * (i + 1), "outputTokens": 1, "timestamp": "2025-10-01T1%d:00:00Z" % i,
                             "userId": u, "model": "gpt-4o-mini", "provider": "openai"}) + "\n")
PY
ingest_ok "$WORK/app.jsonl"
assert_eq "six records stored" 6 "$(q "SELECT count(*) FROM events")"

# ---- parameters ----
run "$TOKSTAT" --db "$DB" query "SELECT :v AS v, @n + 1 AS n, typeof(\$n) AS t, typeof(:e) AS e, typeof(:s) AS s" \
	-p "v=it's \"quoted\"; DROP VIEW events; --" -p n=41 -p e= -p s:text=41 --format json
assert_rc "query with a quote in a parameter" 0
python3 - "$WORK/out" <<'PY' || fail "parameters were not bound as given"
import json, sys
[r] = json.load(open(sys.argv[1]))
assert r == {"v": "it's \"quoted\"; DROP VIEW events; --", "n": 42, "t": "integer", "e": "null", "s": "text"}, r
PY
echo "ok: -p values are bound: a quote is data; 41 a number, '' NULL, :text text"
assert_eq "the views are all still there" 1 "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'events'")"
run "$TOKSTAT" --db "$DB" query "SELECT count(*) AS n FROM events WHERE user = :u" -p "u=a|b" --no-header
assert_rc "a parameter in WHERE" 0
assert_eq "one user 'a|b'" "1" "$(tr -d '\r' <"$WORK/out")"
run "$TOKSTAT" --db "$DB" query "SELECT :missing"
assert_rc "a parameter without a value" 1
assert_contains "says which" "$WORK/err" "no value for :missing"
run "$TOKSTAT" --db "$DB" query "SELECT 1" -p unused=1
assert_rc "a value without a parameter" 1

# ---- JSON and JSON lines: valid, and every character kept ----
sel="SELECT user, input_tokens, NULL AS none, 0.5 AS half FROM events ORDER BY epoch"
run "$TOKSTAT" --db "$DB" query "$sel" --format json
assert_rc "json" 0
python3 - "$WORK/out" <<'PY' || fail "the JSON lost or changed a value"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert b"\xc2\x9b" not in raw and b"\xe2\x80\xa8" not in raw and b"\xe2\x80\xae" not in raw, "raw control in JSON"
rows = json.loads(raw)
assert [r["user"] for r in rows] == ["eve\u009b31m\u202etxt.exe", "=HYPERLINK(\"http://x\",\"y\")", "a|b",
                                     "line\u2028sep", "x" * 100, "-2+3"], rows
assert all(r["none"] is None and r["half"] == 0.5 for r in rows)
assert [r["input_tokens"] for r in rows] == [10, 20, 30, 40, 50, 60]
PY
echo "ok: json is one array, escaped, values kept, NULL is null"
run "$TOKSTAT" --db "$DB" query "$sel" --format jsonl
assert_rc "jsonl" 0
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 6 and all(isinstance(json.loads(l), dict) for l in lines)' "$WORK/out" || fail "jsonl is not one object a line"
echo "ok: jsonl is one object a line"

# ---- CSV: RFC 4180 (python's csv reads it back), formulas neutralized, numbers kept ----
run "$TOKSTAT" --db "$DB" query "SELECT user, input_tokens - 100 AS delta FROM events ORDER BY epoch" --format csv
assert_rc "csv" 0
python3 - "$WORK/out" <<'PY' || fail "CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["user", "delta"], rows[0]
assert rows[2] == ["'=HYPERLINK(\"http://x\",\"y\")", "-80"], rows[2]
assert rows[6] == ["'-2+3", "-40"], rows[6]
assert rows[3] == ["a|b", "-70"], rows[3]
PY
echo "ok: csv: formula cells start with ', negative numbers stay numbers, quotes doubled"
run "$TOKSTAT" --db "$DB" query "SELECT NULL AS a, '' AS b" --format csv --no-header
assert_eq "csv: NULL and '' are both empty, no header" "," "$(tr -d '\r' <"$WORK/out")"

# ---- the table: aligned, escaped, long text cut; the default on a terminal ----
run "$TOKSTAT" --db "$DB" query "SELECT user, input_tokens FROM events ORDER BY epoch" --format table
assert_rc "table" 0
assert_contains "table: the CSI escaped" "$WORK/out" 'eve\x9B31m\u{202E}txt.exe'
assert_contains "table: the line separator escaped" "$WORK/out" 'line\u{2028}sep'
if grep -q "$(printf '\302\233')" "$WORK/out"; then fail "table: a raw CSI reached the output"; fi
assert_contains "table: a long name cut with an ellipsis" "$WORK/out" "$(printf 'x%.0s' $(seq 59))…"
assert_not_contains "table: not beyond 60 characters" "$WORK/out" "$(printf 'x%.0s' $(seq 60))"
widths=$(awk '{ print (index($0, "  ") > 0) }' "$WORK/out" | sort -u)
assert_eq "table: every line has two columns" 1 "$widths"
script -qec "$TOKSTAT --db $DB query 'SELECT user, input_tokens AS n FROM events ORDER BY epoch LIMIT 2'" /dev/null \
	>"$WORK/tty.out" </dev/null
assert_contains "on a terminal the default is the table" "$WORK/tty.out" 'eve\x9B31m'
assert_contains "with its header" "$WORK/tty.out" "user"
run "$TOKSTAT" --db "$DB" query "SELECT user FROM events ORDER BY epoch LIMIT 1"
assert_contains "otherwise CSV" "$WORK/out" "$(printf 'user\r')"

# ---- Markdown ----
run "$TOKSTAT" --db "$DB" query "SELECT user, input_tokens FROM events WHERE user = 'a|b'" --format markdown
assert_rc "markdown" 0
assert_eq "markdown: | escaped in a cell" "| user | input_tokens |
|---|---|
| a\\|b | 30 |" "$(cat "$WORK/out")"

# ---- streaming: a result far larger than memory allowed is written as it comes ----
big="WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500000)
	SELECT i, printf('%0200d', i) AS pad FROM c"
# the bound is relative to the same program answering one small row, so that it measures
# what the rows add, not the sanitizer's own memory under make asan
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
	/usr/bin/time -f '%M' -o "$WORK/rss" "$TOKSTAT" --db "$DB" query "SELECT 1" --format csv >/dev/null 2>"$WORK/err" ||
	fail "the small query failed: $(cat "$WORK/err")"
base=$(cat "$WORK/rss")
for f in csv json table; do
	# under AddressSanitizer (make asan) freed memory waits in a quarantine of 256 MB by
	# default: kept small, so that the bound measures tokstat, not the sanitizer
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
		/usr/bin/time -f '%M' -o "$WORK/rss" "$TOKSTAT" --db "$DB" query "$big" --format $f >"$WORK/big" 2>"$WORK/err" ||
		fail "the big query ($f) failed: $(cat "$WORK/err")"
	lines=$(wc -l <"$WORK/big")
	[ "$lines" -ge 500000 ] || fail "$f: only $lines lines of 500,000 rows"
	rss=$(cat "$WORK/rss")
	[ "$rss" -lt $((base + 16000)) ] ||
		fail "$f: peak RSS $rss KB (one row: $base KB) for $(wc -c <"$WORK/big") bytes of output: rows are held"
	echo "ok: $f: 500,000 rows ($(wc -c <"$WORK/big") bytes) in a peak RSS of $rss KB (one row: $base KB)"
done

# ---- stopping a runaway query ----
cross="WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000000000) SELECT count(*) FROM c"
start=$(date +%s)
run "$TOKSTAT" --db "$DB" query --timeout 1 "$cross"
assert_rc "--timeout 1 stops counting to 1e12" 3
[ $(($(date +%s) - start)) -le 5 ] || fail "--timeout 1 took more than 5 s"
assert_contains "the message says why" "$WORK/err" "ran longer than --timeout 1 s"

"$TOKSTAT" --db "$DB" query "$cross" >"$WORK/int.out" 2>"$WORK/int.err" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
sleep 1
kill -INT $pid
rc=0
wait $pid || rc=$?
trap - EXIT
assert_eq "Ctrl-C (SIGINT) stops the query with status 130" 130 "$rc"
assert_contains "and says so" "$WORK/int.err" "interrupted"
