#!/bin/sh
# Values no log means: negative or absurd counts, times outside 1970..9999, hour 24:59,
# a bare date where epoch seconds are expected. Each line is rejected with its reason
# (never stored as a wrong number), the rest of the file is kept, and verify passes.
. "$(dirname "$0")/lib.sh"

L='10.0.0.1 - - [10/Oct/2025:10:00:00 +0000] "POST /v1/chat HTTP/1.1" 200 5 "-" "c" model=m'
{
	echo "$L input_tokens=100 output_tokens=7"
	echo "$L input_tokens=-500 output_tokens=-7"
	echo "$L input_tokens=9223372036854775807 output_tokens=1"
	echo "$L input_tokens=1000000000000001"
	echo "$L rt=-0.5"
	echo '10.0.0.1 - - [10/Oct/2025:24:59:60 +0000] "GET / HTTP/1.1" 200 5 "-" "c" model=m'
	echo "$L input_tokens=1000000000000000 output_tokens=1"
} >"$WORK/p.log"
run "$TOKSTAT" --db "$DB" ingest --format proxy "$WORK/p.log"
assert_rc "ingest" 0
assert_eq "two good lines stored, five rejected" "2|5" "$(q "SELECT events, rejected FROM files")"
assert_eq "the stored sums are exact" "1000000000000100|8|1000000000000108" \
	"$(q "SELECT sum(input_tokens), sum(output_tokens), sum(total_tokens) FROM events")"
assert_eq "reasons name the field" "3|1|1" \
	"$(q "SELECT sum(reason LIKE 'input_tokens out of range%'), sum(reason LIKE 'bad number for rt%'),
	             sum(reason LIKE 'bad time%') FROM rejects")"
verify_ok

printf '%s\n' \
	'{"timestamp":999999999999999999,"model":"m","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}}' \
	'{"timestamp":20251010,"model":"m","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}}' \
	'{"timestamp":"1969-12-31T23:59:59Z","model":"m","object":"chat.completion","usage":{"prompt_tokens":1,"completion_tokens":1}}' \
	'{"timestamp":1760090400,"model":"m","object":"chat.completion","usage":{"prompt_tokens":-3,"completion_tokens":1}}' \
	'{"timestamp":1760090400,"model":"m","object":"chat.completion","usage":{"prompt_tokens":3,"completion_tokens":1}}' \
	>"$WORK/j.jsonl"
DB=$WORK/j.db
run "$TOKSTAT" --db "$DB" ingest --format openai "$WORK/j.jsonl"
assert_rc "ingest JSON" 0
assert_eq "JSON: one good line stored at its day, four rejected" "1|4|2025-10-10" \
	"$(q "SELECT (SELECT events FROM files), (SELECT rejected FROM files), day FROM events")"
verify_ok
