#!/bin/sh
# [alerts] webhook: new and worse alerts are posted as JSON with a Slack-compatible text to an
# HTTP server this test starts on 127.0.0.1 (python3 http.server, writing each body to a
# file). A failed post is reported, without the URL's secret path, and leaves the alert
# unsent, so the next run posts it; then nothing more until it gets worse. The server is
# stopped by its pid, also when the test fails.
. "$(dirname "$0")/lib.sh"

server_pid=
cleanup() { [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

cat > "$WORK/server.py" <<'EOF'
import http.server, os, sys
work = sys.argv[1]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        n = len([f for f in os.listdir(work) if f.startswith("body.")])
        with open("%s/body.%d" % (work, n + 1), "wb") as f:
            f.write(body)
        with open("%s/request.%d" % (work, n + 1), "w") as f:
            f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("Content-Type")))
        failing = os.path.exists(work + "/fail")
        self.send_response(500 if failing else 200)
        self.end_headers()
        self.wfile.write(b"no\n" if failing else b"ok\n")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
with open(work + "/port.tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(work + "/port.tmp", work + "/port")
server.serve_forever()
EOF
python3 "$WORK/server.py" "$WORK" &
server_pid=$!
for i in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || fail "the test server did not start"
port=$(cat "$WORK/port")

cat > "$WORK/t.conf" <<EOF
[limits]
burst_tokens_per_minute = none
daily_cost_usd = none
[alerts]
webhook = http://127.0.0.1:$port/services/T000/B000/SECRETPATHXYZ
webhook_timeout = 5
EOF
alerts() { "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" "$@"; }

python3 - "$WORK/proxy.log" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for day, n in (("10", 12), ("11", 16)):     # alice: 1,200,000 then 1,600,000
        for i in range(n):
            f.write('10.0.0.1 - - [%s/Oct/2025:09:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-eeeeeeeeeeeeeeeeeeeeeeeeaaaa" user="<!channel> alice" model=gpt-4o-mini '
                    'input_tokens=90000 output_tokens=10000\n' % (day, i))
EOF
ingest_ok "$WORK/proxy.log"
tokens10=$(awk '/\[10\/Oct/ { for (i = 1; i <= NF; i++) if ($i ~ /^(input|output)_tokens=/) { split($i, kv, "="); s += kv[2] } } END { print s }' "$WORK/proxy.log")

# 1. The server fails: reported, alert left unsent.
touch "$WORK/fail"
run alerts --date 2025-10-10
assert_rc "the alert is CRITICAL whatever the webhook did" 2
assert_contains "the failure is reported" "$WORK/err" "webhook at 127.0.0.1:$port: HTTP status 500; 1 alert left unsent"
assert_not_contains "without the URL's secret path" "$WORK/err" "SECRETPATHXYZ"
assert_eq "one post was tried" 1 "$(ls "$WORK" | grep -c '^body\.')"
assert_eq "nothing is marked as told" "" "$(q "SELECT notified_at FROM alerts")"

# 2. The server works again: the next run (nothing new to print) posts it.
rm "$WORK/fail"
run alerts --date 2025-10-10
assert_rc "second run" 2
assert_eq "nothing new to print" "" "$(cat "$WORK/out")"
assert_eq "the unsent alert was posted" 2 "$(ls "$WORK" | grep -c '^body\.')"
assert_eq "POST to the path, as JSON" "POST /services/T000/B000/SECRETPATHXYZ application/json" "$(cat "$WORK/request.2")"
python3 - "$WORK/body.2" "$tokens10" <<'EOF' || fail "the posted body"
import json, sys
b = json.load(open(sys.argv[1]))
assert b["text"].startswith("tokstat alerts for 2025-10-10: CRITICAL - 1 critical, 0 warning"), b["text"]
# Slack markup from a log is escaped in the text, kept as data in the alerts
assert "daily_limit &lt;!channel&gt; alice: 1,200,000 tokens (limit 1,000,000 tokens, 2025-10-10)" in b["text"], b["text"]
assert "<!channel>" not in b["text"], b["text"]
assert len(b["alerts"]) == 1, b
a = b["alerts"][0]
assert a["subject"] == "<!channel> alice" and a["rule"] == "daily_limit" and a["severity"] == "critical", a
assert a["value"] == int(sys.argv[2]) and a["limit"] == 1000000 and a["change"] == "new", a
EOF
echo "ok: the body"
assert_eq "marked as told" 1 "$(q "SELECT count(*) FROM alerts WHERE notified_at IS NOT NULL")"

# 3. Nothing new: no post.
run alerts --date 2025-10-10
assert_eq "no third post" 2 "$(ls "$WORK" | grep -c '^body\.')"

# 4. A worse day: posted again, as worse.
run alerts --date 2025-10-11
assert_eq "the worse day is posted" 3 "$(ls "$WORK" | grep -c '^body\.')"
python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))["alerts"][0]; assert a["change"] == "worse" and a["value"] == 1600000, a' \
	"$WORK/body.3" || fail "the worse body"
echo "ok: worse"

# 5. --no-webhook, and a server that is gone: a timeout or refusal, reported, not fatal.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
q "UPDATE alert SET notified_severity = NULL" # pretend it was never told
run alerts --date 2025-10-11 --no-webhook
assert_eq "--no-webhook tries nothing" "" "$(cat "$WORK/err")"
run alerts --date 2025-10-11
assert_rc "still CRITICAL" 2
assert_contains "a refused connection is reported" "$WORK/err" "webhook at 127.0.0.1:$port: "
assert_contains "and left for the next run" "$WORK/err" "left unsent"
