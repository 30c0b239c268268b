#!/bin/sh
# Exactly once under kill -9: a run killed at any moment (creating the database, in the
# middle of batches, while inflating gzip) and run again ends with exactly the totals of
# an uninterrupted run, and `tokstat verify` passes after every kill.
# KILL_LINES (default 400000) sizes the generated log; KILL_MAX_ROUNDS caps the kills.
. "$(dirname "$0")/lib.sh"

LINES=${KILL_LINES:-400000}
MAX_ROUNDS=${KILL_MAX_ROUNDS:-40}

# a deterministic proxy log, and the expected totals computed from what was written
python3 - "$LINES" "$WORK/big.log" "$WORK/expected" <<'PY'
import sys, random, time
n, path, exp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = random.Random(7)
toks = ["sk-proj-%s%06d" % ("Xq7" * 12, i) for i in range(1, 9)]
ev = inp = out = cr = err = 0
with open(path, "w") as f:
    for i in range(n):
        t = time.strftime("%d/%b/%Y:%H:%M:%S +0200", time.gmtime(1760000000 + i * 3))
        st = 200 if r.random() < 0.95 else 503
        pt, ct, c = 1000 + r.randrange(5000), 10 + r.randrange(700), 128 * r.randrange(5)
        f.write('10.0.%d.%d - - [%s] "POST /v1/chat/completions?x=%d HTTP/1.1" %d %d "-" "load/1.0" '
                'rt=0.%03d tok="Bearer %s" user=u%d model=gpt-4o-mini pt=%d ct=%d cached_tokens=%d '
                'request_id=%032x\n' % (i % 250, i % 200, t, i, st, 500 + i % 900, i % 1000,
                                        toks[i % 8], i % 37, pt, ct, c, i))
        ev += 1; err += st >= 400; inp += pt - c; out += ct; cr += c
with open(exp, "w") as f:
    f.write("%d|%d|%d|%d|%d\n" % (ev, err, inp, out, cr))
PY
[ $? -eq 0 ] || fail "generating the log failed"
gzip -c "$WORK/big.log" >"$WORK/big.log.gz"
check_sums() { # DB WHAT
	assert_eq "$2: events, errors, input, output, cache read vs python" "$(cat "$WORK/expected")" \
		"$(sqlite3 "$1" "SELECT sum(requests), sum(errors), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens) FROM daily_usage")"
}

# the uninterrupted reference
DB=$WORK/ref.db ingest_ok --batch 1000 "$WORK/big.log"
ref=$(totals "$WORK/ref.db")
check_sums "$WORK/ref.db" "uninterrupted run"

# kill_until_done DB FILE...: start, kill -9 after a growing delay, again, until a run ends
# by itself; verify after each kill.  Prints how many kills hit a running ingest.
kill_until_done() {
	db=$1 round=0 hits=0
	shift
	while :; do
		round=$((round + 1))
		"$TOKSTAT" --db "$db" ingest -q --batch 1000 "$@" >"$WORK/kill.out" 2>"$WORK/kill.err" &
		pid=$!
		if [ "$round" -gt "$MAX_ROUNDS" ]; then
			wait "$pid" || fail "final run after $MAX_ROUNDS kills failed: $(cat "$WORK/kill.err")"
			break
		fi
		# delays cycle through moments: at once, early, mid-batch, later
		case $((round % 5)) in
		1) d=0.002 ;; 2) d=0.03 ;; 3) d=0.08 ;; 4) d=0.15 ;; 0) d=0.25 ;;
		esac
		sleep "$d"
		if kill -9 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			hits=$((hits + 1))
		else
			wait "$pid" || fail "run $round failed: $(cat "$WORK/kill.err")"
			break
		fi
		# killed before the schema was committed: nothing to verify, the next run creates it
		[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'event'" 2>/dev/null)" = 1 ] || continue
		"$TOKSTAT" --db "$db" verify >"$WORK/v.out" 2>&1 ||
			fail "verify after kill $round (after ${d}s): $(cat "$WORK/v.out")"
	done
	echo "$hits"
}

DB=$WORK/kill.db
hits=$(kill_until_done "$DB" "$WORK/big.log") || exit 1
echo "plain: $hits kills hit a running ingest"
[ "$hits" -ge 3 ] || fail "only $hits kills hit a running ingest; raise KILL_LINES"
verify_ok "$DB"
assert_eq "plain, killed $hits times: totals of the uninterrupted run" "$ref" "$(totals "$DB")"
check_sums "$DB" "plain, killed"
ingest_ok "$WORK/big.log"
assert_eq "and a further run adds nothing" "$ref" "$(totals "$DB")"

DB=$WORK/killgz.db
hits=$(kill_until_done "$DB" "$WORK/big.log.gz") || exit 1
echo "gzip: $hits kills hit a running ingest"
[ "$hits" -ge 3 ] || fail "only $hits kills hit a running gzip ingest; raise KILL_LINES"
assert_eq "gzip, killed $hits times: totals of the uninterrupted run" "$ref" "$(totals "$DB")"
check_sums "$DB" "gzip, killed"
verify_ok "$DB"

# the same lines as 400 small files, which share batches (several files' checkpoints in one
# transaction): a kill at any moment still ends with the totals of the uninterrupted run
mkdir "$WORK/small"
(cd "$WORK/small" && split -l 1000 -a 3 "$WORK/big.log" part.)
[ "$(ls "$WORK/small" | wc -l)" -eq $(( (LINES + 999) / 1000 )) ] || fail "test setup: split"
DB=$WORK/killsmall.db
hits=$(kill_until_done "$DB" "$WORK"/small/part.*) || exit 1
echo "small files: $hits kills hit a running ingest"
[ "$hits" -ge 3 ] || fail "only $hits kills hit a running ingest of small files; raise KILL_LINES"
verify_ok "$DB"
assert_eq "small files, killed $hits times: totals of the uninterrupted run" "$ref" "$(totals "$DB")"
check_sums "$DB" "small files, killed"
assert_eq "every small file once, read to its end" "$(ls "$WORK/small" | wc -l)|$LINES" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(lines) FROM files")"
