#!/bin/sh
# Real provider responses (pydantic-ai cassettes, one response object per line): OpenAI Chat
# Completions and Responses, Anthropic Messages, Gemini. Raw objects first, then the same
# objects wrapped in an application's envelope (timestamp, user, latency). Every expected
# number is computed here with python's json module from the raw files.
set -eu
: "${TOKSTAT:?}" "${CORPUS:?}" "${WORK:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB TOKSTAT_PARSERS 2>/dev/null || true
DIR=$CORPUS/pydantic-ai-cassettes
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || { printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2; exit 1; }
	echo "ok: $1"
}

# expect.py MODE FILE...: per file "format|events|rejected|skipped|input|cache_read|cache_write|output|total"
# as the shapes' rules say: OpenAI prompt/input counts include cached reads; Anthropic's input
# is uncached; Gemini's prompt includes cached content and tool-use prompts, its output
# includes thoughts. MODE raw: a line without a time is rejected; wrapped: every line has one.
cat > "$WORK/expect.py" <<'PY'
import json, sys
mode = sys.argv[1]
users = {} if mode == "users" else None
if users is not None:
    mode = "wrapped"
def n(d, *path):
    for k in path:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d
for path in sys.argv[2:]:
    fmt = ("anthropic" if "anthropic" in path else "gemini" if "google" in path else "openai")
    ev = rej = skip = 0
    s = [0, 0, 0, 0, 0]
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        env = d
        if mode == "wrapped":
            d = d["response"]
        u, g = d.get("usage"), d.get("usageMetadata")
        if fmt == "openai" and isinstance(u, dict) and ("prompt_tokens" in u or "input_tokens" in u) \
                and "cache_read_input_tokens" not in u:
            prompt = u.get("prompt_tokens", u.get("input_tokens")) or 0
            cached = (n(u, "prompt_tokens_details", "cached_tokens") or n(u, "input_tokens_details", "cached_tokens") or 0)
            k = [prompt - cached, cached, 0, u.get("completion_tokens", u.get("output_tokens")) or 0]
            has_time = mode == "wrapped" or d.get("created_at") is not None or d.get("created") is not None
        elif fmt == "anthropic" and isinstance(u, dict) and "input_tokens" in u \
                and "input_tokens_details" not in u and "prompt_tokens" not in u:
            k = [u["input_tokens"], u.get("cache_read_input_tokens") or 0, u.get("cache_creation_input_tokens") or 0,
                 u.get("output_tokens") or 0]
            has_time = mode == "wrapped" or d.get("created_at") is not None or d.get("created") is not None
        elif fmt == "gemini" and isinstance(g, dict) and any(x in g for x in ("promptTokenCount", "candidatesTokenCount", "totalTokenCount")):
            cached = g.get("cachedContentTokenCount") or 0
            prompt = (g.get("promptTokenCount") or 0) + (g.get("toolUsePromptTokenCount") or 0)
            k = [prompt - cached, cached, 0, (g.get("candidatesTokenCount") or 0) + (g.get("thoughtsTokenCount") or 0)]
            has_time = mode == "wrapped" or d.get("createTime") is not None
        else:
            skip += 1
            continue
        if not has_time:
            rej += 1
            continue
        ev += 1
        if users is not None:
            k2 = users.setdefault(env["user_id"], [0, 0])
            k2[0] += 1
            k2[1] += env["duration_ms"]
        for i in range(4):
            s[i] += k[i]
        s[4] += sum(k)
    if users is None:
        print("%s|%d|%d|%d|%s" % (fmt, ev, rej, skip, "|".join(str(x) for x in s)))
for u in sorted(users or {}):
    print("%s|%d|%d" % (u, users[u][0], users[u][1]))
PY

actual() { # DB FILE...
	db=$1
	shift
	for f in "$@"; do
		sqlite3 "$db" "SELECT f.format, f.events, f.rejected, f.skipped,
		                      coalesce(sum(e.input_tokens), 0), coalesce(sum(e.cache_read_tokens), 0),
		                      coalesce(sum(e.cache_write_tokens), 0), coalesce(sum(e.output_tokens), 0),
		                      coalesce(sum(e.total_tokens), 0)
		               FROM files f LEFT JOIN events e ON e.file = f.file WHERE f.file = '$f' GROUP BY f.file"
	done
}

RAW="$DIR/test_openai.responses.jsonl $DIR/test_openai_responses.responses.jsonl
$DIR/test_anthropic.responses.jsonl $DIR/test_google.responses.jsonl"
# shellcheck disable=SC2086
"$TOKSTAT" --db "$WORK/raw.db" ingest $RAW || fail "raw ingest failed"
# shellcheck disable=SC2086
check "raw objects: format, events, rejects, skips and token sums per file" \
	"$(python3 "$WORK/expect.py" raw $RAW)" "$(actual "$WORK/raw.db" $RAW)"
check "raw objects without a time are rejected as such" "no time" \
	"$(sqlite3 "$WORK/raw.db" "SELECT group_concat(DISTINCT reason) FROM rejects")"
check "OpenAI event times are the objects' created/created_at" \
	"$(python3 -c '
import json, sys
t = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
print(min(d.get("created") or d["created_at"] for d in t if isinstance(d.get("usage"), dict)))' \
		"$DIR/test_openai.responses.jsonl" "$DIR/test_openai_responses.responses.jsonl")" \
	"$(sqlite3 "$WORK/raw.db" "SELECT min(epoch) FROM events WHERE provider = 'openai'")"
check "models as logged" "$(python3 -c '
import json, sys
print(len({json.loads(l)["modelVersion"] for l in open(sys.argv[1]) if "createTime" in json.loads(l)}))' \
		"$DIR/test_google.responses.jsonl")" \
	"$(sqlite3 "$WORK/raw.db" "SELECT count(DISTINCT model) FROM events WHERE provider = 'google'")"

# The same objects as an application logs them: {"timestamp", "user_id", "duration_ms", "response"}.
WRAPPED=""
for f in $RAW; do
	out=$WORK/$(basename "$f" .responses.jsonl).wrapped.jsonl
	python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    env = {"timestamp": "2025-10-%02dT%02d:00:00.250+02:00" % (1 + i % 28, i % 24), "user_id": "user%d" % (i % 3),
           "duration_ms": 100 + i, "response": json.loads(line)}
    print(json.dumps(env, ensure_ascii=False, separators=(",", ":")))' "$f" > "$out"
	WRAPPED="$WRAPPED $out"
done
# shellcheck disable=SC2086
"$TOKSTAT" --db "$WORK/wrapped.db" ingest $WRAPPED || fail "wrapped ingest failed"
# shellcheck disable=SC2086
check "wrapped objects: format, events, rejects, skips and token sums per file" \
	"$(python3 "$WORK/expect.py" wrapped $WRAPPED)" "$(actual "$WORK/wrapped.db" $WRAPPED)"
# shellcheck disable=SC2086
check "wrapped: per-user events and latency from the envelope" "$(python3 "$WORK/expect.py" users $WRAPPED)" \
	"$(sqlite3 "$WORK/wrapped.db" "SELECT user, count(*), sum(latency_ms) FROM events GROUP BY user ORDER BY user")"
# 2025-10-01T00:00:00.250+02:00, the first line, is 22:00:00 UTC the day before
check "wrapped: the envelope's time (with its offset) wins" "2025-09-30T22:00:00Z" \
	"$(sqlite3 "$WORK/wrapped.db" "SELECT min(ts) FROM events")"
