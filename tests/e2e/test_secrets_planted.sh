#!/bin/sh
# Every credential shape tokstat knows, planted in every text field of proxy, JSON-lines and
# CSV logs and in lines that are rejected, never reaches the database (file, WAL, dump),
# the rejects view, or the output of ingest, summary, cost, pricing missing and verify:
# neither whole nor any 12-character window of it (a mask shows at most 8 characters in a
# row). Secrets are made here by python3 (seeded, so a failure can be replayed) in the
# shapes their issuers document. Credentials in the token field stay told apart.
. "$(dirname "$0")/lib.sh"

python3 - "$WORK" <<'EOF'
import base64, json, random, string, sys, csv
work = sys.argv[1]
rng = random.Random(20251010)
A62 = string.ascii_letters + string.digits
def g(alphabet, n): return ''.join(rng.choice(alphabet) for _ in range(n))
def jwt():
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip('=')
    body = base64.urlsafe_b64encode(json.dumps({"sub": g(A62, 12), "iat": 1760090000}).encode()).decode().rstrip('=')
    return head + '.' + body + '.' + g(A62 + '-_', 43)
def aws_secret():
    while True:  # the shape: 40 base64 characters; make sure it holds a '/' like many do
        s = g(A62 + '+/', 40)
        if '/' in s and s[0] not in '+/' and s[-1] not in '+/': return s

# (name, secret as planted in text, the strings that must never be seen)
kinds = []
def add(name, planted, *hidden): kinds.append((name, planted, list(hidden) or [planted]))
for p in ('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'): add(p, p + g(A62, 36))
add('github_pat', 'github_pat_' + g(A62, 22) + '_' + g(A62, 59))
add('openai', 'sk-' + g(A62, 48))
add('openai_proj', 'sk-proj-' + g(A62 + '-_', 156))
add('openai_svcacct', 'sk-svcacct-' + g(A62 + '-_', 120))
add('anthropic', 'sk-ant-api03-' + g(A62 + '-_', 93) + 'AA')
add('google', 'AIza' + g(A62 + '-_', 35))
add('aws_akia', 'AKIA' + g(string.ascii_uppercase + '234567', 16))
add('aws_asia', 'ASIA' + g(string.ascii_uppercase + '234567', 16))
add('aws_secret', aws_secret())
add('slack_bot', 'xoxb-%s-%s-%s' % (g(string.digits, 12), g(string.digits, 13), g(A62, 24)))
add('slack_user', 'xoxp-%s-%s-%s-%s' % (g(string.digits, 12), g(string.digits, 12), g(string.digits, 13), g('0123456789abcdef', 32)))
add('stripe', 'sk_live_' + g(A62, 99))
add('stripe_restricted', 'rk_live_' + g(A62, 99))
add('jwt', jwt())
b = g(A62, 40); add('bearer', 'Bearer ' + b, b)
pw = g(A62, 20); basic = base64.b64encode(('alice:' + pw).encode()).decode(); add('basic', 'Basic ' + basic, basic, pw)
k = g(A62, 24); add('key_param', 'token=' + k, k)
k = g(A62, 24); add('json_key', '"api_key": "%s"' % k, k)
k = g(A62, 24); add('header', 'x-api-key: ' + k, k)
add('random_base64url', g(A62 + '-_', 43))
add('random_alnum', g(A62, 40))
# two GitHub tokens with the same mask: only the fingerprint tells them apart
same = g(A62, 4), g(A62, 4)
add('same_mask_1', 'ghp_' + same[0] + g(A62, 28) + same[1])
add('same_mask_2', 'ghp_' + same[0] + g(A62, 28) + same[1])
# in a path or as remote_user a value has no spaces: the bare secret
def bare(kind): return kind[2][0]

hidden = sorted({h for _, _, hs in kinds for h in hs})
open(work + '/secrets', 'w').write('\n'.join(hidden) + '\n')

def proxy_line(n, **f):
    v = dict(remote='-', path='/v1/chat/completions', query='', referer='-', agent='curl/8.5.0',
             token='Bearer sk-proj-...wxyz', user='alice', model='gpt-4o', provider='openai',
             operation='chat', project='web', session='s1', request_id='%032x' % n, error='')
    v.update(f)
    q = '?' + v['query'] if v['query'] else ''
    pairs = ''.join(' %s="%s"' % (k, v[k]) for k in ('token', 'user', 'model', 'provider', 'operation',
                    'project', 'session', 'request_id', 'error') if v[k] is not None)
    return ('10.0.0.%d - %s [10/Oct/2025:13:%02d:%02d +0000] "GET %s%s HTTP/1.1" 200 512 "%s" "%s"%s '
            'input_tokens=100 output_tokens=20\n' % (n % 250, v['remote'], n // 60 % 60, n % 60, v['path'], q,
                                                     v['referer'], v['agent'], pairs))

