#!/usr/bin/env python3
"""What tokstat must count of Claude Code transcripts, computed here with python's json module:
usage lines are assistant lines with message.usage and progress lines holding a subagent's
assistant message (data.message, with message.usage); the lines of one API message, the same
(message.id, requestId), are counted once: the line with the largest output tokens, then total
tokens (the four kinds added), the first of equal ones, over the files in the order given.
Prints per day "day|DAY|requests|input|output|cache_write|cache_read" and per file
"file|PATH|lines|events|skipped|duplicates" (a sum no counted line has is empty). Read by tests/e2e/test_json_claude_code.sh and
test_claude_keep_last.sh."""
import gzip
import json
import sys

KINDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def usage_record(d):
    """(envelope, message) of a usage line, or None."""
    if not isinstance(d, dict):
        return None
    if d.get("type") == "assistant" and isinstance(d.get("message"), dict) \
            and d["message"].get("usage") is not None:
        return d, d["message"]
    data = d.get("data") if isinstance(d.get("data"), dict) else {}
    env = data.get("message")
    if d.get("type") == "progress" and isinstance(env, dict) and env.get("type") == "assistant" \
            and isinstance(env.get("message"), dict) and env["message"].get("usage") is not None:
        return env, env["message"]
    return None


def figures(u):
    out = u.get("output_tokens")
    kinds = [u.get(k) for k in KINDS if u.get(k) is not None]
    total = sum(kinds) if kinds else None
    none = float("-inf")
    return (none if out is None else out, none if total is None else total)


def main(paths):
    records = []       # (path, envelope, message) per usage line, in order
    counted = {}       # key -> index into records of the line counted
    per_file = {}
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        lines = skipped = 0
        with opener(path, "rt", encoding="utf-8") as fp:
            for line in fp:
                lines += 1
                r = usage_record(json.loads(line)) if line.strip() else None
                if r is None:
                    skipped += 1
                    continue
                env, msg = r
                i = len(records)
                records.append((path, env, msg))
                mid, rid = msg.get("id"), env.get("requestId")
                if mid is None or rid is None:
                    counted[("line", i)] = i
                    continue
                key = (mid, rid)
                if key not in counted or figures(msg["usage"]) > figures(records[counted[key]][2]["usage"]):
                    counted[key] = i
        per_file[path] = [lines, 0, skipped, 0]
    winners = set(counted.values())
    days = {}
    for i, (path, env, msg) in enumerate(records):
        if i not in winners:
            per_file[path][3] += 1
            continue
        per_file[path][1] += 1
        u = msg["usage"]
        t = days.setdefault(env["timestamp"][:10], [0, None, None, None, None])
        t[0] += 1
        for j, k in enumerate(KINDS):
            if u.get(k) is not None:  # a sum of none is NULL, as in SQL
                t[j + 1] = (t[j + 1] or 0) + u[k]
    for day in sorted(days):
        print("day|%s|%s" % (day, "|".join("" if x is None else str(x) for x in days[day])))
    for path in paths:
        print("file|%s|%s" % (path, "|".join(str(x) for x in per_file[path])))



if __name__ == "__main__":
    main(sys.argv[1:])
