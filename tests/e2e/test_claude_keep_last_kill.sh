#!/bin/sh
# Keep-last under kill -9: a Claude Code tree (the corpus's sessions copied with new keys, so
# lines of a message are replaced within files, across batches and across the session and
# subagent files) ingested in small batches, killed at growing delays and run again, ends
# with the totals of an uninterrupted run and of claude_keep_last.py; verify passes after
# every kill.
. "$(dirname "$0")/lib.sh"
MAX_ROUNDS=${KILL_MAX_ROUNDS:-25}

python3 "$ROOT/tests/bench/gen_claude_tree.py" "$CORPUS/claude-code-spotter" "$WORK/tree" 60 >/dev/null ||
	fail "generating the tree failed"
find "$WORK/tree" -name '*.jsonl' | sort > "$WORK/files.txt"
# shellcheck disable=SC2046
python3 "$(dirname "$0")/claude_keep_last.py" $(cat "$WORK/files.txt") | grep '^day|' |
	awk -F'|' '{ r += $3; i += $4; o += $5; w += $6; c += $7 } END { print r "|" i "|" o "|" w "|" c }' > "$WORK/expected"
sums() {
	sqlite3 -batch "$1" "SELECT sum(requests), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens),
	                            sum(cache_read_tokens) FROM daily_usage"
}

# shellcheck disable=SC2046
DB=$WORK/ref.db ingest_ok --batch 50 --format claude_code $(cat "$WORK/files.txt")
assert_eq "uninterrupted run: as counted from the raw lines" "$(cat "$WORK/expected")" "$(sums "$WORK/ref.db")"
ref=$(totals "$WORK/ref.db")

DB=$WORK/kill.db
# shellcheck disable=SC2046
hits=$(kill_until_done "$DB" "$MAX_ROUNDS" "0.01 0.05 0.15 0.3" --batch 50 --format claude_code \
	$(cat "$WORK/files.txt")) || exit 1
echo "$hits kills hit a running ingest"
[ "$hits" -ge 2 ] || fail "only $hits kills hit a running ingest"
assert_eq "after the kills: the uninterrupted run's totals" "$ref" "$(totals "$DB")"
assert_eq "after the kills: as counted from the raw lines" "$(cat "$WORK/expected")" "$(sums "$DB")"
verify_ok "$DB"