lines, n, token_lines = [], 0, 0
for kind in kinds:
    name, planted, hs = kind
    quoted = planted.replace('"', "'")  # a '"' would end the quoted field
    for field in ('token', 'user', 'model', 'provider', 'operation', 'project', 'session', 'request_id', 'error',
                  'referer', 'agent'):
        if field == 'request_id' and name.startswith('random'):
            continue  # a request id is random by design: only known shapes are masked in it
        n += 1
        val = 'upstream rejected %s (401)' % quoted if field in ('error', 'agent') else quoted
        lines.append(proxy_line(n, **{field: val}))
        token_lines += field == 'token'
    n += 1; lines.append(proxy_line(n, path='/v1/keys/%s/usage' % bare(kind)))
    n += 1; lines.append(proxy_line(n, path='/%s' % bare(kind)))
    n += 1; lines.append(proxy_line(n, query='key=%s&alt=json' % bare(kind)))
    n += 1; lines.append(proxy_line(n, query='q=%s' % bare(kind)))
    n += 1; lines.append(proxy_line(n, remote=bare(kind), token=None, user=None))
    # rejected: a bad time that holds the secret (its reason quotes the time)
    lines.append('10.0.0.1 - - [%s] "GET / HTTP/1.1" 200 5 "-" "curl/8" user="x" model="gpt-4o"\n' % bare(kind))
open(work + '/proxy.log', 'w').writelines(lines)
open(work + '/counts', 'w').write('%d %d %d\n' % (n, len(kinds), token_lines))
open(work + '/same', 'w').write('ghp_%s...%s\n' % same)

camel, openai_lines, rows = [], [], []
for i, (name, planted, hs) in enumerate(kinds):
    for field in ('userId', 'projectId', 'sessionId', 'model', 'provider', 'errorMessage', 'endpoint', 'apiKey',
                  'requestId', 'analysisType'):
        rec = {'timestamp': '2025-10-11T10:%02d:00Z' % (i % 60), 'userId': 'bob', 'projectId': 'p1',
               'sessionId': 's1', 'analysisType': 'summary', 'provider': 'openai', 'model': 'gpt-4o',
               'inputTokens': 10, 'outputTokens': 5, 'success': True}
        if field == 'requestId' and name.startswith('random'):
            continue
        rec[field] = ('/v1/keys/%s' % bare((name, planted, hs))) if field == 'endpoint' else planted
        camel.append(json.dumps(rec) + '\n')
    for field in ('api_key', 'user', 'endpoint', 'session_id', 'project', 'operation', 'request_id', 'error'):
        rec = {'timestamp': '2025-10-12T10:00:00Z', 'object': 'chat.completion', 'model': 'gpt-4o-mini',
               'usage': {'prompt_tokens': 10, 'completion_tokens': 5}}
        if field == 'request_id' and name.startswith('random'):
            continue
        rec[field] = ('/v1/keys/%s' % bare((name, planted, hs))) if field == 'endpoint' else planted
        openai_lines.append(json.dumps(rec) + '\n')
    rec = {'timestamp': '2025-10-12T10:00:00Z', 'object': 'chat.completion', 'model': planted,
           'usage': {'prompt_tokens': 10, 'completion_tokens': 5}}
    openai_lines.append(json.dumps(rec) + '\n')
    camel.append(json.dumps({'timestamp': planted, 'userId': 'bob', 'inputTokens': 1}) + '\n')  # rejected
    for field in ('user_id', 'project_id', 'model', 'provider', 'operation', 'session_id', 'request_id', 'error',
                  'api_key'):
        row = {'start_time': '2025-10-13T10:00:00Z', 'model': 'gpt-4o', 'provider': 'openai', 'user_id': 'carol',
               'api_key': '', 'project_id': 'p2', 'operation': 'batch', 'session_id': 's2', 'request_id': 'r%d' % i,
               'input_tokens': 100, 'output_tokens': 50, 'error': ''}
        if field == 'request_id' and name.startswith('random'):
            continue
        row[field] = planted
        rows.append(row)
    rows.append(dict(rows[-1], start_time=bare((name, planted, hs)), api_key=''))  # rejected: bad time
