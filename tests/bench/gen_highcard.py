#!/usr/bin/env python3
"""Write a deterministic high-cardinality log for `make bench`'s memory figures: LINES lines
of KIND where every line brings a new credential, a new user and a new endpoint (so every
line is a new dictionary value three times over, a new credential row and a new aggregate
group): what memory must stay bounded against, whatever the input size.

KIND is one of
  proxy  tokstat's proxy format (combined log + key=value pairs; the endpoint is the path)
  json   usage records (tokstat's usage_record format: api_key, user_id, endpoint, ...)
  csv    a usage CSV (usage_csv: api_key, user_id, ...; that format has no endpoint column,
         so the new value of each line is its project_id instead, also an aggregate key)
Times run over one day. Usage: gen_highcard.py KIND LINES > file"""
import random
import sys

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind not in ("proxy", "json", "csv"):
        sys.exit("gen_highcard.py: KIND is proxy, json or csv")
    rnd = random.Random(20261201)
    models = ["gpt-4o-mini", "gpt-4o-2024-08-06", "claude-sonnet-4-5-20250929"]
    out = sys.stdout
    buf = []
    if kind == "csv":
        buf.append("timestamp,api_key,user_id,project_id,model,input_tokens,output_tokens,request_id\n")
    for i in range(n):
        # a secret of 40 random characters: a new credential on every line
        secret = "sk-proj-" + "".join(rnd.choices(ALPHABET, k=40))
        sec = i * 86400 // n
        user = "user-%08d" % i
        endpoint = "/v1/tenants/t%08d/chat/completions" % i
        model = models[i % 3]
        pt, ct = rnd.randint(10, 4000), rnd.randint(1, 2000)
        req = "%016x" % rnd.getrandbits(64)
        if kind == "proxy":
            buf.append('10.%d.%d.%d - - [01/Oct/2025:%02d:%02d:%02d +0000] "POST %s HTTP/1.1" 200 %d "-" '
                       '"python-httpx/0.27.0" token="Bearer %s" user=%s model=%s pt=%d ct=%d rt=%.3f req_id=%s\n' % (
                           rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(0, 255), sec // 3600,
                           sec // 60 % 60, sec % 60, endpoint, rnd.randint(200, 9000), secret, user, model, pt,
                           ct, rnd.random() * 3, req))
        elif kind == "json":
            buf.append('{"timestamp":"2025-10-01T%02d:%02d:%02dZ","api_key":"%s","user_id":"%s","endpoint":"%s",'
                       '"model":"%s","input_tokens":%d,"output_tokens":%d,"response_time_ms":%d,"request_id":"%s"}\n' % (
                           sec // 3600, sec // 60 % 60, sec % 60, secret, user, endpoint, model, pt, ct,
                           rnd.randint(100, 9000), req))
        else:
            buf.append("2025-10-01T%02d:%02d:%02dZ,%s,%s,proj-%08d,%s,%d,%d,%s\n" % (
                sec // 3600, sec // 60 % 60, sec % 60, secret, user, i, model, pt, ct, req))
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))


main()
