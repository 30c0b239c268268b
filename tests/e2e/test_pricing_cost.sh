#!/bin/sh
# Cost end to end: ingest a small proxy log, import a price CSV, check sum(cost_usd) per model
# against exact arithmetic (python3 fractions), re-price history by changing a price, start a
# new price mid-way, and see an unpriced model reported and NULL (never 0).
set -eu
: "${TOKSTAT:?}" "${WORK:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB
DB=$WORK/t.db
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
q() { sqlite3 "$DB" "$1"; }

# day model input output cache_read cache_write (cache_write "-" = not logged)
cat > "$WORK/usage.txt" <<'USAGE'
10 gpt-4o-mini 1000 500 200 -
10 gpt-4o-mini-2024-07-18 3000 700 0 -
11 gpt-4o-mini 2500 100 1000 -
12 gpt-4o-mini 1234567 7654 4321 -
10 acme-large 800 900 300 150
12 acme-large 10 20 30 40
11 mystery-model-9 400 40 - -
USAGE
while read -r day model in out cr cw; do
	pairs="token=sk-test-aaaaaaaaaaaaaaaaaaaaaaaa model=$model input_tokens=$in output_tokens=$out"
	[ "$cr" = - ] || pairs="$pairs cached_tokens=$cr"
	[ "$cw" = - ] || pairs="$pairs cache_write_tokens=$cw"
	echo "127.0.0.1 - - [$day/Oct/2025:13:55:36 +0000] \"POST /v1/chat/completions HTTP/1.1\" 200 512 \"-\" \"curl/8\" $pairs"
done < "$WORK/usage.txt" > "$WORK/proxy.log"
"$TOKSTAT" --db "$DB" ingest -q "$WORK/proxy.log"

# Exact expected cost per model from usage.txt and a price file (same CSV tokstat reads).
expect() { # price-csv -> "model|cost" lines, cost rounded to 9 decimals
	python3 - "$WORK/usage.txt" "$1" <<'PY'
import csv, sys
from fractions import Fraction as F
from datetime import date
prices = {}
for r in csv.DictReader(open(sys.argv[2])):
    prices.setdefault(r["model"], []).append(r)
def price(model, day):
    # test models: exact id, or gpt-4o-mini's dated id; latest effective_from <= day
    key = "gpt-4o-mini" if model.startswith("gpt-4o-mini") else model
    rows = [r for r in prices.get(key, []) if date.fromisoformat(r["effective_from"]) <= day]
    return max(rows, key=lambda r: r["effective_from"]) if rows else None
tot = {}
for line in open(sys.argv[1]):
    d, model, *toks = line.split()
    p = price(model, date(2025, 10, int(d)))
    if p is None:
        continue
    rate = lambda k, fb=None: F(p[k] or p[fb] or "0")
    t = [F(0) if x == "-" else F(x) for x in toks]
    c = (t[0] * rate("input_per_mtok") + t[1] * rate("output_per_mtok")
         + t[2] * rate("cache_read_per_mtok", "input_per_mtok")
         + t[3] * rate("cache_write_per_mtok", "input_per_mtok")) / 10**6
    tot[model] = tot.get(model, 0) + c
for m in sorted(tot):
    print("%s|%.9f" % (m, tot[m]))
PY
}
actual() {
	q "SELECT model, printf('%.9f', sum(cost_usd)) FROM daily_usage WHERE cost_usd IS NOT NULL GROUP BY model ORDER BY model"
}
check() { # what, price csv
	e=$(expect "$2"); a=$(actual)
	[ "$e" = "$a" ] || fail "$1: expected
$e
actual
$a"
	ev=$(q "SELECT model, printf('%.9f', sum(cost_usd)) FROM events WHERE cost_usd IS NOT NULL GROUP BY model ORDER BY model")
	[ "$ev" = "$a" ] || fail "$1: events disagree with daily_usage: $ev"
	ok "$1"
}

H=provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from
printf '%s\n' "$H" ",gpt-4o-mini,0.20,0.80,0.10,,2025-10-01" ",acme-large,3,15,0.3,3.75,2025-10-01" > "$WORK/p1.csv"
out=$("$TOKSTAT" --db "$DB" pricing import "$WORK/p1.csv")
case $out in *"2 added, 0 changed"*) ok "import adds 2" ;; *) fail "import: $out" ;; esac
# expected: the dated id gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini; merge it for the check
check "cost per model after import" "$WORK/p1.csv"

out=$("$TOKSTAT" --db "$DB" pricing import "$WORK/p1.csv")
case $out in *"0 added, 0 changed, 2 unchanged"*) ok "re-import changes nothing" ;; *) fail "re-import: $out" ;; esac

# Change a price for the same day: history is re-priced.
printf '%s\n' "$H" ",gpt-4o-mini,0.30,1.20,0.15,,2025-10-01" ",acme-large,3,15,0.3,3.75,2025-10-01" > "$WORK/p2.csv"
out=$("$TOKSTAT" --db "$DB" pricing import "$WORK/p2.csv")
case $out in *"0 added, 1 changed"*) ok "changed price counted" ;; *) fail "change: $out" ;; esac
check "history re-priced" "$WORK/p2.csv"

# A new price from Oct 11: the 10th keeps the old one.
printf '%s\n' "$H" ",gpt-4o-mini,1,2,0.5,,2025-10-11" > "$WORK/p3.csv"
"$TOKSTAT" --db "$DB" pricing import "$WORK/p3.csv" > /dev/null
cat "$WORK/p2.csv" > "$WORK/p23.csv" && tail -n +2 "$WORK/p3.csv" >> "$WORK/p23.csv"
check "price in force per day" "$WORK/p23.csv"

# The unpriced model: NULL cost, listed by `pricing missing` with its tokens.
n=$(q "SELECT count(*) FROM daily_usage WHERE model = 'mystery-model-9' AND cost_usd IS NULL")
[ "$n" = 1 ] || fail "mystery-model-9 should have a NULL cost"
z=$(q "SELECT count(*) FROM daily_usage WHERE model = 'mystery-model-9' AND cost_usd = 0")
[ "$z" = 0 ] || fail "mystery-model-9 counted as 0"
ok "unpriced model has NULL cost"
"$TOKSTAT" --db "$DB" pricing missing > "$WORK/missing.txt"
grep -q '^mystery-model-9 .* no price .* 400 .* 40 ' "$WORK/missing.txt" || { cat "$WORK/missing.txt"; fail "pricing missing"; }
grep -q 'gpt-4o-mini\|acme-large' "$WORK/missing.txt" && fail "priced models listed as missing"
ok "pricing missing lists it"

# The cost report runs and says what it did not count.
"$TOKSTAT" --db "$DB" cost --month 2025-10 > "$WORK/cost.txt"
grep -q 'NOT COUNTED: 1 requests with 440 tokens' "$WORK/cost.txt" || { cat "$WORK/cost.txt"; fail "cost report"; }
total=$(q "SELECT printf('%.2f', sum(cost_usd)) FROM daily_usage")
grep -q "month to date  *$total\$" "$WORK/cost.txt" || { cat "$WORK/cost.txt"; fail "month to date != $total"; }
ok "cost report"

# Bad input is refused whole.
printf '%s\n' "$H" ",gpt-4o-mini,abc,1,,,2025-10-01" > "$WORK/bad.csv"
if "$TOKSTAT" --db "$DB" pricing import "$WORK/bad.csv" 2> "$WORK/err.txt"; then fail "bad CSV accepted"; fi
grep -q 'line 2' "$WORK/err.txt" || fail "error names no line: $(cat "$WORK/err.txt")"
ok "bad CSV refused"
