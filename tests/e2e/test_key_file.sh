#!/bin/sh
# The credential key lives outside the database: DB.key (or --key-file, $TOKSTAT_KEY_FILE),
# mode 0600, 64 hex digits. A copy of the database alone holds no key; a key file others may
# read is refused; a database whose key file is missing is refused, never given a new key;
# hosts sharing one key file fingerprint a secret alike; an older database's key is moved out
# of meta by the next ingest. Fingerprints are computed here with python's BLAKE2b.
. "$(dirname "$0")/lib.sh"

secret="sk-live-$(printf 'Z%.0s' $(seq 30))9q2Xa7"
cat >"$WORK/own.log" <<LOG
10.0.0.1 - - [10/Oct/2025:02:15:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 10 "-" "t" token="Bearer $secret" user=mallory model=gpt-4o-mini pt=10 ct=5
LOG
fp() { python3 -c 'import hashlib, sys; print(hashlib.blake2b(sys.argv[1].encode(), key=bytes.fromhex(sys.argv[2]), digest_size=16).hexdigest())' "$secret" "$1"; }
stored_fp() { sqlite3 "$1" "SELECT fingerprint FROM credential"; }

ingest_ok "$WORK/own.log"
[ -f "$DB.key" ] || fail "no key file beside the database"
assert_eq "the key file is its owner's only" "600" "$(stat -c %a "$DB.key")"
key=$(tr -d '\n' <"$DB.key")
assert_eq "64 hex digits" 64 "$(printf '%s' "$key" | tr -cd '0-9a-f' | wc -c | tr -d ' ')"
assert_eq "the fingerprint is made with the file's key" "$(fp "$key")" "$(stored_fp "$DB")"
assert_eq "the database holds no key" 0 "$(q "SELECT count(*) FROM meta WHERE key = 'credential_key'")"
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
python3 - "$DB" "$key" <<'PY' || fail "the key's bytes are in the database file"
import sys
data = open(sys.argv[1], "rb").read()
key = bytes.fromhex(sys.argv[2])
sys.exit(1 if key in data or sys.argv[2].encode() in data else 0)
PY
echo "ok: the key's bytes are nowhere in the database file"
printf '%s\n' "$secret" | "$TOKSTAT" --db "$DB" credential - >"$WORK/out" 2>"$WORK/err"
assert_eq "credential finds the secret with the key file" 0 $?
assert_contains "with its fingerprint" "$WORK/out" "$(fp "$key" | cut -c1-12)"

# readable by others: refused, by ingest and by credential
chmod 644 "$DB.key"
run "$TOKSTAT" --db "$DB" ingest "$WORK/own.log"
assert_rc "ingest with a key file others may read" 1
assert_contains "says so, and what to do" "$WORK/err" "chmod 600 $DB.key"
run sh -c "printf '%s\n' '$secret' | '$TOKSTAT' --db '$DB' credential -"
assert_rc "credential with a key file others may read" 1
assert_contains "credential says so" "$WORK/err" "may be read or written by others"
chmod 600 "$DB.key"

# missing: refused, naming the file; no new key is made
mv "$DB.key" "$WORK/saved.key"
run "$TOKSTAT" --db "$DB" ingest "$WORK/own.log"
assert_rc "ingest without the key file" 1
assert_contains "names the expected key file" "$WORK/err" "$DB.key is missing"
[ ! -e "$DB.key" ] || fail "a new key was made for a database with credentials"
run sh -c "printf '%s\n' '$secret' | '$TOKSTAT' --db '$DB' credential -"
assert_rc "credential without the key file" 1
assert_contains "credential names it too" "$WORK/err" "$DB.key"
# --key-file and $TOKSTAT_KEY_FILE name it elsewhere
run sh -c "printf '%s\n' '$secret' | '$TOKSTAT' --db '$DB' credential --key-file '$WORK/saved.key' -"
assert_rc "credential --key-file" 0
run env TOKSTAT_KEY_FILE="$WORK/saved.key" "$TOKSTAT" --db "$DB" ingest -q "$WORK/own.log"
assert_rc "ingest with \$TOKSTAT_KEY_FILE" 0
# and the config's [ingest] key_file, for ingest, credential and run alike
printf '[ingest]\nkey_file = %s\n' "$WORK/saved.key" >"$WORK/key.conf"
run "$TOKSTAT" --db "$DB" --config "$WORK/key.conf" ingest -q "$WORK/own.log"
assert_rc "ingest with [ingest] key_file" 0
run sh -c "printf '%s\n' '$secret' | '$TOKSTAT' --db '$DB' --config '$WORK/key.conf' credential -"
assert_rc "credential with [ingest] key_file" 0
[ ! -e "$DB.key" ] || fail "a key was made beside the database although the config names one"
mv "$WORK/saved.key" "$DB.key"

# another database's key: refused
DB2=$WORK/other.db
DB=$DB2 ingest_ok "$WORK/own.log"
run "$TOKSTAT" --db "$DB" ingest --key-file "$DB2.key" "$WORK/own.log"
assert_rc "ingest with another database's key" 1
assert_contains "says it is not this database's key" "$WORK/err" "not the credential key of $DB"

# two hosts sharing one key fingerprint a secret alike
run "$TOKSTAT" --db "$WORK/host1.db" ingest -q --key-file "$WORK/shared.key" "$WORK/own.log"
assert_rc "host 1 makes the shared key" 0
run "$TOKSTAT" --db "$WORK/host2.db" ingest -q --key-file "$WORK/shared.key" "$WORK/own.log"
assert_rc "host 2 uses it" 0
[ ! -e "$WORK/host1.db.key" ] && [ ! -e "$WORK/host2.db.key" ] || fail "a key beside a database that names another"
assert_eq "the same fingerprint on both hosts" "$(stored_fp "$WORK/host1.db")" "$(stored_fp "$WORK/host2.db")"
assert_eq "made with the shared key" "$(fp "$(tr -d '\n' <"$WORK/shared.key")")" "$(stored_fp "$WORK/host2.db")"

# a database of an older tokstat, its key in meta: credential reads it there, ingest moves it out
DB=$WORK/old.db
ingest_ok "$WORK/own.log"
old_key=$(tr -d '\n' <"$DB.key")
q "INSERT INTO meta VALUES ('credential_key', x'$old_key'); DELETE FROM meta WHERE key = 'credential_key_id'"
rm "$DB.key"
run sh -c "printf '%s\n' '$secret' | '$TOKSTAT' --db '$DB' credential -"
assert_rc "credential on an older database, key in meta" 0
[ ! -e "$DB.key" ] || fail "a read-only command wrote the key file"
ingest_ok "$WORK/own.log"
assert_eq "ingest moved the key to its file" "$old_key" "$(tr -d '\n' <"$DB.key")"
assert_eq "and out of the database" 0 "$(q "SELECT count(*) FROM meta WHERE key = 'credential_key'")"
assert_eq "mode 600" "600" "$(stat -c %a "$DB.key")"
assert_eq "fingerprints unchanged" "$(fp "$old_key")" "$(stored_fp "$DB")"
verify_ok
