#!/bin/sh
# Real nginx edge cases (elastic/beats Filebeat inputs) and matomo's one-line samples of
# other formats: IPv6 and X-Forwarded-For clients, vhost prefixes, an empty request,
# offsets, remote users, comments, no final newline, AWS ELB/ALB/CloudFront, and a file no
# format reads.
# Expected values come from awk/date over the raw files and SOURCES.md section 2 and 3.
. "$(dirname "$0")/lib.sh"

N=$CORPUS/elastic-beats-nginx
M=$CORPUS/matomo-log-analytics
for f in "$N/access.log" "$N/test.log" "$M/common_complete.log" "$M/logs_to_tests.log" "$M/alb.log"; do
	[ -r "$f" ] || fail "corpus file missing: $f"
done

# status = the 3 digits after the request's closing quote (works with quoted XFF lists too)
status_counts() {
	awk '{ if (match($0, /" [0-9][0-9][0-9] /)) print substr($0, RSTART + 2, 3) }' "$1" |
		sort | uniq -c | awk '{ print $2 "|" $1 }'
}

# --- beats access.log + test.log, one run ---
run "$TOKSTAT" --db "$DB" ingest "$N/access.log" "$N/test.log"
assert_rc "ingest beats nginx logs" 0
verify_ok
for f in access.log test.log; do
	lines=$(awk 'END { print NR }' "$N/$f")
	assert_eq "$f: every line an event" "$lines|$lines|0" \
		"$(q "SELECT lines, events, rejected FROM files WHERE file LIKE '%/$f'")"
	status_counts "$N/$f" >"$WORK/exp_$f"
	q "SELECT status, count(*) FROM events WHERE file LIKE '%/$f' GROUP BY 1 ORDER BY 1" >"$WORK/act_$f"
	assert_same_file "$f: status counts" "$WORK/exp_$f" "$WORK/act_$f"
done
assert_eq "access.log statuses (SOURCES.md: 404=8, 200=2, 304=2, 206=1)" "200|2 206|1 304|2 404|8" \
	"$(tr '\n' ' ' <"$WORK/act_access.log" | sed 's/ $//')"
assert_eq "test.log statuses (SOURCES.md: 200=4, 404=2, 400=1)" "200|4 400|1 404|2" \
	"$(tr '\n' ' ' <"$WORK/act_test.log" | sed 's/ $//')"

# every event's UTC time, from date(1) over the raw [dd/Mon/yyyy:hh:mm:ss +zzzz]
for f in access.log test.log; do
	sed 's/^[^[]*\[\([^]]*\)\].*/\1/' "$N/$f" | while read -r t; do
		date -u -d "$(echo "$t" | sed 's#^\([0-9]*\)/\([A-Za-z]*\)/\([0-9]*\):\([0-9:]*\) #\1 \2 \3 \4 #')" +%Y-%m-%dT%H:%M:%SZ
	done >"$WORK/exp_ts_$f"
	q "SELECT ts FROM events WHERE file LIKE '%/$f' ORDER BY line" >"$WORK/act_ts_$f"
	assert_same_file "$f: UTC times (offsets +0200/+0100/-0700/+0000)" "$WORK/exp_ts_$f" "$WORK/act_ts_$f"
done
assert_eq "vhost-prefixed line: 206 at 12:10:39 -0700" "2020-06-09T19:10:39Z|/|7648063" \
	"$(q "SELECT ts, coalesce(endpoint, 'NULL'), bytes FROM events WHERE status = 206" | sed 's#|/[^|]*|#|/|#')"
assert_eq "IPv6 XFF line stored" "404|/test.html" \
	"$(q "SELECT status, endpoint FROM events WHERE file LIKE '%/test.log' AND line = 6")"
assert_eq "quoted XFF list line stored, query string dropped" "/assets/xxxx" \
	"$(q "SELECT endpoint FROM events WHERE file LIKE '%/test.log' AND line = 5")"
assert_eq "empty request: NULL method and endpoint, status 400, bytes 0" "1|NULL|NULL|400|0" \
	"$(q "SELECT count(*), coalesce(method, 'NULL'), coalesce(endpoint, 'NULL'), status, bytes
	      FROM events WHERE file LIKE '%/test.log' AND line = 7")"
assert_eq "no other NULL method" 1 "$(q "SELECT count(*) FROM events WHERE method IS NULL")"

