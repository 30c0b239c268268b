#!/usr/bin/env python3
"""Write a deterministic JSON-lines application log for `make bench`: LINES lines of an
app's envelope (timestamp, user_id, endpoint, status, duration, request id) around an
OpenAI Chat Completions response with usage, 500-700 bytes a line. Usage: gen_json.py LINES"""
import json, random, sys
n = int(sys.argv[1]); rnd = random.Random(7)
users = ["user%03d" % i for i in range(200)]
models = ["gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-5-mini-2025-08-07"]
out = []
for i in range(n):
    p = rnd.randint(10, 5000); c = rnd.randint(0, p); o = rnd.randint(1, 2000)
    body = {"id": "chatcmpl-%016x" % rnd.getrandbits(64), "object": "chat.completion", "created": 1759276800 + i * 30 * 86400 // n,
            "model": rnd.choice(models), "choices": [{"index": 0, "message": {"role": "assistant", "content": "x" * rnd.randint(1, 60)}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": p, "completion_tokens": o, "total_tokens": p + o,
                      "prompt_tokens_details": {"cached_tokens": c, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
            "system_fingerprint": "fp_%010x" % rnd.getrandbits(40)}
    env = {"timestamp": "2025-10-%02dT%02d:%02d:%02d.%03dZ" % (1 + (i * 30 // n), (i * 30 * 24 // n) % 24, (i * 30 * 1440 // n) % 60, (i * 30 * 86400 // n) % 60, i % 1000),
           "user_id": rnd.choice(users), "endpoint": "/v1/chat/completions", "status_code": 200,
           "duration_ms": rnd.randint(100, 9000), "request_id": "req_%012x" % i, "response": body}
    out.append(json.dumps(env, separators=(",", ":")))
    if len(out) == 10000:
        sys.stdout.write("\n".join(out) + "\n"); out = []
if out: sys.stdout.write("\n".join(out) + "\n")
