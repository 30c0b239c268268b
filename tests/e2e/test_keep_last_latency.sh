#!/bin/sh
# Keep-last with response times: a format with a dedup key and a latency (a user format
# definition). A later, larger line replaces the counted one within a batch and across runs;
# the daily latency count, sum, maximum and buckets then hold the kept line's time only,
# as verify checks and as computed here by hand.
. "$(dirname "$0")/lib.sh"
mkdir -p "$WORK/parsers"
cat >"$WORK/parsers/timed.json" <<'DEF'
{
  "name": "timed", "kind": "json", "description": "test: records with an id, a model and a time taken",
  "detect": ["$.rid"],
  "fields": { "time": "$.ts", "model": "$.model", "output_tokens": "$.out", "latency_ms": "$.ms" },
  "dedup": ["$.rid"]
}
DEF
rec() { printf '{"rid":"%s","ts":"2026-01-01T10:00:0%sZ","model":"%s","out":%s,"ms":%s}\n' "$@"; }
# run 1: a within the batch (100 ms, then 5000 ms with more output); b first at 300 ms
{ rec a 1 m-a 1 100; rec a 2 m-a 10 5000; rec b 3 m-b 1 300; } >"$WORK/one.jsonl"
# run 2: b's later, larger line at 20 ms (replaces the stored one and its maximum); a smaller
# line of a (kept out)
{ rec b 4 m-b 5 20; rec a 5 m-a 2 7; } >"$WORK/two.jsonl"
run "$TOKSTAT" --db "$DB" ingest -q --parsers "$WORK/parsers" --format timed "$WORK/one.jsonl"
assert_rc "run 1" 0
run "$TOKSTAT" --db "$DB" ingest -q --parsers "$WORK/parsers" --format timed "$WORK/two.jsonl"
assert_rc "run 2" 0
assert_eq "events: one per id, the larger line" "m-a|10|5000
m-b|5|20" "$(q "SELECT model, output_tokens, latency_ms FROM events ORDER BY model")"
# by hand: m-a keeps 5000 ms (bucket 13: 4096..8191), m-b 20 ms (bucket 5: 16..31)
assert_eq "daily latency: count, sum, max and the kept line's bucket" "1|5000|5000|1|0
1|20|20|0|1" "$(q "SELECT d.latency_n, d.latency_sum, d.latency_max, d.latency_b13, d.latency_b05
	FROM daily d JOIN dict m ON m.id = d.model ORDER BY m.value")"
assert_eq "no other bucket counts" "2" "$(q "SELECT sum(latency_b00 + latency_b01 + latency_b02 + latency_b03 +
	latency_b04 + latency_b05 + latency_b06 + latency_b07 + latency_b08 + latency_b09 + latency_b10 + latency_b11 +
	latency_b12 + latency_b13 + latency_b14 + latency_b15 + latency_b16 + latency_b17 + latency_b18 + latency_b19)
	FROM daily")"
verify_ok
