#!/usr/bin/env python3
"""Write a deterministic high-cardinality log for the memory bound: every line has a credential,
a user, an endpoint and a session never seen before (and a model out of 5,000), so every
dictionary, cache and per-batch aggregate map grows with every line, the worst case for
memory. KIND is proxy (nginx combined + key=value, ~330 bytes a line), json (usage records,
~300 bytes) or csv (a usage export, ~220 bytes). Usage: gen_cardinal.py KIND LINES > FILE
Used by tests/bench/cardinal_bench.sh and tests/e2e/test_memory_cardinal.sh."""
import sys, time

kind, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
if kind == "csv":
    out.write("timestamp,api_key,user_id,project,model,session,input_tokens,output_tokens,request_id\n")
buf = []
for i in range(n):
    t = 1760000000 + i  # one second apart: a day is 86,400 lines, so hourly groups grow too
    key = "sk-proj-%012dQx%012d" % (i * 7919 % 10**12, i)  # a new secret every line
    user = "user-%09d" % i
    path = "/v1/projects/p%09d/chat/completions" % i
    model = "model-%04d" % (i % 5000)
    pt, ct = 100 + i % 9000, 1 + i % 700
    if kind == "proxy":
        buf.append('10.%d.%d.%d - - [%s] "POST %s HTTP/1.1" 200 %d "-" "bench/1.0" rt=0.%03d '
                   'tok="Bearer %s" user=%s model=%s pt=%d ct=%d session=s%09d request_id=%032x\n'
                   % (i >> 16 & 255, i >> 8 & 255, i & 255, time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t)),
                      path, 500 + i % 900, i % 1000, key, user, model, pt, ct, i, i))
    elif kind == "json":
        buf.append('{"timestamp":"%s","user_id":"%s","api_key":"%s","endpoint":"%s","operation_type":"chat",'
                   '"session_id":"s%09d","model":"%s","input_tokens":%d,"output_tokens":%d,"request_id":"r%012d"}\n'
                   % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), user, key, path, i, model, pt, ct, i))
    elif kind == "csv":
        buf.append("%s,%s,%s,p%09d,%s,s%09d,%d,%d,r%012d\n"
                   % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), key, user, i, model, i, pt, ct, i))
    else:
        sys.exit("gen_cardinal.py: KIND is proxy, json or csv")
    if len(buf) == 10000:
        out.write("".join(buf))
        buf = []
out.write("".join(buf))
