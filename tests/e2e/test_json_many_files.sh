#!/bin/sh
# Many JSON files in one ingest: 42 generated files (OpenAI objects and Claude Code lines; of 7
# to 6,000 lines, some of 100 KB lines; invalid lines, broken JSON or no time, at known line
# numbers, on the chunk boundaries too: 32 detection lines, then chunks of 1024) read in one
# run, with a file named twice and a byte-for-byte copy under another name. Every file's
# counts and line on stdout, every reject's file and line, every event's file, line and tokens
# must be its own, whatever the parser threads still hold of the file before when the next
# one is read. Then: --max-reject-rate failing one middle file only; a run mixing formats (a
# proxy log, parsed on the reading thread, between JSON files and before a 32-line one); a
# rerun (nothing new), then lines appended to the first and a middle file (read from the right
# line). Expected values come from python's json module over the generated files (model.py
# below; input tokens = file number x 10^6 + line number) and, for the proxy log, from
# samples/README.md; never from tokstat.
. "$(dirname "$0")/lib.sh"

M=$WORK/m
cat >"$WORK/model.py" <<'PY'
#!/usr/bin/env python3
"""gen DIR: writes the many JSON files into DIR, prints their paths in command-line order.
append PATH N [LINE=json|time...]: appends lines to PATH, made like its others (LINE: bad).
expect STATE OUT PATH...: what one `tokstat ingest PATH...` must report, counted here with
python's json module over the files: OUT.out (a line per argument, as tokstat prints it,
without its "(detected ...)" and time), OUT.files / OUT.rejects / OUT.events (the database
after it: per distinct file, sorted). STATE holds the lines earlier runs read per file."""
import hashlib, json, os, random, sys

