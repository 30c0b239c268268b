# Helpers shared by tests/e2e/test_*.sh; sourced, never run.  run.sh sets TOKSTAT (the
# binary), CORPUS (../shared/corpus) and WORK (a fresh scratch directory for this test).
set -u
: "${TOKSTAT:?set by tests/e2e/run.sh}" "${WORK:?set by tests/e2e/run.sh}"
CORPUS=${CORPUS:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/corpus}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SAMPLES=$ROOT/samples/proxy
DB=$WORK/t.db
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB TOKSTAT_PARSERS TOKSTAT_CONFIG TOKSTAT_ESTIMATES TOKSTAT_QUERIES TOKSTAT_KEY_FILE

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	if [ "$2" != "$3" ]; then
		printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2
		exit 1
	fi
	echo "ok: $1"
}

# assert_same_file WHAT EXPECTED_FILE ACTUAL_FILE: equal contents, diff shown otherwise
assert_same_file() {
	if ! cmp -s "$2" "$3"; then
		echo "FAIL: $1 (< expected, > actual)" >&2
		diff "$2" "$3" | head -30 >&2
		exit 1
	fi
	echo "ok: $1"
}

# assert_contains WHAT FILE TEXT: FILE holds TEXT (fixed string)
assert_contains() {
	grep -qF -- "$3" "$2" || { echo "FAIL: $1: '$3' not in $2:" >&2; head -c 2000 "$2" >&2; exit 1; }
	echo "ok: $1"
}

assert_not_contains() {
	! grep -qF -- "$3" "$2" || fail "$1: '$3' found in $2"
	echo "ok: $1"
}

# run CMD...: runs it, stdout in $WORK/out, stderr in $WORK/err, exit status in $rc
run() {
	rc=0
	"$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# assert_rc WHAT EXPECTED: after run
assert_rc() {
	if [ "$rc" != "$2" ]; then
		printf 'FAIL: %s: exit status %s, expected %s\nstdout:\n' "$1" "$rc" "$2" >&2
		head -c 2000 "$WORK/out" >&2
		echo "stderr:" >&2
		head -c 2000 "$WORK/err" >&2
		exit 1
	fi
	echo "ok: $1 (exit $rc)"
}

ts() { "$TOKSTAT" --db "$DB" "$@"; }
q() { sqlite3 -batch "$DB" "$@"; }

# ingest into $DB quietly; fails the test unless it exits 0
ingest_ok() {
	run "$TOKSTAT" --db "$DB" ingest -q "$@"
	assert_rc "ingest $*" 0 >/dev/null
}

verify_ok() {
	run "$TOKSTAT" --db "${1:-$DB}" verify
	assert_rc "verify ${1:-$DB}" 0
}

# totals DBFILE: one line that any double count or loss changes
totals() {
	sqlite3 -batch "$1" "SELECT (SELECT count(*) FROM events), (SELECT sum(requests) FROM daily_usage),
		(SELECT sum(errors) FROM daily_usage), (SELECT sum(input_tokens) FROM daily_usage),
		(SELECT sum(output_tokens) FROM daily_usage), (SELECT sum(cache_read_tokens) FROM daily_usage),
		(SELECT sum(cache_write_tokens) FROM daily_usage), (SELECT sum(requests) FROM hourly_usage),
		(SELECT sum(requests) FROM credentials), (SELECT sum(rejected) FROM files)"
}

# kill_until_done DB ROUNDS "DELAYS" INGEST-ARG...: start `tokstat --db DB ingest -q ARGS`,
# kill -9 it after the next of DELAYS (seconds, taken in turn), and start it again, until a
# run ends by itself; after ROUNDS kills the run must end by itself. `tokstat verify` passes
# after every kill that left a schema. Prints how many kills hit a running ingest; call it
# as hits=$(kill_until_done ...) || exit 1.
kill_until_done() {
	_db=$1 _rounds=$2 _delays=$3 _round=0 _hits=0
	shift 3
	while :; do
		_round=$((_round + 1))
		"$TOKSTAT" --db "$_db" ingest -q "$@" >"$WORK/kill.out" 2>"$WORK/kill.err" &
		_pid=$!
		if [ "$_round" -gt "$_rounds" ]; then
			wait "$_pid" || fail "final run after $_rounds kills failed: $(cat "$WORK/kill.err")"
			break
		fi
		# shellcheck disable=SC2086
		_d=$(echo $_delays | awk -v r="$_round" '{ print $((r - 1) % NF + 1) }')
		sleep "$_d"
		if kill -9 "$_pid" 2>/dev/null; then
			wait "$_pid" 2>/dev/null
			_hits=$((_hits + 1))
		else
			wait "$_pid" || fail "run $_round failed: $(cat "$WORK/kill.err")"
			break
		fi
		# killed before the schema was committed: nothing to verify, the next run creates it
		[ "$(sqlite3 "$_db" "SELECT count(*) FROM sqlite_master WHERE name = 'event'" 2>/dev/null)" = 1 ] ||
			continue
		"$TOKSTAT" --db "$_db" verify >"$WORK/v.out" 2>&1 ||
			fail "verify after kill $_round (after ${_d}s): $(cat "$WORK/v.out")"
	done
	echo "$_hits"
}

# cat_log FILE: decompressed content (gzip told by magic bytes, like tokstat)
cat_log() {
	if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then gzip -dc "$1"; else cat "$1"; fi
}

# ---- servers a test starts on 127.0.0.1: stopped when it exits, also when it fails ----
PIDS=
# started PID: PID is stopped (TERM, then KILL after 5 s) when the test exits
started() {
	PIDS="$PIDS $1"
	trap stop_started EXIT
	trap 'exit 1' INT TERM
}
stop_started() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do # nginx's master stops its workers before it exits
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

# free_port: a TCP port nothing listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_stub_upstream: tests/e2e/stub_upstream.py, answering like each provider; sets STUB (its port)
start_stub_upstream() {
	python3 "$ROOT/tests/e2e/stub_upstream.py" "$WORK/stub.port" 2>"$WORK/stub.err" &
	started $!
	n=0
	until [ -s "$WORK/stub.port" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "the stub upstream did not start: $(cat "$WORK/stub.err")"
		sleep 0.1
	done
	STUB=$(cat "$WORK/stub.port")
}

# start_smtpd MAILDIR: an SMTP server (Debian's python3-aiosmtpd) delivering into MAILDIR;
# sets SMTP_PORT
start_smtpd() {
	SMTP_PORT=$(free_port)
	mkdir -p "$1/tmp" "$1/new" "$1/cur"
	/usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$1" \
		>"$WORK/smtpd.log" 2>&1 &
	started $!
	n=0
	until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 100 ] || fail "the SMTP server did not start: $(cat "$WORK/smtpd.log")"
		sleep 0.1
	done
}
