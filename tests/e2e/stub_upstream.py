#!/usr/bin/env python3
"""A stub upstream that answers like the GitHub API, OpenAI, Anthropic and Gemini.

Used by tests/e2e/test_proxy_*.sh, in front of which nginx or Caddy logs for tokstat.
Run:  python3 stub_upstream.py PORTFILE   (binds 127.0.0.1 on a free port, writes it to
PORTFILE, serves until SIGTERM); python3 stub_upstream.py requests|secrets prints the
request list the tests send, or every secret in it.  As a module, CASES holds every fixed answer, so a test
computes what it expects from the same table the stub answers from (never from tokstat).

A request picks its answer with the header X-Stub-Case: NAME. Each case gives the status,
the response headers (rate limits, request ids) and, for LLM calls, the provider's usage
block in the provider's own shape; the body is built from it as the real API would send
it (JSON, or SSE for the *_stream cases, whose data lines are written in pieces).
"""
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Bodies above this size (bytes) are not read by tokstat.js ($tokstat_body_max default).
BIG_BODY = 1536 * 1024

CASES = {
    # ---- GitHub: rate limit per credential, epoch reset, no tokens ----
    "gh_ok": {
        "provider": "github", "status": 200, "kind": "github",
        "headers": {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4990",
                    "x-ratelimit-reset": "1760094000", "x-ratelimit-used": "10",
                    "x-ratelimit-resource": "core", "x-github-request-id": "C0DE:11:22:33:44"},
    },
    "gh_ok2": {
        "provider": "github", "status": 200, "kind": "github",
        "headers": {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4989",
                    "x-ratelimit-reset": "1760094000", "x-ratelimit-used": "11",
                    "x-ratelimit-resource": "core", "x-github-request-id": "C0DE:11:22:33:45"},
    },
    "gh_search": {
        "provider": "github", "status": 200, "kind": "github",
        "headers": {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "29",
                    "x-ratelimit-reset": "1760090520", "x-ratelimit-used": "1",
                    "x-ratelimit-resource": "search", "x-github-request-id": "C0DE:11:22:33:46"},
    },
    "gh_bad": {
        "provider": "github", "status": 401, "kind": "github_error",
        "headers": {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "59",
                    "x-ratelimit-reset": "1760093600", "x-ratelimit-used": "1",
                    "x-ratelimit-resource": "core", "x-github-request-id": "C0DE:11:22:33:47"},
    },
    "gh_limited": {
        "provider": "github", "status": 429, "kind": "github_error",
        "headers": {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": "1760097600", "x-ratelimit-used": "5000",
                    "x-ratelimit-resource": "core", "retry-after": "60",
                    "x-github-request-id": "C0DE:11:22:33:48"},
    },
    # ---- OpenAI: prompt_tokens include cached reads; resets are durations ----
    "oa_chat": {
        "provider": "openai", "status": 200, "kind": "openai_chat", "model": "gpt-4o-2024-08-06",
        "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
                  "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0}},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "499",
                    "x-ratelimit-reset-requests": "120ms", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "28500", "x-ratelimit-reset-tokens": "6m0s",
                    "x-request-id": "req_0a1"},
    },
    "oa_reasoning": {
        "provider": "openai", "status": 200, "kind": "openai_chat", "model": "o3-mini-2025-01-31",
        "usage": {"prompt_tokens": 400, "completion_tokens": 900, "total_tokens": 1300,
                  "prompt_tokens_details": {"cached_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 768}},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "498",
                    "x-ratelimit-reset-requests": "1h2m3.5s", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "27200", "x-ratelimit-reset-tokens": "20ms",
                    "x-request-id": "req_0a2"},
    },
    "oa_stream": {
        "provider": "openai", "status": 200, "kind": "openai_chat_stream", "model": "gpt-4o-mini-2024-07-18",
        "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
                  "prompt_tokens_details": {"cached_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0}},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "497",
                    "x-ratelimit-reset-requests": "1s", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "27100", "x-ratelimit-reset-tokens": "2m30s",
                    "x-request-id": "req_0a3"},
    },
    # streamed without stream_options.include_usage: the body carries no usage at all
    "oa_stream_nousage": {
        "provider": "openai", "status": 200, "kind": "openai_chat_stream", "model": "gpt-4o-mini-2024-07-18",
        "usage": None,
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "496",
                    "x-ratelimit-reset-requests": "1s", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "27000", "x-ratelimit-reset-tokens": "3m",
                    "x-request-id": "req_0a4"},
    },
    "oa_responses": {
        "provider": "openai", "status": 200, "kind": "openai_responses", "model": "gpt-4.1-2025-04-14",
        "usage": {"input_tokens": 800, "input_tokens_details": {"cached_tokens": 512},
                  "output_tokens": 150, "output_tokens_details": {"reasoning_tokens": 64},
                  "total_tokens": 950},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "495",
                    "x-ratelimit-reset-requests": "20ms", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "26000", "x-ratelimit-reset-tokens": "59.727s",
                    "x-request-id": "req_0a5"},
    },
    # a body above $tokstat_body_max: logged with usage=skipped, tokens NULL
    "oa_big": {
        "provider": "openai", "status": 200, "kind": "openai_chat", "model": "gpt-4o-2024-08-06",
        "big": True,
        "usage": {"prompt_tokens": 10, "completion_tokens": 400000, "total_tokens": 400010,
                  "prompt_tokens_details": {"cached_tokens": 0}},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "494",
                    "x-ratelimit-reset-requests": "20ms", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "25000", "x-ratelimit-reset-tokens": "1s",
                    "x-request-id": "req_0a6"},
    },
    # rate-limit headers nobody can read: the record and its tokens are kept, the values NULL
    "oa_garbled": {
        "provider": "openai", "status": 200, "kind": "openai_chat", "model": "gpt-4o-mini-2024-07-18",
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "n/a",
                    "x-ratelimit-reset-requests": "soon", "x-ratelimit-limit-tokens": "-30000",
                    "x-ratelimit-remaining-tokens": "26000", "x-ratelimit-reset-tokens": "1 minute",
                    "x-request-id": "req_0a9"},
    },
    "oa_bad": {
        "provider": "openai", "status": 401, "kind": "openai_error",
        "headers": {"x-request-id": "req_0a7"},
    },
    "oa_limited": {
        "provider": "openai", "status": 429, "kind": "openai_error",
        "headers": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
                    "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-limit-tokens": "30000",
                    "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1h2m3.5s",
                    "retry-after": "20", "x-request-id": "req_0a8"},
    },
    # ---- Anthropic: input_tokens exclude the cache; resets are RFC 3339 ----
    "an_msg": {
        "provider": "anthropic", "status": 200, "kind": "anthropic_message", "model": "claude-sonnet-4-5-20250929",
        "usage": {"input_tokens": 25, "cache_creation_input_tokens": 200,
                  "cache_read_input_tokens": 1000, "output_tokens": 80},
        "headers": {"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
                    "anthropic-ratelimit-requests-reset": "2025-10-10T10:01:00Z",
                    "anthropic-ratelimit-tokens-limit": "40000", "anthropic-ratelimit-tokens-remaining": "38000",
                    "anthropic-ratelimit-tokens-reset": "2025-10-10T10:00:30Z",
                    "anthropic-ratelimit-input-tokens-limit": "30000",
                    "anthropic-ratelimit-input-tokens-remaining": "29000",
                    "anthropic-ratelimit-input-tokens-reset": "2025-10-10T10:00:30Z",
                    "anthropic-ratelimit-output-tokens-limit": "10000",
                    "anthropic-ratelimit-output-tokens-remaining": "9000",
                    "anthropic-ratelimit-output-tokens-reset": "2025-10-10T10:00:40Z",
                    "request-id": "req_011CA1"},
    },
    "an_stream": {
        "provider": "anthropic", "status": 200, "kind": "anthropic_stream", "model": "claude-3-5-haiku-20241022",
        "usage": {"input_tokens": 30, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 2000, "output_tokens": 95},
        "headers": {"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "48",
                    "anthropic-ratelimit-requests-reset": "2025-10-10T10:01:05.250Z",
                    "anthropic-ratelimit-tokens-limit": "40000", "anthropic-ratelimit-tokens-remaining": "36000",
                    "anthropic-ratelimit-tokens-reset": "2025-10-10T10:00:45Z",
                    "request-id": "req_011CA2"},
    },
    "an_bad": {
        "provider": "anthropic", "status": 401, "kind": "anthropic_error",
        "headers": {"request-id": "req_011CA3"},
    },
    "an_limited": {
        "provider": "anthropic", "status": 429, "kind": "anthropic_error",
        "headers": {"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "0",
                    "anthropic-ratelimit-requests-reset": "2025-10-10T10:02:00Z",
                    "anthropic-ratelimit-tokens-limit": "40000", "anthropic-ratelimit-tokens-remaining": "0",
                    "anthropic-ratelimit-tokens-reset": "2025-10-10T10:02:00Z",
                    "retry-after": "30", "request-id": "req_011CA4"},
    },
    # only retry-after says when to come back
    "an_overloaded": {
        "provider": "anthropic", "status": 429, "kind": "anthropic_error",
        "headers": {"retry-after": "30", "request-id": "req_011CA5"},
    },
    # ---- Gemini: promptTokenCount includes cachedContentTokenCount; thoughts are output ----
    "ge_gen": {
        "provider": "google", "status": 200, "kind": "gemini", "model": "gemini-2.5-flash",
        "usage": {"promptTokenCount": 900, "cachedContentTokenCount": 600, "candidatesTokenCount": 120,
                  "thoughtsTokenCount": 40, "totalTokenCount": 1060},
        "headers": {},
    },
    "ge_stream": {
        "provider": "google", "status": 200, "kind": "gemini_stream", "model": "gemini-2.5-pro",
        # the final chunk's counts; the stream's earlier chunks carry smaller running counts
        "usage": {"promptTokenCount": 70, "candidatesTokenCount": 33, "thoughtsTokenCount": 10,
                  "toolUsePromptTokenCount": 5, "totalTokenCount": 118},
        "headers": {},
    },
    "ge_bad": {
        "provider": "google", "status": 400, "kind": "gemini_error", "headers": {},
    },
    "ge_limited": {
        "provider": "google", "status": 429, "kind": "gemini_error", "headers": {"retry-after": "17"},
    },
}


