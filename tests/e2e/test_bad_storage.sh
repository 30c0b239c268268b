#!/bin/sh
# When the database's storage is in the way, tokstat says what happened: a read-only
# directory (before: "not a tokstat database"), another program's write lock (waited for with
# a message; --no-wait fails at once, before: after 60 s), a full disk and a file size limit
# (said before exiting; what was committed stays, and a later run goes on from there), an
# unknown option (one line naming it, then the usage line), also after the files.
# Root ignores file modes, so as root the read-only directory and the full disk are a
# read-only bind mount and a 1 MiB tmpfs in a mount namespace of their own (unshare -m), which
# vanish with it; otherwise chmod and the file size limit stand in.
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT
mkdir "$WORK/ro"
DB=$WORK/ro/t.db ingest_ok "$F"
is_root=$([ "$(id -u)" = 0 ] && echo yes || echo no)

# in_ro CMD: run the shell command CMD with $WORK/ro read-only; stdout/stderr/rc as run()
in_ro() {
	if [ "$is_root" = yes ]; then
		run unshare -m sh -c "mount --bind '$WORK/ro' '$WORK/ro' && mount -o remount,bind,ro '$WORK/ro' && $1"
	else
		chmod 555 "$WORK/ro"
		run sh -c "$1"
		chmod 755 "$WORK/ro"
	fi
}
in_ro "'$TOKSTAT' --db '$WORK/ro/t.db' summary"
assert_rc "summary of a database in a read-only directory" 1
assert_not_contains "not called 'not a tokstat database'" "$WORK/err" "not a tokstat database"
assert_contains "says the directory is read-only" "$WORK/err" "its directory $WORK/ro is read-only"
in_ro "'$TOKSTAT' --db '$WORK/ro/t.db' ingest '$SAMPLES/api-gateway.log.1'"
assert_rc "ingest into a database in a read-only directory" 1
assert_contains "ingest says the directory is read-only" "$WORK/err" "is read-only"
in_ro "'$TOKSTAT' --db '$WORK/ro/new.db' ingest '$F'"
assert_rc "a new database in a read-only directory" 1
assert_contains "says it cannot be created there" "$WORK/err" "cannot create the database: its directory $WORK/ro is read-only"

# another program holds the write lock (a sqlite3 shell inside a transaction, say)
DB=$WORK/t.db
ingest_ok "$SAMPLES/api-gateway.log.1"
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
t0=$(date +%s)
run "$TOKSTAT" --db "$DB" ingest --no-wait "$F" 3>&-
t1=$(date +%s)
assert_rc "--no-wait under another program's write lock" 1
assert_contains "says busy and who holds it" "$WORK/err" "busy: another program holds a write lock"
[ $((t1 - t0)) -lt 10 ] || fail "--no-wait took $((t1 - t0)) s"
echo "ok: --no-wait failed at once ($((t1 - t0)) s)"
"$TOKSTAT" --db "$DB" ingest "$F" >"$WORK/wait.out" 2>"$WORK/wait.err" 3>&- &
waiter=$!
pids="$pids $waiter"
n=0
until grep -q "another program holds a write lock on it; waiting" "$WORK/wait.err" 2>/dev/null; do
	n=$((n + 1)); [ $n -lt 400 ] || fail "the ingest did not say it waits: $(cat "$WORK/wait.err")"; sleep 0.05
done
echo "ok: without --no-wait it waits, and says so"
echo go >&3
exec 3>&-
wait "$waiter" || fail "the waiting ingest failed: $(cat "$WORK/wait.err")"
wait "$holder"
assert_eq "then it ingests" "$(awk 'END { print NR }' "$F" "$SAMPLES/api-gateway.log.1")" \
	"$(q "SELECT count(*) + (SELECT sum(rejected) FROM files) FROM events")"

# a log large enough to fill 1 MiB of database, or a 256 KiB file size limit
python3 - "$WORK/big.log" <<'PY'
import sys, time
with open(sys.argv[1], "w") as f:
    for i in range(40000):
        t = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(1760000000 + i))
        f.write('10.0.0.%d - - [%s] "POST /v1/x/%d HTTP/1.1" 200 5 "-" "c" tok="Bearer sk-proj-%032d" user=u%d '
                'model=m%d pt=%d ct=1 request_id=%032x\n' % (i % 250, t, i, i % 997, i, i % 31, i, i))
