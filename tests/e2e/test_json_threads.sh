#!/bin/sh
# JSON lines parse on parser threads in chunks of 1024 lines (after 32 detection lines):
# files that end exactly on a chunk boundary, with every chunk in flight, and long lines
# that close chunks on bytes, must all finish with every line stored once, in order.
# Expected counts and sums come from python over the generated files.
. "$(dirname "$0")/lib.sh"

gen() { # LINES PAD FILE: OpenAI objects, line i has prompt i, completion 2i; PAD bytes of text
	python3 - "$1" "$2" >"$3" <<'PY'
import json, sys
n, pad = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print(json.dumps({"timestamp": "2025-10-10T10:%02d:%02dZ" % (i // 60 % 60, i % 60), "model": "gpt-4o-mini",
                      "object": "chat.completion", "note": "x" * pad,
                      "usage": {"prompt_tokens": i, "completion_tokens": 2 * i}}))
PY
}

for k in 4 5 6; do
	n=$((32 + k * 1024))
	gen $n 0 "$WORK/k$k.jsonl"
	DB=$WORK/k$k.db
	run timeout 60 "$TOKSTAT" --db "$DB" ingest "$WORK/k$k.jsonl"
	assert_rc "32 + $k x 1024 lines finish" 0
	assert_eq "32 + $k x 1024 lines: events, input, output, last line" \
		"$(python3 -c "n=$n; print('%d|%d|%d|%d' % (n, n*(n-1)//2, n*(n-1), n))")" \
		"$(q "SELECT count(*), sum(input_tokens), sum(output_tokens), max(line) FROM events")"
	assert_eq "32 + $k x 1024 lines: line i has prompt i - 1" 0 \
		"$(q "SELECT count(*) FROM events WHERE input_tokens != line - 1")"
done

# 300 KB lines close chunks on bytes (1 MiB) rather than on line count
gen 200 300000 "$WORK/long.jsonl"
DB=$WORK/long.db
run timeout 60 "$TOKSTAT" --db "$DB" ingest "$WORK/long.jsonl"
assert_rc "long lines finish" 0
assert_eq "long lines: events and input" "200|19900" "$(q "SELECT count(*), sum(input_tokens) FROM events")"
verify_ok
