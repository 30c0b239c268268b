#!/bin/sh
# Claude Code keep-last: of the lines of one API message (message.id + requestId) the one with
# the largest output tokens is counted (then total tokens; the first of equal ones), within a
# file and a batch, across runs (the file grew), across files, also after a smaller later line;
# a subagent's message logged in progress lines counts once; a message whose event was pruned
# stays counted as it was. After each step the events, daily sums and file counts equal
# claude_keep_last.py's count over the raw lines, and `tokstat verify` passes.
. "$(dirname "$0")/lib.sh"
PY=$(dirname "$0")/claude_keep_last.py

# line KIND ID REQUEST TIME OUTPUT [INPUT]: one usage line; KIND assistant, progress (the
# subagent's message inside data.message) or nooutput (an assistant line without output_tokens)
line() {
	in=${6:-100}
	case $1 in
	assistant) printf '{"type":"assistant","sessionId":"s1","uuid":"u-%s","timestamp":"%s","requestId":"%s","cwd":"/p","message":{"id":"%s","model":"claude-opus-4-6","usage":{"input_tokens":%s,"output_tokens":%s,"cache_creation_input_tokens":10,"cache_read_input_tokens":20}}}\n' "$2$5" "$4" "$3" "$2" "$in" "$5" ;;
	nooutput) printf '{"type":"assistant","sessionId":"s1","uuid":"u-%s","timestamp":"%s","requestId":"%s","cwd":"/p","message":{"id":"%s","model":"claude-opus-4-6","usage":{"input_tokens":%s,"cache_read_input_tokens":20}}}\n' "$2" "$4" "$3" "$2" "$in" ;;
	progress) printf '{"type":"progress","sessionId":"s1","uuid":"p-%s","timestamp":"%s","cwd":"/p","data":{"type":"agent_progress","message":{"type":"assistant","timestamp":"%s","requestId":"%s","message":{"id":"%s","model":"claude-haiku-4-5","usage":{"input_tokens":%s,"output_tokens":%s,"cache_creation_input_tokens":10,"cache_read_input_tokens":20}}}}}\n' "$2$5" "$4" "$4" "$3" "$2" "$in" "$5" ;;
	esac
}
user() { printf '{"type":"user","sessionId":"s1","uuid":"u-%s","timestamp":"2026-01-01T10:00:00Z","message":{"role":"user","content":"hi"}}\n' "$1"; }

# ingest_into DB FILE...: the files, with --format claude_code
ingest_into() {
	d=$1
	shift
	run "$TOKSTAT" --db "$d" ingest -q --format claude_code "$@"
	assert_rc "ingest $*" 0 >/dev/null
}

# same_as_python WHAT DB FILE...: per-day sums and per-file counts equal the python count over
# FILE... in that order, and verify passes
same_as_python() {
	what=$1 d=$2
	shift 2
	python3 "$PY" "$@" > "$WORK/expected.txt" || fail "python count"
	{
		sqlite3 -batch "$d" "SELECT 'day', day, count(*), sum(input_tokens), sum(output_tokens), sum(cache_write_tokens),
		                            sum(cache_read_tokens) FROM events GROUP BY day ORDER BY day"
		for f in "$@"; do
			sqlite3 -batch "$d" "SELECT 'file', file, lines, events, skipped, duplicates FROM files WHERE file = '$f'"
		done
	} > "$WORK/actual.txt"
	assert_same_file "$what: as counted from the raw lines" "$WORK/expected.txt" "$WORK/actual.txt"
	# the daily aggregates (what reports read) say the same as the raw events
	assert_eq "$what: daily_usage sums" \
		"$(sqlite3 -batch "$d" "SELECT day, count(*), sum(output_tokens) FROM events GROUP BY day ORDER BY day")" \
		"$(sqlite3 -batch "$d" "SELECT day, sum(requests), sum(output_tokens) FROM daily_usage GROUP BY day ORDER BY day")"
	verify_ok "$d"
}
out_of() { sqlite3 -batch "$1" "SELECT group_concat(output_tokens, ',') FROM (SELECT output_tokens FROM events ORDER BY epoch, output_tokens)"; }

# -- within a file (and one batch): the last, largest line counts
A=$WORK/a.jsonl
{ user 1; line assistant m1 r1 2026-01-01T10:00:01Z 1; line assistant m1 r1 2026-01-01T10:00:02Z 5
  line assistant m1 r1 2026-01-01T10:00:03Z 40; user 2; } > "$A"
