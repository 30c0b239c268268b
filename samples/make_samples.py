#!/usr/bin/env python3
"""Generate tokstat's sample proxy logs (samples/proxy/), deterministically.

The logs look like what an nginx API proxy writes with tokstat's log_format: the
combined format followed by key=value pairs.  A fixed seed and fixed dates make every
run produce the same bytes (the .gz too: no name, mtime 0), so the files are committed
and the tests and the README demo read them as they are.  No network, stdlib only.

    python3 samples/make_samples.py            # rewrite samples/proxy/*
    python3 samples/make_samples.py --check    # exit 1 when the committed files differ
"""
import argparse
import datetime as dt
import gzip
import io
import os
import random
import string
import sys

SEED = 20251012
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "proxy")
UTC = dt.timezone.utc
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"

rng = random.Random(SEED)


def secret(prefix, n, alphabet=ALNUM, suffix=""):
    return prefix + "".join(rng.choice(alphabet) for _ in range(n)) + suffix


# ---- credentials: what each one is for and how its story ends ----
GH_CI = secret("ghp_", 36)                        # GitHub PAT of the CI bot: busy, active
GH_TWIN = GH_CI[:8] + secret("", 28) + GH_CI[-4:]  # same mask as GH_CI, a different secret
GH_DEV = secret("ghp_", 36)                       # a developer's PAT, sent as "token ghp_..."
OA_TEAM = secret("sk-proj-", 56, URLSAFE)         # OpenAI project key: active
OA_BATCH = secret("sk-proj-", 56, URLSAFE)        # OpenAI key of a batch job: ends rate-limited
AN_APP = secret("sk-ant-api03-", 93, URLSAFE, "AA")  # Anthropic key: active
AN_OLD = secret("sk-ant-api03-", 93, URLSAFE, "AA")  # Anthropic key revoked on day 6: invalid
GM_KEY = secret("AIza", 35, URLSAFE)              # Gemini API key: active

# The gateway ran on Berlin summer time (+0200) until it was moved to UTC at TZ_SWITCH;
# logrotate cut the files at local midnight.  So the oldest file starts on 06/Oct local
# time, which is 2025-10-05 22:00 UTC: its first two hours belong to the UTC day before.
START = dt.datetime(2025, 10, 5, 22, 0, tzinfo=UTC)
ROTATE_1 = dt.datetime(2025, 10, 7, 22, 0, tzinfo=UTC)   # 08/Oct 00:00 +0200: .2.gz | .1
ROTATE_2 = dt.datetime(2025, 10, 9, 22, 0, tzinfo=UTC)   # 10/Oct 00:00 +0200: .1 | live log
TZ_SWITCH = dt.datetime(2025, 10, 10, 6, 0, tzinfo=UTC)  # from +0200 to +0000
REVOKED = dt.datetime(2025, 10, 11, 14, 0, tzinfo=UTC)   # AN_OLD answers 401 from here on
BURST = dt.datetime(2025, 10, 12, 21, 30, tzinfo=UTC)    # OA_BATCH drains its budget
LAST = dt.datetime(2025, 10, 13, 0, 0, tzinfo=UTC)       # exclusive end

UAS = {
    "github": ["octokit-rest.js/20.1.1", "GitHub-CLI/2.62.0", "python-requests/2.32.3",
               "Renovate/39.4.0 (https://github.com/renovatebot/renovate)"],
    "openai": ["OpenAI/Python 1.51.2", "openai-node/4.67.3", "langchain-openai/0.2.2 OpenAI/Python 1.51.2"],
    "anthropic": ["anthropic-sdk-python/0.39.0", "claude-cli/2.0.14 (external, cli)"],
    "gemini": ["google-genai-sdk/0.3.0 gl-python/3.12.7", "curl/8.5.0"],
}
CLIENTS = ["10.20.1.14", "10.20.1.15", "10.20.3.7", "172.16.4.21", "192.168.50.12", "10.20.9.200"]


def pick_status(weights):
    r = rng.random()
    acc = 0.0
    for status, w in weights:
        acc += w
        if r < acc:
            return status
    return 200


