#!/bin/sh
# tokstat prune: raw events before the UTC midnight N days ago go, and nothing else: the
# daily and hourly aggregates, credentials and files are the same row for row, verify passes,
# re-ingesting a pruned file (also renamed and gzipped) adds nothing, a Claude Code line whose
# event was pruned is still a duplicate, the space is given back (and an older database is
# switched to incremental auto-vacuum by its first prune), --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" "$SAMPLES/api-gateway.log"
# keep the days from 2025-10-09 on (today is whatever day the test runs)
keep=$(python3 -c 'import datetime, time; print((datetime.date.fromtimestamp(time.time() // 86400 * 86400).toordinal() - datetime.date(2025, 10, 9).toordinal()))')
TZ=UTC python3 -c 'import time; assert time.gmtime().tm_year >= 2025' || fail "the clock is before the samples"

# what must go, and what must stay, read with sqlite3 before pruning
gone=$(q "SELECT count(*) FROM events WHERE day < '2025-10-09'")
gone_days=$(q "SELECT count(DISTINCT day) FROM events WHERE day < '2025-10-09'")
kept=$(q "SELECT count(*) FROM events WHERE day >= '2025-10-09'")
[ "$gone" -gt 0 ] && [ "$kept" -gt 0 ] || fail "the samples straddle 2025-10-09 ($gone, $kept)"
aggregates() {
	q "SELECT * FROM daily_usage ORDER BY day, token_fp, user, endpoint, model, provider, operation, project"
	q "SELECT * FROM hourly_usage ORDER BY hour, token_fp, user, model"
	q "SELECT * FROM credentials ORDER BY token_fp"
	# (a file is known by its content; its name is the latest it was read under)
	q "SELECT fingerprint, format, bytes, lines, events, rejected, skipped, duplicates FROM files ORDER BY fingerprint"
	q "SELECT count(*) FROM rejects"
}
aggregates > "$WORK/before.txt"
q "SELECT * FROM events WHERE day >= '2025-10-09' ORDER BY epoch, file, line" > "$WORK/kept-before.txt"
size_before=$(($(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0)))

# --dry-run says what would go and changes nothing
sum_before=$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)
run ts prune --keep-days "$keep" --dry-run
assert_rc "prune --dry-run" 0
assert_contains "the dry run counts the events and days" "$WORK/out" \
	"would remove $gone raw events of $gone_days days (2025-10-05 .. 2025-10-08), the days before 2025-10-09"
assert_eq "the dry run changed nothing" "$sum_before" "$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)"

run ts prune --keep-days "$keep"
assert_rc "prune" 0
cat "$WORK/out"
assert_contains "prune says what went" "$WORK/out" \
	"removed $gone raw events of $gone_days days (2025-10-05 .. 2025-10-08), the days before 2025-10-09"
assert_contains "prune says how much space came back" "$WORK/out" "MB given back"
assert_eq "the raw events before the day are gone" 0 "$(q "SELECT count(*) FROM events WHERE day < '2025-10-09'")"
q "SELECT * FROM events WHERE day >= '2025-10-09' ORDER BY epoch, file, line" > "$WORK/kept-after.txt"
assert_same_file "the raw events from the day on are all there, as they were" "$WORK/kept-before.txt" "$WORK/kept-after.txt"
aggregates > "$WORK/after.txt"
assert_same_file "daily, hourly, credentials, files and rejects unchanged" "$WORK/before.txt" "$WORK/after.txt"
assert_eq "meta records the day" 20370 "$(q "SELECT value FROM meta WHERE key = 'pruned_before'")"
assert_eq "the files count what was pruned of them" "$gone" "$(q "SELECT sum(pruned) FROM file")"
verify_ok
size_after=$(($(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0)))
[ "$size_after" -lt "$size_before" ] || fail "the database did not shrink: $size_before -> $size_after bytes"
echo "ok: the database shrank, $size_before -> $size_after bytes"
assert_eq "a new database is in incremental auto-vacuum" 2 "$(q "PRAGMA auto_vacuum")"
assert_eq "no free page is left in the file" 0 "$(q "PRAGMA freelist_count")"

