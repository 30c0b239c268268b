#!/bin/sh
# The shipped nginx recipe, for real: nginx (with njs) runs samples/nginx/tokstat.conf and
# tokstat.js unchanged in front of a stub upstream that answers like GitHub, OpenAI,
# Anthropic and Gemini (tests/e2e/stub_upstream.py: JSON and SSE bodies, rate-limit
# headers, 401 and 429). A known list of requests goes through it with curl; tokstat
# ingests nginx's log; per provider the events, masked credentials, statuses, models,
# tokens and rate-limit readings must be what the stub sent (computed here from the
# request list and the stub's table, never from tokstat), and no full secret may be in
# nginx's log or tokstat's database. Every process started here is stopped on exit.
. "$(dirname "$0")/lib.sh"

command -v nginx >/dev/null || fail "nginx is not installed (sh tools/setup-debian.sh)"
NJS=/usr/lib/nginx/modules/ngx_http_js_module.so
[ -f "$NJS" ] || fail "$NJS is missing (libnginx-mod-http-js; sh tools/setup-debian.sh)"

# ---- the stub upstream ----
start_stub_upstream

# ---- nginx on a free port, everything it writes inside $WORK ----
PORT=$(free_port)
NG=$WORK/nginx
mkdir -p "$NG/logs" "$NG/tmp"
# LLM locations: the provider, the body filter, uncompressed bodies, streams passed on as
# they come (README, "Logging from nginx")
llm() {
	cat <<EOF
        location /$1/ {
            set \$tokstat_provider $1;
            js_body_filter tokstat.usage buffer_type=buffer;
            proxy_set_header Accept-Encoding "";
            proxy_buffering off;
            proxy_pass http://127.0.0.1:$STUB/;
        }
EOF
}
cat >"$NG/nginx.conf" <<EOF
load_module $NJS;
daemon off;
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/logs/error.log notice;
events { worker_connections 64; }
http {
    client_body_temp_path $NG/tmp/body;
    proxy_temp_path $NG/tmp/proxy;
    fastcgi_temp_path $NG/tmp/fastcgi;
    uwsgi_temp_path $NG/tmp/uwsgi;
    scgi_temp_path $NG/tmp/scgi;
    js_path $ROOT/samples/nginx;
    include $ROOT/samples/nginx/tokstat.conf;
    access_log $NG/logs/api.log tokstat;
    server {
        listen 127.0.0.1:$PORT;
        location = /ready { access_log off; return 204; }
$(llm openai)
$(llm anthropic)
$(llm google)
        location /github/ {
            set \$tokstat_provider github;
            proxy_pass http://127.0.0.1:$STUB/;
        }
    }
}
EOF
nginx -t -q -p "$NG" -c "$NG/nginx.conf" 2>"$WORK/nginx-t.err" || fail "nginx -t: $(cat "$WORK/nginx-t.err")"
nginx -p "$NG" -c "$NG/nginx.conf" 2>>"$NG/logs/error.log" &
started $!
n=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/ready"; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "nginx did not start: $(tail -5 "$NG/logs/error.log")"
	sleep 0.1
done

# ---- the requests (CASE|LOCATION|PATH|AUTH|SECRET) and their secrets: stub_upstream.py ----
python3 "$ROOT/tests/e2e/stub_upstream.py" requests >"$WORK/requests" || fail "no request list"
python3 "$ROOT/tests/e2e/stub_upstream.py" secrets >"$WORK/secrets" || fail "no secrets"

i=0
while IFS='|' read -r case loc path auth secret; do
	i=$((i + 1))
	set -- -sS -N -H "X-Stub-Case: $case" -H "User-Agent: tokstat-test/$i"
	case $auth in
	bearer) set -- "$@" -H "Authorization: Bearer $secret" ;;
	token) set -- "$@" -H "Authorization: token $secret" ;;
	basic:*) set -- "$@" -u "${auth#basic:}:$secret" ;;
	basic-user) set -- "$@" -u "$secret:x-oauth-basic" ;; # the token as the user name
	x-api-key) set -- "$@" -H "x-api-key: $secret" ;;
	x-goog-api-key) set -- "$@" -H "x-goog-api-key: $secret" ;;
	query) ;;
	*) fail "request $i: unknown auth $auth" ;;
	esac
	[ "$loc" = github ] || set -- "$@" -H 'Content-Type: application/json' --data '{"model":"m"}'
	code=$(curl "$@" -o "$WORK/body.$i" -w '%{http_code}' "http://127.0.0.1:$PORT/$loc$path") ||
		fail "request $i ($case) failed"
	curl "$@" -o "$WORK/direct.$i" "http://127.0.0.1:$STUB$path" || fail "request $i ($case) to the stub failed"
	cmp -s "$WORK/body.$i" "$WORK/direct.$i" || fail "request $i ($case): nginx changed the body"
	echo "$code" >>"$WORK/codes"
