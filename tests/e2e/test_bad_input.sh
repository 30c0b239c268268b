#!/bin/sh
# Bad input: huge lines, NUL bytes, invalid UTF-8, CRLF, empty and unreadable files,
# truncated/corrupt/multi-member gzip, --max-reject-rate, and the 1000-reject cap.
# Expected values come from head/wc/python over the files written here.
. "$(dirname "$0")/lib.sh"

S=$SAMPLES/api-gateway.log
head -n 20 "$S" >"$WORK/good20.log"
good() { sed -n "${1}p" "$S"; }

# --- lines of 20 MB: rejected by the 16 MiB default, the lines around them kept ---
python3 - "$WORK/huge.log" "$S" <<'PY'
import sys
good = open(sys.argv[2], "rb").read().split(b"\n")[:6]
huge = good[1].replace(b'" rt=', b'" junk="' + b"A" * (20 << 20) + b'" rt=', 1)
mid = good[2].replace(b'" rt=', b'" junk="' + b"B" * (10 << 20) + b'" rt=', 1)
open(sys.argv[1], "wb").write(b"\n".join([good[0], huge, mid, huge, good[3], huge]) + b"\n")
PY
run "$TOKSTAT" --db "$DB" ingest "$WORK/huge.log"
assert_rc "ingest 20 MB lines" 0
assert_eq "20 MB lines rejected (lines 2, 4, 6), 10 MB line and the others kept" "6|3|3|2,4,6" \
	"$(q "SELECT lines, events, rejected, (SELECT group_concat(line) FROM (SELECT line FROM rejects ORDER BY line)) FROM files")"
assert_eq "reject reason says the length" 3 "$(q "SELECT count(*) FROM rejects WHERE reason LIKE '%longer than%'")"
assert_eq "stored reject text is short" 1 "$(q "SELECT max(length(text)) <= 1000 FROM rejects")"
DB=$WORK/ml.db
# lines 5 and 10 padded past 1000 bytes, the others left as they are (under 1000)
awk 'BEGIN { while (length(pad) < 1200) pad = pad "A" } NR == 5 || NR == 10 { $0 = $0 " junk=" pad } { print }' \
	"$WORK/good20.log" >"$WORK/ml.log"
exp=$(awk 'length($0) > 1000 { n++ } END { print n + 0 }' "$WORK/ml.log")
assert_eq "test setup: two lines over 1000 bytes" 2 "$exp"
run "$TOKSTAT" --db "$DB" ingest --max-line 1000 "$WORK/ml.log"
assert_rc "ingest with --max-line 1000" 0
assert_eq "--max-line 1000: lines, events, rejected lines" "20|18|5,10" \
	"$(q "SELECT lines, events, (SELECT group_concat(line) FROM (SELECT line FROM rejects ORDER BY line)) FROM files")"
verify_ok

# --- a 16 KiB request, referer and user agent: PCRE2's default JIT stack (32 KiB) ran out
# at about 1,340 bytes and every such line was "does not match format proxy" ---
DB=$WORK/long.db
python3 - "$WORK/long.log" "$S" >"$WORK/long.exp" <<'PY'
import re, sys
good = open(sys.argv[2], "rb").read().split(b"\n")[:4]
m = re.match(rb'^(.*?\[[^\]]*\] "\S+ )(\S+)( [^"]*" \d{3} \S+ )"([^"]*)" "([^"]*)"(.*)$', good[1])
path = b"/api/" + b"p" * (16 << 10)
line = m.group(1) + path + m.group(3) + b'"' + b"r" * (16 << 10) + b'" "' + b"\\\"u" * (8 << 10) + b'"' + m.group(6)
open(sys.argv[1], "wb").write(b"\n".join([good[0], line, good[2], line]) + b"\n")
print("4|4|0|%s" % m.group(3).split()[1].decode())
PY
run "$TOKSTAT" --db "$DB" ingest "$WORK/long.log"
assert_rc "ingest 16 KiB requests" 0
assert_eq "16 KiB request lines are events: lines, events, rejected, their status" "$(cat "$WORK/long.exp")" \
	"$(q "SELECT lines, events, rejected, (SELECT group_concat(DISTINCT status) FROM events WHERE line IN (2, 4))
		FROM files")"

