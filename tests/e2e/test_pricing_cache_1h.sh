#!/bin/sh
# 1-hour cache writes: Claude Code's usage.cache_creation.ephemeral_1h_input_tokens are kept as
# cache_write_1h_tokens (a part of cache_write_tokens) and billed at their own rate, twice the
# input rate (Anthropic's price list; LiteLLM's cache_creation_input_token_cost_above_1hr).
# The expected costs are computed here from the raw JSON lines and Anthropic's list prices.
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$1"; }
SHORT=$CORPUS/claude-code-spotter/short.jsonl

"$TOKSTAT" --db "$DB" ingest -q "$SHORT"

# claude-opus-4-6, USD per 1M tokens: input 5, output 25, cache read 0.5, cache write 6.25 for
# 5 minutes and 10 for 1 hour. One API message per (message.id, requestId): its last line.
expect=$(python3 - "$SHORT" <<'PY'
import json, sys
from fractions import Fraction as F
last = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    u = r.get("message", {}).get("usage") if r.get("type") == "assistant" else None
    if u:
        last[(r["message"]["id"], r["requestId"])] = u
rate = dict(i=F(5), o=F(25), cr=F("0.5"), cw5=F("6.25"), cw1=F(10))
cost = F(0)
cw = cw1 = 0
for u in last.values():
    one_h = u["cache_creation"]["ephemeral_1h_input_tokens"]
    cost += (u["input_tokens"] * rate["i"] + u["output_tokens"] * rate["o"]
             + u["cache_read_input_tokens"] * rate["cr"]
             + (u["cache_creation_input_tokens"] - one_h) * rate["cw5"] + one_h * rate["cw1"]) / 10**6
    cw += u["cache_creation_input_tokens"]
    cw1 += one_h
print("%s|%d|%d" % (float(cost), cw, cw1))
PY
)
assert_eq "short.jsonl costs \$0.1444475 (SOURCES.md), computed from its lines" "0.1444475|13835|13835" "$expect"
assert_eq "cost_usd prices the 1-hour cache writes at twice the input rate" "$expect" \
	"$(q "SELECT round(sum(cost_usd), 9), sum(cache_write_tokens), sum(cache_write_1h_tokens) FROM daily_usage")"
assert_eq "the events view has the same cost and split" "$expect" \
	"$(q "SELECT round(sum(cost_usd), 9), sum(cache_write_tokens), sum(cache_write_1h_tokens) FROM events")"
"$TOKSTAT" --db "$DB" verify >/dev/null || fail "verify after ingest"
echo "ok: verify checks the 1-hour column"

# A message that writes both TTLs, as the Anthropic API reports it: 5-minute writes at 6.25,
# 1-hour writes at 10, cache_write_tokens the sum of both.
cat > "$WORK/mixed.jsonl" <<'JSON'
{"timestamp":"2026-02-11T10:00:00Z","request_id":"req_1","response":{"id":"msg_1","type":"message","model":"claude-opus-4-6","usage":{"input_tokens":100,"output_tokens":200,"cache_read_input_tokens":3000,"cache_creation_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":400,"ephemeral_1h_input_tokens":600}}}}
{"timestamp":"2026-02-11T10:01:00Z","request_id":"req_2","response":{"id":"msg_2","type":"message","model":"claude-opus-4-6","usage":{"input_tokens":10,"output_tokens":20,"cache_read_input_tokens":0,"cache_creation_input_tokens":50}}}
JSON
"$TOKSTAT" --db "$WORK/m.db" ingest -q --format anthropic "$WORK/mixed.jsonl"
want=$(python3 -c '
from fractions import Fraction as F
c = (100*5 + 200*25 + 3000*F("0.5") + 400*F("6.25") + 600*10 + 10*5 + 20*25 + 50*F("6.25")) / F(10**6)
print("%s|1050|600" % float(c))')
assert_eq "a mixed 5-minute and 1-hour write: each part at its rate; no split logged: all at 5 minutes" "$want" \
	"$(sqlite3 "$WORK/m.db" "SELECT round(sum(cost_usd), 9), sum(cache_write_tokens), sum(cache_write_1h_tokens) FROM daily_usage")"
assert_eq "no split logged is NULL, not 0" "1" \
	"$(sqlite3 "$WORK/m.db" "SELECT count(*) FROM events WHERE request_id = 'req_2' AND cache_write_1h_tokens IS NULL")"

# LiteLLM's 1-hour rate is imported; a price without one bills 1-hour writes at its cache-write rate.
# (its entry for claude-opus-4-6 under a name no seed has, so that the import adds it)
python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["claude-opus-4-6"]
json.dump({"test-opus-1h": e}, open(sys.argv[2], "w"))
print("%g|%g" % (e["cache_creation_input_token_cost"] * 1e6, e["cache_creation_input_token_cost_above_1hr"] * 1e6),
      file=open(sys.argv[3], "w"))' "$CORPUS/litellm-pricing/model_prices_and_context_window.json" \
	"$WORK/litellm.json" "$WORK/litellm.want"
"$TOKSTAT" --db "$DB" pricing import --effective-from 2026-01-01 "$WORK/litellm.json" >/dev/null
assert_eq "LiteLLM's cache_creation_input_token_cost_above_1hr becomes cache_write_1h_per_mtok" "$(cat "$WORK/litellm.want")" \
	"$(q "SELECT printf('%g|%g', cache_write_per_mtok, cache_write_1h_per_mtok) FROM prices WHERE model = 'test-opus-1h' AND provider IS NULL AND tier IS NULL")"
printf 'provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from\n,claude-opus-4-6,5,25,0.5,6.25,2026-01-02\n' > "$WORK/no1h.csv"
"$TOKSTAT" --db "$DB" pricing import "$WORK/no1h.csv" >/dev/null
assert_eq "a price without a 1-hour rate bills those writes at its cache-write rate" "0.09256625" \
	"$(q "SELECT round(sum(cost_usd), 9) FROM daily_usage")"
printf 'provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,cache_write_1h_per_mtok,effective_from\n,claude-opus-4-6,5,25,0.5,6.25,12,2026-01-02\n' > "$WORK/with1h.csv"
"$TOKSTAT" --db "$DB" pricing import "$WORK/with1h.csv" >/dev/null
want=$(python3 -c 'print(float((3*5 + 13*25 + 11515*0.5 + 13835*12) / 1e6))')
assert_eq "a CSV's cache_write_1h_per_mtok re-prices history" "$want" "$(q "SELECT round(sum(cost_usd), 9) FROM daily_usage")"
"$TOKSTAT" --db "$DB" pricing list claude-opus-4-6 > "$WORK/list.txt"
assert_contains "pricing list shows the 1-hour rate" "$WORK/list.txt" "cache_write_1h"
