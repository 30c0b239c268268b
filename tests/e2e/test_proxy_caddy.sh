#!/bin/sh
# The shipped Caddy recipe, for real: caddy runs samples/caddy/tokstat.caddy unchanged
# (admin off, a throwaway config and storage dir) in front of the stub upstream that
# answers like GitHub, OpenAI, Anthropic and Gemini (tests/e2e/stub_upstream.py). The
# requests of the stub's list go through it with curl; tokstat reads Caddy's JSON access
# log with the built-in caddy format; per provider the events, masked credentials,
# statuses and rate-limit readings must be what the stub sent (computed here from the
# request list and the stub's table). Caddy sees no bodies: no model, no tokens. No full
# secret may be in Caddy's log or tokstat's database. Every process started here is
# stopped on exit.
. "$(dirname "$0")/lib.sh"

command -v caddy >/dev/null || fail "caddy is not installed (sh tools/setup-debian.sh)"

start_stub_upstream

# ---- caddy on a free port; its config, data and log inside $WORK ----
PORT=$(free_port)
CD=$WORK/caddy
mkdir -p "$CD/config" "$CD/data"
site() { # the provider as a response header, the prefix stripped, the stub behind it
	cat <<EOF
	handle_path /$1/* {
		header X-Tokstat-Provider $1
		reverse_proxy 127.0.0.1:$STUB
	}
EOF
}
cat >"$CD/Caddyfile" <<EOF
{
	admin off
	auto_https off
	storage file_system $CD/data
	servers {
		log_credentials
	}
}
import $ROOT/samples/caddy/tokstat.caddy
http://127.0.0.1:$PORT {
	bind 127.0.0.1
	import tokstat_log $CD/api.log
$(site github)
$(site openai)
$(site anthropic)
$(site google)
}
http://ready.invalid:$PORT {
	bind 127.0.0.1
	respond 204
}
EOF
export HOME="$CD" XDG_CONFIG_HOME="$CD/config" XDG_DATA_HOME="$CD/data"
caddy validate --config "$CD/Caddyfile" >"$WORK/validate.out" 2>&1 || fail "caddy validate: $(tail -3 "$WORK/validate.out")"
caddy run --config "$CD/Caddyfile" >"$CD/caddy.out" 2>&1 &
started $!
n=0
until curl -s -o /dev/null -H "Host: ready.invalid:$PORT" "http://127.0.0.1:$PORT/"; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "caddy did not start: $(tail -5 "$CD/caddy.out")"
	sleep 0.1
done

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
	basic-user) set -- "$@" -u "$secret:x-oauth-basic" ;;
	x-api-key) set -- "$@" -H "x-api-key: $secret" ;;
	x-goog-api-key) set -- "$@" -H "x-goog-api-key: $secret" ;;
	query) ;;
	*) fail "request $i: unknown auth $auth" ;;
	esac
	[ "$loc" = github ] || set -- "$@" -H 'Content-Type: application/json' --data '{"model":"m"}'
	code=$(curl "$@" -o "$WORK/body.$i" -w '%{http_code}' "http://127.0.0.1:$PORT/$loc$path") ||
		fail "request $i ($case) failed"
	curl "$@" -o "$WORK/direct.$i" "http://127.0.0.1:$STUB$path" || fail "request $i ($case) to the stub failed"
	cmp -s "$WORK/body.$i" "$WORK/direct.$i" || fail "request $i ($case): caddy changed the body"
	echo "$code" >>"$WORK/codes"
done <"$WORK/requests"
echo "ok: $i requests, every body passed through unchanged"

n=0
until [ "$(wc -l <"$CD/api.log" | tr -d ' ')" -ge "$i" ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || fail "caddy logged $(wc -l <"$CD/api.log") of $i requests"
	sleep 0.1
done
assert_eq "one log line per request" "$i" "$(wc -l <"$CD/api.log" | tr -d ' ')"
assert_contains "the query keeps its other parameters" "$CD/api.log" \
	'"uri":"/google/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"'

run "$TOKSTAT" --db "$DB" ingest --complete "$CD/api.log"
assert_rc "ingest caddy's log" 0
assert_eq "detected format, events, rejects" "caddy|$i|$i|0" \
	"$(q "SELECT format, lines, events, rejected FROM files")"

# ---- expected values: from the request list, the stub's table and Caddy's own times ----
python3 - "$ROOT/tests/e2e" "$WORK/requests" "$CD/api.log" "$WORK/codes" "$WORK" <<'EOF'
import json, sys, time
sys.path.insert(0, sys.argv[1])
import stub_upstream as stub

reqs = [l.rstrip("\n").split("|") for l in open(sys.argv[2])]
codes = [int(l) for l in open(sys.argv[4])]
entries = [json.loads(l) for l in open(sys.argv[3])]
assert len(entries) == len(reqs), (len(entries), len(reqs))
out = sys.argv[5]

def txt(v):
    return "" if v is None else str(v)

def cred(auth, secret):
    """What samples/caddy/tokstat.caddy leaves of the credential."""
    if auth.startswith("basic"):
        return "Basic..."
    if auth == "query":
        return None  # key= is deleted from the URI; Caddy logs no other copy
    return stub.mask(secret).replace("****", "...")

events, creds = [], {}
for n, ((name, loc, path, auth, secret), e, code) in enumerate(zip(reqs, entries, codes), 1):
    c = stub.CASES[name]
    assert code == c["status"], (n, name, code)
    t = int(e["ts"])
    rl = {k: stub.first_header(c, h) for k, h in stub.RL_HEADERS.items()}
    remaining, limit = stub.count(rl["rl_remaining"]), stub.count(rl["rl_limit"])
    reset = stub.reset_epoch(rl["rl_reset"], t)
    tok = cred(auth, secret)
    endpoint = "/" + loc + path.split("?")[0]
    events.append((c["provider"], n, tok, endpoint, c["status"], remaining, limit, reset,
                   stub.first_header(c, stub.REQUEST_ID_HEADERS)))
    if tok is None:
        continue
    s = creds.setdefault(tok, {"provider": c["provider"], "requests": 0, "errors": 0, "last": None,
                               "rl": None, "rl_at": None, "429_at": None})
    s["requests"] += 1
    s["errors"] += c["status"] >= 400
    s["last"] = c["status"]
    if c["status"] == 429:
        s["429_at"] = t
    if remaining is not None:
        s["rl"], s["rl_at"] = (remaining, limit, reset), t

with open(out + "/expected_events", "w") as f:
    for ev in events:
        f.write("|".join(txt(v) for v in ev) + "\n")
with open(out + "/expected_credentials", "w") as f:
    for tok in sorted(creds):
        s = creds[tok]
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
EOF
[ -s "$WORK/expected_events" ] || fail "the expected values were not computed"

q "SELECT provider, line, token, endpoint, status, rl_remaining, rl_limit, rl_reset, request_id
   FROM events ORDER BY line" >"$WORK/actual_events"
assert_same_file "every event: provider, credential, endpoint, status, request limit, request id" \
	"$WORK/expected_events" "$WORK/actual_events"

q "SELECT e.provider, c.token, c.status, c.requests, c.errors, c.rl_remaining, c.rl_limit, c.rl_reset
   FROM credentials c JOIN (SELECT DISTINCT token_fp, provider FROM events) e USING (token_fp)
   ORDER BY c.token" >"$WORK/actual_credentials"
assert_same_file "per credential: mask, status, counts, latest request-limit reading" \
	"$WORK/expected_credentials" "$WORK/actual_credentials"

assert_eq "Caddy sees no body: no model, no tokens; every event has its latency and size" "0|0|$i|$i" \
	"$(q "SELECT count(model), count(total_tokens), count(latency_ms), count(bytes) FROM events")"
assert_eq "the sizes are the bytes Caddy sent" \
	"$(python3 -c 'import json, sys; print(sum(json.loads(l)["size"] for l in open(sys.argv[1])))' "$CD/api.log")" \
	"$(q "SELECT sum(bytes) FROM events")"
verify_ok

while read -r s; do
	mid=$(printf '%s' "$s" | cut -c9- | rev | cut -c5- | rev)
	for f in "$CD/api.log" "$CD/caddy.out" "$DB" "$DB-wal"; do
		[ -e "$f" ] || continue
		! grep -aqF -- "$s" "$f" || fail "the full secret ${s%"${s#????????}"}... is in $f"
		! grep -aqF -- "$mid" "$f" || fail "the hidden middle of ${s%"${s#????????}"}... is in $f"
	done
done <"$WORK/secrets"
sqlite3 "$DB" .dump >"$WORK/dump.sql"
while read -r s; do
	! grep -qF -- "$s" "$WORK/dump.sql" || fail "the full secret ${s%"${s#????????}"}... is in the dump"
done <"$WORK/secrets"
echo "ok: no secret in Caddy's log or tokstat's database"
