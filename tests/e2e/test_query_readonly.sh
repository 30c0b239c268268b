#!/bin/sh
# tokstat query only reads: every kind of write through it fails with a reason and leaves the
# database file and its WAL byte for byte as they were (sha256 after a checkpoint by sqlite3);
# ATTACH and VACUUM INTO create no file. The checksum itself is shown to notice a real write.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES"/*
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
# the WAL: absent or empty after the checkpoint; a reader may leave an empty one behind
sums() {
	db=$(sha256sum <"$DB")
	if [ -f "$DB-wal" ]; then wal=$(sha256sum <"$DB-wal"); else wal=$(sha256sum </dev/null); fi
	echo "$db $wal"
}
before=$(sums)
[ "$(q "SELECT count(*) FROM events")" -gt 3000 ] || fail "samples not ingested"

# refused SQL EXPECTED_IN_STDERR
refused() {
	run "$TOKSTAT" --db "$DB" query "$1"
	[ "$rc" = 1 ] || fail "not refused (exit $rc): $1"
	grep -qF -- "$2" "$WORK/err" || fail "'$1': the message does not say '$2': $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "'$1': wrote rows: $(head -3 "$WORK/out")"
	[ "$(sums)" = "$before" ] || fail "'$1' changed the database"
	echo "ok: refused, nothing changed: $1"
}

refused "INSERT INTO event(id, epoch) VALUES (1, 1)" "refused: INSERT"
refused "INSERT INTO events(ts) VALUES ('x')" "refused"
refused "UPDATE credential SET requests = 0" "refused: UPDATE"
refused "UPDATE credentials SET requests = 0" "credentials"
refused "DELETE FROM daily" "refused: DELETE"
refused "DELETE FROM daily_usage" "daily_usage"
refused "REPLACE INTO dict(id, value) VALUES (1, 'x')" "refused"
refused "INSERT INTO meta(key, value) SELECT 'x', 1" "refused"
refused "CREATE TABLE x(a)" "change the schema"
refused "CREATE TEMP TABLE x(a)" "refused"
refused "CREATE VIEW v AS SELECT 1" "change the schema"
refused "CREATE TRIGGER t AFTER INSERT ON dict BEGIN DELETE FROM event; END" "refused"
refused "CREATE INDEX event_by_status ON event(status)" "change the schema"
refused "DROP TABLE event" "change the schema"
refused "DROP VIEW events" "change the schema"
refused "DROP INDEX file_by_head" "change the schema"
refused "DROP TRIGGER t" "no such trigger"
refused "ALTER TABLE dict ADD COLUMN x" "refused: ALTER TABLE"
refused "ALTER TABLE dict RENAME TO dict2" "refused: ALTER TABLE"
refused "REINDEX dict" "refused: REINDEX"
refused "ANALYZE main" "refused"
refused "VACUUM main" "refused"
refused "PRAGMA journal_mode = DELETE" "PRAGMA journal_mode"
refused "PRAGMA journal_mode" "PRAGMA journal_mode"
refused "PRAGMA user_version = 99" "PRAGMA user_version"
refused "PRAGMA writable_schema = ON" "PRAGMA writable_schema"
refused "PRAGMA wal_checkpoint(TRUNCATE)" "PRAGMA wal_checkpoint"
refused "PRAGMA query_only = 0" "PRAGMA query_only"
refused "SELECT load_extension('$WORK/evil.so')" "load_extension"
refused "WITH c AS (SELECT 1) DELETE FROM event" "refused: DELETE"
refused "WITH c AS (SELECT 1) INSERT INTO dict(value) SELECT 'x' FROM c" "refused: INSERT"
refused "SELECT 1; DELETE FROM event" "more than one statement"
refused "SELECT count(*) FROM events; DROP VIEW events" "more than one statement"
refused "BEGIN IMMEDIATE" "refused"
refused "SAVEPOINT s" "refused"

# ATTACH and VACUUM INTO would each write a new file
refused "ATTACH '$WORK/new.db' AS n" "ATTACH"
[ ! -e "$WORK/new.db" ] || fail "ATTACH created $WORK/new.db"
refused "ATTACH '$WORK/new.db' AS n; CREATE TABLE n.t(a)" "ATTACH"
refused "VACUUM INTO '$WORK/copy.db'" "refused"
[ ! -e "$WORK/copy.db" ] || fail "VACUUM INTO created $WORK/copy.db"
echo "ok: no attached or vacuumed file was created"

# the private tables are read through the views only; reading the views works
refused "SELECT fingerprint FROM credential" "physical table"
run "$TOKSTAT" --db "$DB" query "SELECT count(*) AS n FROM events"
assert_rc "reading a view" 0
assert_eq "count through the view" "$(q "SELECT count(*) FROM event")" "$(sed -n 2p "$WORK/out" | tr -d '\r')"

# A statement that is not refused still cannot write: the connection is read-only. Proof that
# the checksum sees a write: sqlite3 (read-write) changes it.
[ "$(sums)" = "$before" ] || fail "the database changed"
q "INSERT INTO meta(key, value) VALUES ('canary', 1); PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
[ "$(sums)" != "$before" ] || fail "a real write left the checksum as it was: the test cannot see writes"
echo "ok: the checksum changes on a real write"
