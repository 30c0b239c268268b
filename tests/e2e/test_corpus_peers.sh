#!/bin/sh
# Access logs from other log analyzers' test suites (lnav, Filebeat, Elastic integrations;
# ../shared/corpus/peer-test-logs/): each file's records, status counts, byte sum, distinct
# endpoints, skipped and rejected lines, recomputed below with python over the raw file and
# cross-checked by hand against peer-test-logs/SOURCES.md (the SOURCES figures are spelled
# out beside each check). Negative controls (formats tokstat does not read) must be refused.
# --complete: a fresh copy of the corpus has a new mtime, and test-alb.log has no final newline.
. "$(dirname "$0")/lib.sh"

P=$CORPUS/peer-test-logs
[ -r "$P/SOURCES.md" ] || fail "corpus missing: $P"

# facts KIND FILE -> records|status=n,...|bytes|distinct endpoints|lines|skipped|rejected
# KIND says how a record looks, independently of tokstat's patterns:
#   access      NCSA common or combined, an optional vhost first: HOST IDENT USER [TIME] "REQ" STATUS BYTES
#   alb         type time elb client target t t t elb_status target_status received sent "request" ...;
#               NLB lines (tls 2.0 ...) and connection-log lines (a time first) are not records
#   elb         time elb client backend t t t elb_status backend_status received sent "request";
#               a TCP/SSL listener entry ("- - - " as the request) is not a record
#   cloudfront  W3C, tab-separated: date time edge sc-bytes ip method host uri-stem status ...
cat >"$WORK/facts.py" <<'PY'
import collections, gzip, re, sys
kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
if data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
lines = data.decode("utf-8", "replace").split("\n")
if lines[-1] == "":
    lines.pop()
def endpoint(url):
    url = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/ ]*", "", url)
    return url.split("?")[0] or None
recs, skipped = [], 0
for l in lines:
    if not l.strip() or l.startswith("#"):
        skipped += 1
        continue
    if kind == "access":
        m = re.match(r'^(?:\S+ )?\S+ \S+ \S+ \[[^\]]+\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+)(?: |$)', l)
        if m:
            req = m.group(1).split(" ")
            recs.append((m.group(2), m.group(3), endpoint(req[1]) if len(req) > 1 else None))
    elif kind == "alb":
        f = l.split(" ")
        if f[0] == "tls" or re.match(r"^\d{4}-\d\d-\d\dT", l):
            skipped += 1
        elif len(f) > 12 and f[0] in ("http", "https", "h2", "ws", "wss", "grpcs") and f[12].startswith('"'):
            req = l.split('"')[1].split(" ")
            recs.append((f[8], f[11], endpoint(req[1]) if req[0] != "-" else None))
    elif kind == "elb":
        m = re.match(r'^\d{4}-\S+ \S+ \S+ \S+ \S+ \S+ \S+ (\S+) \S+ \S+ (\S+) "([^"]*)"', l)
        if m and m.group(3).strip("- ") == "":
            skipped += 1
        elif m:
            recs.append((m.group(1), m.group(2), endpoint(m.group(3).split(" ")[1])))
    elif kind == "cloudfront":
        f = l.split("\t")
        recs.append((f[8], f[3], f[7]))
st = collections.Counter(s for s, _, _ in recs)
print("%d|%s|%d|%d|%d|%d|%d" % (len(recs), ",".join("%s=%d" % (k, st[k]) for k in sorted(st)),
      sum(int(b) for _, b, _ in recs if b != "-"), len(set(p for _, _, p in recs if p)),
      len(lines), skipped, len(lines) - len(recs) - skipped))
PY

# check KIND FILE FORMAT SOURCES-FACTS: FILE is detected as FORMAT and stored as python counts
# it; SOURCES-FACTS (records|statuses|bytes, from SOURCES.md) must agree with python.
check() {
	kind=$1 rel=$2 fmt=$3 sources=$4
	DB=$WORK/$(echo "$rel" | tr '/.' '__').db
	exp=$(python3 "$WORK/facts.py" "$kind" "$P/$rel") || fail "facts for $rel"
	assert_eq "$rel: python over the raw file agrees with SOURCES.md" "$sources" "$(echo "$exp" | cut -d'|' -f1-3)"
	run "$TOKSTAT" --db "$DB" ingest --complete "$P/$rel"
	assert_rc "$rel: ingest" 0
	assert_contains "$rel: detected as $fmt" "$WORK/out" "; format $fmt (detected"
	assert_eq "$rel: records, statuses, bytes, endpoints, lines, skipped, rejected" "$exp" "$(q "
		SELECT count(*),
		       coalesce((SELECT group_concat(s || '=' || n, ',') FROM (SELECT printf('%03d', status) AS s,
		                 count(*) AS n FROM events WHERE status IS NOT NULL GROUP BY 1 ORDER BY 1)), ''),
		       coalesce(sum(bytes), 0), count(DISTINCT endpoint),
		       (SELECT lines FROM files), (SELECT skipped FROM files), (SELECT rejected FROM files)
		FROM events")"
	verify_ok
}

