#!/bin/sh
# Text from logs cannot drive a terminal. Ingest stores C0 controls (JSON "\u001b" decodes to
# a real ESC) as U+FFFD; what stays stored, such as a C1 CSI or a right-to-left override, is
# escaped on the way out as \xNN / \u{NNNN} by summary, cost and pricing missing.
set -eu
: "${TOKSTAT:?}" "${WORK:?}"
. "$(dirname "$0")/lib.sh"
DB=$WORK/t.db

# camelCase usage records (the built-in usage_record_camel shape), written by python so the
# control characters are JSON escapes in the file and real characters once decoded
python3 - "$WORK/app.jsonl" <<'PY'
import json, sys
rows = [
    {"inputTokens": 1000, "outputTokens": 100, "timestamp": "2025-10-01T10:00:00Z",
     "userId": "mallory\u001b[2J\u001b]0;pwned\u0007", "model": "gpt-4o-mini", "provider": "openai"},
    {"inputTokens": 2000, "outputTokens": 200, "timestamp": "2025-10-01T11:00:00Z",
     "userId": "eve\u009b31m\u202etxt.exe", "model": "no-such-model\u202e", "provider": "openai"},
]
with open(sys.argv[1], "w") as fp:
    for r in rows:
        fp.write(json.dumps(r) + "\n")
PY
ingest_ok "$WORK/app.jsonl"
assert_eq "both records stored" 2 "$(q "SELECT count(*) FROM events")"
assert_eq "ingest stored ESC and BEL as U+FFFD" 1 \
	"$(q "SELECT count(*) FROM events WHERE user = 'mallory' || char(65533) || '[2J' || char(65533) || ']0;pwned' || char(65533)")"
assert_eq "ingest kept the C1 CSI and the override" 1 \
	"$(q "SELECT count(*) FROM events WHERE user = 'eve' || char(155) || '31m' || char(8238) || 'txt.exe'")"

run "$TOKSTAT" --db "$DB" summary
assert_rc "summary" 0
run "$TOKSTAT" --db "$DB" cost --month 2025-10
assert_rc "cost" 0
cp "$WORK/out" "$WORK/cost.out"
assert_contains "cost shows the replaced ESC sequence" "$WORK/cost.out" "$(printf 'mallory\357\277\275[2J')"
assert_contains "cost shows the escaped C1 CSI and the override" "$WORK/cost.out" 'eve\x9B31m\u{202E}txt.exe'
run "$TOKSTAT" --db "$DB" pricing missing
assert_rc "pricing missing" 0
cp "$WORK/out" "$WORK/missing.out"
assert_contains "pricing missing shows the escaped model" "$WORK/missing.out" 'no-such-model\u{202E}'
"$TOKSTAT" --db "$DB" summary >"$WORK/summary.out"
for f in summary cost missing; do
	# od prints every byte; none may be ESC (033), BEL (007), C1 CSI (302 233) or U+202E (342 200 256)
	assert_eq "$f: no raw control bytes" 0 \
		"$(od -An -c "$WORK/$f.out" | grep -c '033\|007\|302 233\|342 200 256' || true)"
done