# the same files again, and one renamed and gzipped: recognized, nothing added
run ts ingest "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" "$SAMPLES/api-gateway.log"
assert_rc "re-ingest the pruned files" 0
assert_eq "re-ingest reads nothing new" 3 "$(grep -c 'nothing new' "$WORK/out")"
gzip -c "$SAMPLES/api-gateway.log.1" > "$WORK/rotated.gz"
run ts ingest "$WORK/rotated.gz"
assert_rc "ingest the pruned file renamed and gzipped" 0
assert_contains "it is recognized" "$WORK/out" "nothing new"
aggregates > "$WORK/again.txt"
assert_same_file "re-ingesting added nothing" "$WORK/after.txt" "$WORK/again.txt"
assert_eq "no pruned day's raw events came back" 0 "$(q "SELECT count(*) FROM events WHERE day < '2025-10-09'")"
verify_ok

# Pruning again with a longer keep removes nothing and keeps the record.
run ts prune --keep-days "$((keep + 30))"
assert_rc "prune with a longer keep" 0
assert_contains "nothing older is left" "$WORK/out" "nothing to prune"
assert_eq "pruned_before stays" 20370 "$(q "SELECT value FROM meta WHERE key = 'pruned_before'")"

# The keep from the config's [run] keep_days; without any, a usage error.
printf '[run]\nkeep_days = %s\n' "$((keep - 2))" > "$WORK/t.conf"
run "$TOKSTAT" --db "$DB" --config "$WORK/t.conf" prune
assert_rc "prune with [run] keep_days" 0
assert_contains "the config's keep is used" "$WORK/out" "the days before 2025-10-11"
verify_ok
run ts prune
assert_rc "prune without a keep" 2
assert_contains "prune asks for --keep-days" "$WORK/err" "--keep-days N"
run ts prune --keep-days 0
assert_rc "--keep-days 0" 2

# A Claude Code message whose event was pruned is still seen: a later copy of its lines in
# another file is counted as duplicates, not stored again.
CC=$CORPUS/claude-code-spotter/short.jsonl
CCDB=$WORK/cc.db
"$TOKSTAT" --db "$CCDB" ingest -q "$CC" || fail "ingest $CC"
events=$(python3 - "$CC" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    m = d.get("message") if isinstance(d.get("message"), dict) else {}
    if d.get("type") == "assistant" and m.get("usage") is not None:
        seen.add((m.get("id"), d.get("requestId")))
print(len(seen))
PY
)
[ "$events" -gt 0 ] || fail "no assistant lines in $CC"
assert_eq "the session's messages are stored" "$events" "$(sqlite3 "$CCDB" "SELECT count(*) FROM events")"
run "$TOKSTAT" --db "$CCDB" prune --keep-days 1
assert_rc "prune the session" 0
assert_eq "its raw events are gone" 0 "$(sqlite3 "$CCDB" "SELECT count(*) FROM events")"
# another file (its first line differs) with the same lines
{ printf '{"type":"summary","summary":"copied","leafUuid":"x"}\n'; cat "$CC"; } > "$WORK/copy.jsonl"
run "$TOKSTAT" --db "$CCDB" ingest --format claude_code "$WORK/copy.jsonl"
assert_rc "ingest the copy" 0
assert_contains "every message of the copy is a duplicate" "$WORK/out" ", 0 events,"
assert_eq "nothing stored again" 0 "$(sqlite3 "$CCDB" "SELECT count(*) FROM events")"
assert_eq "the daily totals count each message once" "$events" "$(sqlite3 "$CCDB" "SELECT sum(requests) FROM daily_usage")"
verify_ok "$CCDB"

# A database made before incremental auto-vacuum: the first prune switches it, once.
OLD=$WORK/old.db
"$TOKSTAT" --db "$OLD" ingest -q "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" || fail "ingest into old.db"
sqlite3 "$OLD" "PRAGMA auto_vacuum = NONE; VACUUM"
assert_eq "the old database has no auto-vacuum" 0 "$(sqlite3 "$OLD" "PRAGMA auto_vacuum")"
run "$TOKSTAT" --db "$OLD" prune --keep-days "$keep"
assert_rc "prune the old database" 0
assert_contains "the switch is said" "$WORK/out" "switched to incremental auto-vacuum (one VACUUM, this once)"
assert_eq "it is incremental now" 2 "$(sqlite3 "$OLD" "PRAGMA auto_vacuum")"
verify_ok "$OLD"
run "$TOKSTAT" --db "$OLD" prune --keep-days "$((keep - 2))"
assert_rc "prune it again" 0
assert_contains "the second prune removes more" "$WORK/out" "removed "
assert_not_contains "no second VACUUM" "$WORK/out" "VACUUM"
verify_ok "$OLD"
