#!/bin/sh
# In-house usage records (snake_case and camelCase) and LiteLLM spend-log rows as JSON lines,
# generated here; expected sums are computed by python from the same records. Also: a broken
# line is a reject with its line number, gzip and stdin read the same, and a credential in
# the envelope is stored masked, never in the clear.
set -eu
: "${TOKSTAT:?}" "${WORK:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB TOKSTAT_PARSERS 2>/dev/null || true
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || { printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2; exit 1; }
	echo "ok: $1"
}
SECRET=sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789

python3 - "$WORK" "$SECRET" <<'PY'
import json, random, sys
work, secret = sys.argv[1], sys.argv[2]
rnd = random.Random(4)
def dump(name, rows, broken_at=None):
    with open("%s/%s" % (work, name), "w") as fp:
        for i, r in enumerate(rows):
            if i == broken_at:
                fp.write('{"timestamp": "2025-10-01T00:00:00Z", "tokens_used": 12\n')  # cut short
            fp.write(json.dumps(r) + "\n")
snake = []
for i in range(500):
    r = {"user_id": "u%d" % (i % 7), "endpoint": "/api/%s" % ("chat", "summarize")[i % 2],
         "operation_type": ("chat", "summarize")[i % 2], "tokens_used": rnd.randint(0, 4000),
         "success": i % 10 != 0, "response_time_ms": rnd.randint(50, 9000),
         "timestamp": "2025-10-%02dT%02d:%02d:00+05:30" % (1 + i % 20, i % 24, i % 60)}
    if i % 50 == 0:
        r["api_key"] = secret
    snake.append(r)