# --- NUL bytes, invalid UTF-8, CRLF: stored text is valid UTF-8 without control characters ---
DB=$WORK/enc.db
python3 - "$WORK/enc.log" "$S" <<'PY'
import sys
good = open(sys.argv[2], "rb").read().split(b"\n")[:5]
lines = [good[0],
         b'10.0.0.9 - - [10/Oct/2025:10:00:01 +0000] "GET /nul HTTP/1.1" 200 5 "-" "ua" user=al\x00ice',
         b'10.0.0.9 - - [10/Oct/2025:10:00:00 +0000] "GET /caf\xe9\xff HTTP/1.1" 200 5 "-" "ua\x00x" user=b\xc3\xb6b\xfe',
         b"\xff\xfe\x00garbage\x00\xc3",
         good[2] + b"\r", good[3] + b"\r"]
open(sys.argv[1], "wb").write(b"\n".join(lines) + b"\r\n")
PY
run "$TOKSTAT" --db "$DB" ingest "$WORK/enc.log"
assert_rc "ingest NUL/invalid UTF-8/CRLF" 0
assert_eq "lines, events, rejected" "6|5|1" "$(q "SELECT lines, events, rejected FROM files")"
python3 - "$DB" <<'PY' || fail "stored text is not valid UTF-8 or holds control characters"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
bad = 0
for table, cols in (("events", "user, endpoint, method, model, request_id, token"), ("rejects", "text, reason")):
    for row in db.execute("SELECT %s FROM %s" % (cols, table)):
        for v in row:
            if v is None:
                continue
            try:
                s = v.decode("utf-8")
            except UnicodeDecodeError:
                print("invalid UTF-8 in %s: %r" % (table, v)); bad += 1; continue
            if any(ord(c) < 32 and c != "\t" for c in s):
                print("control character in %s: %r" % (table, s)); bad += 1
sys.exit(1 if bad else 0)
PY
echo "ok: all stored text is valid UTF-8"
assert_eq "user after NUL keeps both halves" 1 "$(q "SELECT count(*) FROM events WHERE user LIKE 'al_ice'")"
assert_eq "CRLF lines: no CR in any stored value" 0 \
	"$(q "SELECT count(*) FROM events WHERE request_id LIKE '%'||char(13)||'%' OR user LIKE '%'||char(13)||'%'")"
assert_eq "CRLF lines: request_id as in the file" "$(good 3 | sed -E 's/.*(request_id|req_id)=([^ ]*).*/\2/')" \
	"$(q "SELECT request_id FROM events WHERE line = 5")"
verify_ok

# --- empty file, a directory, a missing file: the other files are still stored ---
DB=$WORK/files.db
: >"$WORK/empty.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/empty.log"
assert_rc "empty file" 0
# a file of line breaks and spaces only (a log rotated before its first request) is empty
# too: a nightly job over such files must not fail on "cannot tell the format"
printf '\n\n \r\n\t\n' >"$WORK/blank.log"
run "$TOKSTAT" --db "$DB" ingest "$WORK/blank.log"
assert_rc "a file of blank lines only" 0
assert_contains "it is reported as empty" "$WORK/out" "blank.log: empty"
assert_eq "nothing is recorded for it" 0 "$(q "SELECT count(*) FROM files")"
run "$TOKSTAT" --db "$DB" ingest "$WORK/good20.log" "$WORK" "$WORK/no-such.log" "$WORK/empty.log"
assert_rc "a directory and a missing file among good ones" 1
assert_contains "message names the directory" "$WORK/err" "$WORK:"
assert_contains "message names the missing file" "$WORK/err" "no-such.log"
assert_eq "the good file is stored" 20 "$(q "SELECT count(*) FROM events")"

