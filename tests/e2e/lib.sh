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

# cat_log FILE: decompressed content (gzip told by magic bytes, like tokstat)
cat_log() {
	if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then gzip -dc "$1"; else cat "$1"; fi
}
