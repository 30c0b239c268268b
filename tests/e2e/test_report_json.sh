#!/bin/sh
# tokstat report --format json: the document validates against sql/reports/report.schema.json,
# and its totals equal sums that python computes here from the raw log files (samples/proxy
# and a generated log): per period, per UTC day, per model, per user and per credential.
# An empty period says so (exit 0) and names the latest day with data; so does the default
# period (yesterday, UTC) over these 2025 logs.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's, which has python3-jsonschema
SCHEMA=$ROOT/sql/reports/report.schema.json

# The independent parser: the proxy format's rules (see test_samples_totals.sh): pt/prompt
# include cached tokens, '-' is NULL, errors are status >= 400, a day is a UTC day.
cat > "$WORK/expect.py" <<'PY'
import sys, re, gzip, shlex, datetime, json, collections
frm, to, files = sys.argv[1], sys.argv[2], sys.argv[3:]
LINE = re.compile(r'^(.+?) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+) '
                  r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"( .*)?$')
ALIAS = {}
for canon, names in {"token": "token tok key api_key", "user": "user user_id uid", "model": "model",
                     "input": "input_tokens", "prompt": "prompt_tokens pt",
                     "output": "output_tokens completion_tokens ct",
                     "cread": "cache_read_tokens cached_tokens", "cwrite": "cache_write_tokens"}.items():
    for n in names.split():
        ALIAS[n] = canon
NUMS = {"input", "prompt", "output", "cread", "cwrite"}
def add(a, b):
    return b if a is None else a if b is None else a + b
tot = dict(requests=0, errors=0, input=None, output=None, cread=None, cwrite=None, total=None)
days = collections.defaultdict(lambda: [0, 0, None])
models = collections.defaultdict(lambda: [0, None])
users = collections.defaultdict(lambda: [0, None])
creds = collections.defaultdict(int)
for path in files:
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for b in raw.split(b"\n"):
        line = b.rstrip(b"\r").decode("utf-8", "replace")
        m = LINE.match(line)
        if not m:
            continue
        try:
            t = datetime.datetime.strptime(m.group(4), "%d/%b/%Y:%H:%M:%S %z")
            kv = {}
            for tok in shlex.split(m.group(10) or ""):
                k, eq, v = tok.partition("=")
                if eq and k in ALIAS and v not in ("", "-"):
                    kv[ALIAS[k]] = int(v) if ALIAS[k] in NUMS else v
        except ValueError:
            continue
        day = t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d")
        if not (frm <= day <= to):
            continue
        err = 1 if int(m.group(6)) >= 400 else 0
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
        tot["requests"] += 1
        tot["errors"] += err
        for name, v in zip(["input", "output", "cread", "cwrite", "total"], kinds + [total]):
            tot[name] = add(tot[name], v)
        d = days[day]; d[0] += 1; d[1] += err; d[2] = add(d[2], total)
        if "model" in kv:
            mm = models[kv["model"]]; mm[0] += 1; mm[1] = add(mm[1], total)
        token = kv.get("token")
        if token is not None:
            token = re.sub(r"^(?i:bearer|token) +", "", token)
            creds[token] += 1
        user = kv.get("user")
        if user is None and token is None and m.group(3) != "-":
            user = m.group(3)
        u = users[user]; u[0] += 1; u[1] = add(u[1], total)
print(json.dumps(dict(total=tot, days=days, models=models, users={str(k): v for k, v in users.items()},
                      creds=sorted(creds.values()))))
PY

# check DB JSON FROM TO FILES...: the report's figures against the raw files
check() {
	label=$1 json=$2 from=$3 to=$4
	shift 4
	$PY "$WORK/expect.py" "$from" "$to" "$@" > "$WORK/expect.json" || fail "$label: expected values"
	$PY - "$SCHEMA" "$json" "$WORK/expect.json" "$from" "$to" <<'PY' || fail "$label: report differs from the raw logs"
import json, sys, jsonschema
schema, rep, exp = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(rep)
print("ok: valid against report.schema.json")
assert rep["period"] == {"from": sys.argv[4], "to": sys.argv[5], "days": rep["period"]["days"]}, rep["period"]
assert rep["empty"] is False
s = rep["sections"]["summary"]["rows"][0]
t = exp["total"]
got = [s["requests"], s["errors"], s["successes"], s["input_tokens"], s["output_tokens"],
       s["cache_read_tokens"], s["cache_write_tokens"], s["total_tokens"]]
want = [t["requests"], t["errors"], t["requests"] - t["errors"], t["input"], t["output"], t["cread"],
        t["cwrite"], t["total"]]
assert got == want, (got, want)
assert abs(s["success_rate"] - 100.0 * (t["requests"] - t["errors"]) / t["requests"]) < 1e-9
print("ok: summary totals", got)
days = {r["day"]: [r["requests"], r["errors"], r["total"]] for r in rep["sections"]["daily"]["rows"]}
assert days == exp["days"], (days, exp["days"])
print("ok: per day", len(days), "days")
models = {r["model"]: [r["requests"], r["total_tokens"]] for r in rep["sections"]["models"]["rows"]}
assert models == exp["models"], (models, exp["models"])
assert abs(sum(r["share"] for r in rep["sections"]["models"]["rows"]) - 100) < 1e-6
print("ok: per model", len(models))
users = {str(r["user"]): [r["requests"], r["total_tokens"]] for r in rep["sections"]["users"]["rows"]}
assert users == exp["users"], (users, exp["users"])
print("ok: per user", len(users))
creds = sorted(r["uses"] for r in rep["sections"]["credentials"]["rows"])
assert creds == exp["creds"], (creds, exp["creds"])
assert rep["sections"]["credentials"]["total_rows"] == len(exp["creds"])
print("ok: per credential", len(creds))
PY
}

FILES="$SAMPLES/api-gateway.log.2.gz $SAMPLES/api-gateway.log.1 $SAMPLES/api-gateway.log"
ingest_ok $FILES
run ts report --from 2025-10-05 --to 2025-10-12 --format json -o "$WORK/all.json"
assert_rc "report --format json -o FILE" 0
assert_eq "-o FILE: nothing on stdout" "" "$(cat "$WORK/out")"
check "samples, all days" "$WORK/all.json" 2025-10-05 2025-10-12 $FILES
run ts report --from 2025-10-08 --days 3 --format json
assert_rc "report --from --days" 0
cp "$WORK/out" "$WORK/three.json"
check "samples, 2025-10-08 .. 10" "$WORK/three.json" 2025-10-08 2025-10-10 $FILES

# A generated log: 3000 lines over 20 days, 40 credentials, 15 users, 6 models, random statuses
# and token kinds (some absent), in two files.
$PY - "$WORK/gen1.log" "$WORK/gen2.log" <<'PY'
import random, sys, datetime
rng = random.Random(7)
models = ["gpt-4o-mini", "gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929", "gemini-2.0-flash", "my-model", "o3"]
toks = ["sk-proj-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40)) for _ in range(40)]
start = datetime.datetime(2025, 3, 1, tzinfo=datetime.timezone.utc)
out = [open(p, "w") for p in sys.argv[1:]]
for i in range(3000):
    t = start + datetime.timedelta(seconds=rng.randrange(20 * 86400))
    pairs = ['token="Bearer %s"' % rng.choice(toks), "user=u%d" % rng.randrange(15),
             "model=%s" % rng.choice(models)]
    if rng.random() < 0.5:
        pairs.append("prompt_tokens=%d cached_tokens=%d" % (rng.randrange(100, 9000), rng.randrange(0, 100)))
    elif rng.random() < 0.7:
        pairs.append("input_tokens=%d" % rng.randrange(1, 5000))
    if rng.random() < 0.8:
        pairs.append("output_tokens=%d" % rng.randrange(1, 3000))
    if rng.random() < 0.2:
        pairs.append("cache_write_tokens=%d" % rng.randrange(1, 700))
    status = rng.choice([200] * 20 + [400, 401, 429, 500, 503])
    out[i % 2].write('10.0.0.%d - - [%s] "POST /v1/chat/completions HTTP/1.1" %d 100 "-" "gen/1" %s\n'
                     % (rng.randrange(250), t.strftime("%d/%b/%Y:%H:%M:%S +0000"), status, " ".join(pairs)))
PY
DB=$WORK/gen.db
ingest_ok "$WORK/gen1.log" "$WORK/gen2.log"
run ts report --month 2025-03 --format json
assert_rc "report --month" 0
cp "$WORK/out" "$WORK/gen.json"
check "generated log, March 2025" "$WORK/gen.json" 2025-03-01 2025-03-31 "$WORK/gen1.log" "$WORK/gen2.log"

# An empty period: said, with the latest day with data, exit 0; the same in JSON.
DB=$WORK/t.db
run ts report --from 2025-09-01 --to 2025-09-03
assert_rc "report over an empty period" 0
assert_contains "the empty period is said, with the latest day" "$WORK/out" \
	"No usage from 2025-09-01 to 2025-09-03 (UTC). The latest day with data is 2025-10-12."
run ts report --from 2025-09-01 --to 2025-09-03 --format json
assert_rc "json report over an empty period" 0
$PY - "$SCHEMA" "$WORK/out" <<'PY' || fail "empty period in JSON"
import json, sys, jsonschema
schema, rep = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(schema).validate(rep)
assert rep["empty"] is True and rep["latest_day"] == "2025-10-12" and rep["sections"] == {}, rep
assert "No usage" in rep["notes"][0]["text"]
PY
echo "ok: the empty period in JSON"
# the default period is yesterday (UTC): empty here, and named
yesterday=$(date -u -d yesterday +%Y-%m-%d)
run ts report
assert_rc "report with the default period" 0
assert_contains "the default period is yesterday" "$WORK/out" "tokstat report, $yesterday (UTC)"
assert_contains "and it is empty" "$WORK/out" "No usage on $yesterday (UTC). The latest day with data is 2025-10-12."

# Bad options are usage errors.
run ts report --from 2025-10-12 --to 2025-10-01
assert_rc "a period that ends before it starts" 2
run ts report --by nothing
assert_rc "an unknown --by" 2
run ts report --format pdf
assert_rc "an unknown --format" 2

# -o FILE is atomic: a new file replaces the old one by a rename (a new inode, no half file),
# and a file that cannot be written leaves nothing behind and fails with a message.
before=$(stat -c %i "$WORK/all.json")
run ts report --from 2025-10-05 --to 2025-10-12 --format json -o "$WORK/all.json"
assert_rc "report -o over an existing file" 0
[ "$(stat -c %i "$WORK/all.json")" != "$before" ] || fail "-o rewrote the file in place"
$PY -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/all.json" || fail "-o left no valid JSON"
assert_eq "-o leaves no temporary file" "" "$(ls -A "$WORK" | grep '^\.all\.json\.' || true)"
run ts report --format json -o "$WORK/no/such/dir/r.json"
assert_rc "-o into a missing directory" 1
assert_contains "the error names the file" "$WORK/err" "$WORK/no/such/dir/"
