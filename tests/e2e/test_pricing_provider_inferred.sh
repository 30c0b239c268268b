#!/bin/sh
# A provider the log does not name is inferred from the model family, then the endpoint
# (sql/providers.sql), and stored: an imported provider-specific price (openai,gpt-4o-mini)
# then re-prices those events, where before it silently changed nothing.
. "$(dirname "$0")/lib.sh"
q() { sqlite3 "$DB" "$1"; }

# request model provider input output (- = not logged)
cat > "$WORK/lines.txt" <<'LINES'
POST_/v1/chat/completions gpt-4o-mini - 100000 20000
POST_/openai/v1/chat/completions gpt-4o-mini-2024-07-18 - 30000 4000
POST_/v1/responses GPT-4.1 - 10 10
POST_/v1/chat/completions gpt-4o-mini azure 50000 6000
POST_/v1/chat/completions deepseek-chat - 7000 800
POST_/v1/messages - - - -
POST_/v1beta/models/gemini-2.0-flash:generateContent - - 900 90
GET_/repos/octo-org/octo-repo/pulls/7 - - - -
GET_/index.html - - - -
LINES
while read -r req model provider in out; do
	pairs="token=sk-test-aaaaaaaaaaaaaaaaaaaaaaaa"
	[ "$model" = - ] || pairs="$pairs model=$model"
	[ "$provider" = - ] || pairs="$pairs provider=$provider"
	[ "$in" = - ] || pairs="$pairs input_tokens=$in output_tokens=$out"
	echo "127.0.0.1 - - [10/Oct/2025:13:55:36 +0000] \"$(echo "$req" | tr _ ' ') HTTP/1.1\" 200 512 \"-\" \"curl/8\" $pairs"
done < "$WORK/lines.txt" > "$WORK/proxy.log"
"$TOKSTAT" --db "$DB" ingest -q --format proxy "$WORK/proxy.log"

assert_eq "model first (any case; deepseek on an OpenAI-shaped path), then endpoint; a logged provider stays" \
"/v1/chat/completions|gpt-4o-mini|openai
/openai/v1/chat/completions|gpt-4o-mini-2024-07-18|openai
/v1/responses|GPT-4.1|openai
/v1/chat/completions|gpt-4o-mini|azure
/v1/chat/completions|deepseek-chat|deepseek
/v1/messages||anthropic
/v1beta/models/gemini-2.0-flash:generateContent||google
/repos/octo-org/octo-repo/pulls/7||github
/index.html||" \
	"$(q "SELECT endpoint, model, provider FROM events ORDER BY line")"
assert_eq "the inferred provider is stored in the daily aggregates (reports group by it)" "anthropic|1 azure|1 deepseek|1 github|1 google|1 openai|3" \
	"$(q "SELECT group_concat(p || '|' || n, ' ') FROM (SELECT provider AS p, sum(requests) AS n FROM daily_usage WHERE provider IS NOT NULL GROUP BY 1 ORDER BY 1)")"

# An OpenAI-only price for gpt-4o-mini: the openai events take it, azure's keeps the seed's.
cost() { q "SELECT printf('%.9f', sum(cost_usd)) FROM events WHERE model LIKE '%4o-mini%' AND provider = '$1'"; }
before_azure=$(cost azure)
printf 'provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from\nopenai,gpt-4o-mini,1.5,6,,,2025-01-01\n' > "$WORK/openai.csv"
"$TOKSTAT" --db "$DB" pricing import "$WORK/openai.csv" >/dev/null
assert_eq "re-pricing: the openai,gpt-4o-mini price applies to events whose provider was inferred" \
	"$(awk '$3 == "-" && tolower($2) ~ /^gpt-4o-mini/ { c += ($4 * 1.5 + $5 * 6) / 1e6 } END { printf "%.9f", c }' "$WORK/lines.txt")" \
	"$(cost openai)"
assert_eq "an event logged with another provider keeps its price" "$before_azure" "$(cost azure)"
assert_eq "the azure event is priced at the seed's list price (0.15 / 0.60)" \
	"$(awk '$3 == "azure" { printf "%.9f", ($4 * 0.15 + $5 * 0.6) / 1e6 }' "$WORK/lines.txt")" "$before_azure"
