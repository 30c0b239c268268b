#!/bin/sh
# --blocklist writes the users and credentials over a hard limit as nginx map blocks: nginx -t
# (Debian's nginx-light, run with -p/-c in $WORK on 127.0.0.1) accepts a minimal config that
# includes it together with README's masking map, and the running nginx refuses (403) the
# blocklisted credential and user and lets the others through. nginx is stopped by its pid,
# also when the test fails.
. "$(dirname "$0")/lib.sh"

nginx_pid=
cleanup() { [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# The secrets clients send; the log holds them masked as README's nginx map masks them.
SECRET_BAD="sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234"   # over its daily limit
SECRET_OK="sk-proj-ZyXwVuTsRqPoNmLkJiHgFeDc9876"
mask() { printf '%s...%s' "$(printf %s "$1" | cut -c1-8)" "$(printf %s "$1" | rev | cut -c1-4 | rev)"; }
MASK_BAD=$(mask "$SECRET_BAD")
MASK_OK=$(mask "$SECRET_OK")
assert_eq "the mask nginx logs" "sk-proj-...1234" "$MASK_BAD"

cat > "$WORK/t.conf" <<EOF
[limits]
burst_tokens_per_minute = none
daily_cost_usd = none
[credential:$MASK_BAD]
daily_tokens = 500000
EOF

python3 - "$WORK/proxy.log" "$MASK_BAD" "$MASK_OK" <<'EOF'
import sys
path, bad, good = sys.argv[1:]
plan = [(bad, "svc", 6, 100000),      # the credential: 600,000 of its 500,000
        (good, "svc", 2, 100000),
        (good, "mallory", 11, 100000), # the user: 1,100,000 of 1,000,000
        (good, "bob", 9, 100000)]      # 900,000: critical, not at the limit
with open(path, "w") as f:
    n = 0
    for tok, user, k, t in plan:
        for i in range(k):
            f.write('10.0.0.1 - - [10/Oct/2025:10:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="%s" user=%s model=gpt-4o-mini input_tokens=%d output_tokens=0\n'
                    % (n % 60, tok, user, t))
            n += 1
EOF
ingest_ok "$WORK/proxy.log"

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10 --blocklist "$WORK/blocklist.conf"
assert_rc "over hard limits" 2
cat "$WORK/blocklist.conf"
assert_contains "the credential, as nginx masks it" "$WORK/blocklist.conf" "\"$MASK_BAD\" 1;"
assert_contains "the user" "$WORK/blocklist.conf" "\"mallory\" 1;"
assert_not_contains "bob is not at his limit" "$WORK/blocklist.conf" "bob"
assert_not_contains "the other credential" "$WORK/blocklist.conf" "$MASK_OK"
assert_eq "no temporary file is left" "blocklist.conf" "$(ls "$WORK" | grep blocklist)"

port=$(free_port)
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    # README, Logging from nginx: the credential masked inside nginx
    map \$http_authorization \$tokstat_token {
        default                                                  "-";
        "~^(?:Bearer |token |Basic )?(?<head>.{8}).{8,}(?<tail>.{4})\$"  "\$head...\$tail";
    }
    include $WORK/blocklist.conf;
    server {
        listen 127.0.0.1:$port;
        location / {
            if (\$tokstat_blocked) { return 403; }
            return 200 "ok\n";
        }
    }
}
EOF
run nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t
assert_rc "nginx -t accepts the blocklist" 0

nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
nginx_pid=$!
up=
for i in $(seq 50); do
	if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
	sleep 0.1
done
[ -n "$up" ] || { cat "$WORK/nginx/logs/error.log" >&2; fail "nginx did not start"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$port/v1/chat/completions"; }
assert_eq "the blocklisted credential is refused" 403 "$(status -H "Authorization: Bearer $SECRET_BAD")"
assert_eq "another credential passes" 200 "$(status -H "Authorization: Bearer $SECRET_OK")"
assert_eq "the blocklisted user is refused" 403 "$(status -H "Authorization: Bearer $SECRET_OK" -H "X-User-Id: mallory")"
assert_eq "another user passes" 200 "$(status -H "Authorization: Bearer $SECRET_OK" -H "X-User-Id: bob")"
assert_eq "no credential at all passes" 200 "$(status)"
kill "$nginx_pid"
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=

# A day under every limit empties the blocklist (the file is rewritten, never appended).
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-11 --blocklist "$WORK/blocklist.conf"
assert_rc "an empty day" 0
assert_not_contains "nobody blocked" "$WORK/blocklist.conf" '" 1;'
run nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -t
assert_rc "nginx -t accepts the empty blocklist" 0