done <"$WORK/requests"
echo "ok: $i requests, every body passed through unchanged"

# nginx writes the line when the request ends: wait for all of them
n=0
until [ "$(wc -l <"$NG/logs/api.log" | tr -d ' ')" -ge "$i" ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || fail "nginx logged $(wc -l <"$NG/logs/api.log") of $i requests"
	sleep 0.1
done
assert_eq "one log line per request" "$i" "$(wc -l <"$NG/logs/api.log" | tr -d ' ')"
if grep -q '\[error\]\|\[alert\]\|\[crit\]\|\[emerg\]' "$NG/logs/error.log"; then
	fail "nginx's error log: $(grep '\[error\]\|\[alert\]\|\[crit\]\|\[emerg\]' "$NG/logs/error.log" | head -3)"
fi
assert_contains "the body too big to read is logged as skipped" "$NG/logs/api.log" 'usage=skipped'
assert_contains "the query keeps its other parameters" "$NG/logs/api.log" \
	'streamGenerateContent?alt=sse HTTP/1.1'

# ---- ingest nginx's log ----
run "$TOKSTAT" --db "$DB" ingest --complete "$NG/logs/api.log"
assert_rc "ingest nginx's log" 0
assert_eq "format, events, rejects" "proxy|$i|$i|0" \
	"$(q "SELECT format, lines, events, rejected FROM files")"

# ---- expected values: from the request list, the stub's table and nginx's own times ----
python3 - "$ROOT/tests/e2e" "$WORK/requests" "$NG/logs/api.log" "$WORK/codes" "$WORK" <<'EOF'
import datetime, re, sys, time
sys.path.insert(0, sys.argv[1])
import stub_upstream as stub

reqs = [l.rstrip("\n").split("|") for l in open(sys.argv[2])]
codes = [int(l) for l in open(sys.argv[4])]
times = []
for line in open(sys.argv[3]):
    t = re.search(r"\[([^\]]+)\]", line).group(1)
    times.append(int(datetime.datetime.strptime(t, "%d/%b/%Y:%H:%M:%S %z").timestamp()))
assert len(times) == len(reqs), (len(times), len(reqs))
out = sys.argv[5]

def txt(v):
    return "" if v is None else str(v)

def cred(auth, secret):
    if auth.startswith("basic:"):
        return auth[6:] + ":***"
    if auth == "basic-user":
        return stub.mask(secret) + ":***"
    return stub.mask(secret)

events, creds = [], {}
for n, ((name, loc, path, auth, secret), t, code) in enumerate(zip(reqs, times, codes), 1):
    c = stub.CASES[name]
    assert code == c["status"], (n, name, code)
    model, inp, outp, cr, cw = stub.tokens(c, path)
    kinds = [v for v in (inp, outp, cr, cw) if v is not None]
    total = sum(kinds) if kinds else None
    rl = {k: stub.first_header(c, h) for k, h in stub.RL_HEADERS.items()}
    rl["rl_remaining"], rl["rl_limit"] = stub.count(rl["rl_remaining"]), stub.count(rl["rl_limit"])
    reset = stub.reset_epoch(rl["rl_reset"], t)
    rid = stub.first_header(c, stub.REQUEST_ID_HEADERS)
    tok = cred(auth, secret)
    events.append((c["provider"], n, tok, c["status"], model, inp, outp, cr, cw, total,
                   rl["rl_remaining"], rl["rl_limit"], reset, rid if rid else "NGINX"))
    # the credentials view's rules (README): latest by time, a later line wins a tie
    s = creds.setdefault(tok, {"provider": c["provider"], "secrets": set(), "requests": 0,
                               "errors": 0, "last": None, "rl": None, "rl_at": None, "429_at": None})
    s["secrets"].add(secret)
    s["requests"] += 1
    s["errors"] += c["status"] >= 400
    s["last"] = c["status"]
    if c["status"] == 429:
        s["429_at"] = t
    if rl["rl_remaining"] is not None:
        s["rl"] = (rl["rl_remaining"], rl["rl_limit"], reset)
        s["rl_at"] = t

with open(out + "/expected_events", "w") as f:
    for e in events:
        f.write("|".join(txt(v) for v in e) + "\n")
with open(out + "/expected_credentials", "w") as f:
    for tok in sorted(creds):
        s = creds[tok]
        assert len(s["secrets"]) == 1, tok  # a mask stands for one secret here
        # rate-limited only until the reading's reset time has passed (now); a reset before
        # the 429 says nothing about it
        reset = s["rl"][2] if s["rl"] else None
        if s["last"] == 401:
            status = "invalid"
        elif (s["rl"] and s["rl"][0] == 0 and (reset is None or reset > time.time())) or (
                s["429_at"] is not None and (s["rl_at"] is None or s["429_at"] >= s["rl_at"]) and
                (reset is None or reset < s["429_at"] or reset > time.time())):
            status = "rate_limited"
        else:
            status = "active"
        rl = s["rl"] or (None, None, None)
        f.write("|".join(txt(v) for v in (s["provider"], tok, status, s["requests"], s["errors"]) + rl) + "\n")
with open(out + "/expected_sums", "w") as f:
    for p in ("anthropic", "github", "google", "openai"):
        es = [e for e in events if e[0] == p]
        def tot(i):
            vs = [e[i] for e in es if e[i] is not None]
            return sum(vs) if vs else None
        f.write("|".join(txt(v) for v in (p, len(es), len({e[2] for e in es}), tot(5), tot(6), tot(7),
                                          tot(8), tot(9))) + "\n")
EOF
[ -s "$WORK/expected_events" ] || fail "the expected values were not computed"

# nginx's own $request_id where the provider sends none (Gemini): 32 hex digits
q "SELECT provider, line, token, status, model, input_tokens, output_tokens, cache_read_tokens,
          cache_write_tokens, total_tokens, rl_remaining, rl_limit, rl_reset,
          CASE WHEN request_id GLOB '[0-9a-f]*' AND length(request_id) = 32 THEN 'NGINX'
               ELSE request_id END
   FROM events ORDER BY line" >"$WORK/actual_events"
assert_same_file "every event: credential, status, model, tokens, request limit, request id" \
	"$WORK/expected_events" "$WORK/actual_events"

q "SELECT provider, count(*), count(DISTINCT token_fp), sum(input_tokens), sum(output_tokens),
          sum(cache_read_tokens), sum(cache_write_tokens), sum(total_tokens)
   FROM events GROUP BY provider ORDER BY provider" >"$WORK/actual_sums"
assert_same_file "per provider: events, credentials told apart, token sums" \
	"$WORK/expected_sums" "$WORK/actual_sums"

q "SELECT e.provider, c.token, c.status, c.requests, c.errors, c.rl_remaining, c.rl_limit, c.rl_reset
   FROM credentials c JOIN (SELECT DISTINCT token_fp, provider FROM events) e USING (token_fp)
   ORDER BY c.token" >"$WORK/actual_credentials"
assert_same_file "per credential: mask, status, counts, latest request-limit reading" \
	"$WORK/expected_credentials" "$WORK/actual_credentials"

assert_eq "the daily aggregates agree with the events" \
	"$(q "SELECT count(*), sum(total_tokens) FROM events")" \
	"$(q "SELECT sum(requests), sum(total_tokens) FROM daily_usage")"
verify_ok

# ---- no full secret, nor what its mask hides, in nginx's log or tokstat's database ----
while read -r s; do
	mid=$(printf '%s' "$s" | cut -c9- | rev | cut -c5- | rev)
	for f in "$NG/logs/api.log" "$NG/logs/error.log" "$DB" "$DB-wal"; do
		[ -e "$f" ] || continue
		! grep -aqF -- "$s" "$f" || fail "the full secret ${s%"${s#????????}"}... is in $f"
		! grep -aqF -- "$mid" "$f" || fail "the hidden middle of ${s%"${s#????????}"}... is in $f"
	done
done <"$WORK/secrets"
sqlite3 "$DB" .dump >"$WORK/dump.sql"
while read -r s; do
	! grep -qF -- "$s" "$WORK/dump.sql" || fail "the full secret ${s%"${s#????????}"}... is in the dump"
done <"$WORK/secrets"
echo "ok: no secret in nginx's logs or tokstat's database"