open(work + '/camel.jsonl', 'w').writelines(camel)
open(work + '/openai.jsonl', 'w').writelines(openai_lines)
with open(work + '/usage.csv', 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
EOF
read -r proxy_events nkinds token_lines <"$WORK/counts"

run "$TOKSTAT" --db "$DB" ingest --format proxy "$WORK/proxy.log"
assert_rc "ingest the proxy log" 0
cat "$WORK/out" "$WORK/err" >"$WORK/outputs"
run "$TOKSTAT" --db "$DB" ingest --format usage_record_camel "$WORK/camel.jsonl"
assert_rc "ingest the camelCase usage records" 0
cat "$WORK/out" "$WORK/err" >>"$WORK/outputs"
run "$TOKSTAT" --db "$DB" ingest --format openai "$WORK/openai.jsonl"
assert_rc "ingest the OpenAI records" 0
cat "$WORK/out" "$WORK/err" >>"$WORK/outputs"
run "$TOKSTAT" --db "$DB" ingest --format usage_csv "$WORK/usage.csv"
assert_rc "ingest the usage CSV" 0
cat "$WORK/out" "$WORK/err" >>"$WORK/outputs"

# the planted values were stored (masked), not dropped: the test would prove nothing else
assert_eq "every good proxy line is an event" "$proxy_events" \
	"$(q "SELECT count(*) FROM events WHERE file LIKE '%proxy.log'")"
assert_eq "one rejected line per secret and file" "$nkinds|$nkinds|$nkinds|0" \
	"$(q "SELECT (SELECT count(*) FROM rejects WHERE file LIKE '%proxy.log'),
		(SELECT count(*) FROM rejects WHERE file LIKE '%camel.jsonl'),
		(SELECT count(*) FROM rejects WHERE file LIKE '%usage.csv'),
		(SELECT count(*) FROM rejects WHERE file LIKE '%openai.jsonl')")"
for col in user model provider operation project session request_id error endpoint; do
	n=$(q "SELECT count(*) FROM events WHERE $col LIKE '%...%' OR $col LIKE '%****%'")
	[ "$n" -ge "$nkinds" ] || fail "only $n masked values in events.$col, expected at least $nkinds"
done
echo "ok: every text column holds masked values"

for c in "summary" "cost --month 2025-10 --top 1000" "pricing missing" "verify"; do
	# shellcheck disable=SC2086
	run "$TOKSTAT" --db "$DB" $c
	assert_rc "$c" 0
	cat "$WORK/out" "$WORK/err" >>"$WORK/outputs"
done
grep -qF 'gh' "$WORK/outputs" || fail "the outputs show no masked credential at all"

cp "$DB" "$WORK/copy.db"
[ -e "$DB-wal" ] && cp "$DB-wal" "$WORK/copy.db-wal"
sqlite3 "$DB" .dump >"$WORK/dump.sql"
sqlite3 -separator ' ' "$DB" "SELECT * FROM rejects" >"$WORK/rejects.txt"
sqlite3 -separator ' ' "$DB" "SELECT * FROM events" >"$WORK/events.txt"
[ -s "$WORK/rejects.txt" ] || fail "the rejects view is empty"

python3 - "$WORK" <<'EOF' || fail "a secret reached the database or an output"
import os, sys
work = sys.argv[1]
secrets = [s for s in open(work + '/secrets').read().split('\n') if s]
files = [f for f in ('copy.db', 'copy.db-wal', 'dump.sql', 'rejects.txt', 'events.txt', 'outputs')
         if os.path.exists(os.path.join(work, f))]
bad = 0
for f in files:
    data = open(os.path.join(work, f), 'rb').read()
    grams = {data[i:i + 12] for i in range(len(data) - 11)}
    for s in secrets:
        b = s.encode()
        for i in range(len(b) - 11):
            if b[i:i + 12] in grams:
                print('FAIL: %s holds %r, 12 characters of the secret %s...' % (f, b[i:i + 12].decode(), s[:6]))
                bad += 1
                break
print('ok: no 12 characters of %d secrets in %s' % (len(secrets), ', '.join(files)))
sys.exit(1 if bad else 0)
EOF

# credentials in the token field are told apart, also the two with one mask; the other
# proxy lines all carry one token, masked upstream
assert_eq "each planted credential in the token field has its own fingerprint" "$((token_lines + 1))" \
	"$(q "SELECT count(DISTINCT token_fp) FROM events WHERE file LIKE '%proxy.log'")"
assert_eq "the two tokens with one mask: one display form, two fingerprints" "1|2" \
	"$(q "SELECT count(DISTINCT token), count(DISTINCT token_fp) FROM events WHERE token = '$(cat "$WORK/same")'")"