def openai_chat(c, big=False):
    content = "x" * BIG_BODY if big else "Hello!"
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 1760090400, "model": c["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": c["usage"], "system_fingerprint": "fp_1"}


def openai_chat_stream(c):
    base = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1760090400,
            "model": c["model"], "system_fingerprint": "fp_1"}
    events = []
    for delta, finish in (({"role": "assistant", "content": ""}, None), ({"content": "Hel"}, None),
                          ({"content": "lo"}, None), ({}, "stop")):
        ev = dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])
        if c["usage"] is not None:
            ev["usage"] = None  # include_usage: null on every chunk but the last
        events.append("data: " + json.dumps(ev) + "\n\n")
    if c["usage"] is not None:
        events.append("data: " + json.dumps(dict(base, choices=[], usage=c["usage"])) + "\n\n")
    events.append("data: [DONE]\n\n")
    return events


def openai_responses(c):
    return {"id": "resp_1", "object": "response", "created_at": 1760090400, "status": "completed",
            "model": c["model"],
            "output": [{"type": "message", "id": "msg_1", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hi", "annotations": []}]}],
            "usage": c["usage"]}


def anthropic_message(c):
    return {"id": "msg_01", "type": "message", "role": "assistant", "model": c["model"],
            "content": [{"type": "text", "text": "Hello!"}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": c["usage"]}


def anthropic_stream(c):
    u = c["usage"]
    start_usage = dict(u, output_tokens=1)
    evs = [("message_start", {"type": "message_start", "message": {
                "id": "msg_02", "type": "message", "role": "assistant", "model": c["model"], "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": start_usage}}),
           ("content_block_start", {"type": "content_block_start", "index": 0,
                                    "content_block": {"type": "text", "text": ""}}),
           ("ping", {"type": "ping"}),
           ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": "Hello"}}),
           ("content_block_stop", {"type": "content_block_stop", "index": 0}),
           ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                              "usage": {"output_tokens": u["output_tokens"]}}),
           ("message_stop", {"type": "message_stop"})]
    return ["event: %s\ndata: %s\n\n" % (name, json.dumps(data)) for name, data in evs]


def gemini(c, usage=None):
    return {"candidates": [{"content": {"parts": [{"text": "Hello"}], "role": "model"},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": usage or c["usage"], "modelVersion": c["model"], "responseId": "resp-g1"}


def gemini_stream(c):
    final = c["usage"]
    events = []
    for n in (7, 20):  # running counts, as Gemini sends them on every chunk
        u = {"promptTokenCount": final["promptTokenCount"], "candidatesTokenCount": n,
             "totalTokenCount": final["promptTokenCount"] + n}
        events.append("data: " + json.dumps(gemini(c, u)) + "\r\n\r\n")
    events.append("data: " + json.dumps(gemini(c, final)) + "\r\n\r\n")
    return events


ERRORS = {
    "github_error": lambda c: {"message": "Bad credentials" if c["status"] == 401 else "API rate limit exceeded",
                               "documentation_url": "https://docs.github.com/rest"},
    "openai_error": lambda c: {"error": {"message": "Incorrect API key provided" if c["status"] == 401
                                         else "Rate limit reached", "type": "invalid_request_error"
                                         if c["status"] == 401 else "requests", "param": None,
                                         "code": "invalid_api_key" if c["status"] == 401 else "rate_limit_exceeded"}},
    "anthropic_error": lambda c: {"type": "error", "error": {
        "type": "authentication_error" if c["status"] == 401 else "rate_limit_error",
        "message": "invalid x-api-key" if c["status"] == 401 else "Number of requests has exceeded your rate limit"}},
    "gemini_error": lambda c: {"error": {"code": c["status"], "message": "API key not valid. Please pass a valid API key."
                                         if c["status"] == 400 else "Resource has been exhausted",
                                         "status": "INVALID_ARGUMENT" if c["status"] == 400 else "RESOURCE_EXHAUSTED"}},
}


# ---- the requests the tests send through the proxy ----

# Random, never valid. Each has its own mask (first 8, last 4), so masks tell them apart.
SECRETS = {
    "GH1": "ghp_Q3vYk8LmN2pR7sT1uW4xZ6aB9cD0eF5gH2iJ",
    "GH2": "ghp_a7Kd2Lq9Xw3Ep5Rt8Yu1Io4Pz6Sx0Cv2Bn7Mm",
    "GH3": "ghp_Zm4Nb7Vc1Xz8Lk5Jh2Gf9Ds3Aq6Wp0Oe7Ri1Tu",
    "GH4": "gho_T6yU1iO9pA4sD7fG2hJ5kL8zX3cV0bN6mQ4wE",
    "GHBAD": "ghp_0000BadBadBadBadBadBadBadBadBadBad9999",
    "OA1": "sk-proj-Hn3Kq8Wm1Zr6Tx9Vb2Nc5Ld7Fg0Js4Pa8Ye3Uo6Ii1Qw9Er5Ty2Uu7Aa3Ss6Dd0Ff4Gg8Hh1Jj5Kk9Ll2Zx6Cv0Bn3M",
    "OA2": "sk-proj-Lp0Oi9Uy8Tr7Ee6Ww5Qq4Aa3Ss2Dd1Ff0Gg9Hh8Jj7Kk6Ll5Zz4Xx3Cc2Vv1Bb0Nn9Mm8Qa7Ws6Ed5Rf4Tg3Yh2Uj1Ik",
    "OABAD": "sk-proj-BAD0" + "a" * 84 + "9bad",
    "AN1": "sk-ant-api03-Wq8Er2Ty6Ui0Op4As8Df2Gh6Jk0Lz4Xc8Vb2Nm6Qw0Er4Ty8Ui2Op6As0Df4Gh8Jk2Lz6Xc0Vb4Nm8Qw2Er6Ty0UiAA",
    "AN2": "sk-ant-api03-Mn1Bv5Cx9Zl3Kj7Hg1Fd5Sa9Qp3Wo7Ei1Ru5Ty9Yu3Io7Pa1Sd5Fg9Hj3Kl7Zx1Cv5Bn9Mq3Wn7Eb1Rv5Tc9YxAA",
    "ANBAD": "sk-ant-api03-" + "BADbad" * 15 + "bAA",
    "GE1": "AIzaSyD4f8Hk2Lm6Np0Qr4St8Uv2Wx6Yz0Ab4Cd8E",
    "GE2": "AIzaSyQ9w3Ee7Rr1Tt5Yy9Uu3Ii7Oo1Pp5Aa9Ss3D",
    "GEBAD": "AIzaSyBADbadbadbadbadbadbadbadbadbadbad0",
}

# CASE, LOCATION (the proxy's prefix, also the provider), PATH ({NAME}: a secret), AUTH (how
# the client sends the secret: bearer, token, basic:USER, basic-user (the secret as the
# user name), x-api-key, x-goog-api-key, query), SECRET
REQUESTS = [
    ("gh_ok", "github", "/user", "token", "GH1"),
    ("gh_ok2", "github", "/repos/octo/hello/issues?page=2", "bearer", "GH1"),
    ("gh_search", "github", "/search/code?q=tokstat", "token", "GH2"),
    ("gh_bad", "github", "/user", "token", "GHBAD"),
    ("gh_ok", "github", "/user", "basic:octocat", "GH3"),
    ("gh_limited", "github", "/user", "token", "GH2"),
    ("gh_ok2", "github", "/user", "basic-user", "GH4"),
    ("oa_chat", "openai", "/v1/chat/completions", "bearer", "OA1"),
    ("oa_reasoning", "openai", "/v1/chat/completions", "bearer", "OA1"),
    ("oa_stream", "openai", "/v1/chat/completions", "bearer", "OA2"),
    ("oa_stream_nousage", "openai", "/v1/chat/completions", "bearer", "OA2"),
    ("oa_responses", "openai", "/v1/responses", "bearer", "OA1"),
    ("oa_big", "openai", "/v1/chat/completions", "bearer", "OA1"),
    ("oa_garbled", "openai", "/v1/chat/completions", "bearer", "OA1"),
    ("oa_bad", "openai", "/v1/chat/completions", "bearer", "OABAD"),
    ("oa_limited", "openai", "/v1/chat/completions", "bearer", "OA2"),
    ("an_msg", "anthropic", "/v1/messages", "x-api-key", "AN1"),
    ("an_stream", "anthropic", "/v1/messages", "x-api-key", "AN1"),
    ("an_bad", "anthropic", "/v1/messages", "x-api-key", "ANBAD"),
    ("an_limited", "anthropic", "/v1/messages", "x-api-key", "AN2"),
    ("an_overloaded", "anthropic", "/v1/messages", "x-api-key", "AN2"),
    ("ge_gen", "google", "/v1beta/models/gemini-2.5-flash:generateContent", "x-goog-api-key", "GE1"),
    ("ge_stream", "google", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key={GE2}", "query", "GE2"),
    ("ge_stream", "google", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?key={GE2}&alt=sse", "query", "GE2"),
    ("ge_stream", "google", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?key={GE2}", "query", "GE2"),
    ("ge_bad", "google", "/v1beta/models/gemini-2.5-flash:generateContent?key={GEBAD}&x=1&key={GEBAD}", "query", "GEBAD"),
    ("ge_limited", "google", "/v1beta/models/gemini-2.5-flash:generateContent", "x-goog-api-key", "GE1"),
]


def print_requests():
    """One line per request: CASE|LOCATION|PATH|AUTH|SECRET, for the test's curl loop."""
    for case, loc, path, auth, secret in REQUESTS:
        print("|".join((case, loc, path.format(**SECRETS), auth, SECRETS[secret])))


def print_secrets():
    """Every secret, and the base64 form in which Basic sends it, one a line."""
    import base64
    for v in SECRETS.values():
        print(v)
    for case, loc, path, auth, secret in REQUESTS:
        if auth.startswith("basic"):
            pair = auth[6:] + ":" + SECRETS[secret] if auth.startswith("basic:") else SECRETS[secret] + ":x-oauth-basic"
            print(base64.b64encode(pair.encode()).decode())


# ---- what a test expects from these answers, computed without tokstat ----

# The first header present, in the order tokstat.conf (and the Caddy format) picks them.
RL_HEADERS = {
    "rl_remaining": ["x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining",
                     "x-ratelimit-remaining"],
    "rl_limit": ["x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit", "x-ratelimit-limit"],
    "rl_reset": ["x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset", "x-ratelimit-reset",
                 "retry-after"],
    "rl_tokens_remaining": ["x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining",
                            "anthropic-ratelimit-input-tokens-remaining"],
    "rl_tokens_limit": ["x-ratelimit-limit-tokens", "anthropic-ratelimit-tokens-limit",
                        "anthropic-ratelimit-input-tokens-limit"],
    "rl_tokens_reset": ["x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset",
                        "anthropic-ratelimit-input-tokens-reset"],
}
REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-github-request-id"]


def first_header(case, names):
    for n in names:
        if n in case["headers"]:
            return case["headers"][n]
    return None


def mask(secret):
    """The display form tokstat.conf logs: first 8 and last 4 characters, or ****."""
    return secret[:8] + "..." + secret[-4:] if len(secret) >= 20 else "****"


def count(value):
    """A rate-limit count as tokstat stores it: a non-negative integer, else NULL."""
    return int(value) if value is not None and value.isdigit() else None


def reset_epoch(value, event_epoch):
    """A reset header as epoch seconds: a delay counts from the event, rounded up;
    NULL for a value in no known form."""
    import datetime
    import math
    import re
    if value is None:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", value):
        v = float(value)
        return int(v) if v >= 1e9 else event_epoch + math.ceil(v)
    if re.fullmatch(r"(\d+(\.\d+)?(h|ms|m|s))+", value):
        units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
        secs = sum(float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(h|ms|m|s)", value))
        return event_epoch + math.ceil(round(secs, 6))
    try:
        return int(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def tokens(case, uri=""):
    """(model, input, output, cache_read, cache_write) as tokstat stores them, None for NULL."""
    kind, u, model = case["kind"], case.get("usage"), case.get("model")
    if case["provider"] == "google" and "model" not in case:
        import re
        m = re.search(r"/models/([^/:]+):", uri)
        model = m.group(1) if m else None
    if kind in ERRORS or kind == "github":
        return (model, None, None, None, None)
    if case.get("big"):
        return (None, None, None, None, None)
    if u is None:
        return (model, None, None, None, None)

    def opt_sum(*vs):
        vs = [v for v in vs if v is not None]
        return sum(vs) if vs else None
    if kind.startswith("openai_chat"):
        cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens")
        return (model, u["prompt_tokens"] - (cached or 0), u["completion_tokens"], cached, None)
    if kind == "openai_responses":
        cached = u["input_tokens_details"]["cached_tokens"]
        return (model, u["input_tokens"] - cached, u["output_tokens"], cached, None)
    if kind.startswith("anthropic"):
        return (model, u["input_tokens"], u["output_tokens"], u["cache_read_input_tokens"],
                u["cache_creation_input_tokens"])
    if kind.startswith("gemini"):
        cached = u.get("cachedContentTokenCount")
        prompt = opt_sum(u.get("promptTokenCount"), u.get("toolUsePromptTokenCount"))
        return (model, prompt - (cached or 0), opt_sum(u.get("candidatesTokenCount"), u.get("thoughtsTokenCount")),
                cached, None)
    raise ValueError(kind)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes (SSE included)
    server_version = "stub-upstream/1"

    def log_message(self, fmt, *args):  # quiet: the test reads nginx's log, not ours
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        name = self.headers.get("X-Stub-Case", "")
        c = CASES.get(name)
        if c is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"no such case\n")
            return
        kind = c["kind"]
        stream = kind.endswith("_stream")
        if kind in ERRORS:
            body = json.dumps(ERRORS[kind](c)).encode()
        elif kind == "github":
            body = json.dumps({"login": "octocat", "id": 1}).encode()
        elif kind == "openai_chat":
            body = json.dumps(openai_chat(c, c.get("big", False))).encode()
        elif kind == "openai_responses":
            body = json.dumps(openai_responses(c)).encode()
        elif kind == "anthropic_message":
            body = json.dumps(anthropic_message(c)).encode()
        elif kind == "gemini":
            body = json.dumps(gemini(c)).encode()
        else:
            body = None
        self.send_response(c["status"])
        for k, v in c["headers"].items():
            self.send_header(k, v)
        if stream:
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            events = {"openai_chat_stream": openai_chat_stream, "anthropic_stream": anthropic_stream,
                      "gemini_stream": gemini_stream}[kind](c)
            for ev in events:  # each event in two writes, split inside its data line
                data = ev.encode()
                half = len(data) // 2
                self.wfile.write(data[:half])
                self.wfile.flush()
                time.sleep(0.005)
                self.wfile.write(data[half:])
                self.wfile.flush()
            return
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer
    do_POST = answer


def main():
    if sys.argv[1:] == ["requests"]:
        print_requests()
        return
    if sys.argv[1:] == ["secrets"]:
        print_secrets()
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