# --- matomo: every sample format is read (AWS ones too); an unknown format fails the run.
# --complete: three of these files end without a newline, and a fresh copy (as on a new
# machine) would otherwise have that last line left for a later run ---
DB=$WORK/m.db
printf 'just some words\nthat no format reads\n' >"$WORK/unknown.txt"
run "$TOKSTAT" --db "$DB" ingest --complete "$M/common_complete.log" "$M/alb.log" "$M/logs_to_tests.log" \
	"$M/elb.log" "$M/common_vhost.log" "$M/amazon_cloudfront_web.log" "$M/ncsa_extended.log" "$WORK/unknown.txt"
assert_rc "ingest matomo samples with an unknown file among them" 1
assert_contains "message names the unknown file" "$WORK/err" "unknown.txt:"
assert_eq "one line of stderr, for the unknown file" 1 "$(grep -c 'tokstat: ' "$WORK/err")"
for f in alb elb cloudfront; do
	assert_contains "$f detected" "$WORK/out" "format $f (detected"
done
# AWS load balancers: status = the ELB's code, bytes = sent bytes, endpoint = the URL's path,
# latency = the target's seconds * 1000 (awk over the raw lines; the TCP entry is skipped)
aws_expect() { # FILE STATUS_FIELD BYTES_FIELD TARGET_S_FIELD
	awk -v s="$2" -v b="$3" -v t="$4" '$1 !~ /^#/ && $s ~ /^[0-9][0-9][0-9]$/ {
		match($0, /"[A-Z]+ [^ "]*/); url = substr($0, RSTART + 1, RLENGTH - 1); sub(/^[A-Z]+ /, "", url)
		sub(/^[a-z]+:\/\/[^\/]*/, "", url)
		printf "%s|%s|%s|%d\n", url, $s, $b, $t * 1000 + 0.5 }' "$1"
}
assert_eq "alb: endpoint, status, bytes, latency" "$(aws_expect "$M/alb.log" 9 12 7)" \
	"$(q "SELECT endpoint, status, bytes, latency_ms FROM events WHERE file LIKE '%/alb.log'")"
assert_eq "elb: endpoint, status, bytes, latency" "$(aws_expect "$M/elb.log" 8 11 6)" \
	"$(q "SELECT endpoint, status, bytes, latency_ms FROM events WHERE file LIKE '%/elb.log'")"
assert_eq "elb: the comment and the TCP entry are skipped" \
	"$(awk '$1 ~ /^#/ || $8 == "-" { n++ } END { print n }' "$M/elb.log")" \
	"$(q "SELECT skipped FROM files WHERE file LIKE '%/elb.log'")"
assert_eq "cloudfront: time, endpoint, status, bytes, latency, request id" \
	"$(awk -F '\t' '$1 !~ /^#/ { printf "%sT%sZ|%s|%s|%s|%d|%s\n", $1, $2, $8, $9, $4, $19 * 1000 + 0.5, $15 }' \
		"$M/amazon_cloudfront_web.log")" \
	"$(q "SELECT ts, endpoint, status, bytes, latency_ms, request_id FROM events WHERE file LIKE '%cloudfront%'")"
verify_ok
assert_eq "common_complete: remote_user theuser is the user" "theuser|301|/|2012-02-10T21:42:07Z" \
	"$(q "SELECT user, status, endpoint, ts FROM events WHERE file LIKE '%common_complete.log'")"
assert_eq "ncsa_extended: theuser, 301, 368 bytes" "theuser|301|368" \
	"$(q "SELECT user, status, bytes FROM events WHERE file LIKE '%ncsa_extended.log'")"
assert_eq "common_vhost: one event" 1 "$(q "SELECT count(*) FROM events WHERE file LIKE '%common_vhost.log'")"
# logs_to_tests: records by awk (the last has no final newline), minus comment/empty lines
recs=$(awk 'END { print NR }' "$M/logs_to_tests.log")
skip=$(awk '/^[ \t]*(#|$)/ { n++ } END { print n + 0 }' "$M/logs_to_tests.log")
assert_eq "logs_to_tests: wc -l is one short (no final newline)" "$((recs - 1))" "$(wc -l <"$M/logs_to_tests.log" | tr -d ' ')"
assert_eq "logs_to_tests: lines, events, skipped, rejected" "$recs|$((recs - skip))|$skip|0" \
	"$(q "SELECT lines, events, skipped, rejected FROM files WHERE file LIKE '%logs_to_tests.log'")"
assert_eq "logs_to_tests: the last record (no newline) is the HEAD 403 with NULL bytes" "HEAD|403|NULL|$recs" \
	"$(q "SELECT method, status, coalesce(bytes, 'NULL'), line FROM events WHERE file LIKE '%logs_to_tests.log' ORDER BY line DESC LIMIT 1")"
