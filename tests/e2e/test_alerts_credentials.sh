#!/bin/sh
# Dead and exhausted credentials in samples/proxy: on 2025-10-12 (UTC) a credential whose
# latest responses are 401 is critical (credential_invalid), one whose rate-limit remaining
# went under 100 warns and one that reached 0 is critical, with when it did (rate_limit_low);
# more than 5% errors over at least 20 requests warns (error_rate). The expected credentials,
# values and times come from a python parser of the raw files written here.
. "$(dirname "$0")/lib.sh"

FILES="$SAMPLES/api-gateway.log.2.gz $SAMPLES/api-gateway.log.1 $SAMPLES/api-gateway.log"
ingest_ok $FILES
printf '[limits]\ndaily_tokens = none\nmonthly_tokens = none\nburst_tokens_per_minute = none\ndaily_cost_usd = none\n' \
	> "$WORK/t.conf"

# Per credential on the day: the 401s after its last other response (counted by minute: the
# minutes after that response's minute) and since when; the lowest rate-limit reading and the
# first time it was read; errors of requests. The mask is README's: first min(n/4, 8) and
# last min(n/8, 4) characters.
python3 - "$WORK/expected" $FILES <<'EOF'
import sys, re, gzip, shlex, datetime, collections
out, files = sys.argv[1], sys.argv[2:]
LINE = re.compile(r'^(.+?) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+) '
                  r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"( .*)?$')
TOKEN, RL = {"token", "tok", "key", "api_key"}, {"rl_remaining", "rl_rem", "x_ratelimit_remaining"}
def mask(s):
    n = len(s)
    return "****" if n < 12 else s[:min(n // 4, 8)] + "..." + s[n - min(n // 8, 4):]
day0 = int(datetime.datetime(2025, 10, 12, tzinfo=datetime.timezone.utc).timestamp())
ev = collections.defaultdict(list)
seq = 0
for path in files:
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for b in raw.split(b"\n"):
        m = LINE.match(b.decode("utf-8", "replace").rstrip("\r"))
        if not m:
            continue
        try:
            epoch = int(datetime.datetime.strptime(m.group(4), "%d/%b/%Y:%H:%M:%S %z").timestamp())
            kv = dict(t.partition("=")[::2] for t in shlex.split(m.group(10) or ""))
        except ValueError:
            continue
        seq += 1
        tok = next((kv[k] for k in TOKEN if kv.get(k) not in (None, "", "-")), None)
        if tok is None or not day0 <= epoch < day0 + 86400:
            continue
        tok = re.sub(r"^(?i:bearer|token) +", "", tok)
        rl = next((int(kv[k]) for k in RL if kv.get(k) not in (None, "", "-")), None)
        ev[mask(tok)].append((epoch, seq, int(m.group(6)), rl))
hm = lambda e: datetime.datetime.fromtimestamp(e, datetime.timezone.utc).strftime("%H:%M")
with open(out, "w") as f:
    for t, es in sorted(ev.items()):
        es.sort()
        ok = [e for e in es if e[2] != 401]
        if es[-1][2] == 401:
            after = (ok[-1][0] - day0) // 60 if ok else -1
            tail = [e for e in es if e[2] == 401 and (e[0] - day0) // 60 > after]
            since = tail[0][0] - (tail[0][0] - day0) % 60 if tail else es[-1][0]
            f.write("credential_invalid %s %d %s\n" % (t, max(len(tail), 1), hm(since)))
        rls = [e for e in es if e[3] is not None]
        if rls:
            low = min(e[3] for e in rls)
            at = min(e[0] for e in rls if e[3] == low)
            if low < 100:
                f.write("rate_limit_low %s %d %s %s\n" % (t, low, "critical" if low == 0 else "warning", hm(at)))
        errors = sum(e[2] >= 400 for e in es)
        if len(es) >= 20 and errors * 100 > 5 * len(es):
            f.write("error_rate %s %d/%d\n" % (t, errors, len(es)))
EOF
cat "$WORK/expected"
grep -q '^credential_invalid ' "$WORK/expected" || fail "the samples hold an invalid credential on 2025-10-12"
grep -q '^rate_limit_low .* critical ' "$WORK/expected" || fail "the samples hold an exhausted credential on 2025-10-12"

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-12 --format json
assert_rc "a dead credential is CRITICAL" 2
python3 - "$WORK/out" > "$WORK/actual" <<'EOF'
import json, sys, re
for a in sorted(json.load(open(sys.argv[1]))["alerts"], key=lambda a: (a["subject"], a["rule"])):
    if a["rule"] == "credential_invalid":
        print("credential_invalid %s %d %s" % (a["subject"], a["value"], re.search(r"since (\d\d:\d\d)", a["detail"]).group(1)))
    elif a["rule"] == "rate_limit_low":
        print("rate_limit_low %s %d %s %s" % (a["subject"], a["value"], a["severity"],
              re.search(r"(?:from|at) (\d\d:\d\d)", a["detail"]).group(1)))
    elif a["rule"] == "error_rate":
        print("error_rate %s %s" % (a["subject"], re.search(r"(\d+) of (\d+)", a["detail"]).expand(r"\1/\2")))
EOF
assert_eq "dead, exhausted and failing credentials, with values and times" \
	"$(sort "$WORK/expected")" "$(sort "$WORK/actual")"

# No full credential reaches any output or the alert tables: only masks and fingerprints.
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-12 --all --prometheus "$WORK/t.prom" \
	--blocklist "$WORK/block.conf"
cat "$WORK/out" "$WORK/err" > "$WORK/all-outputs"
"$TOKSTAT" --db "$DB" alerts list --all --format json >> "$WORK/all-outputs"
"$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-12 --format nagios >> "$WORK/all-outputs" || true
cat "$WORK/t.prom" "$WORK/block.conf" >> "$WORK/all-outputs"
sqlite3 "$DB" ".dump alert" >> "$WORK/all-outputs"
python3 - "$WORK/all-outputs" $FILES <<'PY' || fail "a full credential in the alert outputs"
import gzip, re, sys
outputs = open(sys.argv[1], encoding="utf-8", errors="replace").read()
secrets = set()
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", "replace")
    for m in re.finditer(r'(?:token|tok|key|api_key)="?(?:Bearer |token )?([A-Za-z0-9_\-]{16,})', text):
        secrets.add(m.group(1))
assert len(secrets) >= 5, secrets
leaked = [s[:6] + "..." for s in secrets if s in outputs or s[8:-4] in outputs]
assert not leaked, leaked
print("ok: none of %d credentials leaked" % len(secrets))
PY