ingest_into "$WORK/a.db" "$A"
assert_eq "within a file: one event, the last line's output" "40" "$(out_of "$WORK/a.db")"
assert_eq "within a file: 1 event, 2 duplicates" "1|2" "$(sqlite3 "$WORK/a.db" "SELECT events, duplicates FROM files")"
same_as_python "within a file" "$WORK/a.db" "$A"
# ... also when every line is its own batch (the row replaced is in a committed batch)
run "$TOKSTAT" --db "$WORK/a1.db" ingest -q --format claude_code --batch 1 "$A"
assert_rc "ingest a batch a line" 0
same_as_python "within a file, a batch a line" "$WORK/a1.db" "$A"

# -- across two runs: the file grows by the message's last line
B=$WORK/b.jsonl
line assistant m2 r2 2026-01-01T11:00:00Z 3 > "$B"
ingest_into "$WORK/b.db" "$B"
assert_eq "first run: the line so far" "3" "$(out_of "$WORK/b.db")"
same_as_python "first run" "$WORK/b.db" "$B"
{ line assistant m2 r2 2026-01-01T11:00:04Z 30; line assistant m3 r3 2026-01-01T11:00:05Z 7; } >> "$B"
ingest_into "$WORK/b.db" "$B"
assert_eq "second run: the later, larger line replaced it" "30,7" "$(out_of "$WORK/b.db")"
assert_eq "second run: 2 events, 1 duplicate" "2|1" "$(sqlite3 "$WORK/b.db" "SELECT events, duplicates FROM files")"
same_as_python "second run" "$WORK/b.db" "$B"

# -- across two files, across midnight: the first day loses the event; what is left of its
# group logged no output, so its output sum is NULL again, not 0
C1=$WORK/c1.jsonl C2=$WORK/c2.jsonl
{ line nooutput m5 r5 2026-01-01T23:59:50Z; line assistant m4 r4 2026-01-01T23:59:59Z 5; } > "$C1"
line assistant m4 r4 2026-01-02T00:00:01Z 50 > "$C2"
ingest_into "$WORK/c.db" "$C1"
ingest_into "$WORK/c.db" "$C2"
same_as_python "across two files, two runs" "$WORK/c.db" "$C1" "$C2"
assert_eq "the first day's output is NULL (no event of it logged one)" "1||1" \
	"$(sqlite3 "$WORK/c.db" "SELECT requests, output_tokens, input_tokens IS NOT NULL FROM daily_usage WHERE day = '2026-01-01'")"
assert_eq "the first file: 1 event, 1 duplicate" "1|1" "$(sqlite3 "$WORK/c.db" "SELECT events, duplicates FROM files WHERE file = '$C1'")"
ingest_into "$WORK/c2.db" "$C1" "$C2" # both in one run: one batch
same_as_python "across two files, one run" "$WORK/c2.db" "$C1" "$C2"
assert_eq "one run: the first day's output is NULL" "1|" \
	"$(sqlite3 "$WORK/c2.db" "SELECT requests, output_tokens FROM daily_usage WHERE day = '2026-01-01'")"

# -- a smaller later line (in the file, then in a later run) leaves the larger counted
D=$WORK/d.jsonl
{ line assistant m6 r6 2026-01-03T09:00:00Z 50; line assistant m6 r6 2026-01-03T09:00:01Z 10; } > "$D"
ingest_into "$WORK/d.db" "$D"
line assistant m6 r6 2026-01-03T09:00:02Z 20 >> "$D"
ingest_into "$WORK/d.db" "$D"
assert_eq "smaller later lines: the larger stays" "50" "$(out_of "$WORK/d.db")"
assert_eq "smaller later lines: 1 event, 2 duplicates" "1|2" "$(sqlite3 "$WORK/d.db" "SELECT events, duplicates FROM files")"
same_as_python "smaller later lines" "$WORK/d.db" "$D"

# -- equal lines in two files: the first stays counted
G1=$WORK/g1.jsonl G2=$WORK/g2.jsonl
line assistant m10 r10 2026-01-03T10:00:00Z 5 > "$G1"
line assistant m10 r10 2026-01-03T10:00:09Z 5 > "$G2"
ingest_into "$WORK/g.db" "$G1"
ingest_into "$WORK/g.db" "$G2"
assert_eq "a tie keeps the first file's event" "1|0" \
	"$(sqlite3 "$WORK/g.db" "SELECT events, duplicates FROM files WHERE file = '$G1'")"
