#!/bin/sh
# README's logrotate setup, run by the real logrotate between nights of tokstat run, with and
# without delaycompress: the layouts are access.log, access.log.1, access.log.2.gz and
# access.log, access.log.1.gz, access.log.2.gz; after each night the totals are those of one
# ingest of everything logged so far, and a second run adds nothing.
. "$(dirname "$0")/lib.sh"
command -v logrotate >/dev/null || fail "logrotate is not installed (tools/setup-debian.sh installs it)"
gzip -dc "$SAMPLES/api-gateway.log.2.gz" > "$WORK/c1"
C2=$SAMPLES/api-gateway.log.1
C3=$SAMPLES/api-gateway.log

reference() {
	rm -f "$WORK/ref.db"*
	"$TOKSTAT" --db "$WORK/ref.db" ingest -q "$@" || fail "reference ingest"
	totals "$WORK/ref.db"
}

# layout NAME DELAY: three nights with logrotate -f between them; DELAY is "delaycompress" or ""
layout() {
	L=$WORK/$1
	DB=$WORK/$1.db
	mkdir -p "$L"
	# README's snippet, with this test's paths (and no nginx to signal)
	cat > "$WORK/$1.logrotate" <<EOF2
$L/access.log {
	daily
	rotate 14
	compress
	$2
	missingok
	notifempty
	create 0640
}
EOF2
	printf '[run]\nlogs = %s/access.log*\ndatabase = %s\n' "$L" "$DB" > "$WORK/$1.conf"
	cp "$WORK/c1" "$L/access.log"
	night "$1, night 1"
	assert_eq "$1: night 1 totals" "$(reference "$WORK/c1")" "$(totals "$DB")"
	logrotate -f -s "$WORK/$1.state" "$WORK/$1.logrotate" || fail "logrotate"
	cat "$C2" >> "$L/access.log"
	night "$1, night 2"
	assert_eq "$1: night 2 totals" "$(reference "$WORK/c1" "$C2")" "$(totals "$DB")"
	logrotate -f -s "$WORK/$1.state" "$WORK/$1.logrotate" || fail "logrotate"
	cat "$C3" >> "$L/access.log"
	night "$1, night 3"
	expected=$(reference "$WORK/c1" "$C2" "$C3")
	assert_eq "$1: night 3 totals" "$expected" "$(totals "$DB")"
	night "$1, night 3 again"
	assert_eq "$1: a second run adds nothing" "$expected" "$(totals "$DB")"
	assert_eq "$1: it read nothing new" 3 "$(grep -c 'nothing new' "$WORK/out")"
	verify_ok
}

night() {
	run "$TOKSTAT" run --config "$WORK/${1%%,*}.conf" --date 2025-10-12
	case $rc in 0 | 1 | 2) echo "ok: $1 (exit $rc)" ;; *) fail "$1: exit $rc: $(cat "$WORK/out" "$WORK/err")" ;; esac
}

layout delay delaycompress
assert_eq "with delaycompress" "access.log access.log.1 access.log.2.gz" "$(ls "$WORK/delay" | tr '\n' ' ' | sed 's/ $//')"
layout nodelay ""
assert_eq "without delaycompress" "access.log access.log.1.gz access.log.2.gz" "$(ls "$WORK/nodelay" | tr '\n' ' ' | sed 's/ $//')"
