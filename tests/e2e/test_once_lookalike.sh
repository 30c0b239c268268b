#!/bin/sh
# Two different files that begin with the same 4 KiB (a copy of a log that went its own
# way): the second is not taken for the first grown or shrunk, in either order, plain or
# gzip; every line of both is stored once. A file that really grew, or was rotated and
# gzipped, is still read on from its checkpoint. Expected counts come from awk.
. "$(dirname "$0")/lib.sh"

F=$SAMPLES/api-gateway.log
head -n 30 "$F" >"$WORK/common"
[ "$(wc -c <"$WORK/common")" -gt 4096 ] || fail "test setup: the shared part must pass 4 KiB"
{ cat "$WORK/common"; sed -n 100,149p "$F"; } >"$WORK/a.log"
{ cat "$WORK/common"; sed -n 300,319p "$F"; } >"$WORK/b.log"
touch -d '2 hours ago' "$WORK/a.log" "$WORK/b.log"
events() { awk 'END { print NR }' "$@"; }

for order in "a b" "b a"; do
	DB=$WORK/$(echo "$order" | tr -d ' ').db
	set -- $order
	run "$TOKSTAT" --db "$DB" ingest "$WORK/$1.log" "$WORK/$2.log"
	assert_rc "ingest $1 then $2" 0
	assert_eq "$1 then $2: every line of both, once" "$(events "$WORK/a.log" "$WORK/b.log")" \
		"$(q "SELECT count(*) FROM events")"
	assert_contains "$1 then $2: the second is read as another file" "$WORK/out" "is another one: read as new"
	ingest_ok "$WORK/a.log" "$WORK/b.log"
	assert_eq "$1 then $2: reading both again adds nothing" "$(events "$WORK/a.log" "$WORK/b.log")" \
		"$(q "SELECT count(*) FROM events")"
	verify_ok
done

# the same through gzip: b.log.gz after a.log
DB=$WORK/gz.db
gzip -c "$WORK/b.log" >"$WORK/b.log.gz"
ingest_ok "$WORK/a.log" "$WORK/b.log.gz"
assert_eq "gzip lookalike: every line once" "$(events "$WORK/a.log" "$WORK/b.log")" "$(q "SELECT count(*) FROM events")"

# a file that really grew, then was rotated and gzipped, is still the same file
DB=$WORK/grow.db
head -n 200 "$F" >"$WORK/live.log"
touch -d '2 hours ago' "$WORK/live.log"
ingest_ok "$WORK/live.log"
sed -n 201,400p "$F" >>"$WORK/live.log"
touch -d '2 hours ago' "$WORK/live.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/live.log"
assert_contains "the grown file is read on" "$WORK/out" "resumed after line 200"
mv "$WORK/live.log" "$WORK/live.log.1" && gzip "$WORK/live.log.1"
run "$TOKSTAT" --db "$DB" ingest "$WORK/live.log.1.gz"
assert_contains "rotated and gzipped: nothing new" "$WORK/out" "nothing new"
assert_eq "grown, rotated, gzipped: 400 lines once" "$(head -n 400 "$F" | awk 'END { print NR }')" \
	"$(q "SELECT lines FROM files")"
verify_ok

# a database made before the tail check (schema 1) is migrated and keeps its checkpoints (made
# from a new one: the file table as it was, the event table without the columns of migration 8)
DB=$WORK/v1.db
head -n 100 "$F" >"$WORK/old.log"
touch -d '2 hours ago' "$WORK/old.log"
ingest_ok "$WORK/old.log"
sqlite3 "$DB" "CREATE TABLE file1 (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, head_len INTEGER NOT NULL,
	name TEXT NOT NULL, format TEXT, bytes INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0,
	events INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0,
	duplicates INTEGER NOT NULL DEFAULT 0, last_ingested INTEGER);
	INSERT INTO file1 SELECT id, fingerprint, head_len, name, format, bytes, lines, events, rejected, skipped,
	duplicates, last_ingested FROM file;
	DROP VIEW events; ALTER TABLE event DROP COLUMN cache_write_1h_tokens; ALTER TABLE event DROP COLUMN service_tier;
	DELETE FROM meta WHERE key = 'views_hash';
	CREATE TABLE daily1 (day INTEGER NOT NULL, token INTEGER NOT NULL, user INTEGER NOT NULL,
		endpoint INTEGER NOT NULL, model INTEGER NOT NULL, provider INTEGER NOT NULL, operation INTEGER NOT NULL,
		project INTEGER NOT NULL, requests INTEGER NOT NULL, errors INTEGER NOT NULL, input_tokens INTEGER,
		output_tokens INTEGER, cache_read_tokens INTEGER, cache_write_tokens INTEGER, total_tokens INTEGER,
		estimated INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (day, token, user, endpoint, model, provider, operation, project)) WITHOUT ROWID;
	INSERT INTO daily1 SELECT day, token, user, endpoint, model, provider, operation, project, requests, errors,
	input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, estimated FROM daily;
	PRAGMA legacy_alter_table = ON; DROP TABLE daily; ALTER TABLE daily1 RENAME TO daily;
	PRAGMA legacy_alter_table = ON; DROP TABLE file; ALTER TABLE file1 RENAME TO file; CREATE INDEX file_by_head ON file(head_len, fingerprint);
	DROP TABLE seen; CREATE TABLE seen (key BLOB PRIMARY KEY) WITHOUT ROWID;
	PRAGMA user_version = 1" || fail "test setup: cannot make a schema 1 database"
sed -n 101,150p "$F" >>"$WORK/old.log"
touch -d '2 hours ago' "$WORK/old.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/old.log"
assert_rc "schema 1 database: ingest" 0
assert_contains "schema 1 database: read on from its checkpoint" "$WORK/out" "resumed after line 100"
# migrated to the latest schema: the number of the last file in sql/migrate/
latest=$(ls "$ROOT"/sql/migrate/ | sed -n 's/^0*\([0-9][0-9]*\)-.*\.sql$/\1/p' | sort -n | tail -n 1)
assert_eq "schema 1 database: migrated, 150 lines once" "$latest|150|150" \
	"$(q "PRAGMA user_version" | tr -d '\n'; printf '|'; q "SELECT lines FROM files" | tr -d '\n'; printf '|'; q "SELECT count(*) FROM events")"
verify_ok