def rt_pairs(status, slow):
    """rt and urt: urt is "-" when no upstream answered, a list when nginx retried."""
    t = rng.uniform(0.4, 9.0) if slow else rng.uniform(0.02, 0.6)
    pairs = [("rt", "%.3f" % t)]
    if status == 504 or status == 502 and rng.random() < 0.5:
        pairs.append(("urt", '"-"'))
    elif status == 502 or rng.random() < 0.01:
        pairs.append(("urt", '"%.3f, %.3f"' % (t / 3, t / 2)))
    else:
        pairs.append(("urt", '"%.3f"' % (t * 0.98)))
    return pairs


class RateLimit:
    """A request budget per window: what the upstream reports in its ratelimit headers."""

    def __init__(self, limit, window):
        self.limit, self.window, self.used, self.reset = limit, window, 0, None

    def take(self, when, n=1):
        epoch = int(when.timestamp())
        if self.reset is None or epoch >= self.reset:
            self.reset = epoch - epoch % self.window + self.window
            self.used = 0
        self.used = min(self.limit, self.used + n)
        return self.limit - self.used, self.limit, self.reset


RL = {GH_CI: RateLimit(5000, 3600), GH_TWIN: RateLimit(5000, 3600), GH_DEV: RateLimit(5000, 3600),
      OA_TEAM: RateLimit(10000, 60), OA_BATCH: RateLimit(500, 60), AN_APP: RateLimit(4000, 60),
      AN_OLD: RateLimit(1000, 60)}


def request_id():
    return "%032x" % rng.getrandbits(128)


