#!/bin/sh
# CSV inputs: the real OpenAI usage export (openai-usage-export-guardian, TSV) through the
# generic usage_csv format, and a LiteLLM spend-log CSV export generated here with python's
# csv module (quoted fields with commas and line breaks included). Expected sums come from
# python's csv module over the same files.
set -eu
: "${TOKSTAT:?}" "${CORPUS:?}" "${WORK:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB TOKSTAT_PARSERS 2>/dev/null || true
DIR=$CORPUS/openai-usage-export-guardian
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || { printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2; exit 1; }
	echo "ok: $1"
}

# --- the OpenAI usage export: one row per day and model; input_tokens include cached reads.
"$TOKSTAT" --db "$WORK/u.db" ingest "$DIR/model_usage.derived.tsv" || fail "usage export ingest failed"
check "usage export: rows with a model or tokens are events, the header and the empty row skipped" \
	"$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline=""), delimiter="\t"))
ev = [r for r in rows if r["model"] or r["input_tokens"] or r["output_tokens"]]
print("usage_csv|%d|0|%d" % (len(ev), len(rows) - len(ev) + 1))' "$DIR/model_usage.derived.tsv")" \
	"$(sqlite3 "$WORK/u.db" "SELECT format, events, rejected, skipped FROM files")"
check "usage export: per-day, per-model input (uncached), cache reads, output, total" \
	"$(python3 -c '
import csv, sys
t = {}
for r in csv.DictReader(open(sys.argv[1], newline=""), delimiter="\t"):
    if not r["model"]:
        continue
    k = t.setdefault((r["start_time_iso"][:10], r["model"]), [0, 0, 0, 0])
    i, c, o = float(r["input_tokens"]), float(r["input_cached_tokens"]), float(r["output_tokens"])
    k[0] += int(i - c); k[1] += int(c); k[2] += int(o); k[3] += int(i + o)
for (d, m), v in sorted(t.items()):
    print("%s|%s|%s" % (d, m, "|".join(str(x) for x in v)))' "$DIR/model_usage.derived.tsv")" \
	"$(sqlite3 "$WORK/u.db" "SELECT day, model, sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), sum(total_tokens)
	                         FROM events GROUP BY day, model ORDER BY day, model")"
check "usage export: the sums SOURCES.md lists (input 339711, output 549459, cached 13952)" "339711|549459|13952" \
	"$(sqlite3 "$WORK/u.db" "SELECT sum(input_tokens) + sum(cache_read_tokens), sum(output_tokens), sum(cache_read_tokens) FROM events")"
check "usage export: project and user columns" "1|1" \
	"$(sqlite3 "$WORK/u.db" "SELECT count(DISTINCT project), count(DISTINCT user) FROM events")"

# The cost export has no token column: not a usage file, and tokstat does not guess.
if "$TOKSTAT" --db "$WORK/c.db" ingest "$DIR/daily_costs.derived.tsv" > "$WORK/costs.out" 2>&1; then
	fail "the cost export was taken for usage: $(cat "$WORK/costs.out")"
fi
grep -q "cannot tell the format" "$WORK/costs.out" || fail "unexpected message: $(cat "$WORK/costs.out")"
echo "ok: the cost export (no token columns) is refused with a clear message"

# --- a LiteLLM spend-log export, with awkward quoting.
python3 - "$WORK/spend.csv" <<'PY'
import csv, random, sys
rnd = random.Random(9)
with open(sys.argv[1], "w", newline="") as fp:
    w = csv.writer(fp)
    w.writerow(["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
                "startTime", "endTime", "model", "model_group", "user", "team_id", "status", "metadata"])
    for i in range(400):
        p, c = rnd.randint(1, 9000), rnd.randint(0, 2000)
        meta = '{"note": "a, b", "line": "one\ntwo"}' if i % 25 == 0 else "{}"
        w.writerow(["req-%d" % i, "acompletion", "%064x" % (i % 3), "%.6f" % (p * 1e-6), p + c, p, c,
                    "2025-10-%02d %02d:00:00.%06d" % (1 + i % 12, i % 24, i), "2025-10-01 00:00:01",
                    ("gpt-4o", "claude-sonnet-4-5")[i % 2], "g", "user %d" % (i % 6), "t", ("success", "failure")[i % 11 == 0],
                    meta])
PY
"$TOKSTAT" --db "$WORK/l.db" ingest "$WORK/spend.csv" || fail "LiteLLM CSV ingest failed"
check "LiteLLM CSV: per-day, per-model requests, errors, input, output" "$(python3 -c '
import csv, sys
t = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    k = t.setdefault((r["startTime"][:10], r["model"]), [0, 0, 0, 0])
    k[0] += 1; k[1] += r["status"] == "failure"; k[2] += int(r["prompt_tokens"]); k[3] += int(r["completion_tokens"])
for (d, m), v in sorted(t.items()):
    print("%s|%s|%s" % (d, m, "|".join(str(x) for x in v)))' "$WORK/spend.csv")" \
	"$(sqlite3 "$WORK/l.db" "SELECT day, model, sum(requests), sum(errors), sum(input_tokens), sum(output_tokens)
	                         FROM daily_usage GROUP BY day, model ORDER BY day, model")"
check "LiteLLM CSV: a record with a line break in a quoted field is one event (only the header is skipped)" "$(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
lines = sum(1 for _ in open(sys.argv[1]))
print("litellm_csv|%d|%d|0|1" % (lines, len(rows)))' "$WORK/spend.csv")" \
	"$(sqlite3 "$WORK/l.db" "SELECT format, lines, events, rejected, skipped FROM files")"
check "LiteLLM CSV: hashed keys are credentials" "3" "$(sqlite3 "$WORK/l.db" "SELECT count(DISTINCT token) FROM events")"
