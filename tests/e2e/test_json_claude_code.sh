#!/bin/sh
# Claude Code session files (claude-code-spotter, the main session gzipped, its subagents):
# per-day input, output, cache-write and cache-read totals must equal a count done with
# python's json module (claude_keep_last.py): assistant lines and the subagents' messages in
# progress lines, de-duplicated by (message.id, requestId) across all files, the line with the
# largest output kept (the last of a streamed message). Also: the sums SOURCES.md gives, files
# view counts, re-ingest adds nothing, --format overrides detection.
set -eu
: "${TOKSTAT:?}" "${CORPUS:?}" "${WORK:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB TOKSTAT_PARSERS 2>/dev/null || true
DIR=$CORPUS/claude-code-spotter
DB=$WORK/cc.db
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || { printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2; exit 1; }
	echo "ok: $1"
}

# A fixed order, so "the first of equal lines" means the same line here and in tokstat.
FILES="$DIR/4d5611e5-241a-462a-8d15-5122611a9569.jsonl.gz
$DIR/4d5611e5-241a-462a-8d15-5122611a9569/subagents/agent-a2898e3.jsonl
$DIR/4d5611e5-241a-462a-8d15-5122611a9569/subagents/agent-acompact-e1f845.jsonl
$DIR/short.jsonl
$DIR/subagent.jsonl
$DIR/tool_heavy.jsonl"
for f in $FILES; do [ -f "$f" ] || fail "corpus file missing: $f"; done

# shellcheck disable=SC2086
"$TOKSTAT" --db "$DB" ingest $FILES > "$WORK/ingest.out" || fail "ingest failed: $(cat "$WORK/ingest.out")"
cat "$WORK/ingest.out"

# shellcheck disable=SC2086
python3 "$(dirname "$0")/claude_keep_last.py" $FILES > "$WORK/expected.txt" || fail "the python count failed"

{
	sqlite3 "$DB" "SELECT 'day', day, count(*), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens),
	                      sum(cache_read_tokens) FROM events GROUP BY day ORDER BY day"
	for f in $FILES; do
		sqlite3 "$DB" "SELECT 'file', file, lines, events, skipped, duplicates FROM files WHERE file = '$f'"
	done
} > "$WORK/actual.txt"
cat "$WORK/expected.txt"
check "per-day events, input, output, cache-write, cache-read and per-file counts" \
	"$(cat "$WORK/expected.txt")" "$(cat "$WORK/actual.txt")"

# The keep-last sums SOURCES.md lists (of assistant lines), as a cross-check of the python
# above: the main session's own messages (its progress lines carry its sonnet subagent's,
# counted once with the subagent's file), and that subagent's messages wherever they were read.
check "main session, de-duplicated keep-last: output 28,755 (SOURCES.md)" \
	"177|28755|479537|11618567" \
	"$(sqlite3 "$DB" "SELECT sum(input_tokens), sum(output_tokens), sum(cache_write_tokens), sum(cache_read_tokens)
	                  FROM events WHERE file LIKE '%4d5611e5-241a-462a-8d15-5122611a9569.jsonl.gz'
	                  AND model = 'claude-opus-4-6'")"
check "main session's cost after keep-last de-duplication: \$9.52614975 (SOURCES.md)" "9.52614975" \
	"$(sqlite3 "$DB" "SELECT printf('%.8f', sum(cost_usd)) FROM events
	                  WHERE file LIKE '%4d5611e5-241a-462a-8d15-5122611a9569.jsonl.gz' AND model = 'claude-opus-4-6'")"
check "subagent agent-a2898e3, de-duplicated keep-last (SOURCES.md)" \
	"12|53|136|71257|604156" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens), sum(cache_read_tokens)
	                  FROM events WHERE model = 'claude-sonnet-4-5-20250929'")"
check "verify" "0" "$("$TOKSTAT" --db "$DB" verify > /dev/null; echo $?)"
check "format detected per file" "claude_code" "$(sqlite3 "$DB" "SELECT group_concat(DISTINCT format) FROM files")"
check "totals are the sum of the four kinds" "0" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE total_tokens IS NOT input_tokens + output_tokens + cache_write_tokens + cache_read_tokens")"
sessions=$(python3 -c '
import gzip, json, sys
s = set()
for p in sys.argv[1:]:
    for line in (gzip.open if p.endswith(".gz") else open)(p, "rt"):
        d = json.loads(line)
        if d.get("type") == "assistant" and (d.get("message") or {}).get("usage") is not None:
            s.add(d["sessionId"])
print(len(s))' $FILES)
check "provider and sessions" "anthropic|$sessions" \
	"$(sqlite3 "$DB" "SELECT group_concat(DISTINCT provider), count(DISTINCT session) FROM events")"
check "no rejects" "0" "$(sqlite3 "$DB" "SELECT count(*) FROM rejects")"

# shellcheck disable=SC2086
"$TOKSTAT" --db "$DB" ingest $FILES > "$WORK/again.out" || fail "re-ingest failed"
check "re-ingest adds no event" "$(sed -n 's/^day|[^|]*|\([0-9]*\)|.*/\1/p' "$WORK/expected.txt" | awk '{s += $1} END {print s}')" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM events")"

# A user line named with --format claude_code on stdin: skipped, nothing rejected.
head -3 "$DIR/short.jsonl" | "$TOKSTAT" --db "$WORK/stdin.db" ingest --format claude_code - > "$WORK/stdin.out" ||
	fail "stdin ingest failed"
check "stdin: no events from non-assistant lines" "0|0" \
	"$(sqlite3 "$WORK/stdin.db" "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects)")"
