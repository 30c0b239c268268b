#!/bin/sh
# CSV quotes that do not close never swallow the rows after them: a quote inside a field is
# text; text after a closing quote rejects that line; an opening quote that never closes is
# rejected at its line when the next line is a whole record, and reading goes on there; a
# quoted field over several lines is still one record; a file that ends inside a quote
# rejects that record at the line where it opened. Expected values come from the generator
# below, which knows which line is which (python's csv module itself swallows such rows).
. "$(dirname "$0")/lib.sh"

F=$WORK/quotes.csv
python3 - "$F" >"$WORK/expect" <<'PY'
import sys
rows, bad, events, tokens, n = [], [], 0, 0, 0
def add(line, good=None, reject=False):
    global events, tokens
    rows.append(line)
    if good is not None:
        events += 1
        tokens += good
    if reject:
        bad.append(len(rows))
add("timestamp,model,input_tokens,output_tokens,error")
def row(i, model="gpt-4o"):
    add("2025-10-11 10:%02d:%02d,%s,%d,1," % (i // 60 % 60, i % 60, model, i), good=i)
for i in range(1, 6):
    row(i)
row(6, 'ab"c')                                                  # a quote inside a field: text
add('2025-10-11 11:00:00,"gpt"4o,7,1,', reject=True)            # text after a closing quote
for i in range(8, 11):
    row(i)
add('2025-10-11 11:00:01,"gpt-4o,11,1,', reject=True)           # an opening quote never closed
for i in range(12, 1012):
    row(i)
add('2025-10-11 12:00:00,gpt-4o,2000,1,"upstream said:', good=2000)   # one record, 3 lines
rows.append('rate limited, "retry" later,')
rows.append('bye"')
row(1013)
row(1014)
add('2025-10-11 13:00:00,gpt-4o,3000,1,"never closed', reject=True)   # the file ends in it
rows.append("more text")
rows.append("and more")
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
print("%d|%d|%d|%s" % (events, tokens, len(bad), ",".join(map(str, bad))))
PY
exp=$(cat "$WORK/expect")
run "$TOKSTAT" --db "$DB" ingest --complete --format usage_csv "$F"
assert_rc "a CSV file with broken quotes is read" 0
assert_eq "events, tokens, rejects and the lines where each bad quote opened" "$exp" \
	"$(q "SELECT count(*), sum(input_tokens), (SELECT rejected FROM files),
		(SELECT group_concat(line, ',') FROM (SELECT line FROM rejects ORDER BY line)) FROM events")"
assert_eq "the quote inside a field is kept as text" 1 "$(q "SELECT count(*) FROM events WHERE model = 'ab\"c'")"
assert_eq "the three-line field is one event with its line breaks" 1 \
	"$(q "SELECT count(*) FROM events WHERE error = 'upstream said:
rate limited, \"retry\" later,
bye'")"
assert_eq "each reject says why" 3 "$(q "SELECT count(*) FROM rejects WHERE reason LIKE 'CSV: broken quote%'
	OR reason LIKE 'CSV: the quote opened on this line is still open 1 line later%'
	OR reason LIKE 'quoted field open from line % to the end of the file'")"
ingest_ok --complete "$F"
assert_eq "reading it again adds nothing" "$exp" \
	"$(q "SELECT count(*), sum(input_tokens), (SELECT rejected FROM files),
		(SELECT group_concat(line, ',') FROM (SELECT line FROM rejects ORDER BY line)) FROM events")"
verify_ok
