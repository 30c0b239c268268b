#!/bin/sh
# Batch and service tiers: OpenAI Batch output (a line with a custom_id) is priced at LiteLLM's
# *_cost_per_token_batches, a logged service_tier at that tier's price (*_flex, *_priority)
# when the price table has one, else at the standard price, which `pricing missing` says.
# Expected costs are computed here from LiteLLM's JSON (the corpus copy) and the lines.
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$1"; }
LITELLM=$CORPUS/litellm-pricing/model_prices_and_context_window.json

# 1: a Batch API output line (body says "default": the batch decides); 2: flex where gpt-5 has
# a flex price; 3: flex where gpt-4o-mini has none; 4: priority; 5: default (standard).
cat > "$WORK/openai.jsonl" <<'JSON'
{"id":"batch_req_1","custom_id":"row-1","response":{"status_code":200,"request_id":"r1","body":{"id":"chatcmpl-1","object":"chat.completion","created":1760000000,"model":"gpt-4o-mini","service_tier":"default","usage":{"prompt_tokens":120000,"completion_tokens":3000,"total_tokens":123000}}},"error":null}
{"id":"chatcmpl-2","object":"chat.completion","created":1760000100,"model":"gpt-5","service_tier":"flex","usage":{"prompt_tokens":50000,"completion_tokens":7000,"total_tokens":57000,"prompt_tokens_details":{"cached_tokens":10000}}}
{"id":"chatcmpl-3","object":"chat.completion","created":1760000200,"model":"gpt-4o-mini","service_tier":"flex","usage":{"prompt_tokens":4000,"completion_tokens":900,"total_tokens":4900}}
{"id":"chatcmpl-4","object":"chat.completion","created":1760000300,"model":"gpt-4o-mini","service_tier":"priority","usage":{"prompt_tokens":30000,"completion_tokens":2000,"total_tokens":32000,"prompt_tokens_details":{"cached_tokens":8000}}}
{"id":"chatcmpl-5","object":"chat.completion","created":1760000400,"model":"gpt-4o-mini","service_tier":"default","usage":{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100}}
JSON
"$TOKSTAT" --db "$DB" pricing import --effective-from 2020-01-01 "$LITELLM" >/dev/null
"$TOKSTAT" --db "$DB" ingest -q "$WORK/openai.jsonl"

python3 - "$LITELLM" "$WORK/openai.jsonl" > "$WORK/want" <<'PY'
import json, sys
from fractions import Fraction as F
prices = json.load(open(sys.argv[1]))
suffix = {"batch": "_batches", "flex": "_flex", "priority": "_priority"}
for line in open(sys.argv[2]):
    r = json.loads(line)
    batch = "custom_id" in r
    body = r["response"]["body"] if batch else r
    tier = "batch" if batch else body["service_tier"]
    p = prices[body["model"]]
    sfx = suffix.get(tier, "")
    if sfx and "input_cost_per_token" + sfx not in p:
        sfx = ""  # no price for the tier: the standard price
    rate = lambda k, fb=None: F(str(p.get(k + sfx, p.get(fb + sfx) if fb else 0)))
    u = body["usage"]
    cached = u.get("prompt_tokens_details", {}).get("cached_tokens", 0)
    c = ((u["prompt_tokens"] - cached) * rate("input_cost_per_token")
         + cached * rate("cache_read_input_token_cost", "input_cost_per_token")
         + u["completion_tokens"] * rate("output_cost_per_token"))
    print("%s|%s|%.12f" % (body["model"], tier, c))
PY
assert_eq "each line at its tier's price, or the standard one" "$(cat "$WORK/want")" \
	"$(q "SELECT model, service_tier, printf('%.12f', cost_usd) FROM events ORDER BY epoch")"
assert_eq "daily aggregates keep the tiers apart, with the same costs" \
	"$(awk -F'|' '{ s[$1 "|" $2] += $3 } END { for (k in s) printf "%s|%.12f\n", k, s[k] }' "$WORK/want" | sort)" \
	"$(q "SELECT model, service_tier, printf('%.12f', sum(cost_usd)) FROM daily_usage GROUP BY 1, 2 ORDER BY 1, 2")"
"$TOKSTAT" --db "$DB" verify >/dev/null || fail "verify"
echo "ok: verify checks the tier in the daily key"

"$TOKSTAT" --db "$DB" pricing missing > "$WORK/missing.txt"
assert_contains "pricing missing names the tier asked and that the standard price was used" "$WORK/missing.txt" \
	"no price for this tier: standard price used"
assert_eq "only gpt-4o-mini flex is listed: default is the standard tier, batch and priority have prices" \
	"gpt-4o-mini|flex|1|4000|900" \
	"$(q "SELECT model, service_tier, requests, input_tokens, output_tokens FROM unpriced_usage")"
assert_eq "a tier without its own price still has a cost (the standard price's)" 0 \
	"$(q "SELECT count(*) FROM events WHERE cost_usd IS NULL")"

# Without an imported tier price (the seeds have none) every tier is priced at standard rates.
"$TOKSTAT" --db "$WORK/seed.db" ingest -q "$WORK/openai.jsonl"
assert_eq "no tier prices: batch, flex and priority usage all listed by pricing missing" "batch flex priority" \
	"$(sqlite3 "$WORK/seed.db" "SELECT group_concat(service_tier, ' ') FROM (SELECT DISTINCT service_tier FROM unpriced_usage ORDER BY 1)")"

# Other logs that say batch or a tier: a usage export's batch column, Anthropic's usage.service_tier.
printf 'start_time,model,batch,service_tier,input_tokens,output_tokens\n2025-10-09T00:00:00Z,gpt-4o-mini,TRUE,default,1000000,1000000\n2025-10-09T00:00:00Z,gpt-4o-mini,FALSE,default,1000000,1000000\n' > "$WORK/usage.csv"
"$TOKSTAT" --db "$DB" ingest -q --format usage_csv "$WORK/usage.csv"
want=$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["gpt-4o-mini"]
print("batch|%.9f" % ((p["input_cost_per_token_batches"] + p["output_cost_per_token_batches"]) * 1e6))
print("default|%.9f" % ((p["input_cost_per_token"] + p["output_cost_per_token"]) * 1e6))' "$LITELLM")
assert_eq "a usage export's batch column: TRUE is the batch tier, FALSE keeps the logged tier" "$want" \
	"$(q "SELECT service_tier, printf('%.9f', cost_usd) FROM events WHERE file LIKE '%usage.csv' ORDER BY 1")"
printf '%s\n' '{"timestamp":"2026-02-11T10:00:00Z","response":{"id":"msg_1","type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":20,"service_tier":"batch"}}}' > "$WORK/anthropic.jsonl"
"$TOKSTAT" --db "$DB" ingest -q --format anthropic "$WORK/anthropic.jsonl"
assert_eq "Anthropic's usage.service_tier is stored" "batch" \
	"$(q "SELECT service_tier FROM events WHERE file LIKE '%anthropic.jsonl'")"
