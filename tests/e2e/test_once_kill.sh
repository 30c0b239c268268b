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

# start, kill -9 after a delay taken in turn from these (at once, early, mid-batch, later)
DELAYS="0.002 0.03 0.08 0.15 0.25"

DB=$WORK/kill.db
hits=$(kill_until_done "$DB" "$MAX_ROUNDS" "$DELAYS" --batch 1000 "$WORK/big.log") || exit 1
echo "plain: $hits kills hit a running ingest"
[ "$hits" -ge 3 ] || fail "only $hits kills hit a running ingest; raise KILL_LINES"
verify_ok "$DB"
assert_eq "plain, killed $hits times: totals of the uninterrupted run" "$ref" "$(totals "$DB")"
check_sums "$DB" "plain, killed"
ingest_ok "$WORK/big.log"
assert_eq "and a further run adds nothing" "$ref" "$(totals "$DB")"

DB=$WORK/killgz.db
hits=$(kill_until_done "$DB" "$MAX_ROUNDS" "$DELAYS" --batch 1000 "$WORK/big.log.gz") || exit 1
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
hits=$(kill_until_done "$DB" "$MAX_ROUNDS" "$DELAYS" --batch 1000 "$WORK"/small/part.*) || exit 1
echo "small files: $hits kills hit a running ingest"
[ "$hits" -ge 3 ] || fail "only $hits kills hit a running ingest of small files; raise KILL_LINES"
verify_ok "$DB"
assert_eq "small files, killed $hits times: totals of the uninterrupted run" "$ref" "$(totals "$DB")"
check_sums "$DB" "small files, killed"
assert_eq "every small file once, read to its end" "$(ls "$WORK/small" | wc -l)|$LINES" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(lines) FROM files")"
