#!/bin/sh
# elastic/examples apache_logs (10,000 combined lines, one broken): events, the reject,
# status/method counts, byte sum and days, each recomputed with awk over the raw file and
# cross-checked against the facts in ../shared/corpus/SOURCES.md section 1.
. "$(dirname "$0")/lib.sh"

F=$CORPUS/elastic-apache/apache_logs
[ -r "$F" ] || fail "corpus file missing: $F"
run "$TOKSTAT" --db "$DB" ingest "$F"
assert_rc "ingest apache_logs" 0
assert_contains "summary names the format it picked" "$WORK/out" "combined"
verify_ok

# awk: split on '"'; a good line has 7 fields (…"request" status bytes "referer" "agent"),
# the broken one (no closing quote on the user agent) has 6.
awk -F'"' 'NF == 7 { split($3, sb, " "); print sb[1] }' "$F" | sort | uniq -c | awk '{print $2 "|" $1}' >"$WORK/exp_status"
q "SELECT status, count(*) FROM events GROUP BY status ORDER BY 1" >"$WORK/act_status"
sort "$WORK/exp_status" >"$WORK/exp_status.s"
assert_same_file "status counts" "$WORK/exp_status.s" "$WORK/act_status"
# SOURCES.md §1 says: 200=9125, 304=445, 404=213, 301=164, 206=45, 500=3, 403=2, 416=2
assert_eq "SOURCES.md status facts" "200|9125 206|45 301|164 304|445 403|2 404|213 416|2 500|3" \
	"$(tr '\n' ' ' <"$WORK/act_status" | sed 's/ $//')"

exp_events=$(awk -F'"' 'NF == 7' "$F" | wc -l | tr -d ' ')
assert_eq "events (SOURCES.md: 9,999)" "9999|$exp_events" "$(q "SELECT count(*) FROM events")|$exp_events"
bad=$(awk -F'"' 'NF != 7 { print NR }' "$F")
assert_eq "the one reject, at line $bad (SOURCES.md: 8899)" "1|8899|$bad" \
	"$(q "SELECT count(*), max(line) FROM rejects")|$bad"
assert_eq "files view counts" "10000|9999|1" "$(q "SELECT lines, events, rejected FROM files")"

exp_bytes=$(awk -F'"' 'NF == 7 { split($3, sb, " "); if (sb[2] != "-") s += sb[2]; else d++ } END { printf "%.0f|%d", s, d }' "$F")
assert_eq "byte sum and '-' sizes (SOURCES.md: 2747282505, 669 NULL)" "2747282505|669" "$exp_bytes"
assert_eq "byte sum and NULL sizes in events" "$exp_bytes" \
	"$(q "SELECT sum(bytes), sum(bytes IS NULL) FROM events")"

awk -F'"' 'NF == 7 { split($2, r, " "); print r[1] }' "$F" | sort | uniq -c | awk '{print $2 "|" $1}' | sort >"$WORK/exp_methods"
q "SELECT method, count(*) FROM events GROUP BY 1" | sort >"$WORK/act_methods"
assert_same_file "method counts (SOURCES.md: GET=9951 HEAD=42 POST=5 OPTIONS=1)" "$WORK/exp_methods" "$WORK/act_methods"

# every line is +0000, so the UTC day is the day in the line
assert_eq "all lines in +0000" 10000 "$(grep -c ' +0000\] ' "$F")"
exp_days=$(awk -F'"' 'NF == 7 { split($1, a, "[[/:]"); print a[4] "-" a[3] "-" a[2] }' "$F" | sort -u |
	sed 's/-May-/-05-/' | tr '\n' ' ')
assert_eq "distinct UTC days" "$exp_days" "$(q "SELECT DISTINCT day FROM events ORDER BY 1" | tr '\n' ' ')"
assert_eq "daily_usage requests = events" 9999 "$(q "SELECT sum(requests) FROM daily_usage")"
assert_eq "robots.txt requests (SOURCES.md: 180)" "$(grep -c '"GET /robots.txt' "$F")" \
	"$(q "SELECT count(*) FROM events WHERE method = 'GET' AND endpoint = '/robots.txt'")"
assert_eq "time range" "2015-05-17T10:05:00Z|2015-05-20T21:05:59Z" "$(q "SELECT min(ts), max(ts) FROM events")"