def github_event(when, cred, user_pair):
    repo = rng.choice(["acme/widgets", "acme/api-gateway", "acme/infra", "octo-org/octo-repo"])
    method, path, size = rng.choice([
        ("GET", "/repos/%s/issues?state=open&page=%d&per_page=100" % (repo, rng.randint(1, 4)), 48000),
        ("GET", "/repos/%s/pulls/%d" % (repo, rng.randint(100, 900)), 21000),
        ("GET", "/repos/%s/pulls/%d/files?page=2" % (repo, rng.randint(100, 900)), 30000),
        ("POST", "/repos/%s/issues/%d/comments" % (repo, rng.randint(1, 400)), 3200),
        ("GET", "/repos/%s/commits?sha=main&per_page=50" % repo, 60000),
        ("GET", "/user", 1400),
        ("GET", "/search/code?q=addClass+in:file+language:js+repo:%s" % repo, 9000),
        ("GET", "/rate_limit", 900),
    ])
    status = pick_status([(404, 0.03), (422, 0.01), (403, 0.005), (502, 0.005)])
    scheme = "token " if cred == GH_DEV else rng.choice(["Bearer ", "Bearer ", ""])
    pairs = rt_pairs(status, False)
    pairs.append(("token", '"%s%s"' % (scheme, cred)))
    pairs += user_pair
    rem, lim, reset = RL[cred].take(when)
    pairs += [("x_ratelimit_remaining", str(rem)), ("x_ratelimit_limit", str(lim)),
              ("x_ratelimit_reset", str(reset))]
    pairs.append(("request_id", request_id()))
    body = rng.randint(size // 4, size) if status < 300 else rng.randint(90, 300)
    return dict(when=when, method=method, path=path, status=status, bytes=body,
                ua=rng.choice(UAS["github"]), pairs=pairs, cred=cred)


def openai_event(when, cred, user_pair, status_weights=None):
    responses = rng.random() < 0.35
    model = rng.choice(["gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-4o-mini"])
    status = pick_status(status_weights or [(400, 0.02), (500, 0.008), (503, 0.006), (504, 0.004)])
    pairs = rt_pairs(status, status == 200)
    # tok= carries the key bare or with its scheme, as the proxy saw the Authorization header
    pairs.append(("tok" if rng.random() < 0.5 else "token",
                  '"Bearer %s"' % cred if rng.random() < 0.8 else cred))
    pairs += user_pair
    pairs += [("provider", "openai"), ("model", model)]
    if status == 200:
        prompt = rng.randint(200, 12000)
        cached = rng.choice([0, 0, 0, 1024, 2048, prompt // 128 * 128]) if prompt >= 1024 else 0
        out = rng.randint(20, 1500)
        if responses:  # short aliases; the Responses API counts cached tokens inside input
            pairs += [("pt", str(prompt)), ("ct", str(out))]
            if cached:
                pairs.append(("cached_tokens", str(cached)))
        else:
            pairs += [("prompt_tokens", str(prompt)), ("completion_tokens", str(out)),
                      ("cached_tokens", str(cached))]
    else:
        pairs += [("prompt_tokens", "-"), ("completion_tokens", "-")]
    rem, lim, reset = RL[cred].take(when)
    if status == 429:
        rem = 0
    short = rng.random() < 0.3
    pairs += [("rl_rem" if short else "rl_remaining", str(rem)), ("rl_lim" if short else "rl_limit", str(lim)),
              ("rl_reset", str(reset)), ("req_id" if short else "request_id", request_id())]
    path = "/v1/responses" if responses else "/v1/chat/completions"
    return dict(when=when, method="POST", path=path, status=status,
                bytes=rng.randint(600, 9000) if status == 200 else rng.randint(150, 400),
                ua=rng.choice(UAS["openai"]), pairs=pairs, cred=cred)


def anthropic_event(when, cred, user_pair, status=None):
    model = rng.choice(["claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022"])
    if status is None:
        status = pick_status([(400, 0.015), (529, 0.01), (500, 0.005)])
    pairs = rt_pairs(status, status == 200)
    pairs.append(("key", cred))  # x-api-key: never has a scheme
    pairs += user_pair
    pairs += [("provider", "anthropic"), ("model", model)]
    if status == 200:
        pairs += [("input_tokens", str(rng.randint(3, 4000))), ("output_tokens", str(rng.randint(10, 2500)))]
        if rng.random() < 0.6:
            pairs.append(("cache_read_tokens" if rng.random() < 0.5 else "cached_tokens", str(rng.randint(1000, 60000))))
        if rng.random() < 0.3:
            pairs.append(("cache_write_tokens", str(rng.randint(500, 9000))))
        rem, lim, reset = RL[cred].take(when)
        pairs += [("rl_remaining", str(rem)), ("rl_limit", str(lim)), ("rl_reset", str(reset))]
    pairs.append(("request_id", "req_011C" + "".join(rng.choice(ALNUM) for _ in range(20))))
    return dict(when=when, method="POST", path="/v1/messages", status=status,
                bytes=rng.randint(800, 12000) if status == 200 else rng.randint(120, 300),
                ua=rng.choice(UAS["anthropic"]), pairs=pairs, cred=cred)


def gemini_event(when, user_pair):
    status = pick_status([(400, 0.02), (503, 0.01)])
    method_name = rng.choice(["generateContent", "generateContent", "streamGenerateContent"])
    path = "/v1beta/models/gemini-2.0-flash:%s" % method_name
    if method_name == "streamGenerateContent":
        path += "?alt=sse"
    pairs = rt_pairs(status, status == 200)
    pairs.append(("api_key", GM_KEY))
    pairs += user_pair
    pairs += [("model", "gemini-2.0-flash")]
    if status == 200:
        prompt = rng.randint(50, 30000)
        pairs += [("pt", str(prompt)), ("output_tokens", str(rng.randint(5, 2000)))]
        if prompt > 4096 and rng.random() < 0.3:
            pairs.append(("cached_tokens", str(prompt // 2)))
    pairs.append(("request_id", request_id()))
    return dict(when=when, method="POST", path=path, status=status,
                bytes=rng.randint(500, 20000) if status == 200 else rng.randint(100, 300),
                ua=rng.choice(UAS["gemini"]), pairs=pairs)


def plain_event(when):
    """Requests without a credential: health checks, and basic-auth users ($remote_user)."""
    if rng.random() < 0.6:
        return dict(when=when, method="GET", path="/healthz", status=200, bytes=2,
                    ua="kube-probe/1.31", pairs=[("rt", "0.000"), ("urt", '"-"')], client="10.20.0.1")
    who = rng.choice(["deploy", "grafana"])
    path = "/v1/models" if who == "deploy" else "/metrics?format=prometheus"
    return dict(when=when, method="GET", path=path, status=200, bytes=rng.randint(2000, 9000),
                ua="Grafana/11.2.0" if who == "grafana" else "curl/8.5.0",
                remote_user=who, pairs=rt_pairs(200, False) + [("request_id", request_id())])


USERS = {  # the key that names the user varies by the client that set it
    "alice": ("user", "alice"), "bob": ("uid", "bob"), "carol": ("user_id", "carol"),
    "dave": ("user", "dave@example.com"), "ci": ("uid", "ci-bot"), "svc": ("user", "svc-batch"),
}


def user_pair(name, p=0.9):
    return [USERS[name]] if rng.random() < p else []


def event_at(when):
    """One request at WHEN: who sends it follows the hour of day."""
    hour = when.hour
    r = rng.random()
    if r < 0.05:
        return plain_event(when)
    if r < 0.33:  # the CI bot runs around the clock; developers in office hours
        if 7 <= hour <= 18 and rng.random() < 0.4:
            return github_event(when, GH_DEV, user_pair("dave", 0.5))
        cred = GH_TWIN if rng.random() < 0.15 else GH_CI
        return github_event(when, cred, user_pair("ci"))
    if r < 0.58:
        return openai_event(when, OA_TEAM, user_pair(rng.choice(["alice", "bob"])))
    if r < 0.70:
        return openai_event(when, OA_BATCH, user_pair("svc", 1.0))
    if r < 0.88:
        revoked = when >= REVOKED
        cred = AN_APP if revoked or rng.random() < 0.7 else AN_OLD
        return anthropic_event(when, cred, user_pair(rng.choice(["carol", "alice"])))
    return gemini_event(when, user_pair(rng.choice(["bob", "dave"]), 0.7))


def day_times(n_per_day, start, end):
    """Sorted request times between START and END, denser in office hours."""
    out = []
    t = start
    while t < end:
        hour = t.hour
        rate = n_per_day / 86400 * (2.2 if 8 <= hour <= 18 else 0.35)
        t += dt.timedelta(seconds=rng.expovariate(rate))
        if t < end:
            out.append(t.replace(microsecond=0))
    return out


def story_events():
    """Events that make the credential states true at the end of the logs."""
    evs = []
    # AN_OLD: a revoked key answers 401; its client retries now and then until the end
    t = REVOKED + dt.timedelta(minutes=3)
    while t < LAST - dt.timedelta(hours=3):
        evs.append(anthropic_event(t, AN_OLD, [USERS["carol"]], status=401))
        t += dt.timedelta(minutes=rng.randint(40, 240))
    # OA_BATCH: a burst on the last evening drains its per-minute budget, then 429s
    budget = RL[OA_BATCH]
    budget.reset = int(LAST.timestamp())
    t = BURST
    for i in range(40):
        t += dt.timedelta(seconds=1)
        budget.used = budget.limit - 41 + i  # remaining after this request: 40 - i - 1
        evs.append(openai_event(t, OA_BATCH, [USERS["svc"]], [(200, 1.0)]))
    for i in range(12):
        t += dt.timedelta(seconds=rng.randint(1, 3))
        evs.append(openai_event(t, OA_BATCH, [USERS["svc"]], [(429, 1.0)]))
    return evs


def fmt_time(when, offset_min):
    local = when.astimezone(dt.timezone(dt.timedelta(minutes=offset_min)))
    sign = "+" if offset_min >= 0 else "-"
    off = abs(offset_min)
    return local.strftime("%d/%b/%Y:%H:%M:%S ") + "%s%02d%02d" % (sign, off // 60, off % 60)


def render(ev, offset_min):
    client = ev.get("client") or rng.choice(CLIENTS)
    pairs = " ".join("%s=%s" % kv for kv in ev["pairs"])
    return '%s - %s [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" %s' % (
        client, ev.get("remote_user", "-"), fmt_time(ev["when"], offset_min), ev["method"], ev["path"],
        ev["status"], ev["bytes"], ev.get("referer", "-"), ev["ua"], pairs)


def build():
    events = [event_at(t) for t in day_times(400, START, LAST)]
    # the story replaces what OA_BATCH did after the burst began
    events = [e for e in events if not (e["when"] >= BURST and e.get("cred") == OA_BATCH)]
    events += story_events()
    events.sort(key=lambda e: e["when"])
    parts = {"api-gateway.log.2.gz": [], "api-gateway.log.1": [], "api-gateway.log": []}
    for e in events:
        name = ("api-gateway.log.2.gz" if e["when"] < ROTATE_1 else
                "api-gateway.log.1" if e["when"] < ROTATE_2 else "api-gateway.log")
        parts[name].append(e)
    cur, old = parts["api-gateway.log"], parts["api-gateway.log.1"]
    # rarities in valid lines: an IPv6 client, X-Forwarded-For lists as the client field,
    # a user agent with escaped quotes
    cur[len(cur) * 20 // 100]["client"] = "2001:db8:4a1c:ff00::17"
    old[len(old) * 40 // 100]["client"] = "2001:db8::1"
    cur[len(cur) * 30 // 100]["client"] = "203.0.113.77, 10.20.0.4"
    cur[len(cur) * 25 // 100]["ua"] = 'Mozilla/5.0 (compatible; \\"Scanner\\" 1.0)'
    out = {}
    for name, evs in parts.items():
        out[name] = [render(e, 120 if e["when"] < TZ_SWITCH else 0) for e in evs]
    add_damage(out)
    return out


def add_damage(out):
    """Lines as real logs have them now and then; each at a fixed place."""
    cur, old = out["api-gateway.log"], out["api-gateway.log.1"]

    def stamp(line):
        return line[line.index("["):line.index("]") + 1]

    # a TLS handshake sent to the plain-HTTP port, and an empty request: valid, no method
    i = len(cur) * 45 // 100
    t = stamp(cur[i])
    cur.insert(i, '198.51.100.23 - - %s "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-" '
                  'rt=0.001 urt="-"' % t)
    cur.insert(i + 1, '198.51.100.23 - - %s "" 400 0 "-" "-" rt=0.000 urt="-"' % t)
    # a line cut short (the disk filled up), then a line from a syslog relay
    i = len(cur) * 60 // 100
    cur[i] = cur[i][:cur[i].index(" HTTP/1.1") - 7]
    cur.insert(i + 1, "Oct 11 14:02:11 gw1 nginx[811]: worker process 4242 exited on signal 9")
    # a broken token count ("null" from an unset variable): rejected, and it holds a secret
    i = len(old) * 70 // 100
    old.insert(i, '10.20.1.14 - - %s "POST /v1/chat/completions HTTP/1.1" 200 1841 "-" "OpenAI/Python 1.51.2" '
                  'rt=0.811 urt="0.809" tok="Bearer %s" user=alice model=gpt-4o-mini prompt_tokens=null '
                  'completion_tokens=17 request_id=%s' % (stamp(old[i]), OA_TEAM, request_id()))
    # control-character garbage, and one line saved with CRLF by a Windows editor
    old.insert(len(old) * 85 // 100, "\x7f\x7f\x7f-- MARK --\x7f")
    old[len(old) * 55 // 100] += "\r"


def write(out, check):
    os.makedirs(OUT, exist_ok=True)
    differ = []
    for name, lines in out.items():
        data = ("\n".join(lines) + "\n").encode()
        if name.endswith(".gz"):
            bio = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=bio, mtime=0, compresslevel=9) as gz:
                gz.write(data)
            data = bio.getvalue()
        path = os.path.join(OUT, name)
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                differ.append(name)
            continue
        with open(path, "wb") as f:
            f.write(data)
        print("%s: %d lines, %d bytes" % (os.path.relpath(path), len(lines), len(data)))
    if differ:
        print("differ from the generator: " + ", ".join(differ), file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk; write nothing")
    args = ap.parse_args()
    return write(build(), args.check)


if __name__ == "__main__":
    sys.exit(main())
