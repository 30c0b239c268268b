#!/bin/sh
# tokstat report --format html in a real browser (Debian's chromium, headless): the page is
# self-contained (no script, no external resource), tidy finds no error, the DOM holds the
# period's totals, and at 375 px nothing overflows horizontally (a harness page, with a
# script of its own, loads the report in a 375 px iframe and writes its scrollWidth into its
# DOM). A long history with long names stays under 100 KB, so Gmail does not clip it.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
ingest_ok "$SAMPLES/api-gateway.log.2.gz" "$SAMPLES/api-gateway.log.1" "$SAMPLES/api-gateway.log"
run ts report --from 2025-10-05 --to 2025-10-12 --format html -o "$WORK/r.html"
assert_rc "html report" 0
tidy -errors -q "$WORK/r.html" > "$WORK/tidy.txt" 2>&1 || fail "tidy: $(cat "$WORK/tidy.txt")"
echo "ok: tidy finds nothing"
for pat in '<script' '<link' '<img' '<style' 'src=' '@import' 'url(' 'http://' 'https://' '<svg' '<canvas'; do
	assert_eq "self-contained: no $pat" 0 "$(grep -ci -- "$pat" "$WORK/r.html" || true)"
done
size=$(wc -c < "$WORK/r.html")
[ "$size" -lt 102400 ] || fail "the page is $size bytes"
echo "ok: $size bytes"

# chromium, headless, on a fresh profile in $WORK; killed by its pid if it hangs
browse() { # OUT ARGS...: chromium's stdout into OUT
	out=$1
	shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$WORK/profile" "$@" > "$out" 2> "$WORK/chromium.err" &
	pid=$!
	trap 'kill "$pid" 2>/dev/null' EXIT INT TERM
	wait "$pid" || fail "chromium: $(tail -5 "$WORK/chromium.err")"
	trap - EXIT INT TERM
}

# The DOM holds the totals: requests and errors counted here in the raw logs, tokens and
# cost as the JSON report has them (test_report_json.sh checks those against the raw logs).
browse "$WORK/dom.html" --dump-dom "file://$WORK/r.html"
run ts report --from 2025-10-05 --to 2025-10-12 --format json
cp "$WORK/out" "$WORK/r.json"
$PY - "$WORK/dom.html" "$WORK/r.json" "$SAMPLES"/api-gateway.log* <<'PY' || fail "the DOM lacks the totals"
import sys, re, gzip, json, html.parser
dom, rep, files = open(sys.argv[1], encoding="utf-8").read(), json.load(open(sys.argv[2])), sys.argv[3:]
class Text(html.parser.HTMLParser):
    cells = []
    def handle_data(self, d):
        if d.strip():
            self.cells.append(d.strip())
t = Text(); t.feed(dom)
LINE = re.compile(r'^\S+(?:, \S+)? \S+ \S+ \[[^\]]+\] "(?:[^"\\]|\\.)*" (\d{3}) ')
req = err = 0
for f in files:
    raw = open(f, "rb").read()
    raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    for b in raw.split(b"\n"):
        line = b.rstrip(b"\r").decode("utf-8", "replace")
        m = LINE.match(line)
        if m and "prompt_tokens=null" not in line:
            req += 1
            err += int(m.group(1)) >= 400
s = rep["sections"]["summary"]["rows"][0]
def pair(label):  # the value cell after a summary label
    i = t.cells.index(label)
    return t.cells[i + 1]
assert pair("requests") == "{:,}".format(req), (pair("requests"), req)
assert pair("errors") == "{:,}".format(err), (pair("errors"), err)
assert pair("total tokens") == "{:,}".format(s["total_tokens"]), pair("total tokens")
assert pair("cost") == "${:,.2f}".format(s["cost_usd"]), pair("cost")
assert "tokstat report, 2025-10-05 .. 2025-10-12 (UTC, 8 days)" in t.cells
print("ok: the DOM holds", req, "requests,", err, "errors,", s["total_tokens"], "tokens, $%.2f" % s["cost_usd"])
PY

# 375 px and 1280 px: the document is no wider than its viewport
harness() { # WIDTH REPORT -> $WORK/harness.html
	$PY - "$1" "$2" "$WORK/harness.html" <<'PY'
import sys, html
width, report, out = sys.argv[1], open(sys.argv[2], encoding="utf-8").read(), sys.argv[3]
open(out, "w", encoding="utf-8").write("""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<iframe id="f" style="width:%spx;height:900px;border:0" srcdoc="%s"></iframe><p id="out">pending</p>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, e = d.documentElement;
  document.getElementById('out').textContent = 'scrollWidth=' + Math.max(e.scrollWidth, d.body.scrollWidth) +
    ' clientWidth=' + e.clientWidth;
};
</script></body></html>""" % (width, html.escape(report, quote=True)))
PY
}
for w in 375 1280; do
	harness "$w" "$WORK/r.html"
	browse "$WORK/h$w.html" --hide-scrollbars --dump-dom --virtual-time-budget=5000 "file://$WORK/harness.html"
	line=$(grep -o 'scrollWidth=[0-9]* clientWidth=[0-9]*' "$WORK/h$w.html") || fail "$w px: the harness wrote nothing"
	sw=${line#scrollWidth=}
	sw=${sw%% *}
	cw=${line##*clientWidth=}
	[ "$cw" -eq "$w" ] || fail "$w px: the iframe is $cw px wide"
	[ "$sw" -le "$cw" ] || fail "$w px: the page overflows: $line"
	echo "ok: $w px: $line"
done

# A long history with long names: 60 days, 400 endpoints and 300 users of 150 characters,
# every list asked for in full (--top 0): cut to fit, still under 100 KB and valid.
$PY - "$WORK/long.log" <<'PY'
import random, sys, datetime
rng = random.Random(3)
start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        t = start + datetime.timedelta(seconds=rng.randrange(60 * 86400))
        ep = "/v1/" + ("e%03d-" % rng.randrange(400)) * 30
        user = ("user%03d_" % rng.randrange(300)) * 19
        tok = "sk-proj-%040d" % rng.randrange(500)
        f.write('10.0.0.1 - - [%s] "POST %s HTTP/1.1" 200 10 "-" "x" token=%s user=%s model=m%d input_tokens=%d output_tokens=7\n'
                % (t.strftime("%d/%b/%Y:%H:%M:%S +0000"), ep, tok, user, rng.randrange(50), rng.randrange(1, 999)))
PY
DB=$WORK/long.db
ingest_ok "$WORK/long.log"
run ts report --from 2025-01-01 --days 60 --top 0 --format html -o "$WORK/long.html"
assert_rc "html report over a long history" 0
size=$(wc -c < "$WORK/long.html")
[ "$size" -lt 102400 ] || fail "the long history's page is $size bytes"
echo "ok: a long history in $size bytes"
assert_contains "a cut list says how many rows it left out" "$WORK/long.html" "more</td>"
tidy -errors -q "$WORK/long.html" > "$WORK/tidy.txt" 2>&1 || fail "tidy (long): $(cat "$WORK/tidy.txt")"
harness 375 "$WORK/long.html"
browse "$WORK/hl.html" --hide-scrollbars --dump-dom --virtual-time-budget=5000 "file://$WORK/harness.html"
line=$(grep -o 'scrollWidth=[0-9]* clientWidth=[0-9]*' "$WORK/hl.html") || fail "long: the harness wrote nothing"
sw=${line#scrollWidth=}
sw=${sw%% *}
[ "$sw" -le 375 ] || fail "375 px, long names: the page overflows: $line"
echo "ok: 375 px with long names: $line"
