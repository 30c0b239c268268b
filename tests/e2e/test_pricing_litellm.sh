#!/bin/sh
# LiteLLM's model_prices_and_context_window.json from the corpus: per-token costs become USD per
# 1M tokens (gpt-4o-mini 1.5e-07 -> 0.15), 1M input + 1M output of gpt-4o-mini cost $0.75,
# non-model keys are skipped, route keys (azure/...) become provider prices, re-import is a no-op.
set -eu
: "${TOKSTAT:?}" "${WORK:?}" "${CORPUS:?}"
export LC_ALL=C TZ=UTC
unset TOKSTAT_DB
DB=$WORK/t.db
JSON=$CORPUS/litellm-pricing/model_prices_and_context_window.json
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
q() { sqlite3 "$DB" "$1"; }

echo '127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] "POST /v1/chat/completions HTTP/1.1" 200 512 "-" "curl/8" token=sk-test-aaaaaaaaaaaaaaaaaaaaaaaa model=gpt-4o-mini input_tokens=1000000 output_tokens=1000000' > "$WORK/proxy.log"
"$TOKSTAT" --db "$DB" ingest -q "$WORK/proxy.log"
# A wrong price first, so that the $0.75 below can only come from the LiteLLM file.
printf '%s\n' provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from \
	",gpt-4o-mini,9,9,,,2025-09-01" > "$WORK/wrong.csv"
"$TOKSTAT" --db "$DB" pricing import "$WORK/wrong.csv" > /dev/null
[ "$(q "SELECT printf('%.6f', sum(cost_usd)) FROM daily_usage")" = 18.000000 ] || fail "wrong price not applied"

out=$("$TOKSTAT" --db "$DB" pricing import --effective-from 2025-10-01 "$JSON")
echo "$out"
case $out in *"LiteLLM prices: "*" added"*) ok "LiteLLM file detected" ;; *) fail "import: $out" ;; esac

row=$(q "SELECT input_per_mtok, output_per_mtok, cache_read_per_mtok FROM price WHERE provider = '' AND model = 'gpt-4o-mini' AND tier = '' AND effective_from = '2025-10-01'")
[ "$row" = "0.15|0.6|0.075" ] || fail "gpt-4o-mini per Mtok: $row"
ok "gpt-4o-mini 1.5e-07 per token = 0.15 per Mtok"

cost=$(q "SELECT printf('%.9f', sum(cost_usd)) FROM daily_usage WHERE model = 'gpt-4o-mini'")
[ "$cost" = 0.750000000 ] || fail "1M in + 1M out of gpt-4o-mini: $cost"
ok "1M input + 1M output of gpt-4o-mini = \$0.75"

# Independent count of what should be imported: objects with a numeric per-token input or output
# cost, and one more price per tier (batch, flex, priority) whose input or output cost is given.
want=$(python3 - "$JSON" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
print(sum(1 for k, v in d.items() if isinstance(v, dict) and k not in ("sample_spec", "fallback_generalizations")
          for sfx in ("", "_batches", "_flex", "_priority")
          if num(v.get("input_cost_per_token" + sfx)) or num(v.get("output_cost_per_token" + sfx))))
PY
)
have=$(q "SELECT count(*) FROM price WHERE source LIKE '%model_prices_and_context_window.json'")
changed=$(echo "$out" | sed -n 's/.* \([0-9]*\) added, \([0-9]*\) changed, \([0-9]*\) unchanged/\1 \2 \3/p')
set -- $changed
[ $(($1 + $2 + $3)) = "$want" ] || fail "LiteLLM entries: tokstat saw $(($1 + $2 + $3)), python $want"
[ "$have" -le "$want" ] || fail "more rows than entries"
q "SELECT count(*) FROM price WHERE model IN ('sample_spec', 'fallback_generalizations', 'last_updated')" | grep -qx 0 || fail "non-model keys imported"
ok "$want model entries read, non-model keys skipped"

row=$(q "SELECT provider, input_per_mtok FROM price WHERE model = 'gpt-4o' AND provider = 'azure'")
[ "$row" = "azure|2.5" ] || fail "azure/gpt-4o: $row"
ok "azure/gpt-4o is a price for provider azure"

out=$("$TOKSTAT" --db "$DB" pricing import --effective-from 2025-10-02 "$JSON")
case $out in *" 0 added, 0 changed, "*) ok "re-import changes nothing" ;; *) fail "re-import: $out" ;; esac
"$TOKSTAT" --db "$DB" pricing list gpt-4o-mini | grep -q '^gpt-4o-mini  *-  *-  *2025-10-01' || fail "pricing list"
ok "pricing list"

# A rate that is no price (1e999 reads as infinity; a negative one) refuses the whole file,
# naming the entry; the good entry beside it is not imported either.
before=$(q "SELECT count(*) FROM price")
for bad in '{"fine-model": {"input_cost_per_token": 1e-6}, "bad-model": {"input_cost_per_token": 1e999}}' \
	   '{"fine-model": {"input_cost_per_token": 1e-6}, "bad-model": {"output_cost_per_token": -2e-6}}'; do
	printf '%s\n' "$bad" > "$WORK/bad.json"
	if "$TOKSTAT" --db "$DB" pricing import "$WORK/bad.json" 2> "$WORK/err.txt"; then fail "accepted: $bad"; fi
	grep -q '"bad-model": .* is not a price' "$WORK/err.txt" || fail "message: $(cat "$WORK/err.txt")"
done
[ "$(q "SELECT count(*) FROM price")" = "$before" ] || fail "a refused file added prices"
[ "$(q "SELECT count(*) FROM price WHERE model LIKE '%-model'")" = 0 ] || fail "a refused entry was stored"
ok "an infinite or negative rate refuses the file, naming the entry"

# The entry's name reaches the message escaped: ESC shown as \x1B, never written raw.
printf '%s\n' '{"bad\u001b[2J-model": {"input_cost_per_token": 1e999}}' > "$WORK/esc.json"
if "$TOKSTAT" --db "$DB" pricing import "$WORK/esc.json" 2> "$WORK/err.txt"; then fail "accepted: esc.json"; fi
grep -qF '"bad\x1B[2J-model"' "$WORK/err.txt" || fail "message: $(cat "$WORK/err.txt")"
[ "$(od -An -c "$WORK/err.txt" | grep -c '033')" = 0 ] || fail "a raw ESC in the message"
ok "an entry's name in a message is escaped"
