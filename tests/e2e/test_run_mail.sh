#!/bin/sh
# tokstat run mails the day's report through a real local mail transport: Debian's msmtp as
# the mail_command toward an SMTP server (aiosmtpd) started here on 127.0.0.1, as
# test_report_email.sh does; the delivered message is parsed with Python's email module. The
# server is stopped by its pid, also when the test fails.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, with python3-aiosmtpd
mkdir -p "$WORK/logs"
cp "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" "$SAMPLES/api-gateway.log" "$WORK/logs/"

start_smtpd "$WORK/maildir"
port=$SMTP_PORT

cat > "$WORK/run.conf" <<EOF2
[run]
logs = $WORK/logs/api-gateway.log*
database = $DB
mail_to = ops@example.com
mail_command = msmtp --host=127.0.0.1 --port=$port --auth=off --tls=off --from=reports@example.com -t
EOF2
run "$TOKSTAT" run --config "$WORK/run.conf" --date 2025-10-12
assert_rc "the run (CRITICAL on the samples' last day)" 2
assert_contains "the mail step says where the report went" "$WORK/out" \
	"tokstat run: mail: piped the email report of 2025-10-12 ("
assert_contains "through msmtp, for ops@example.com" "$WORK/out" "--from=reports@example.com -t' for ops@example.com"
assert_contains "no reports configured: that step is off" "$WORK/out" "tokstat run: report: off"
i=0
until [ -n "$(ls "$WORK/maildir/new" 2>/dev/null)" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no message delivered: $(cat "$WORK/smtpd.log")"
	sleep 0.1
done
delivered=$(ls "$WORK/maildir/new"/* | head -1)
alerts=$(q "SELECT count(*) FROM alerts WHERE status = 'active'")
$PY - "$delivered" "$alerts" <<'PY' || fail "the delivered message"
import email, email.policy, sys
path, alerts = sys.argv[1], int(sys.argv[2])
raw = open(path, "rb").read()
assert max(len(l) for l in raw.split(b"\n")) <= 998, "a line over 998 bytes"
m = email.message_from_bytes(raw, policy=email.policy.default)
assert m["To"] == "ops@example.com", m["To"]
# the night's alerts were evaluated before the report: its subject names the worst of them
assert m["Subject"] == "tokstat report 2025-10-12: CRITICAL, %d alerts" % alerts, (m["Subject"], alerts)
assert m.get_content_type() == "multipart/alternative", m.get_content_type()
parts = {p.get_content_type(): p.get_content() for p in m.iter_parts()}
assert sorted(parts) == ["text/html", "text/plain"], sorted(parts)
assert "tokstat report, 2025-10-12 (UTC)" in parts["text/plain"], parts["text/plain"][:200]
assert parts["text/html"].startswith("<!DOCTYPE html>") and "</html>" in parts["text/html"]
print("ok: delivered and parsed:", m["Subject"], "|", m["To"])
PY
assert_eq "one message" 1 "$(ls "$WORK/maildir/new" | wc -l | tr -d ' ')"

# the server gone: msmtp fails, the run says so and exits 3
stop_started
PIDS=
run "$TOKSTAT" run --config "$WORK/run.conf" --date 2025-10-12
assert_rc "a mail transport that is down" 3
assert_contains "the failure names the mail command" "$WORK/err" "mail_command 'msmtp --host=127.0.0.1"