# --- lnav (SOURCES.md: tstack/lnav) ---
check access lnav/logfile_access_log.0 combined "3|200=2,404=1|125273"
check access lnav/logfile_access_log.1 combined "1|400=1|0"
check access lnav/logfile_bad_access_log.0 combined "2|200=2|79063"
assert_eq "logfile_bad_access_log.0: line 2 (no ident/user) is the reject" 2 "$(q "SELECT line FROM rejects")"
check access lnav/logfile_shop_access_log.0 combined "1000|200=938,301=11,302=20,304=7,404=24|18963364"
assert_eq "logfile_shop_access_log.0: 751 distinct paths (SOURCES.md)" 751 "$(q "SELECT count(DISTINCT endpoint) FROM events")"
check access lnav/logfile_regexp_access_log.0 combined "2|200=2|33680"
check access lnav/access_log.gz combined "2492|200=1373,403=423,404=544,500=152|11328686"

# --- elastic/beats: AWS load balancers ---
# lines 8-9: malformed requests, 400 each (Filebeat's expected.json says so too); line 10 blank
check alb elastic-beats/example-alb-http.log alb "9|101=2,200=4,400=2,502=1|2785"
assert_eq "example-alb-http.log: the malformed requests are events without method or endpoint" "8,9" \
	"$(q "SELECT group_concat(line, ',') FROM (SELECT line FROM events WHERE method IS NULL AND endpoint IS NULL
		AND status = 400 ORDER BY line)")"
check alb elastic-beats/application-lb-http.log alb "10|200=3,460=1,504=6|4425"
check elb elastic-beats/elb-http.log elb "5|200=5|3060"
check elb elastic-beats/example-http.log elb "2|200=1,503=1|29"
# only TCP / SSL listener entries: an elb file with nothing to count, not an unknown format
check elb elastic-beats/elb-tcp.log elb "0||0"
check elb elastic-beats/example-ssl.log elb "0||0"

# --- elastic/beats: Apache ---
# lines 1 and 3 are common, the rest combined: the file is read whole
check access elastic-beats/apache-test.log combined "7|200=2,404=3,408=2|35037"
check access elastic-beats/apache-darwin-2.4.23.log common "6|200=2,404=3,408=1|706"

# --- elastic/integrations ---
check cloudfront elastic-integrations/test-cloudfront.log cloudfront "12|000=1,200=7,404=1,502=3|252744"
# ALB lines 1, 2 and 10 (a malformed request, 200), NLB lines 3-6 and connection-log lines 7-9 skipped
check alb elastic-integrations/test-alb.log alb "3|200=2,301=1|1028"

# --- negative controls: formats tokstat does not read ---
# Refused, not guessed: no format's detection accepts a single line of them, so ingest
# stops with "cannot tell the format" and exit 1 (a cron job notices), storing nothing. Named
# with --format combined, every line that is not blank or a # comment is rejected: nothing
# is mis-parsed into an event.
for rel in lnav/logfile_cloudflare.1 lnav/logfile_w3c_big.0 lnav/logfile_haproxy.0 \
	lnav/logfile_syslog_with_access_log.0 elastic-beats/apache-ssl-request.log; do
	DB=$WORK/neg_$(basename "$rel").db
	run "$TOKSTAT" --db "$DB" ingest --complete "$P/$rel"
	assert_rc "$rel: refused" 1
	assert_contains "$rel: says why" "$WORK/err" "cannot tell the format"
	assert_eq "$rel: nothing stored" 0 "$(q "SELECT count(*) FROM events")"
	DB=$WORK/neg_forced_$(basename "$rel").db
	exp=$(awk '!/^#/ && NF > 0' "$P/$rel" | wc -l | tr -d ' ')
	run "$TOKSTAT" --db "$DB" ingest --complete --format combined "$P/$rel"
	assert_rc "$rel: read as combined when named" 0
	assert_eq "$rel: as combined, no event and every record-like line rejected" "0|$exp" \
		"$(q "SELECT events, rejected FROM files")"
done
