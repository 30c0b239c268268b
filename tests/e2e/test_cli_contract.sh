#!/bin/sh
# What every command does the same way: --help prints its help and exits 0; a wrong option is
# one line naming it plus the usage line; a failed write to stdout is a failed run; reading
# commands open the database read-only, so they leave a file another tokstat wrote as it is.
. "$(dirname "$0")/lib.sh"

for c in ingest verify formats summary pricing cost help; do
	run "$TOKSTAT" --db "$DB" "$c" --help
	assert_rc "$c --help" 0
	assert_eq "$c --help prints its usage first" "usage: tokstat $c" "$(head -n 1 "$WORK/out" | cut -d' ' -f1-3)"
done
[ ! -e "$DB" ] || fail "--help created the database"

for c in ingest verify formats summary pricing cost; do
	run "$TOKSTAT" --db "$DB" "$c" --no-such-option
	assert_rc "$c --no-such-option" 2
	assert_eq "$c: two lines on stderr" 2 "$(wc -l <"$WORK/err" | tr -d ' ')"
	assert_eq "$c: the first names the option" "tokstat $c: unknown option --no-such-option" "$(head -n 1 "$WORK/err")"
	assert_eq "$c: the second is the usage line" "usage: tokstat $c" "$(tail -n 1 "$WORK/err" | cut -d' ' -f1-3)"
done
run "$TOKSTAT" --db "$DB" summary --days
assert_rc "a missing value" 2
assert_contains "a missing value is named" "$WORK/err" "--days"

ingest_ok "$SAMPLES/api-gateway.log"
if [ -w /dev/full ]; then
	run sh -c "'$TOKSTAT' --db '$DB' summary >/dev/full"
	assert_rc "summary > /dev/full" 1
	assert_contains "the failed write is said" "$WORK/err" "standard output"
	run sh -c "'$TOKSTAT' --version >/dev/full"
	assert_rc "--version > /dev/full" 1
fi

# a database whose stored views are not this binary's (as another tokstat leaves them)
q "UPDATE meta SET value = zeroblob(16) WHERE key = 'views_hash'"
before=$(cksum <"$DB")
for c in summary cost verify "pricing list" "pricing missing"; do
	# shellcheck disable=SC2086 # "pricing list" is a command and its subcommand
	run "$TOKSTAT" --db "$DB" $c
	assert_rc "$c on another tokstat's database" 0
	assert_eq "$c leaves the file as it was" "$before" "$(cksum <"$DB")"
done
assert_eq "the stored views' hash is untouched" "00000000000000000000000000000000" \
	"$(q "SELECT hex(value) FROM meta WHERE key = 'views_hash'")"
run "$TOKSTAT" --db "$WORK/none.db" cost
assert_rc "cost without a database" 1
assert_contains "cost says there is none" "$WORK/err" "no such database"
[ ! -e "$WORK/none.db" ] || fail "cost created a database"
