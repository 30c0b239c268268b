#!/bin/sh
# Many small files (a Claude Code projects tree, a directory of rotated logs): they share
# transactions, so the run costs a few syncs, not two per file; a run that finds nothing new
# writes nothing and syncs nothing (counted with strace); a copy of a file in the same run is
# still known though its batch may not be committed yet. Totals come from awk over the files.
. "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || fail "strace is missing (tools/setup-debian.sh installs it)"
mkdir "$WORK/tree"
# over a hundred files of 4 to 40 lines cut from the samples
cat "$SAMPLES/api-gateway.log" "$SAMPLES/api-gateway.log.1" >"$WORK/all.log"
awk -v dir="$WORK/tree" 'BEGIN { n = 0; left = 0 }
	{ if (left == 0) { n++; left = 4 + (n * 7) % 37; f = sprintf("%s/s%03d.log", dir, n) }
	  print > f; left--; if (left == 0) close(f) }
	END { }' "$WORK/all.log"
files=$(ls "$WORK/tree" | wc -l | tr -d ' ')
[ "$files" -ge 50 ] || fail "test setup: only $files files"
touch -d '2 hours ago' "$WORK"/tree/*
# a copy of the first file, named last: the same run must know it (its batch is still queued)
cp "$WORK/tree/s001.log" "$WORK/tree/zz-copy-of-s001.log"
touch -d '2 hours ago' "$WORK/tree/zz-copy-of-s001.log"

# traced CMD...: run it under strace (exit status in $rc); then syncs: its fsync + fdatasync calls
traced() {
	rc=0
	# LeakSanitizer cannot run under ptrace: off for the traced run of an ASan build only
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o "$WORK/strace" -e trace=fsync,fdatasync "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}
syncs() { grep -cE '(fsync|fdatasync)\(' "$WORK/strace" || true; }

traced "$TOKSTAT" --db "$DB" ingest "$WORK"/tree/*
first=$(syncs)
assert_rc "first run over $files files and a copy" 0
exp=$(cat "$WORK"/tree/s*.log | awk 'END { print NR }')
assert_eq "every line once (the copy adds nothing)" "$exp" \
	"$(q "SELECT (SELECT count(*) FROM events) + (SELECT sum(rejected) FROM files)")"
assert_eq "one file row per distinct file" "$files" "$(q "SELECT count(*) FROM files")"
assert_contains "the copy is known in the same run" "$WORK/out" "zz-copy-of-s001.log: nothing new"
# a fixed cost, whatever the number of files: the new database (made in rollback mode, so
# that incremental auto-vacuum takes, then switched to WAL), the key file (file and
# directory) and the final checkpoint; the old cost was two per file
[ "$first" -le 16 ] || fail "first run: $first syncs for $files files"
echo "ok: first run: $first syncs for $files files"
verify_ok
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(cksum <"$DB")

traced "$TOKSTAT" --db "$DB" ingest "$WORK"/tree/*
again=$(syncs)
assert_rc "rerun" 0
assert_eq "a rerun that finds nothing new syncs nothing" 0 "$again"
assert_eq "every file says nothing new" "$((files + 1))" "$(grep -c 'nothing new' "$WORK/out")"
assert_eq "and writes nothing" "$before" "$(cksum <"$DB")"

# one file grown: only it is written
gzip -dc "$SAMPLES/api-gateway.log.2.gz" | head -n 5 >>"$WORK/tree/s010.log"
touch -d '2 hours ago' "$WORK/tree/s010.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK"/tree/*
assert_rc "one file grown" 0
assert_eq "one file read on, the others nothing new" "1|$files" \
	"$(grep -c 'new lines' "$WORK/out")|$(grep -c 'nothing new' "$WORK/out")"
assert_eq "its 5 lines added" "$((exp + 5))" "$(q "SELECT (SELECT count(*) FROM events) + (SELECT sum(rejected) FROM files)")"
verify_ok
