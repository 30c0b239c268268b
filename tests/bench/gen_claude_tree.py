#!/usr/bin/env python3
"""Write a Claude Code projects tree for `make bench` from the corpus's real session files.

Usage: gen_claude_tree.py CORPUS_DIR OUT_DIR FILES

CORPUS_DIR is /work/shared/corpus/claude-code-spotter (its .jsonl files and the gzipped
main session, read decompressed). OUT_DIR/projects/<project>/<session>.jsonl (and
<session>/subagents/agent-<id>.jsonl for a file whose lines carry an agentId) is written
with at least FILES files: the corpus's six files copied as many times as needed. Every copy
is its own session: sessionId, uuid (and the uuids that point at others), message.id and
requestId are rewritten to new values, so no two copies share a de-duplication key, and its
timestamps move by one day per copy, so the daily totals spread over as many days as copies.
OUT_DIR/period gets the first and the last day (UTC) of the assistant lines' timestamps.
Lines are re-serialized as compact JSON (separators ',' ':'): ccusage 20.0.24 skips lines
with a space after a colon. Deterministic: the same arguments write the same bytes.
"""
import datetime
import glob
import gzip
import hashlib
import json
import os
import sys
import uuid

NS = uuid.UUID("6f1c3a52-1d2e-4b8f-9a57-3c0e4d9b7a10")
UUID_KEYS = ("sessionId", "uuid", "parentUuid", "leafUuid", "messageId", "sourceToolAssistantUUID")


def corpus_files(corpus):
    """(name, lines) of every session file, the gzipped one decompressed, in a fixed order."""
    out = []
    for path in sorted(glob.glob(os.path.join(corpus, "**", "*.jsonl"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            out.append((os.path.relpath(path, corpus), f.read().splitlines()))
    for path in sorted(glob.glob(os.path.join(corpus, "*.jsonl.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            out.append((os.path.relpath(path, corpus)[:-3], f.read().splitlines()))
    return out


def new_uuid(copy, old):
    return str(uuid.uuid5(NS, "%d:%s" % (copy, old)))


def new_id(copy, old):
    """msg_01AbC... -> msg_<hex of the same length>: the prefix kept, the rest new."""
    prefix, _, rest = old.partition("_")
    if not rest:
        prefix, rest = "", old
    h = hashlib.sha256(("%d:%s" % (copy, old)).encode()).hexdigest()
    while len(h) < len(rest):
        h += hashlib.sha256(h.encode()).hexdigest()
    return (prefix + "_" if prefix else "") + h[: len(rest)]


def shift_time(ts, days):
    """An ISO-8601 UTC time 'YYYY-MM-DDTHH:MM:SS.mmmZ' moved by DAYS, in the same shape."""
    if not isinstance(ts, str) or len(ts) < 10:
        return ts
    try:
        d = datetime.date.fromisoformat(ts[:10]) + datetime.timedelta(days=days)
    except ValueError:
        return ts
    return d.isoformat() + ts[10:]


def rewrite(rec, copy, cwd):
    """REC with its ids, times and cwd rewritten for COPY, nested records too (a progress
    line carries a subagent's assistant message, with its own ids and usage, in data.message)."""
    if isinstance(rec, list):
        return [rewrite(v, copy, cwd) for v in rec]
    if not isinstance(rec, dict):
        return rec
    for k, v in rec.items():
        if isinstance(v, (dict, list)):
            rec[k] = rewrite(v, copy, cwd)
        elif not isinstance(v, str) or not v:
            continue
        elif k in UUID_KEYS:
            rec[k] = new_uuid(copy, v)
        elif k == "requestId" or (k == "id" and v.startswith("msg_")):
            rec[k] = new_id(copy, v)
        elif k == "timestamp":
            rec[k] = shift_time(v, copy)
        elif k == "cwd":
            rec[k] = cwd
    return rec


def first(lines, key):
    for line in lines:
        try:
            v = json.loads(line).get(key)
        except (ValueError, AttributeError):
            continue
        if isinstance(v, str) and v:
            return v
    return None


def main():
    corpus, out, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = corpus_files(corpus)
    if not files:
        sys.exit("gen_claude_tree.py: no .jsonl files in %s" % corpus)
    copies = -(-want // len(files))
    written = 0
    days = set()
    for copy in range(copies):
        # ten projects, as one person's worktrees would be
        cwd = "/home/bench/projects/app%d" % (copy % 10)
        project = cwd.replace("/", "-")
        for name, lines in files:
            session = new_uuid(copy, first(lines, "sessionId") or name)
            agent = first(lines, "agentId")
            if agent:
                rel = os.path.join(project, session, "subagents", "agent-%s.jsonl" % agent)
            else:
                rel = os.path.join(project, session + ".jsonl")
            path = os.path.join(out, "projects", rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                for line in lines:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        f.write(line + "\n")  # kept as it is: both tools must cope
                        continue
                    rec = rewrite(rec, copy, cwd)
                    if isinstance(rec, dict) and rec.get("type") == "assistant" and isinstance(rec.get("timestamp"), str):
                        days.add(rec["timestamp"][:10])
                    f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
    with open(os.path.join(out, "period"), "w") as f:
        f.write("%s %s\n" % (min(days), max(days)))
    print("%d files (%d copies of %d)" % (written, copies, len(files)))


main()
