#!/bin/sh
# tokstat report --format email: a MIME message that Python's email module parses into a
# text/plain and a text/html part, with the headers sendmail -t needs and no line over 998
# bytes; then a real mail path: msmtp as the sendmail command toward an SMTP server
# (aiosmtpd) this test starts on 127.0.0.1, and the delivered message parsed again. The
# server is stopped by its pid, also when the test fails.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, with python3-aiosmtpd
ingest_ok "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" "$SAMPLES/api-gateway.log"

run ts report --from 2025-10-12 --to 2025-10-12 --format email --to ops@example.com --from 'tokstat <reports@example.com>'
assert_rc "email report" 0
cp "$WORK/out" "$WORK/default.eml"
run ts report --from 2025-10-06 --to 2025-10-12 --format email --mail-to ops@example.com --subject 'Rapport d’usage — semaine ✓'
assert_rc "email report with a subject" 0
cp "$WORK/out" "$WORK/r.eml"

# check FILE: headers, two parts, line lengths, what the parts say
cat > "$WORK/check.py" <<'PY'
import email, email.policy, sys, re
path, subject, period = sys.argv[1:4]
raw = open(path, "rb").read()
assert max(len(l) for l in raw.split(b"\n")) <= 998, "a line over 998 bytes"
assert all(b < 0x80 for b in raw.split(b"\n\n", 1)[0]), "headers are not ASCII"
m = email.message_from_bytes(raw, policy=email.policy.default)
for h in ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version"]:
    assert m[h], "no " + h
assert re.fullmatch(r"<[0-9a-f]{32}@[^>]+>", m["Message-ID"]), m["Message-ID"]
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
assert m.get_content_type() == "multipart/alternative", m.get_content_type()
assert m["Subject"] == subject, (m["Subject"], subject)
parts = {p.get_content_type(): p.get_content() for p in m.iter_parts()}
assert sorted(parts) == ["text/html", "text/plain"], sorted(parts)
assert ("tokstat report, " + period) in parts["text/plain"], parts["text/plain"][:200]
assert parts["text/html"].startswith("<!DOCTYPE html>") and "</html>" in parts["text/html"]
assert "<script" not in parts["text/html"].lower()
print("ok:", path.rsplit("/", 1)[-1], "parses:", m["Subject"], "|", m["To"], "|", sorted(parts))
PY
$PY "$WORK/check.py" "$WORK/default.eml" "tokstat report 2025-10-12: critical" "2025-10-12 (UTC)" || fail "default.eml"
grep -q '^From: tokstat <reports@example.com>$' "$WORK/default.eml" || fail "--from ADDRESS is the From header"
grep -q '^Subject: =?UTF-8?B?' "$WORK/r.eml" || fail "a non-ASCII subject is an RFC 2047 encoded word"
$PY "$WORK/check.py" "$WORK/r.eml" 'Rapport d’usage — semaine ✓' "2025-10-06 .. 2025-10-12" || fail "r.eml"
run ts report --format email --subject "$(printf 'a\nBcc: x@example.com')"
assert_rc "a line break in a header is refused" 2

# The real mail path.
start_smtpd "$WORK/maildir"
port=$SMTP_PORT
# msmtp as sendmail -t: the recipients come from the message's headers
ts report --from 2025-10-06 --to 2025-10-12 --format email --to ops@example.com --from reports@example.com \
	--subject 'Rapport d’usage — semaine ✓' |
	msmtp --host=127.0.0.1 --port="$port" --auth=off --tls=off --from=reports@example.com -t \
	> "$WORK/msmtp.log" 2>&1 || fail "msmtp: $(cat "$WORK/msmtp.log")"
i=0
until [ -n "$(ls "$WORK/maildir/new" 2>/dev/null)" ]; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "no message delivered: $(cat "$WORK/smtpd.log")"
	sleep 0.1
done
delivered=$(ls "$WORK/maildir/new"/* | head -1)
$PY "$WORK/check.py" "$delivered" 'Rapport d’usage — semaine ✓' "2025-10-06 .. 2025-10-12" || fail "the delivered message"
grep -q '^To: ops@example.com' "$delivered" || fail "delivered to ops@example.com"
echo "ok: delivered through msmtp and SMTP, and parsed"