same_as_python "a tie" "$WORK/g.db" "$G1" "$G2"

# -- a subagent's message in progress lines (the session's file) and in its own file: once;
# a message seen only in progress lines counts too, once
F1=$WORK/f1.jsonl F2=$WORK/f2.jsonl
{ user 3; line progress m8 r8 2026-01-04T08:00:00Z 2; line progress m9 r9 2026-01-04T08:00:05Z 4
  line progress m9 r9 2026-01-04T08:00:06Z 4; } > "$F1"
{ line assistant m8 r8 2026-01-04T08:00:00Z 2; line assistant m8 r8 2026-01-04T08:00:01Z 9; } > "$F2"
ingest_into "$WORK/f.db" "$F1"
assert_eq "progress lines: each message once" "2|4" "$(sqlite3 "$WORK/f.db" "SELECT count(*), max(output_tokens) FROM events")"
assert_eq "progress lines: the subagent's model" "claude-haiku-4-5" "$(sqlite3 "$WORK/f.db" "SELECT DISTINCT model FROM events")"
same_as_python "progress lines" "$WORK/f.db" "$F1"
ingest_into "$WORK/f.db" "$F2"
assert_eq "the subagent's own file: its message once, with its final output" "9,4" "$(out_of "$WORK/f.db")"
same_as_python "progress lines and the subagent's file" "$WORK/f.db" "$F1" "$F2"

# -- prune, then the message's larger line and the pruned file again: nothing counted twice
E1=$WORK/e1.jsonl E2=$WORK/e2.jsonl
line assistant m7 r7 2025-01-01T12:00:00Z 5 > "$E1"
line assistant m7 r7 2025-01-01T12:00:09Z 99 > "$E2"
ingest_into "$WORK/e.db" "$E1"
run "$TOKSTAT" --db "$WORK/e.db" prune --keep-days 1
assert_rc "prune" 0
assert_eq "pruned: no raw event, its key points at none" "0|1|0" \
	"$(sqlite3 "$WORK/e.db" "SELECT (SELECT count(*) FROM event), (SELECT count(*) FROM seen), (SELECT count(event) FROM seen)")"
verify_ok "$WORK/e.db"
ingest_into "$WORK/e.db" "$E2"
cp "$E1" "$WORK/e1-renamed.jsonl"
ingest_into "$WORK/e.db" "$WORK/e1-renamed.jsonl"
assert_eq "after prune: the larger line is a duplicate, the day keeps what it counted" "0|1|5" \
	"$(sqlite3 "$WORK/e.db" "SELECT (SELECT count(*) FROM events), sum(requests), sum(output_tokens) FROM daily_usage")"
assert_eq "after prune: the later file counts a duplicate" "0|1" \
	"$(sqlite3 "$WORK/e.db" "SELECT events, duplicates FROM files WHERE file = '$E2'")"
verify_ok "$WORK/e.db"

# -- verify tells a key that points at a deleted event, or two keys at one event
cp "$WORK/b.db" "$WORK/bad.db"
sqlite3 "$WORK/bad.db" "UPDATE seen SET event = event + 1000000 WHERE key = (SELECT min(key) FROM seen)"
run "$TOKSTAT" --db "$WORK/bad.db" verify
assert_rc "verify: a key pointing at no event" 1
assert_contains "verify says which" "$WORK/out" "de-duplication key points at no event"
cp "$WORK/b.db" "$WORK/bad2.db"
sqlite3 "$WORK/bad2.db" "UPDATE seen SET event = (SELECT min(event) FROM seen)"
run "$TOKSTAT" --db "$WORK/bad2.db" verify
assert_rc "verify: two keys, one event" 1
assert_contains "verify says which" "$WORK/out" "event counted for several de-duplication keys"

# -- a key stored before keep-last (migration 6 leaves its event NULL): counted as it was
H=$WORK/h.jsonl
line assistant m11 r11 2026-01-05T10:00:00Z 5 > "$H"
ingest_into "$WORK/h.db" "$H"
sqlite3 "$WORK/h.db" "UPDATE seen SET event = NULL, output_tokens = NULL, total_tokens = NULL"
line assistant m11 r11 2026-01-05T10:00:05Z 80 >> "$H"
ingest_into "$WORK/h.db" "$H"
assert_eq "an older key: the later line is a duplicate" "5|1|1" \
	"$(sqlite3 "$WORK/h.db" "SELECT (SELECT group_concat(output_tokens) FROM events), events, duplicates FROM files")"
verify_ok "$WORK/h.db"
