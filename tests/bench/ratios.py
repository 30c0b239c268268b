#!/usr/bin/env python3
"""make bench, the ratios. Absolute speed varies by machine (and on a shared machine, by
minute): a speed means something only as a ratio to another measured in the same run. Each
figure here prints both raw times (the best of BENCH_RUNS rounds, default 3; a round runs
each contender once), the CPU time beside each, the ratio, the target and PASS or MISS;
memory is printed in MB against its bound.

  1. claude   a Claude Code projects tree (the corpus's real sessions, copied as distinct
              sessions; gen_claude_tree.py): tokstat's first ingest and ccusage 20.0.24 on the
              same files; a rerun with nothing new plus the daily figures; fsync calls in
              that rerun; the daily totals of both tools side by side; the rerun's CPU with
              30,000 older files in the database against none
  2. gzip     the same proxy lines plain and gzip -1 (gen_proxy.py)
  3. ceiling  tokstat's plain ingest against SQLite's own ceiling for the event row
              (ceiling.c: the same rows, columns, batch and PRAGMAs, and nothing else)
  4. memory   peak RSS on high-cardinality proxy, JSON and CSV logs (gen_highcard.py)
  5. history  one night's log into an empty database and into one with 20 million events
              (gen_night.py; the big database is built once and kept in bench-out/)

Usage: tests/bench/ratios.py [SECTION...]   (default: all, in that order)
Environment: BENCH_QUICK=1 smaller sizes everywhere; BENCH_RUNS; BENCH_LINES (proxy log,
default 2,000,000); BENCH_OUT (default bench-out); TOKSTAT (default ./tokstat); CORPUS.
"""
import csv
import glob
import hashlib
import inspect
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "tests", "bench")
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(ROOT, "bench-out")))
TOKSTAT = os.path.abspath(os.environ.get("TOKSTAT", os.path.join(ROOT, "tokstat")))
CORPUS = os.environ.get("CORPUS", os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CCUSAGE_VERSION = "20.0.24"

# Sizes: (full, quick)
CLAUDE_FILES = 60 if QUICK else 300
PROXY_LINES = int(os.environ.get("BENCH_LINES", 200000 if QUICK else 2000000))
HIGHCARD_LINES = 100000 if QUICK else 500000
NIGHT_LINES = 100000 if QUICK else 500000
HISTORY_EVENTS = 2000000 if QUICK else 20000000
OLD_FILES = 30000  # files of earlier sessions: a year of a busy Claude Code user

results = []  # (section, what, ratio text, target text, PASS/MISS)


def out(name):
    """A file in bench-out/; BENCH_QUICK's inputs have names of their own, so switching
    between the two sizes regenerates nothing."""
    return os.path.join(OUT, ("quick-" if QUICK else "") + name)


def say(*a):
    print(*a, flush=True)


class Run:
    """One program's run: wall seconds, CPU seconds (user + system, every thread), peak RSS KiB."""

    def __init__(self, wall, cpu, rss):
        self.wall, self.cpu, self.rss = wall, cpu, rss

    def __add__(self, other):  # two programs one after the other
        return Run(self.wall + other.wall, self.cpu + other.cpu, max(self.rss, other.rss))


def spawn(cmd, stdout=None, env=None):
    """Run CMD to its end (a Run); fails on a nonzero exit. fork + wait4, so the RSS and CPU
    time are this child's own, and the clock is not /usr/bin/time's 10 ms."""
    out_fd = os.open(stdout or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: only exec or _exit
        try:
            os.dup2(out_fd, 1)
            os.execvpe(cmd[0], cmd, env if env is not None else os.environ)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    os.close(out_fd)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit("bench: %s exited with %d" % (" ".join(cmd[:4]), code))
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss)


def rounds(fns, runs=RUNS):
    """FNS: {name: function returning a Run}, called in turn, RUNS rounds (interleaved, so a
    change in the shared machine's load hits every contender alike). {name: fastest Run}."""
    got = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            got[name].append(fn())
    return {name: min(r, key=lambda x: x.wall) for name, r in got.items()}


def verdict(section, what, ratio, target, op=">=", unit="x", fmt="%.2f"):
    ok = {">=": ratio >= target, "<=": ratio <= target, "<": ratio < target}[op]
    r = (fmt + "%s") % (ratio, unit)
    t = ("%s " + fmt + "%s") % (op, target, unit)
    results.append((section, what, r, t, "PASS" if ok else "MISS"))
    say("  %-46s %9s   target %-9s %s" % (what, r, t, "PASS" if ok else "MISS"))


def rm_db(path):
    for suffix in ("", "-wal", "-shm", ".key"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


def copy_key(db, copy):
    """A copy of a database goes with its credential key file (DB.key, never in the database)."""
    if os.path.exists(db + ".key"):
        shutil.copyfile(db + ".key", copy + ".key")
        os.chmod(copy + ".key", 0o600)


def scalar(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def file_sha(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def cached(path, stamp, make):
    """PATH made by MAKE(PATH) unless PATH.stamp says it was made with STAMP."""
    sp = path + ".stamp"
    if os.path.exists(path) and os.path.exists(sp) and open(sp).read() == stamp:
        return path
    make(path)
    with open(sp, "w") as f:
        f.write(stamp)
    return path


def generate(path, cmd):
    """PATH <- the stdout of CMD (a generator script)."""
    say("  generating %s..." % os.path.relpath(path, ROOT))
    with open(path + ".tmp", "w") as f:
        subprocess.run(cmd, stdout=f, check=True)
    os.replace(path + ".tmp", path)


def empty_db():
    """A database tokstat made with its real schema and nothing ingested; its user_version."""
    db = os.path.join(OUT, "empty.db")
    rm_db(db)
    spawn([TOKSTAT, "--db", db, "ingest", "-q", os.devnull])
    return db, scalar(db, "PRAGMA user_version")


def ingest(db, *files, fresh=True, args=()):
    if fresh:
        rm_db(db)
    return spawn([TOKSTAT, "--db", db, "ingest", "-q", *args, *files])


def row(label, run, extra=""):
    say("  %-34s %7.3f s (cpu %6.3f s)  %s" % (label, run.wall, run.cpu, extra))


# ---- 1. Claude Code sessions, tokstat against ccusage ----

def fsync_calls(cmd):
    """fsync + fdatasync calls of CMD and its threads (strace -f -c)."""
    log = os.path.join(OUT, "strace.txt")
    subprocess.run(["strace", "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", log, *cmd],
                   stdout=subprocess.DEVNULL, check=True)
    n = 0
    with open(log) as f:
        for line in f:
            parts = line.split()
            if parts and parts[-1] in ("fsync", "fdatasync"):
                n += int(parts[3])
    return n


def ccusage_bin():
    """The ccusage command, installed into bench-out/ccusage by npm when missing; None when
    npm cannot install it (no npm, no network)."""
    prefix = os.path.join(OUT, "ccusage")
    exe = os.path.join(prefix, "node_modules", ".bin", "ccusage")
    if os.path.exists(exe):
        return exe
    if not shutil.which("npm"):
        say("  ccusage: npm is not installed")
        return None
    say("  installing ccusage %s with npm..." % CCUSAGE_VERSION)
    try:
        subprocess.run(["npm", "install", "--silent", "--prefix", prefix, "ccusage@" + CCUSAGE_VERSION],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, timeout=300)
    except subprocess.TimeoutExpired:
        say("  ccusage: npm install timed out")
        return None
    except subprocess.CalledProcessError as e:
        lines = (e.stderr or b"").decode(errors="replace").strip().splitlines()
        say("  ccusage: npm could not install it: %s" % (lines[-1] if lines else "exit %d" % e.returncode))
        return None
    return exe if os.path.exists(exe) else None


def tokstat_daily(path):
    days = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            days[r["day"]] = {k: float(r[k] or 0) for k in ("input", "output", "cache_read", "cache_write", "cost_usd")}
    return days


def ccusage_daily(path):
    with open(path) as f:
        data = json.load(f)
    return {d["period"]: {"input": d["inputTokens"], "output": d["outputTokens"], "cache_read": d["cacheReadTokens"],
                          "cache_write": d["cacheCreationTokens"], "cost_usd": d["totalCost"]}
            for d in data.get("daily", [])}


def compare_daily(ts, cc):
    keys = ("input", "output", "cache_read", "cache_write", "cost_usd")
    days = sorted(set(ts) | set(cc))
    zero = dict.fromkeys(keys, 0)
    tot_t = {k: sum(ts.get(d, zero)[k] for d in days) for k in keys}
    tot_c = {k: sum(cc.get(d, zero)[k] for d in days) for k in keys}
    say("  daily totals over %d days (UTC)      %12s %12s %14s %13s %11s" % ((len(days),) + keys))
    for name, t in (("tokstat", tot_t), ("ccusage", tot_c)):
        say("    %-34s %12d %12d %14d %13d %11.2f" % (name, t["input"], t["output"], t["cache_read"],
                                                     t["cache_write"], t["cost_usd"]))
    d = {k: tot_t[k] - tot_c[k] for k in keys}
    say("    %-34s %+12d %+12d %+14d %+13d %+11.2f" % ("difference (tokstat - ccusage)", d["input"], d["output"],
                                                      d["cache_read"], d["cache_write"], d["cost_usd"]))
    tokens_differ = [x for x in days if any(ts.get(x, zero)[k] != cc.get(x, zero)[k] for k in keys[:4])]
    cost_differs = [x for x in days if abs(ts.get(x, zero)["cost_usd"] - cc.get(x, zero)["cost_usd"]) > 0.005]
    say("    days whose token counts differ: %d of %d; whose cost differs by more than $0.005: %d"
        % (len(tokens_differ), len(days), len(cost_differs)))
    for x in tokens_differ[:3]:
        a, b = ts.get(x, zero), cc.get(x, zero)
        say("      %s  tokstat %s  ccusage %s" % (x, "/".join("%d" % a[k] for k in keys[:4]),
                                                  "/".join("%d" % b[k] for k in keys[:4])))


def claude():
    say("== 1. Claude Code sessions: tokstat against ccusage %s (best of %d)" % (CCUSAGE_VERSION, RUNS))
    corpus = os.path.join(CORPUS, "claude-code-spotter")
    tree = out("claude")

    def make(path):
        shutil.rmtree(path, ignore_errors=True)
        say("  generating %s from %s..." % (os.path.relpath(path, ROOT), corpus))
        subprocess.run(["python3", os.path.join(BENCH, "gen_claude_tree.py"), corpus, path, str(CLAUDE_FILES)],
                       stdout=subprocess.DEVNULL, check=True)
    cached(tree, "%d %s" % (CLAUDE_FILES, file_sha(os.path.join(BENCH, "gen_claude_tree.py"))), make)
    files = sorted(glob.glob(os.path.join(tree, "projects", "**", "*.jsonl"), recursive=True))
    first, last = open(os.path.join(tree, "period")).read().split()
    size = sum(os.path.getsize(f) for f in files)
    say("  %d session files, %.0f MB, %s .. %s" % (len(files), size / 1e6, first, last))
    db = os.path.join(OUT, "claude.db")
    daily_csv = os.path.join(OUT, "claude_daily.csv")
    report = [TOKSTAT, "--db", db, "report", "--from", first, "--to", last, "--by", "day", "--format", "csv"]

    cc = ccusage_bin()
    cc_json = os.path.join(OUT, "ccusage_daily.json")
    home = os.path.join(OUT, "claude-home")  # none of this machine's ~/.claude, ~/.codex, ...
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, CLAUDE_CONFIG_DIR=tree, TZ="UTC", NO_COLOR="1")
    contenders = {
        "first": lambda: ingest(db, *files),
        # the database the first ingest just made: nothing new, then the daily figures
        "rerun": lambda: ingest(db, *files, fresh=False) + spawn(report, stdout=daily_csv),
    }
    if cc:
        contenders["ccusage"] = lambda: spawn([cc, "daily", "--json", "--offline"], stdout=cc_json, env=env)
    best = rounds(contenders)
    fsyncs = fsync_calls([TOKSTAT, "--db", db, "ingest", "-q", *files]) + fsync_calls(report)
    row("tokstat first ingest", best["first"], "%d events" % scalar(db, "SELECT count(*) FROM event"))
    row("tokstat rerun + daily report", best["rerun"], "ingest with nothing new, then report --by day --format csv")
    if cc:
        row("ccusage daily --json --offline", best["ccusage"], "reads every file every time")
        verdict("claude", "first ingest: ccusage time / tokstat time", best["ccusage"].wall / best["first"].wall, 1.0)
        verdict("claude", "rerun + daily: ccusage time / tokstat time", best["ccusage"].wall / best["rerun"].wall, 10.0)
    else:
        say("  ccusage could not be installed here: tokstat's times alone, no ratio")
    verdict("claude", "fsync + fdatasync calls in the rerun", fsyncs, 0, op="<=", unit="", fmt="%d")
    if cc:
        compare_daily(tokstat_daily(daily_csv), ccusage_daily(cc_json))
    many_files(db, files)


def many_files(db, files):
    """The rerun again, with OLD_FILES more files in the database (sessions read on earlier
    days): a file is looked up among every file ever read, and that must not cost per file."""
    old = os.path.join(OUT, "claude-old.db")
    rm_db(old)
    con = sqlite3.connect(db)
    con.execute("VACUUM INTO ?", (old,))
    con.close()
    copy_key(db, old)
    con = sqlite3.connect(old)
    with con:
        con.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                    "INSERT INTO file(fingerprint, head_len, name, format, bytes, lines, events, last_ingested) "
                    "SELECT lower(hex(randomblob(16))), 4096, '/old/session-' || i || '.jsonl', 'claude_code', "
                    "100000, 100, 10, 1700000000 FROM n", (OLD_FILES,))
    con.close()
    best = rounds({"new": lambda: ingest(db, *files, fresh=False), "old": lambda: ingest(old, *files, fresh=False)})
    row("rerun (ingest alone)", best["new"], "%d files in the database" % len(files))
    row("rerun, %d older files" % OLD_FILES, best["old"], "%d files in the database" % (len(files) + OLD_FILES))
    # CPU time: the lookups are CPU; the wall time of this rerun is mostly its fsyncs' wait (above)
    verdict("claude", "rerun cpu: %dk older files / none" % (OLD_FILES // 1000), best["old"].cpu / best["new"].cpu,
            1.15, op="<=")
    rm_db(old)


# ---- 2. gzip against plain; 3. the SQLite ceiling ----

def proxy_log():
    log = out("proxy.log")
    gz = log + ".gz"
    stamp = "%d %s" % (PROXY_LINES, file_sha(os.path.join(BENCH, "gen_proxy.py")))

    def make(path):
        generate(path, ["python3", os.path.join(BENCH, "gen_proxy.py"), str(PROXY_LINES)])
        with open(gz, "wb") as f:
            subprocess.run(["gzip", "-1", "-c", path], stdout=f, check=True)
    cached(log, stamp, make)
    return log, gz


def store_pragmas():
    """The PRAGMAs tokstat's store sets on its connection (src/store.c), but the ones about the
    file (journal_mode is WAL in the file; user_version) or about reading only."""
    with open(os.path.join(ROOT, "src", "store.c")) as f:
        src = f.read()
    got = re.findall(r"PRAGMA\s+(\w+)\s*=\s*([^;\"]+)", src)
    return ["%s = %s" % (k, v.strip()) for k, v in got if k not in ("journal_mode", "user_version", "query_only")]


proxy_runs = {}  # the rounds of sections 2 and 3, measured once for both


def measure_proxy():
    """Plain, gzip and the ceiling in the same rounds."""
    if proxy_runs:
        return proxy_runs
    exe = os.path.join(OUT, "ceiling")
    if not os.path.exists(exe):
        raise SystemExit("bench: %s is missing: run make bench (it builds tests/bench/ceiling.c)" % exe)
    log, gz = proxy_log()
    db = os.path.join(OUT, "bench.db")
    ingest(db, log)  # the number of rows the ceiling writes: what tokstat stores of this log
    rows = scalar(db, "SELECT count(*) FROM event")
    template, _ = empty_db()
    cdb = os.path.join(OUT, "ceiling.db")
    pragmas = store_pragmas()

    def ceiling_run():
        rm_db(cdb)
        shutil.copyfile(template, cdb)
        return spawn([exe, cdb, str(rows), *pragmas], stdout=os.path.join(OUT, "ceiling.out"))
    proxy_runs.update(rounds({"plain": lambda: ingest(db, log), "gzip": lambda: ingest(db, gz),
                              "ceiling": ceiling_run}))
    proxy_runs.update(log=log, rows=rows, pragmas=pragmas)
    return proxy_runs


def gzip_plain():
    say("== 2. gzip against plain: %d proxy lines (gzip -1), best of %d" % (PROXY_LINES, RUNS))
    r = measure_proxy()
    size = os.path.getsize(r["log"])
    for name in ("plain", "gzip"):
        t = r[name]
        row(name, t, "%8.0f lines/s %5.0f MB/s  peak RSS %3.0f MB" % (PROXY_LINES / t.wall, size / t.wall / 1e6,
                                                                      t.rss / 1024))
    verdict("gzip", "gzip speed / plain speed", r["plain"].wall / r["gzip"].wall, 0.95)


def ceiling():
    say("== 3. plain ingest against SQLite's ceiling for the event row, best of %d" % RUNS)
    r = measure_proxy()
    rows = r["rows"]
    say("  the ceiling: %s; PRAGMAs %s" % (open(os.path.join(OUT, "ceiling.out")).read().strip(),
                                           ", ".join(r["pragmas"]) or "none"))
    row("tokstat ingest (plain)", r["plain"], "%8.0f rows/s" % (rows / r["plain"].wall))
    row("ceiling (the INSERT alone)", r["ceiling"], "%8.0f rows/s" % (rows / r["ceiling"].wall))
    verdict("ceiling", "tokstat rows/s / ceiling rows/s", r["ceiling"].wall / r["plain"].wall, 0.85)


# ---- 4. memory on high-cardinality logs ----

def memory():
    say("== 4. peak RSS, %d lines where every line is a new credential, user and endpoint" % HIGHCARD_LINES)
    gen = os.path.join(BENCH, "gen_highcard.py")
    db = os.path.join(OUT, "highcard.db")
    for kind, ext, fmt in (("proxy", "log", "proxy"), ("json", "jsonl", "usage_record"), ("csv", "csv", "usage_csv")):
        path = out("highcard.%s" % ext)
        cached(path, "%s %d %s" % (kind, HIGHCARD_LINES, file_sha(gen)),
               lambda p, kind=kind: generate(p, ["python3", gen, kind, str(HIGHCARD_LINES)]))
        t = ingest(db, path, args=("--format", fmt))
        row("%s (--format %s)" % (kind, fmt), t, "%8.0f lines/s  peak RSS %5.1f MB" % (HIGHCARD_LINES / t.wall,
                                                                                       t.rss / 1024))
        verdict("memory", "peak RSS, %s" % kind, t.rss / 1024, 100, op="<", unit=" MB", fmt="%.0f")


# ---- 5. a night's ingest against history ----

def columns(con, table):
    return [r[1] for r in con.execute("SELECT * FROM pragma_table_info(?) ORDER BY cid", (table,))]


def select_list(con, table, replace):
    """TABLE's columns in order, as a SELECT list with REPLACE[column] in place of some."""
    return ", ".join(replace.get(c, c) for c in columns(con, table))


def build_history(path, nights, night0, stamp):
    """PATH: NIGHTS nights of history, night0 ingested by tokstat and copied NIGHTS - 1 times
    into the days after it in SQL: new file rows (an event id is file << 40 | line, so every
    copy is a file of its own), events moved by whole days, the day's and hour's aggregates
    with them, the credentials' counters multiplied. What ingesting NIGHTS logs would store,
    in a minute instead of an hour."""
    say("  building %s: %d nights of %d lines (once; kept while the schema is the same)..."
        % (os.path.relpath(path, ROOT), nights, NIGHT_LINES))
    t0 = time.monotonic()
    ingest(path, night0)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -200000")
    copies = "WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < %d) " % (nights - 1)
    (fid,) = con.execute("SELECT id FROM file").fetchone()
    with con:
        con.execute(copies + "INSERT INTO file SELECT %s FROM k, file" % select_list(con, "file", {
            "id": "%d + k" % fid, "fingerprint": "lower(hex(randomblob(16)))", "name": "'night-' || k || '.log'"}))
        # one night at a time, read by rowid range: appended in id order
        for k in range(1, nights):
            con.execute("INSERT INTO event SELECT %s FROM event WHERE id < %d" % (select_list(con, "event", {
                "id": "%d | (id & %d)" % ((fid + k) << 40, (1 << 40) - 1), "epoch": "epoch + %d" % (k * 86400)}),
                (fid + 1) << 40))
        con.execute(copies + "INSERT INTO daily SELECT %s FROM k, daily" % select_list(con, "daily", {"day": "day + k"}))
        con.execute(copies + "INSERT INTO hourly SELECT %s FROM k, hourly" % select_list(con, "hourly", {"hour": "hour + 24 * k"}))
        con.execute("UPDATE credential SET requests = requests * ?1, errors = errors * ?1, "
                    "last_seen = last_seen + (?1 - 1) * 86400", (nights,))
        con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('bench_history', ?)", (stamp,))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    say("  built in %.0f s" % (time.monotonic() - t0))


def history():
    nights = -(-HISTORY_EVENTS // NIGHT_LINES)
    say("== 5. one night (%d proxy lines) into an empty database and into one with %d events, best of %d"
        % (NIGHT_LINES, nights * NIGHT_LINES, RUNS))
    gen = os.path.join(BENCH, "gen_night.py")
    _, version = empty_db()
    night_log = lambda n: cached(out("night-%d.log" % n), "%d %s" % (NIGHT_LINES, file_sha(gen)),
                                 lambda p: generate(p, ["python3", gen, str(n), str(NIGHT_LINES)]))
    big = out("history.db")
    recipe = hashlib.sha256(inspect.getsource(build_history).encode()).hexdigest()[:8]
    stamp = "%d nights x %d lines, schema %d, %s %s" % (nights, NIGHT_LINES, version, file_sha(gen), recipe)
    try:
        have = scalar(big, "SELECT value FROM meta WHERE key = 'bench_history'")
    except sqlite3.Error:
        have = None
    if have != stamp:
        build_history(big, nights, night_log(0), stamp)
    # The nights after the history, one per run: each run adds a night to one copy of the
    # history (copied once: 1.5 GB copied per run would leave the page cache busy writing it
    # back during the next ingest) and stores the same night into an empty database.
    tonight = [night_log(nights + r) for r in range(RUNS)]
    events = scalar(big, "SELECT count(*) FROM event")
    work = os.path.join(OUT, "history-work.db")
    small = os.path.join(OUT, "night.db")
    rm_db(work)
    subprocess.run(["cp", "--reflink=auto", big, work], check=True)
    copy_key(big, work)
    fd = os.open(work, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    nights_left = list(tonight)  # a round stores its night into both, then takes the next one
    best = rounds({"empty": lambda: ingest(small, nights_left[0]),
                   "full": lambda: ingest(work, nights_left.pop(0), fresh=False)})
    row("into an empty database", best["empty"], "%8.0f lines/s" % (NIGHT_LINES / best["empty"].wall))
    row("into %d events of history" % events, best["full"], "%8.0f lines/s" % (NIGHT_LINES / best["full"].wall))
    verdict("history", "time with history / time into empty", best["full"].wall / best["empty"].wall, 1.15, op="<=")
    for name, db in (("one night", small), ("the history", big)):
        n = scalar(db, "SELECT count(*) FROM event")
        say("  bytes per stored event, %-12s %6.1f  (%d bytes / %d events)" % (name, os.path.getsize(db) / n,
                                                                            os.path.getsize(db), n))
    try:  # where they go, for the night alone (dbstat reads every page: not for the history)
        con = sqlite3.connect("file:%s?mode=ro" % small, uri=True)
        n = con.execute("SELECT count(*) FROM event").fetchone()[0]
        parts = con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 4").fetchall()
        con.close()
        say("    of which " + ", ".join("%s %.1f" % (t, b / n) for t, b in parts))
    except sqlite3.Error:
        pass  # an SQLite without the dbstat table
    rm_db(work)


SECTIONS = {"claude": claude, "gzip": gzip_plain, "ceiling": ceiling, "memory": memory, "history": history}


def main():
    want = sys.argv[1:] or list(SECTIONS)
    for s in want:
        if s not in SECTIONS:
            raise SystemExit("usage: ratios.py [%s]..." % "|".join(SECTIONS))
    os.makedirs(OUT, exist_ok=True)
    say("make bench%s: ratios measured in this run, on %s (load average %.2f)"
        % (" (BENCH_QUICK)" if QUICK else "", os.uname().nodename, os.getloadavg()[0]))
    t0 = time.monotonic()
    for s in want:
        SECTIONS[s]()
    say("== ratios (%.0f s)" % (time.monotonic() - t0))
    for r in results:
        say("  %-8s %-46s %9s  target %-9s %s" % r)


main()
