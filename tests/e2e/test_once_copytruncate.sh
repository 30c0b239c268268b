#!/bin/sh
# Exactly once under logrotate's copytruncate while a read is in progress: a writer appends to
# a.log while tokstat ingests it, then the log is copied to a.log.1 and truncated, and the
# writer goes on in the new a.log. tokstat notices the truncation, stops a.log at its last
# good line (exit 0: copytruncate is routine; it says so on stderr), and a.log.1 is then
# recognized by head and tail and read on from there: the totals are the union of the lines
# written, each once (computed here from what was written).
# Deterministic: another program holds SQLite's write lock, so the ingest waits (and says so)
# with its batches full after a few thousand lines of a 30 MB log; the rotation happens then.
. "$(dirname "$0")/lib.sh"

pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT

# gen FILE FIRST COUNT: append COUNT proxy lines numbered from FIRST (request_id = number)
gen() {
	python3 - "$@" <<'PY'
import sys, time
path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "a") as f:
    for i in range(first, first + count):
        t = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(1760000000 + i))
        f.write('10.0.%d.%d - - [%s] "POST /v1/chat/completions HTTP/1.1" 200 %d "-" "w/1.0" '
                'tok="Bearer sk-proj-%s%04d" user=u%d model=gpt-4o-mini pt=%d ct=%d request_id=%032x\n'
                % (i % 200, i % 250, t, 100 + i % 900, "Q7x" * 10, i % 16, i % 23, 1000 + i % 977, 1 + i % 301, i))
PY
}
# sums FILE...: lines, input and output tokens, as tokstat must count them
sums() {
	cat "$@" | awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^pt=/) p += substr($i, 4); if ($i ~ /^ct=/) c += substr($i, 4) } }
		END { print NR "|" p "|" c }'
}

# a database that needs no schema work, so the run below starts reading at once
ingest_ok "$SAMPLES/api-gateway.log.1"
base=$(q "SELECT count(*) FROM events")
gen "$WORK/a.log" 0 120000
[ "$(wc -c <"$WORK/a.log")" -gt 25000000 ] || fail "test setup: a.log should be over 25 MB"

# another program takes the write lock and holds it until told
mkfifo "$WORK/ctl"
python3 -c '
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
con.execute("COMMIT")
' "$DB" <"$WORK/ctl" >"$WORK/holder.out" &
holder=$!
pids="$pids $holder"
exec 3>"$WORK/ctl"
n=0
until grep -q locked "$WORK/holder.out" 2>/dev/null; do
	n=$((n + 1)); [ $n -lt 200 ] || fail "the lock holder never locked"; sleep 0.05
done

"$TOKSTAT" --db "$DB" ingest --batch 1000 "$WORK/a.log" >"$WORK/run.out" 2>"$WORK/run.err" 3>&- &
ingest=$!
pids="$pids $ingest"
n=0
until grep -q "another program holds a write lock" "$WORK/run.err" 2>/dev/null; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "the ingest never waited for the lock: $(cat "$WORK/run.err")"; sleep 0.05
done
echo "ok: the ingest waits for the other program's lock, and says so"

# the writer goes on, then copytruncate, then the writer goes on in the new file
gen "$WORK/a.log" 120000 1000
cp "$WORK/a.log" "$WORK/a.log.1"
: >"$WORK/a.log"
gen "$WORK/a.log" 121000 500
expected=$(sums "$WORK/a.log.1" "$WORK/a.log")
assert_eq "test setup: every line written is in the copy or the new file" "121500" "${expected%%|*}"

echo go >&3
exec 3>&-
wait "$ingest"
rc=$?
assert_eq "the truncated run exits 0 (copytruncate is routine)" 0 "$rc"
assert_contains "stderr names the file and the truncation" "$WORK/run.err" "$WORK/a.log: truncated"
assert_contains "stderr says what to do" "$WORK/run.err" "ingest the rotated copy"
assert_contains "its summary says where it stopped" "$WORK/run.out" "truncated while being read"
wait "$holder"
stopped=$(q "SELECT lines FROM files WHERE file = '$WORK/a.log'")
[ "$stopped" -gt 0 ] && [ "$stopped" -lt 120000 ] || fail "the run should have stopped mid-file, at line $stopped"
echo "ok: stopped at line $stopped of 121000, its last good line"

run "$TOKSTAT" --db "$DB" ingest "$WORK/a.log.1" "$WORK/a.log"
assert_rc "ingest the rotated copy and the new file" 0
assert_contains "the copy is recognized and read on" "$WORK/out" "resumed after line $stopped"
assert_eq "events, input and output tokens: the union of the lines written, once" "$expected" \
	"$(q "SELECT count(*) || '|' || sum(input_tokens) || '|' || sum(output_tokens) FROM events
	      WHERE file <> '$SAMPLES/api-gateway.log.1'")"
assert_eq "no request twice" "$(q "SELECT count(*) FROM events WHERE file <> '$SAMPLES/api-gateway.log.1'")" \
	"$(q "SELECT count(DISTINCT request_id) FROM events WHERE file <> '$SAMPLES/api-gateway.log.1'")"
ingest_ok "$WORK/a.log.1" "$WORK/a.log"
assert_eq "and again: nothing added" "$((base + 121500))" "$(q "SELECT count(*) FROM events")"
verify_ok
