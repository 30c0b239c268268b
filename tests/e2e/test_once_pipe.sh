#!/bin/sh
# Exactly once for input that cannot be read again and for several lookalikes: two stored
# files that begin with the same 4 KiB are told apart also through gzip, stdin, a FIFO and a
# process substitution <(...) (every candidate is checked on one forward read); a FIFO or
# <(...) that turns out to be another file fails with a message naming it a pipe and stores
# nothing of it (before, it was opened again and read from where the check had stopped).
# Expected counts come from awk over the inputs.
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log
head -n 30 "$F" >"$WORK/common"
[ "$(wc -c <"$WORK/common")" -gt 4096 ] || fail "test setup: the shared part must pass 4 KiB"
{ cat "$WORK/common"; sed -n 100,149p "$F"; } >"$WORK/a.log"
{ cat "$WORK/common"; sed -n 300,349p "$F"; } >"$WORK/b.log"
{ cat "$WORK/common"; sed -n 600,649p "$F"; } >"$WORK/c.log"
touch -d '2 hours ago' "$WORK/a.log" "$WORK/b.log" "$WORK/c.log"
lines() { cat "$@" | awk 'END { print NR }'; }
events() { q "SELECT count(*) + (SELECT coalesce(sum(rejected), 0) FROM files) FROM events"; }
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done' EXIT

ingest_ok "$WORK/a.log" "$WORK/b.log"
both=$(lines "$WORK/a.log" "$WORK/b.log")
assert_eq "a and b: every line once" "$both" "$(events)"

# b rotated and gzipped: its head matches a and b, its tail only b's (a was checked first)
gzip -c "$WORK/b.log" >"$WORK/b.log.1.gz"
run "$TOKSTAT" --db "$DB" ingest "$WORK/b.log.1.gz"
assert_rc "gzip of the second lookalike" 0
assert_contains "recognized as b" "$WORK/out" "nothing new"
assert_eq "gzip of the second lookalike adds nothing" "$both" "$(events)"

# b grown, on stdin: read on from b's checkpoint
{ cat "$WORK/b.log"; sed -n 500,509p "$F"; } >"$WORK/b-grown.log"
run sh -c "'$TOKSTAT' --db '$DB' ingest - <'$WORK/b-grown.log'"
assert_rc "stdin: b grown" 0
assert_contains "stdin: read on after b's last line" "$WORK/out" "resumed after line 80"
assert_eq "stdin: b grown adds its 10 lines" "$((both + 10))" "$(events)"

# a grown, through a FIFO: read on from a's checkpoint
mkfifo "$WORK/fifo"
{ cat "$WORK/a.log"; sed -n 510,514p "$F"; } >"$WORK/a-grown.log"
cat "$WORK/a-grown.log" >"$WORK/fifo" &
pids="$pids $!"
run "$TOKSTAT" --db "$DB" ingest "$WORK/fifo"
assert_rc "FIFO: a grown" 0
assert_contains "FIFO: named as a pipe" "$WORK/out" "$WORK/fifo (pipe)"
assert_contains "FIFO: read on after a's last line" "$WORK/out" "resumed after line 80"
assert_eq "FIFO: a grown adds its 5 lines" "$((both + 15))" "$(events)"

# c, a third lookalike, through a FIFO: what was read to tell is gone, so it fails
cat "$WORK/c.log" >"$WORK/fifo" &
pids="$pids $!"
run "$TOKSTAT" --db "$DB" ingest "$WORK/fifo"
assert_rc "FIFO: another file" 1
assert_contains "FIFO: the message names it a pipe" "$WORK/err" "$WORK/fifo (pipe)"
assert_contains "FIFO: and says what to do" "$WORK/err" "save it to a file"
assert_eq "FIFO: nothing of it stored, nothing lost silently" "$((both + 15))" "$(events)"
assert_eq "FIFO: no file recorded for it" 2 "$(q "SELECT count(*) FROM files")"

# the same through bash's process substitution
gzip -c "$WORK/c.log" >"$WORK/c.log.gz"
run bash -c "'$TOKSTAT' --db '$DB' ingest <(zcat '$WORK/c.log.gz')"
assert_rc "<(zcat c.log.gz): another file" 1
assert_contains "<(...): named as a pipe" "$WORK/err" "(pipe): starts like a file read before"
gzip -c "$WORK/a-grown.log" >"$WORK/a-grown.log.gz"
{ cat "$WORK/a-grown.log"; sed -n 520,521p "$F"; } | gzip -c >"$WORK/a-more.log.gz"
run bash -c "'$TOKSTAT' --db '$DB' ingest <(zcat '$WORK/a-more.log.gz')"
assert_rc "<(zcat a grown again)" 0
assert_eq "<(...): a grown again adds its 2 lines" "$((both + 17))" "$(events)"
ingest_ok "$WORK/c.log"
assert_eq "c as a file: read as new, every line once" "$((both + 17 + $(lines "$WORK/c.log")))" "$(events)"
verify_ok