PY
check_stop() { # WHAT TEXT: exit 1, the message, no crash
	assert_rc "$1" 1
	assert_contains "$1: says what happened" "$WORK/err" "$2"
	assert_contains "$1: and that a run goes on from there" "$WORK/err" "goes on from the last commit"
}
if [ "$is_root" = yes ]; then
	mkdir "$WORK/full"
	run unshare -m sh -c "mount -t tmpfs -o size=1m tokstat-test '$WORK/full' &&
		'$TOKSTAT' --db '$WORK/full/t.db' ingest --batch 2000 '$WORK/big.log'; rc=\$?;
		'$TOKSTAT' --db '$WORK/full/t.db' verify >&2 || echo 'verify failed' >&2; exit \$rc"
	check_stop "a full disk" "the disk is full"
	assert_contains "what was committed is consistent" "$WORK/err" "integrity ok"
	assert_not_contains "verify passed" "$WORK/err" "verify failed"
fi
run sh -c "ulimit -f 512; '$TOKSTAT' --db '$WORK/limit.db' ingest --batch 2000 '$WORK/big.log'"
check_stop "a file size limit" "the file size limit, ulimit -f, was reached"
committed=$(sqlite3 "$WORK/limit.db" "SELECT count(*) FROM events")
run "$TOKSTAT" --db "$WORK/limit.db" ingest "$WORK/big.log"
assert_rc "without the limit the next run goes on" 0
assert_eq "and ends with every line once" 40000 "$(sqlite3 "$WORK/limit.db" "SELECT count(*) FROM events")"
echo "ok: $committed events were committed before the limit"
verify_ok "$WORK/limit.db"

# The same limit over many JSON files, whose last lines are parsed while the next file is
# read: the run stops once, says why once, names no file twice, and the next run ends with
# every line once (python's count: 30 files of 2100 lines).
mkdir "$WORK/many"
python3 - "$WORK/many" <<'PY'
import json, sys
for k in range(30):
    with open("%s/%02d.jsonl" % (sys.argv[1], k), "w") as f:
        for i in range(2100):
            f.write(json.dumps({"timestamp": "2025-10-10T10:%02d:%02dZ" % (i // 60 % 60, i % 60),
                                "model": "gpt-4o-mini", "object": "chat.completion", "id": "c%d-%d" % (k, i),
                                "note": "x" * 200, "usage": {"prompt_tokens": i, "completion_tokens": 2 * i}}) + "\n")
PY
run sh -c "ulimit -f 2048; '$TOKSTAT' --db '$WORK/many.db' ingest --batch 37 '$WORK'/many/*.jsonl"
check_stop "a file size limit over many JSON files" "the file size limit, ulimit -f, was reached"
cat "$WORK/out" "$WORK/err" >"$WORK/said"
assert_eq "the limit is told once" 1 "$(grep -c 'ulimit -f, was reached' "$WORK/said")"
assert_eq "no file is named twice" "" "$(grep -o 'many/[0-9]*\.jsonl' "$WORK/said" | sort | uniq -d)"
run "$TOKSTAT" --db "$WORK/many.db" ingest "$WORK"/many/*.jsonl
assert_rc "without the limit the next run goes on" 0
assert_eq "and ends with every line of every file once" "63000|63000|30" \
	"$(sqlite3 "$WORK/many.db" "SELECT count(*), count(DISTINCT file || '/' || line), count(DISTINCT file) FROM events")"
verify_ok "$WORK/many.db"

# an unknown option: one line naming it, then the usage line; also after the files
for args in "--bogus $F" "$F --bogus"; do
	# shellcheck disable=SC2086 # two words on purpose
	run "$TOKSTAT" --db "$DB" ingest $args
	assert_rc "ingest $args" 2
	assert_eq "ingest $args: the first line names it" "tokstat ingest: unknown option --bogus" "$(head -n 1 "$WORK/err")"
	assert_eq "ingest $args: then the usage line, nothing more" "2|usage:" \
		"$(wc -l <"$WORK/err" | tr -d ' ')|$(tail -n 1 "$WORK/err" | cut -d' ' -f1)"
done
