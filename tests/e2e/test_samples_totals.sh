#!/bin/sh
# Ingest samples/proxy (plain + gzip) and compare what the views say with what a python
# parser written here computes over the raw files: per UTC day, per user, per endpoint,
# per credential (with its status), and the rejected lines.
. "$(dirname "$0")/lib.sh"

FILES="$SAMPLES/api-gateway.log.2.gz $SAMPLES/api-gateway.log.1 $SAMPLES/api-gateway.log"
run "$TOKSTAT" --db "$DB" ingest $FILES
assert_rc "ingest samples" 0
cat "$WORK/out"
verify_ok

# The independent computation.  Rules from issue 3: a day is a UTC day; pt/prompt_tokens
# include the cached tokens (input = prompt - cached), input_tokens do not; "-" or "" is
# NULL; a sum over no logged value is NULL; errors are status >= 400; the user is user=
# (or its aliases), else $remote_user when no credential was sent; the credential loses
# its "Bearer "/"token " scheme and is shown as its first min(n/4,8) and last min(n/8,4)
# characters; the latest response (by time) 401 -> invalid; the latest rate-limit reading
# 0, or a 429 at or after it -> rate_limited, until that reading's reset time (now) has passed.
python3 - "$WORK" $FILES <<'EOF'
import sys, re, gzip, shlex, datetime, collections, time
work, files = sys.argv[1], sys.argv[2:]
now = time.time()
LINE = re.compile(r'^(.+?) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+) '
                  r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"( .*)?$')
ALIAS = {}
for canon, names in {"token": "token tok key api_key", "user": "user user_id uid",
                     "input": "input_tokens", "prompt": "prompt_tokens pt",
                     "output": "output_tokens completion_tokens ct",
                     "cread": "cache_read_tokens cached_tokens", "cwrite": "cache_write_tokens",
                     "rl": "rl_remaining rl_rem x_ratelimit_remaining",
                     "rlreset": "rl_reset x_ratelimit_reset retry_after"}.items():
    for n in names.split():
        ALIAS[n] = canon
NUMS = {"input", "prompt", "output", "cread", "cwrite", "rl", "rlreset"}

def mask(s):
    n = len(s)
    return "****" if n < 12 else s[:min(n // 4, 8)] + "..." + s[n - min(n // 8, 4):]

def add(a, b):
    return b if a is None else a if b is None else a + b

day = collections.defaultdict(lambda: [0, 0, None, None, None, None, None])
hour_days = collections.defaultdict(lambda: [0, 0, None, None])
users, endpoints, methods = collections.Counter(), collections.Counter(), collections.Counter()
cred = {}
rejects = []
seq = 0
for path in files:
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for no, b in enumerate(lines, 1):
        if b.endswith(b"\r"):
            b = b[:-1]
        line = b.decode("utf-8", "replace")
        if re.match(r"^\s*(#|$)", line):
            continue
        m = LINE.match(line)
        try:
            if not m:
                raise ValueError("no match")
            t = datetime.datetime.strptime(m.group(4), "%d/%b/%Y:%H:%M:%S %z")
            epoch = int(t.timestamp())
            kv = {}
            for tok in shlex.split(m.group(10) or ""):
                k, eq, v = tok.partition("=")
                if eq and k in ALIAS and v not in ("", "-"):
                    kv[ALIAS[k]] = int(v) if ALIAS[k] in NUMS else v
        except ValueError:
            rejects.append("%s|%d" % (path.rsplit("/", 1)[-1], no))
            continue
        seq += 1
        status = int(m.group(6))
        err = 1 if status >= 400 else 0
        if "input" in kv:
            inp = kv["input"]
        elif "prompt" in kv:
            c = kv.get("cread", 0)
            inp = kv["prompt"] - c if kv["prompt"] >= c else kv["prompt"]
        else:
            inp = None
        kinds = [inp, kv.get("output"), kv.get("cread"), kv.get("cwrite")]
        total = None
        for k in kinds:
            total = add(total, k)
        d = day[t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d")]
        d[0] += 1
        d[1] += err
        for i, v in enumerate(kinds + [total]):
            d[2 + i] = add(d[2 + i], v)
        token = kv.get("token")
        if token is not None:
            token = re.sub(r"^(?i:bearer|token) +", "", token)
        user = kv.get("user")
        if user is None and token is None and m.group(3) != "-":
            user = m.group(3)
        users[user or "NULL"] += 1
        req = m.group(5)
        parts = req.split(" ")
        if len(parts) >= 2 and parts[0]:
            methods[parts[0]] += 1
            endpoints[parts[1].split("?")[0] or "NULL"] += 1
        else:
            methods["NULL"] += 1
            endpoints["NULL"] += 1
        if token is not None:
            c = cred.setdefault(token, dict(req=0, err=0, st=None, st_at=None, rl=None, rl_at=None, last429=None,
                                            reset=None))
            c["req"] += 1
            c["err"] += err
            if c["st_at"] is None or epoch >= c["st_at"]:
                c["st"], c["st_at"] = status, epoch
            if status == 429 and (c["last429"] is None or epoch > c["last429"]):
                c["last429"] = epoch
            if "rl" in kv and (c["rl_at"] is None or epoch >= c["rl_at"]):
                c["rl"], c["rl_at"] = kv["rl"], epoch
                # the reading's reset: an epoch, or a delay in seconds from the line's time
                r = kv.get("rlreset")
                c["reset"] = None if r is None else r if r > 10 ** 9 else epoch + r

def cell(v):
    return "" if v is None else str(v)

with open(work + "/exp_days", "w") as f:
    for k in sorted(day):
        f.write("|".join([k] + [cell(v) for v in day[k]]) + "\n")
with open(work + "/exp_users", "w") as f:
    for k in sorted(users):
        f.write("%s|%d\n" % (k, users[k]))
with open(work + "/exp_endpoints", "w") as f:
    for k in sorted(endpoints):
        f.write("%s|%d\n" % (k, endpoints[k]))
with open(work + "/exp_methods", "w") as f:
    for k in sorted(methods):
        f.write("%s|%d\n" % (k, methods[k]))
with open(work + "/exp_creds", "w") as f:
    rows = []
    for s, c in cred.items():
        if c["st"] == 401:
            st = "invalid"
        # rate-limited only until the reading's reset time has passed (now); a reset before the
        # 429 says nothing about it
        elif (c["rl"] == 0 and (c["reset"] is None or c["reset"] > now)) or (
                c["last429"] is not None and (c["rl_at"] is None and c["st"] == 429 or
                                              c["rl_at"] is not None and c["last429"] >= c["rl_at"]) and
                (c["reset"] is None or c["reset"] < c["last429"] or c["reset"] > now)):
            st = "rate_limited"
        else:
            st = "active"
        rows.append("%s|%d|%d|%s" % (mask(s), c["req"], c["err"], st))
    f.write("\n".join(sorted(rows)) + "\n")
with open(work + "/exp_rejects", "w") as f:
    f.write("\n".join(sorted(rejects)) + "\n")
with open(work + "/exp_count", "w") as f:
    f.write("%d|%d|%d\n" % (seq, len(rejects), len(cred)))
EOF
[ $? -eq 0 ] || fail "the python reference computation failed"

q "SELECT day, sum(requests), sum(errors), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),
	sum(cache_write_tokens), sum(total_tokens) FROM daily_usage GROUP BY day ORDER BY day" >"$WORK/act_days"
assert_same_file "daily_usage per UTC day (requests, errors, input, output, cache read/write, total)" \
	"$WORK/exp_days" "$WORK/act_days"
[ "$(wc -l <"$WORK/exp_days")" -ge 5 ] || fail "samples cover fewer than 5 UTC days"

# the hourly aggregates summed per day must tell the same story
q "SELECT substr(hour, 1, 10), sum(requests), sum(errors), sum(input_tokens), sum(output_tokens),
	sum(cache_read_tokens), sum(cache_write_tokens), sum(total_tokens) FROM hourly_usage
	GROUP BY 1 ORDER BY 1" >"$WORK/act_hours"
assert_same_file "hourly_usage summed per UTC day" "$WORK/exp_days" "$WORK/act_hours"

q "SELECT coalesce(user, 'NULL'), sum(requests) FROM daily_usage GROUP BY 1 ORDER BY 1" >"$WORK/act_users"
assert_same_file "requests per user (user=/uid=/user_id=, remote_user without credential)" \
	"$WORK/exp_users" "$WORK/act_users"
q "SELECT coalesce(endpoint, 'NULL'), count(*) FROM events GROUP BY 1 ORDER BY 1" >"$WORK/act_endpoints"
assert_same_file "events per endpoint (path without query string)" "$WORK/exp_endpoints" "$WORK/act_endpoints"
q "SELECT coalesce(method, 'NULL'), count(*) FROM events GROUP BY 1 ORDER BY 1" >"$WORK/act_methods"
assert_same_file "events per method" "$WORK/exp_methods" "$WORK/act_methods"

q "SELECT token, requests, errors, status FROM credentials" | sort >"$WORK/act_creds"
assert_same_file "credentials: masked display, requests, errors, status" "$WORK/exp_creds" "$WORK/act_creds"
assert_eq "rate_limited credentials (the samples' resets have passed)" "$(grep -c '|rate_limited$' "$WORK/exp_creds")" \
	"$(q "SELECT count(*) FROM credentials WHERE status = 'rate_limited'")"
assert_eq "one invalid credential" 1 "$(q "SELECT count(*) FROM credentials WHERE status = 'invalid'")"
# two GitHub tokens share their mask (same first 8 and last 4 characters): kept apart
assert_eq "two credentials with one mask stay apart" 2 \
	"$(q "SELECT max(n) FROM (SELECT count(*) n FROM credentials GROUP BY token)")"

q "SELECT replace(file, rtrim(file, replace(file, '/', '')), ''), line FROM rejects" | sort >"$WORK/act_rejects"
sort "$WORK/exp_rejects" >"$WORK/exp_rejects.s"
assert_same_file "rejected lines (file, line)" "$WORK/exp_rejects.s" "$WORK/act_rejects"

assert_eq "events, rejected lines, credentials" "$(cat "$WORK/exp_count")" \
	"$(q "SELECT (SELECT count(*) FROM events), (SELECT sum(rejected) FROM files), (SELECT count(*) FROM credentials)")"
assert_eq "files view: one row per sample file, all proxy" "3|proxy" \
	"$(q "SELECT count(*), group_concat(DISTINCT format) FROM files")"

# UTC conversion: the first line of the oldest file is 06/Oct/2025 local time, +0200
first=$(gzip -dc "$SAMPLES/api-gateway.log.2.gz" | head -1 | sed 's/.*\[\([^]]*\)\].*/\1/')
utc=$(date -u -d "$(echo "$first" | sed 's#^\([0-9]*\)/\([A-Za-z]*\)/\([0-9]*\):\([0-9:]*\) #\1 \2 \3 \4 #')" +%Y-%m-%dT%H:%M:%SZ)
assert_eq "first event's UTC time ($first)" "$utc" \
	"$(q "SELECT ts FROM events WHERE file LIKE '%.2.gz' AND line = 1")"

# NULL rules: a GitHub API call has no token counts, never 0
assert_eq "no token counts on GitHub API calls are NULL" 0 \
	"$(q "SELECT count(*) FROM events WHERE endpoint LIKE '/repos/%' AND (input_tokens IS NOT NULL OR total_tokens IS NOT NULL)")"
assert_eq "no '' text anywhere in events" 0 \
	"$(q "SELECT count(*) FROM events WHERE user = '' OR endpoint = '' OR model = '' OR method = '' OR token = ''")"
echo "all sample totals match"
