#!/bin/sh
# The named investigations: each one runs on the samples and returns rows, as CSV and as JSON
# that python parses; top-credentials is checked against awk over the raw logs, and
# errors-by-credential, cost-by-model-day, a period and a timeline against sqlite3 over the
# physical tables.
. "$(dirname "$0")/lib.sh"

ingest_ok "$SAMPLES"/*

run "$TOKSTAT" query --list --format csv
assert_rc "query --list" 0
tail -n +2 "$WORK/out" | cut -d, -f1 >"$WORK/names"
for n in top-credentials top-users endpoints-by-credential errors-by-credential model-users timeline \
	rate-limit-history rate-limited new-credentials cost-by-model-day rejects-by-reason; do
	grep -qx "$n" "$WORK/names" || fail "--list lacks $n"
done
echo "ok: --list names every investigation"

limited=$(q "SELECT substr(fingerprint, 1, 12) FROM credential WHERE rl_remaining = 0")
[ -n "$limited" ] || fail "no rate-limited credential in the samples"
# the parameters each query needs to find something in the samples
args_for() {
	case $1 in
	timeline | rate-limit-history) echo "-p credential=$limited" ;;
	model-users) echo "-p model=gpt-4o*" ;;
	*) echo "" ;;
	esac
}
while read -r n; do
	# shellcheck disable=SC2046
	run "$TOKSTAT" --db "$DB" query "$n" $(args_for "$n") --format csv
	assert_rc "query $n" 0 >/dev/null
	rows=$(($(wc -l <"$WORK/out") - 1))
	[ "$rows" -ge 1 ] || fail "query $n: no rows on the samples"
	# shellcheck disable=SC2046
	run "$TOKSTAT" --db "$DB" query "$n" $(args_for "$n") --format json
	assert_rc "query $n --format json" 0 >/dev/null
	got=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert isinstance(d, list); print(len(d))' "$WORK/out") ||
		fail "query $n: the JSON does not parse"
	assert_eq "query $n: $rows rows as CSV and as JSON" "$rows" "$got"
done <"$WORK/names"

# top-credentials: requests per secret, counted with awk over the raw logs. A line whose token
# counts hold something other than a number or '-' is rejected (samples/README.md: line 664).
for f in "$SAMPLES"/*; do cat_log "$f"; done >"$WORK/all.log"
awk '
function mask(s,   n, h, t) {
	n = length(s)
	if (n < 12) return "****"
	h = int(n / 4); if (h > 8) h = 8
	t = int(n / 8); if (t > 4) t = 4
	return substr(s, 1, h) "..." substr(s, n - t + 1)
}
{
	s = $0; bad = 0
	while (match(s, / (prompt_tokens|pt|completion_tokens|ct|input_tokens|output_tokens|cached_tokens|cache_read_tokens|cache_write_tokens)=[^ ]*/)) {
		v = substr(s, RSTART, RLENGTH); sub(/^ [a-z_]*=/, "", v)
		if (v !~ /^([0-9]+|-)$/) bad = 1
		s = substr(s, RSTART + RLENGTH)
	}
	if (bad || !match($0, / (token|tok|key|api_key)=("[^"]*"|[^ ]*)/)) next
	v = substr($0, RSTART, RLENGTH); sub(/^ [a-z_]*=/, "", v); gsub(/"/, "", v)
	sub(/^(Bearer|token) +/, "", v)
	if (v != "" && v != "-") n[v]++
}
END { for (v in n) print mask(v) "," n[v] }' "$WORK/all.log" | sort -t, -k2,2nr -k1,1 >"$WORK/exp_top"
[ "$(wc -l <"$WORK/exp_top")" -ge 6 ] || fail "awk found fewer than 6 credentials"
run "$TOKSTAT" --db "$DB" query top-credentials -p limit=100 --format csv --no-header
assert_rc "top-credentials" 0
tr -d '\r' <"$WORK/out" | cut -d, -f1,3 | sort -t, -k2,2nr -k1,1 >"$WORK/act_top"
assert_same_file "top-credentials: requests per credential, as awk counts them in the raw logs" \
	"$WORK/exp_top" "$WORK/act_top"
assert_eq "top-credentials: the first is the busiest" "$(head -1 "$WORK/exp_top")" \
	"$(tr -d '\r' <"$WORK/out" | head -1 | cut -d, -f1,3)"

# errors-by-credential against the raw events table
q -separator , "SELECT substr(c.fingerprint, 1, 12), e.status, count(*) FROM event e
	LEFT JOIN credential c ON c.id = e.token WHERE e.status >= 400 OR e.failed = 1
	GROUP BY 1, 2" | sort >"$WORK/exp_err"
run "$TOKSTAT" --db "$DB" query errors-by-credential -p limit=1000 --format csv --no-header
assert_rc "errors-by-credential" 0
tr -d '\r' <"$WORK/out" | cut -d, -f2-4 | sort >"$WORK/act_err"
assert_same_file "errors-by-credential: failed events per credential and status (physical tables)" \
	"$WORK/exp_err" "$WORK/act_err"

# cost-by-model-day: requests and tokens per day and model against the daily table
q -separator , "SELECT date(a.day * 86400, 'unixepoch'), m.value, coalesce(p.value, ''), sum(a.requests),
	sum(a.input_tokens), sum(a.output_tokens) FROM daily a JOIN dict m ON m.id = a.model
	LEFT JOIN dict p ON p.id = a.provider GROUP BY 1, 2, 3" | sort >"$WORK/exp_cost"
run "$TOKSTAT" --db "$DB" query cost-by-model-day --format csv --no-header
assert_rc "cost-by-model-day" 0
tr -d '\r' <"$WORK/out" | cut -d, -f1-6 | sort >"$WORK/act_cost"
assert_same_file "cost-by-model-day: requests and tokens per day and model (physical tables)" \
	"$WORK/exp_cost" "$WORK/act_cost"

# a period: --from DAY --to DAY is whole UTC days, the last one included
d1=$(q "SELECT CAST(julianday('2025-10-10') - 2440587.5 AS INTEGER)")
q -separator , "SELECT substr(c.fingerprint, 1, 12), sum(a.requests) FROM daily a JOIN credential c ON c.id = a.token
	WHERE a.day BETWEEN $d1 AND $d1 + 1 GROUP BY 1" | sort >"$WORK/exp_period"
run "$TOKSTAT" --db "$DB" query top-credentials --from 2025-10-10 --to 2025-10-11 -p limit=100 --format csv --no-header
assert_rc "top-credentials over two days" 0
tr -d '\r' <"$WORK/out" | cut -d, -f2,3 | sort >"$WORK/act_period"
assert_same_file "top-credentials --from 2025-10-10 --to 2025-10-11" "$WORK/exp_period" "$WORK/act_period"

# timeline: one credential's events in a window of hours, by epoch, in order
fp=$(q "SELECT substr(fingerprint, 1, 12) FROM credential ORDER BY requests DESC LIMIT 1")
from=$(date -u -d '2025-10-10T02:00:00Z' +%s)
to=$(date -u -d '2025-10-10T09:00:00Z' +%s)
q -separator , "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', e.epoch, 'unixepoch'), e.status FROM event e
	JOIN credential c ON c.id = e.token WHERE substr(c.fingerprint, 1, 12) = '$fp'
	AND e.epoch >= $from AND e.epoch < $to ORDER BY e.epoch, e.id" >"$WORK/exp_tl"
[ "$(wc -l <"$WORK/exp_tl")" -ge 3 ] || fail "the window holds fewer than 3 events"
run "$TOKSTAT" --db "$DB" query timeline -p "credential=$fp" --from 2025-10-10T02:00 --to 2025-10-10T09:00 --format csv
assert_rc "timeline" 0
python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(r["ts"] + "," + r["status"])' "$WORK/out" >"$WORK/act_tl"
assert_same_file "timeline of $fp from 02:00 to 09:00 (physical tables)" "$WORK/exp_tl" "$WORK/act_tl"

# a mask shared by two secrets matches both; the fingerprint prefix only one
shared=$(q "SELECT display FROM credential GROUP BY display HAVING count(*) = 2")
run "$TOKSTAT" --db "$DB" query rate-limit-history -p "credential=$shared" --format csv --no-header
assert_rc "rate-limit-history by a shared mask" 0
assert_eq "a shared mask matches its two credentials" 2 "$(tr -d '\r' <"$WORK/out" | cut -d, -f3 | sort -u | wc -l)"

# model-users: a GLOB over model ids; first_hour is the first hour with a request
q -separator , "SELECT coalesce(u.value, ''), substr(c.fingerprint, 1, 12), min(strftime('%Y-%m-%dT%H', e.epoch, 'unixepoch'))
	FROM event e JOIN dict m ON m.id = e.model LEFT JOIN dict u ON u.id = e.user
	LEFT JOIN credential c ON c.id = e.token WHERE m.value GLOB 'claude-sonnet*' GROUP BY 1, 2" | sort >"$WORK/exp_mu"
run "$TOKSTAT" --db "$DB" query model-users -p "model=claude-sonnet*" --format csv --no-header
assert_rc "model-users" 0
tr -d '\r' <"$WORK/out" | cut -d, -f2,4,5 | sort >"$WORK/act_mu"
assert_same_file "model-users: who used claude-sonnet*, since which hour" "$WORK/exp_mu" "$WORK/act_mu"

# a named query refuses what it does not declare, and needs what it has no default for
run "$TOKSTAT" --db "$DB" query timeline
assert_rc "timeline without its credential" 2
assert_contains "the message names the parameter" "$WORK/err" "-p credential="
run "$TOKSTAT" --db "$DB" query top-users -p nosuch=1
assert_rc "an undeclared parameter" 2
run "$TOKSTAT" --db "$DB" query rejects-by-reason --from 2025-10-10
assert_rc "--from on a query without a period" 2
run "$TOKSTAT" --db "$DB" query timeline -p credential=ghp_HCThWqWxCbt2AIeRuvf7fcZu9EM1NuwardK4
assert_rc "a full secret as the credential parameter" 2
assert_contains "it points to tokstat credential" "$WORK/err" "tokstat credential -"
assert_not_contains "and does not repeat the secret" "$WORK/err" "Cbt2AIeRuvf7fcZu9EM1Nuwa"
