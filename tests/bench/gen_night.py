#!/usr/bin/env python3
"""Write one night's proxy log for `make bench`'s history figures: LINES lines of tokstat's
proxy format, all on day NIGHT (day 0 is 2025-10-01, UTC), of the traffic gen_proxy.py makes:
the same 200 credentials (the same secrets), users, paths and models, so night after night
the dictionary and credentials are the ones already stored and only events and the new
day's aggregates are new, as for a nightly cron job on one gateway's log.
Each night draws its own lines (its own request ids, times and counts).
Usage: gen_night.py NIGHT LINES > file"""
import datetime
import random
import sys


def main():
    night, n = int(sys.argv[1]), int(sys.argv[2])
    # The credentials exactly as gen_proxy.py draws them (same seed, same order).
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
    creds = []
    for i in range(50):
        creds.append((secret("ghp_", 36), "dev%03d" % i, "github", github_paths, [None]))
    for i in range(150):
        name, prefix, k, paths, models = providers[i % 3]
        user = "app%03d" % i if i % 5 else "-"
        creds.append((secret(prefix, k), user, name, paths, rnd.sample(models, min(len(models), 2))))

    rnd = random.Random(night * 7919 + 1)
    day = datetime.date(2025, 10, 1) + datetime.timedelta(days=night)
    date = day.strftime("%d/%b/%Y")
    reset = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc).timestamp()) + 3600
    out = sys.stdout
    buf = []
    for i in range(n):
        sec = i * 86400 // n
        tok, user, prov, paths, models = creds[int(rnd.paretovariate(1.2) * 7) % len(creds)]
        status = 200 if rnd.random() < 0.95 else rnd.choice((400, 401, 429, 500, 503))
        head = '10.%d.%d.%d - - [%s:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "python-httpx/0.27.0" token="Bearer %s" user=%s' % (
            rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255), date,
            sec // 3600, sec // 60 % 60, sec % 60,
            "GET" if prov == "github" else "POST", rnd.choice(paths), status,
            rnd.randint(200, 9000), tok, user)
        if prov == "github":
            tail = ' rt=%.3f urt="%.3f" rl_rem=%d rl_lim=5000 rl_reset=%d req_id=%016x\n' % (
                rnd.random(), rnd.random(), rnd.randint(0, 5000), reset, rnd.getrandbits(64))
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
