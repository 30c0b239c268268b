#!/usr/bin/env python3
"""Write a deterministic proxy log for `make bench`: LINES lines of tokstat's proxy format
(combined log + key=value pairs), about 300 bytes each, over 30 days.

The traffic is shaped like a real API gateway's: 200 credentials, each owned by one user
(or an app with no user); 50 GitHub tokens calling 40 GitHub API paths, 150 LLM keys
calling their provider's endpoints with 2-3 models each. Aggregate cardinality follows
from that (a few thousand daily groups per day), not from independent random draws.
Usage: gen_proxy.py LINES > file"""
import random
import sys

def main():
    n = int(sys.argv[1])
    rnd = random.Random(20261124)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    def secret(prefix, k):
        return prefix + "".join(rnd.choice(alphabet) for _ in range(k))
    github_paths = ["/repos/acme/repo%d/%s" % (i % 10, kind)
                    for i, kind in enumerate(["issues", "pulls", "commits", "contents"] * 10)]
    providers = [
        ("openai", "sk-proj-", 40, ["/v1/chat/completions", "/v1/responses"],
         ["gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-5-mini-2025-08-07", "o3-mini"]),
        ("anthropic", "sk-ant-api03-", 60, ["/v1/messages"],
         ["claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022", "claude-opus-4-6"]),
        ("gemini", "AIza", 35, ["/v1beta/models/gemini-2.0-flash:generateContent"], ["gemini-2.0-flash"]),
    ]
    creds = []  # (secret, user, provider, paths, models)
    for i in range(50):
        creds.append((secret("ghp_", 36), "dev%03d" % i, "github", github_paths, [None]))
    for i in range(150):
        name, prefix, k, paths, models = providers[i % 3]
        user = "app%03d" % i if i % 5 else "-"
        creds.append((secret(prefix, k), user, name, paths, rnd.sample(models, min(len(models), 2))))
    months = ["Oct", "Nov"]
    out = sys.stdout
    buf = []
    for i in range(n):
        day = i * 30 // n
        sec = (i * 7919) % 86400
        ts = "%02d/%s/2025:%02d:%02d:%02d +0000" % (1 + day % 30, months[day // 30 % 2],
                                                   sec // 3600, sec // 60 % 60, sec % 60)
        tok, user, prov, paths, models = creds[int(rnd.paretovariate(1.2) * 7) % len(creds)]
        status = 200 if rnd.random() < 0.95 else rnd.choice((400, 401, 429, 500, 503))
        head = '10.%d.%d.%d - - [%s] "%s %s HTTP/1.1" %d %d "-" "python-httpx/0.27.0" token="Bearer %s" user=%s' % (
            rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255), ts,
            "GET" if prov == "github" else "POST", rnd.choice(paths), status,
            rnd.randint(200, 9000), tok, user)
        if prov == "github":
            tail = ' rt=%.3f urt="%.3f" rl_rem=%d rl_lim=5000 rl_reset=%d req_id=%016x\n' % (
                rnd.random(), rnd.random(), rnd.randint(0, 5000), 1759276800 + day * 86400 + 3600,
                rnd.getrandbits(64))
        else:
            pt = rnd.randint(10, 4000)
            tail = ' model=%s pt=%d ct=%d cached_tokens=%d rt=%.3f urt="%.3f" req_id=%016x\n' % (
                rnd.choice(models), pt, rnd.randint(1, 2000), pt // 4, rnd.random() * 3,
                rnd.random() * 3, rnd.getrandbits(64))
        buf.append(head + tail)
        if len(buf) == 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))

main()