camel = []
for i in range(300):
    a, b = rnd.randint(1, 3000), rnd.randint(1, 800)
    camel.append({"inputTokens": a, "outputTokens": b, "totalTokens": a + b + (i % 3),  # a logged total that disagrees
                  "timestamp": 1759276800000 + i * 3600000, "userId": "c%d" % (i % 5), "projectId": "p%d" % (i % 2),
                  "sessionId": "s%d" % (i // 10), "analysisType": "t%d" % (i % 4), "provider": "anthropic",
                  "model": "claude-sonnet-4-5", "responseTime": 120.4 + i, "success": i % 17 != 0,
                  "errorMessage": None if i % 17 else "overloaded"})
litellm = []
for i in range(200):
    p, c, cached = rnd.randint(10, 5000), rnd.randint(1, 900), rnd.randint(0, 9)
    litellm.append({"request_id": "chatcmpl-%04d" % i, "call_type": "acompletion", "api_key": "%064x" % i,
                    "spend": p * 1e-6, "total_tokens": p + c, "prompt_tokens": p, "completion_tokens": c,
                    "startTime": "2025-10-%02dT10:00:00.%06dZ" % (1 + i % 9, i), "endTime": "2025-10-01T10:00:01Z",
                    "model": "gpt-4o", "custom_llm_provider": "openai", "user": "l%d" % (i % 4), "team_id": "team",
                    "status": "success" if i % 13 else "failure",
                    "metadata": {"additional_usage_values": {"cache_read_input_tokens": cached}}})
dump("snake.jsonl", snake, broken_at=123)
dump("camel.jsonl", camel)
dump("litellm.jsonl", litellm)
from datetime import datetime, timezone
def day(ts):
    if isinstance(ts, int):
        return datetime.fromtimestamp(ts / 1000, timezone.utc).strftime("%Y-%m-%d")
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(timezone.utc).strftime("%Y-%m-%d")
with open(work + "/expected.txt", "w") as out:
    d = {}
    for r in snake:
        k = d.setdefault((day(r["timestamp"]), r["user_id"]), [0, 0, 0])
        k[0] += 1; k[1] += r["tokens_used"]; k[2] += 0 if r["success"] else 1
    for (dy, u), v in sorted(d.items()):
        out.write("snake|%s|%s|%d|%d|%d\n" % (dy, u, v[0], v[1], v[2]))
    d = {}
    for r in camel:
        k = d.setdefault((r["userId"], r["analysisType"]), [0, 0, 0, 0, 0, 0])
        k[0] += 1; k[1] += r["inputTokens"]; k[2] += r["outputTokens"]; k[3] += r["inputTokens"] + r["outputTokens"]
        k[4] += round(r["responseTime"]); k[5] += 0 if r["success"] else 1
    for (u, t), v in sorted(d.items()):
        out.write("camel|%s|%s|%s\n" % (u, t, "|".join(str(x) for x in v)))
    d = {}
    for r in litellm:
        cached = r["metadata"]["additional_usage_values"]["cache_read_input_tokens"]
        k = d.setdefault(r["user"], [0, 0, 0, 0, 0, 0])
        k[0] += 1; k[1] += r["prompt_tokens"] - cached; k[2] += cached; k[3] += r["completion_tokens"]
        k[4] += r["total_tokens"]; k[5] += r["status"] == "failure"
    for u, v in sorted(d.items()):
        out.write("litellm|%s|%s\n" % (u, "|".join(str(x) for x in v)))
PY

gzip -c "$WORK/camel.jsonl" > "$WORK/camel.jsonl.gz"
"$TOKSTAT" --db "$WORK/t.db" ingest "$WORK/snake.jsonl" "$WORK/litellm.jsonl" > "$WORK/out" || fail "ingest: $(cat "$WORK/out")"
"$TOKSTAT" --db "$WORK/t.db" ingest - < "$WORK/camel.jsonl" >> "$WORK/out" || fail "stdin ingest failed"
"$TOKSTAT" --db "$WORK/gz.db" ingest "$WORK/camel.jsonl.gz" >> "$WORK/out" || fail "gzip ingest failed"
cat "$WORK/out"

{
	# The views do not show the failed flag yet (see the report): read the raw table for it.
	sqlite3 "$WORK/t.db" "SELECT 'snake', day, user, sum(requests), sum(total_tokens), sum(errors)
	                      FROM daily_usage WHERE user GLOB 'u[0-9]*' GROUP BY day, user ORDER BY day, user"
	sqlite3 "$WORK/t.db" "SELECT 'camel', d.value, o.value, count(*), sum(e.input_tokens), sum(e.output_tokens),
	                             sum(e.total_tokens), sum(e.latency_ms), sum(e.failed = 1)
	                      FROM event e JOIN dict d ON d.id = e.user JOIN dict o ON o.id = e.operation
	                      JOIN file f ON e.id >> 40 = f.id WHERE f.name NOT LIKE '%.jsonl' GROUP BY 2, 3 ORDER BY 2, 3"
	sqlite3 "$WORK/t.db" "SELECT 'litellm', d.value, count(*), sum(e.input_tokens), sum(e.cache_read_tokens),
	                             sum(e.output_tokens), sum(e.total_tokens), sum(e.failed = 1)
	                      FROM event e JOIN dict d ON d.id = e.user JOIN file f ON e.id >> 40 = f.id
	                      WHERE f.name LIKE '%litellm.jsonl' GROUP BY 2 ORDER BY 2"
} > "$WORK/actual.txt"
check "per-day/user, per-user/operation and per-user sums" "$(cat "$WORK/expected.txt")" "$(cat "$WORK/actual.txt")"

check "formats detected" "usage_record|litellm|usage_record_camel" \
	"$(sqlite3 "$WORK/t.db" "SELECT group_concat(format, '|') FROM (SELECT format FROM files ORDER BY rowid)")"
check "the broken line is a reject with its line number" "124|invalid JSON" \
	"$(sqlite3 "$WORK/t.db" "SELECT line, reason FROM rejects WHERE file LIKE '%snake.jsonl'")"
check "total-only records keep the kinds NULL" "0" \
	"$(sqlite3 "$WORK/t.db" "SELECT count(input_tokens) + count(output_tokens) + count(cache_read_tokens) + count(cache_write_tokens)
	                         FROM events WHERE file LIKE '%snake.jsonl'")"
check "gzip reads the same as stdin" \
	"$(sqlite3 "$WORK/t.db" "SELECT count(*), sum(total_tokens) FROM events WHERE file NOT LIKE '%.jsonl'")" \
	"$(sqlite3 "$WORK/gz.db" "SELECT count(*), sum(total_tokens) FROM events")"
check "the envelope's credential is one masked credential" "1|10" \
	"$(sqlite3 "$WORK/t.db" "SELECT count(DISTINCT token), count(token) FROM events WHERE file LIKE '%snake.jsonl'")"
if grep -rq "$SECRET" "$WORK"/t.db* 2>/dev/null || sqlite3 "$WORK/t.db" .dump | grep -q "$SECRET"; then
	fail "the full credential is in the database"
fi
echo "ok: the full credential is nowhere in the database"