# --- gzip damage ---
DB=$WORK/gz.db
cat_log "$SAMPLES/api-gateway.log.1" | gzip -c >"$WORK/full.gz"
size=$(wc -c <"$WORK/full.gz" | tr -d ' ')
head -c $((size / 2)) "$WORK/full.gz" >"$WORK/trunc.gz"
exp=$(python3 -c '
import sys, zlib
d = zlib.decompressobj(16 + 15).decompress(open(sys.argv[1], "rb").read())
lines = d.split(b"\n")[:-1]
print(len(lines))' "$WORK/trunc.gz")
exp_rej=$(cat_log "$SAMPLES/api-gateway.log.1" | head -n "$exp" | python3 -c '
import sys
print(sum(1 for l in sys.stdin.buffer if b"prompt_tokens=null" in l or b"MARK" in l))')
run "$TOKSTAT" --db "$DB" ingest "$WORK/trunc.gz" "$WORK/good20.log"
assert_rc "truncated gzip" 1
assert_contains "message names the truncated file" "$WORK/err" "trunc.gz"
grep -qE 'trunc.gz: .*byte [0-9]+' "$WORK/err" || fail "message gives no byte offset: $(cat "$WORK/err")"
echo "ok: message gives the byte offset"
assert_eq "truncated gzip: the $exp complete lines before the damage are stored" "$exp" \
	"$(q "SELECT count(*) + $exp_rej FROM events WHERE file LIKE '%trunc.gz'")"
assert_eq "the next file is stored" 20 "$(q "SELECT count(*) FROM events WHERE file LIKE '%good20.log'")"
verify_ok

# Damage that still inflates: only the member's CRC check catches it, at the member's end.
# What came out of that member is garbage: none of it is stored.
DB=$WORK/corrupt.db
python3 - "$WORK/full.gz" "$WORK/corrupt.gz" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
m = len(b) // 2
for i in range(m, m + 64):
    b[i] ^= 0x5a
open(sys.argv[2], "wb").write(b)
PY
gzip -t "$WORK/corrupt.gz" 2>/dev/null && fail "test setup: corrupt.gz passes gzip -t"
run "$TOKSTAT" --db "$DB" ingest "$WORK/corrupt.gz"
assert_rc "corrupt gzip" 1
grep -qE 'corrupt.gz: .*byte [0-9]+' "$WORK/err" || fail "corrupt gzip: no file name and byte offset: $(cat "$WORK/err")"
echo "ok: corrupt gzip message names file and byte offset"
assert_eq "corrupt gzip: nothing from the member that failed its check is stored" "0 0" \
	"$(q "SELECT count(*) FROM events") $(q "SELECT count(*) FROM rejects")"
verify_ok

# A second member whose deflate data is broken (an invalid block type): the first member's
# lines are all stored, and the message names the file and byte offset.
DB=$WORK/broken.db
head -n 300 "$S" | gzip -c >"$WORK/b1.gz"
tail -n +301 "$S" | gzip -c >"$WORK/b2.gz"
python3 - "$WORK/b2.gz" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[10] = 0xff  # first deflate byte after the 10-byte header: block type 3, invalid
open(p, "wb").write(b)
PY
cat "$WORK/b1.gz" "$WORK/b2.gz" >"$WORK/broken.gz"
exp=$(head -n 300 "$S" | python3 -c '
import sys
print(sum(1 for l in sys.stdin.buffer if not (b"prompt_tokens=null" in l or b"MARK" in l)))')
run "$TOKSTAT" --db "$DB" ingest "$WORK/broken.gz"
assert_rc "broken second member" 1
grep -qE 'broken.gz: .*byte [0-9]+' "$WORK/err" || fail "broken gzip: no file name and byte offset: $(cat "$WORK/err")"
assert_eq "broken second member: the first member's events are stored" "$exp" "$(q "SELECT count(*) FROM events")"
verify_ok

DB=$WORK/multi.db
head -n 300 "$S" | gzip -c >"$WORK/m1.gz"
tail -n +301 "$S" | gzip -c >"$WORK/m2.gz"
cat "$WORK/m1.gz" "$WORK/m2.gz" >"$WORK/multi.gz"
DB=$WORK/plain.db ingest_ok "$S"
ingest_ok "$WORK/multi.gz"
assert_eq "multi-member gzip reads both members" "$(totals "$WORK/plain.db")" "$(totals "$DB")"
assert_eq "... all lines" "$(wc -l <"$S" | tr -d ' ')" "$(q "SELECT lines FROM files")"

# --- reject rate and the 1000-reject cap ---
python3 - "$WORK" "$S" <<'PY'
import sys
good = [l for l in open(sys.argv[2]).read().split("\n") if " rt=" in l]  # valid sample lines
good = (good * 2)[:1500]
with open(sys.argv[1] + "/half.log", "w") as f:
    for g in good[:500]:
        f.write(g + "\n" + "garbage line, not a log record\n")
with open(sys.argv[1] + "/bad1500.log", "w") as f:
    for i, g in enumerate(good):
        f.write(g + "\n" + "junk %d\n" % i)
PY
DB=$WORK/rate1.db
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 10 "$WORK/half.log"
assert_rc "--max-reject-rate 10 with 50% garbage" 1
assert_contains "message names the file and the rate" "$WORK/err" "half.log"
assert_eq "... but its lines are stored" "500|500" "$(q "SELECT events, rejected FROM files")"
DB=$WORK/rate2.db
run "$TOKSTAT" --db "$DB" ingest "$WORK/half.log"
assert_rc "50% garbage without --max-reject-rate" 0
DB=$WORK/rate3.db
run "$TOKSTAT" --db "$DB" ingest --max-reject-rate 60 "$WORK/half.log"
assert_rc "--max-reject-rate 60 with 50% garbage" 0

DB=$WORK/cap.db
ingest_ok "$WORK/bad1500.log"
assert_eq "1500 rejects counted, 1000 kept, the first ones" "1500|1000|2|2000" \
	"$(q "SELECT (SELECT rejected FROM files), count(*), min(line), max(line) FROM rejects")"
# the cap holds across runs of a growing file
DB=$WORK/cap2.db
head -n 1600 "$WORK/bad1500.log" >"$WORK/grow.log"
ingest_ok "$WORK/grow.log"
tail -n +1601 "$WORK/bad1500.log" >>"$WORK/grow.log"
ingest_ok "$WORK/grow.log"
assert_eq "cap across runs: 1500 counted, 1000 kept" "1500|1000|2000" \
	"$(q "SELECT (SELECT rejected FROM files), count(*), max(line) FROM rejects")"
verify_ok

# gzip with zero padding after the last member (as gzip(1) accepts): read whole, exit 0;
# anything but zeros after the padding is damage
DB=$WORK/pad.db
head -n 50 "$SAMPLES/api-gateway.log" | gzip >"$WORK/pad.gz"
head -c 1000 /dev/zero >>"$WORK/pad.gz"
run "$TOKSTAT" --db "$DB" ingest "$WORK/pad.gz"
assert_rc "zero-padded gzip: exit 0" 0
assert_eq "zero-padded gzip: every line" "$(gzip -dc "$WORK/pad.gz" 2>/dev/null | awk 'END { print NR }')" \
	"$(q "SELECT lines FROM files")"
printf 'xyz' >>"$WORK/pad.gz"
DB=$WORK/pad2.db
run "$TOKSTAT" --db "$DB" ingest "$WORK/pad.gz"
assert_rc "data after the padding: exit 1" 1
assert_contains "data after the padding: named with its offset" "$WORK/err" "pad.gz: data after the zero padding"