def oa(k, i, pad=0, t=True):
    d = {"model": "gpt-4o-mini", "object": "chat.completion", "note": "x" * pad,
         "usage": {"prompt_tokens": k * 1000000 + i, "completion_tokens": i % 97 + k}}
    if t:
        d = dict({"timestamp": "2025-%02d-%02dT%02d:%02d:%02dZ" % (10 + k // 28, 1 + k % 28, i // 3600 % 24, i // 60 % 60, i % 60)}, **d)
    return json.dumps(d)

def cc(k, i, out=None, mid=None, t=True):
    d = {"parentUuid": None, "type": "assistant", "sessionId": "s-%02d" % k, "uuid": "u-%d-%d" % (k, i),
         "requestId": "req_%d_%d" % (k, mid or i),
         "message": {"id": "msg_%d_%d" % (k, mid or i), "model": "claude-sonnet-4-5-20250929",
                     "usage": {"input_tokens": k * 1000000 + i, "output_tokens": out or i % 50 + 1}}}
    if t:
        d["timestamp"] = "2025-%02d-%02dT%02d:%02d:%02dZ" % (10 + k // 28, 1 + k % 28, i // 3600 % 24, i // 60 % 60, i % 60)
    return json.dumps(d)

def cc_user(k, i):
    return json.dumps({"parentUuid": None, "type": "user", "sessionId": "s-%02d" % k, "uuid": "u-%d-%d" % (k, i),
                       "timestamp": "2025-10-01T00:00:00Z", "message": {"role": "user", "content": "hi %d" % i}})

def broken(line):
    return line[:len(line) // 2]

def write(path, k, fmt, n, bad, first=1, pad=lambda i: 0, pair=None, users=()):
    """lines first..n of file K; BAD: line -> 'json' (cut in half) or 'time' (no timestamp)"""
    with open(path, "a") as f:
        for i in range(first, n + 1):
            if fmt == "openai":
                s = oa(k, i, pad(i), bad.get(i) != "time")
            elif i in users:
                s = cc_user(k, i)
            elif pair and i in pair:  # a streamed message: two lines, the second with more output
                s = cc(k, i, out=5 if i == pair[0] else 9, mid=pair[0], t=bad.get(i) != "time")
            else:
                s = cc(k, i, t=bad.get(i) != "time")
            f.write((broken(s) if bad.get(i) == "json" else s) + "\n")

def gen(d):
    r = random.Random(20251010)
    specs = []  # (fmt, n, bad, pad, pair, users)
    # several chunks: 32 detection lines, then chunks of 1024; rejects on the boundaries
    for n in (1056, 1057, 2080, 3000, 4128, 5100, 2500, 6000, 1100, 3333):
        specs.append(("openai", n, {3: "json", 33: "time", 1056: "json", 1057: "time", n: "json"}, None, None, ()))
    for j in range(20):  # 33 to 40 lines: one chunk on a parser thread, of 1 to 8 lines
        n = 33 + j % 8
        bad = {} if j % 3 == 0 else {33: "json"} if j % 3 == 1 else {1: "time", n: "json"}
        specs.append(("openai", n, bad, None, None, ()))
    for n in (40, 55, 70, 48):  # lines of 100 KB: chunks closed on bytes
        specs.append(("openai", n, {2: "json", n - 1: "time"}, lambda i: 100000, None, ()))
    specs.append(("openai", 3000, {200: "json", 1601: "json"}, lambda i: 100000 if i % 200 == 0 else 0, None, ()))
    specs.append(("openai", 32, {32: "json"}, None, None, ()))  # at most 32 lines: the reading thread
    specs.append(("openai", 7, {4: "time"}, None, None, ()))
    specs.append(("claude_code", 35, {34: "json"}, None, None, (1, 2, 20)))
    specs.append(("claude_code", 2200, {5: "time", 1500: "json"}, None, (1056, 1057), tuple(range(1, 2200, 97))))
    specs.append(("claude_code", 40, {}, None, (39, 40), (3,)))
    specs.append(("claude_code", 1500, {1100: "json"}, None, None, tuple(range(7, 1500, 50))))
    r.shuffle(specs)
    big = next(i for i, s in enumerate(specs) if s[0] == "openai" and s[1] == 4128)
    specs.insert(0, specs.pop(big))
    # 30% of its lines rejected: the one --max-reject-rate 20 fails
    specs.insert(21, ("openai", 300, {i: "json" if i % 2 else "time" for i in range(31, 301, 10)} |
                      {i: "json" for i in range(35, 301, 10)} | {i: "time" for i in range(38, 301, 10)}, None, None, ()))
    os.makedirs(d, exist_ok=True)
    paths = []
    for k, (fmt, n, bad, pad, pair, users) in enumerate(specs, 1):
        p = os.path.join(d, "f%02d-%s.jsonl" % (k, "oa" if fmt == "openai" else "cc"))
        if k == 22:
            p = os.path.join(d, "f22-bad.jsonl")
        write(p, k, fmt, n, bad, pad=pad or (lambda i: 0), pair=pair, users=users)
        paths.append(p)
    return paths

def classify(path, line):
    """('event', input, output, dedup key) | ('reject',) | ('skip',)"""
    try:
        d = json.loads(line)
    except ValueError:
        return ("reject",)
    if path.endswith("-cc.jsonl"):
        if d.get("type") != "assistant":
            return ("skip",)
        if "timestamp" not in d:
            return ("reject",)
        u = d["message"]["usage"]
        return ("event", u["input_tokens"], u["output_tokens"], (d["message"]["id"], d["requestId"]))
    if "timestamp" not in d:
        return ("reject",)
    u = d["usage"]
    return ("event", u["prompt_tokens"], u["completion_tokens"], None)

def fmt_of(path):
    return "claude_code" if path.endswith("-cc.jsonl") else "openai"

def expect(state_path, out, paths):
    state = json.load(open(state_path)) if os.path.exists(state_path) else {}
    seen, contents, lines_out, run_keys = set(), {}, [], set()
    for p in paths:
        data = open(p, "rb").read()
        lines = data.decode().split("\n")[:-1]
        h = hashlib.sha256(data).hexdigest()
        start = state.get(p, 0)
        if p in seen or h in contents:
            # named before in this run (a copy: under its own name): the format it was read with
            lines_out.append("%s: nothing new (already read to line %d); format %s" % (p, len(lines), fmt_of(contents.get(h, p))))
            continue
        seen.add(p)
        contents[h] = p
        if start == len(lines):
            lines_out.append("%s: nothing new (already read to line %d); format %s" % (p, start, fmt_of(p)))
            continue
        c = {"event": 0, "reject": 0, "skip": 0, "dup": 0}
        for ln in lines[start:]:
            r = classify(p, ln)
            c[r[0]] += 1
            if r[0] == "event" and r[3] is not None:
                if r[3] in run_keys:
                    c["dup"] += 1
                    c["event"] -= 1
                run_keys.add(r[3])
        s = "%s: %d %slines, %d events, %d rejected" % (p, len(lines) - start, "new " if start else "",
                                                      c["event"], c["reject"])
        if c["skip"]:
            s += ", %d skipped" % c["skip"]
        if c["dup"]:
            s += ", %d duplicates" % c["dup"]
        if start:
            s += ", resumed after line %d" % start
        lines_out.append(s + "; format " + fmt_of(p))
        state[p] = len(lines)
    # the database after the run: every distinct file, every line it holds, the streamed
    # lines of one message counted once (the largest output, the first of equal ones)
    files, rejects, recs, keep = [], [], [], {}
    for p in state:
        lines = open(p).read().split("\n")[:-1][:state[p]]
        c = {"event": 0, "reject": 0, "skip": 0}
        for i, ln in enumerate(lines, 1):
            r = classify(p, ln)
            if r[0] == "reject":
                rejects.append("%s|%d" % (p, i))
            if r[0] != "event":
                c[r[0]] += 1
                continue
            recs.append((p, i, r[1], r[2], r[3]))
            if r[3] is None:
                continue
            if r[3] not in keep or r[2] > recs[keep[r[3]]][3]:
                keep[r[3]] = len(recs) - 1
        files.append([p, len(lines), c])
    winners = set(keep.values())
    per = {p: [0, 0] for p in state}
    events = []
    for i, (p, ln, inp, outp, key) in enumerate(recs):
        if key is not None and i not in winners:
            per[p][1] += 1
            continue
        per[p][0] += 1
        events.append("%s|%d|%d|%d" % (p, ln, inp, outp))
    with open(out + ".files", "w") as f:
        for p, n, c in sorted(files):
            f.write("%s|%d|%d|%d|%d|%d\n" % (p, n, per[p][0], c["reject"], c["skip"], per[p][1]))
    open(out + ".rejects", "w").write("".join(x + "\n" for x in sorted(rejects)))
    open(out + ".events", "w").write("".join(x + "\n" for x in sorted(events)))
    open(out + ".out", "w").write("".join(x + "\n" for x in lines_out))
    json.dump(state, open(state_path, "w"))

if __name__ == "__main__":
    if sys.argv[1] == "gen":
        for p in gen(sys.argv[2]):
            print(p)
    elif sys.argv[1] == "append":  # append PATH N [LINE=json|time ...]: N more lines, like the first
        p, n = sys.argv[2], int(sys.argv[3])
        start = len(open(p).read().split("\n")) - 1
        k = int(os.path.basename(p)[1:3])
        bad = {int(a.split("=")[0]): a.split("=")[1] for a in sys.argv[4:]}
        write(p, k, fmt_of(p), start + n, bad, first=start + 1)
    else:
        expect(sys.argv[2], sys.argv[3], sys.argv[4:])
PY
python3 "$WORK/model.py" gen "$M" >"$WORK/paths" || fail "test setup: generating the files failed"
[ "$(wc -l <"$WORK/paths")" -eq 42 ] || fail "test setup: $(wc -l <"$WORK/paths") files"
f() { sed -n "${1}p" "$WORK/paths"; } # f N: the path of fNN (N without a leading 0)
COPY=$M/zz-copy-of-f11-oa.jsonl
cp "$(f 11)" "$COPY"
# the command line: f01..f42, f14 (Claude Code, a streamed message across a chunk boundary)
# named again after f30, a byte-for-byte copy of f11 (5,100 lines, 6 chunks) after f40
awk -v again="$(f 14)" -v copy="$COPY" '{ print } NR == 30 { print again } NR == 40 { print copy }' \
	"$WORK/paths" >"$WORK/args"
set --
while read -r p; do set -- "$@" "$p"; done <"$WORK/args"
[ $# -eq 44 ] || fail "test setup: $# arguments"

# normalized OUT: the per-file lines of an ingest's stdout without "tokstat: ", the detection
# figures and the time (the total line dropped)
normalized() {
	sed -E -n '/^tokstat: [0-9]+ files, /d; s/^tokstat: //; s/ \(detected: [0-9]+ of [0-9]+ lines\)//; s/; [0-9.]+ s$//; p' "$1"
}
# same_db WHAT EXPECTED_PREFIX [DB [WHERE]]: the files view, the rejects (file, line) and the
# events (file, line, input, output; those WHERE selects) equal python's EXPECTED_PREFIX.*
same_db() {
	sqlite3 -batch "${3:-$DB}" "SELECT file, lines, events, rejected, skipped, duplicates FROM files" | sort >"$WORK/a.files"
	sqlite3 -batch "${3:-$DB}" "SELECT file, line FROM rejects" | sort >"$WORK/a.rejects"
	sqlite3 -batch "${3:-$DB}" "SELECT file, line, input_tokens, output_tokens FROM events ${4:-}" | sort >"$WORK/a.events"
	for v in files rejects events; do
		sort "$2.$v" >"$2.$v.sorted"
		assert_same_file "$1: $v (python's < > tokstat's)" "$2.$v.sorted" "$WORK/a.$v"
	done
}

# ---- 1, 2: one run over all of them -------------------------------------------------------
python3 "$WORK/model.py" expect "$WORK/state1" "$WORK/e1" "$@" || fail "the python count failed"
run timeout 60 "$TOKSTAT" --db "$DB" ingest "$@"
assert_rc "one run over 42 files, one named twice and a copy" 0
normalized "$WORK/out" >"$WORK/out.n"
assert_same_file "a line per argument, in command-line order, each with its own counts" "$WORK/e1.out" "$WORK/out.n"
# a few of them as they are printed, with python's numbers
for n in 1 8 14 16 18 22 42; do
	assert_contains "file $n's line" "$WORK/out" "tokstat: $(grep -F "$(f $n):" "$WORK/e1.out" | head -n 1)"
done
same_db "one run" "$WORK/e1"
exp=$(python3 - "$WORK/e1.events" "$WORK/e1.files" <<'PY'
import sys
ev = [l.split("|") for l in open(sys.argv[1]).read().split("\n") if l]
fs = [l.split("|") for l in open(sys.argv[2]).read().split("\n") if l]
print("%d|%d|%d" % (len(ev), sum(int(e[2]) for e in ev), sum(int(e[3]) for e in ev)))
print("%d lines, %d events, %d rejected" % (sum(int(x[1]) for x in fs),
      sum(int(x[2]) for x in fs), sum(int(x[3]) for x in fs)))
PY
)
assert_eq "total events, input and output tokens" "$(echo "$exp" | sed -n 1p)" \
	"$(q "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM events")"
assert_eq "daily_usage: requests, input and output tokens" "$(echo "$exp" | sed -n 1p)" \
	"$(q "SELECT sum(requests), sum(input_tokens), sum(output_tokens) FROM daily_usage")"
# the total line counts arguments (44), lines and events each once
assert_eq "the run's total line" "tokstat: $# files, $(echo "$exp" | sed -n 2p)" "$(tail -n 1 "$WORK/out")"
assert_eq "every event is its own file's and line's (input = file number x 10^6 + line)" 0 \
	"$(q "SELECT count(*) FROM events WHERE input_tokens != CAST(substr(file, length('$M/f') + 1, 2) AS INTEGER) * 1000000 + line")"
# 2: nothing counted twice
assert_eq "one file row per distinct file (not the second naming, not the copy)" 42 "$(q "SELECT count(*) FROM files")"
assert_eq "the copy has no row" 0 "$(q "SELECT count(*) FROM files WHERE file = '$COPY'")"
assert_contains "the copy is known in the same run" "$WORK/out" \
	"tokstat: $COPY: nothing new (already read to line $(wc -l <"$(f 11)" | tr -d ' '))"
assert_contains "the file named twice: nothing new the second time" "$WORK/out" \
	"tokstat: $(f 14): nothing new (already read to line 2200)"
assert_eq "events + rejected + skipped + duplicates = the lines of the 42 files, once" \
	"$(while read -r p; do cat "$p"; done <"$WORK/paths" | wc -l | tr -d ' ')" \
	"$(q "SELECT (SELECT count(*) FROM events) + sum(rejected) + sum(skipped) + sum(duplicates) FROM files")"
verify_ok

# ---- 5: --max-reject-rate 20: f22 (27% rejected) fails, no other file -----------------------
DB=$WORK/rate.db
python3 "$WORK/model.py" expect "$WORK/state5" "$WORK/e5" "$@" || fail "the python count failed"
rate=$(awk -F'|' -v p="$(f 22)" '$1 == p { printf "%.1f", 100 * $4 / ($2 - $5) }' "$WORK/e5.files")
[ "$rate" = 27.0 ] || fail "test setup: f22's reject rate is $rate"
run timeout 60 "$TOKSTAT" --db "$DB" ingest --max-reject-rate 20 "$@"
assert_rc "--max-reject-rate 20 over the 44 arguments" 1
assert_contains "the message names f22 and its rate" "$WORK/err" \
	"$(f 22): $rate% of lines rejected, more than --max-reject-rate 20% (see the rejects view)"
assert_eq "stderr names no other file" "1|1" "$(grep -c "$M/" "$WORK/err")|$(grep -c . "$WORK/err")"
assert_eq "only f22 has a failure in the files view" "$(f 22)|$rate" \
	"$(q "SELECT file, round(failure_rate, 1) FROM files WHERE failure IS NOT NULL")"
normalized "$WORK/out" >"$WORK/out.n"
assert_same_file "every file still reported with its counts" "$WORK/e5.out" "$WORK/out.n"
assert_contains "the total line says a file failed" "$WORK/out" "rejected (some files failed: see above)"
same_db "--max-reject-rate run" "$WORK/e5"
verify_ok

# ---- 3: formats mixed: JSON (6 chunks), proxy (reading thread), JSON, <= 32 lines ... ---------
DB=$WORK/mixed.db
P=$WORK/api-gateway.log
cp "$SAMPLES/api-gateway.log" "$P"
set -- "$(f 25)" "$P" "$(f 8)" "$(f 18)" "$(f 14)" "$(f 16)"
python3 "$WORK/model.py" expect "$WORK/state3" "$WORK/e3" "$(f 25)" "$(f 8)" "$(f 18)" "$(f 14)" "$(f 16)" ||
	fail "the python count failed"
# the proxy log, by hand (samples/README.md): 1,467 lines, lines 880 (cut short) and 881
# (syslog) rejected; the other lines are those with an rt= field
assert_eq "test setup: the proxy log's valid lines" "1467|1465|880,881" \
	"$(awk '{ n++ } / rt=/ { v++; next } { b = b (b ? "," : "") NR } END { print n "|" v "|" b }' "$P")"
run timeout 60 "$TOKSTAT" --db "$DB" ingest "$@"
assert_rc "JSON, proxy, JSON, 32 lines, Claude Code, 7 lines" 0
normalized "$WORK/out" | grep -vF "$P:" >"$WORK/out.n"
assert_same_file "the JSON files' lines, in order" "$WORK/e3.out" "$WORK/out.n"
assert_eq "the proxy log's line is the second" "$P: 1467 lines, 1465 events, 2 rejected; format proxy" \
	"$(normalized "$WORK/out" | sed -n 2p)"
{ cat "$WORK/e3.files"; echo "$P|1467|1465|2|0|0"; } >"$WORK/e3m.files"
{ cat "$WORK/e3.rejects"; echo "$P|880"; echo "$P|881"; } >"$WORK/e3m.rejects"
cp "$WORK/e3.events" "$WORK/e3m.events" # the JSON files' events; the proxy log's: below
same_db "mixed formats" "$WORK/e3m" "$DB" "WHERE file != '$P'"
assert_eq "the proxy log's events: lines 1 to 1467 but 880 and 881" "1465|1|1467|$((1467 * 1468 / 2 - 880 - 881))" \
	"$(q "SELECT count(*), min(line), max(line), sum(line) FROM events WHERE file = '$P'")"
assert_eq "events per file, joined to the files view" \
	"$(awk -F'|' '{ print $1 "|" $3 }' "$WORK/e3m.files" | sort)" \
	"$(q "SELECT f.file, count(e.line) FROM files f LEFT JOIN events e ON e.file = f.file GROUP BY f.file" | sort)"
assert_eq "formats per file" \
	"$(f 25)|openai $P|proxy $(f 8)|openai $(f 18)|openai $(f 14)|claude_code $(f 16)|openai" \
	"$(for a in "$@"; do q "SELECT file, format FROM files WHERE file = '$a'"; done | tr '\n' ' ' | sed 's/ $//')"
verify_ok

# ---- 4: checkpoints ------------------------------------------------------------------------
DB=$WORK/t.db
set --
while read -r p; do set -- "$@" "$p"; done <"$WORK/args"
q "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
before=$(cksum <"$DB")
python3 "$WORK/model.py" expect "$WORK/state1" "$WORK/e4" "$@" || fail "the python count failed"
run timeout 60 "$TOKSTAT" --db "$DB" ingest "$@"
assert_rc "the same run again" 0
assert_eq "every argument: nothing new" 44 "$(grep -c ': nothing new (already read to line [0-9]*)' "$WORK/out")"
normalized "$WORK/out" >"$WORK/out.n"
assert_same_file "each at its own last line" "$WORK/e4.out" "$WORK/out.n"
assert_eq "nothing written" "$before" "$(cksum <"$DB")"
# 1,030 lines (two chunks) on the first file, rejects on its first and last new line and on a
# chunk boundary; 5 lines on a middle one (f21), its second rejected
python3 "$WORK/model.py" append "$(f 1)" 1030 4129=json 4161=time 4162=json 5158=time
python3 "$WORK/model.py" append "$(f 21)" 5 3002=json
python3 "$WORK/model.py" expect "$WORK/state1" "$WORK/e4" "$@" || fail "the python count failed"
run timeout 60 "$TOKSTAT" --db "$DB" ingest "$@"
assert_rc "after appending to f01 and f21" 0
normalized "$WORK/out" >"$WORK/out.n"
assert_same_file "f01 and f21 read on, the others nothing new" "$WORK/e4.out" "$WORK/out.n"
assert_contains "f01: 1030 new lines from line 4129" "$WORK/out" \
	"tokstat: $(f 1): 1030 new lines, 1026 events, 4 rejected, resumed after line 4128; format openai"
assert_contains "f21: 5 new lines from line 3001" "$WORK/out" \
	"tokstat: $(f 21): 5 new lines, 4 events, 1 rejected, resumed after line 3000; format openai"
assert_eq "the new lines' events: f01 4130..5157, f21 3001..3005" "$(f 1)|1026|4130|5157 $(f 21)|4|3001|3005" \
	"$(q "SELECT file, count(*), min(line), max(line) FROM events WHERE (file = '$(f 1)' AND line > 4128)
		OR (file = '$(f 21)' AND line > 3000) GROUP BY file ORDER BY file" | tr '\n' ' ' | sed 's/ $//')"
same_db "after the appends" "$WORK/e4"
verify_ok
