#!/bin/sh
# The main job on the bundled samples: install missing packages, build, ingest samples/,
# print a summary, and write the report of the samples' week as HTML (samples/report.html),
# as a MIME email (samples/report.eml) and as screenshots at 375 and 1280 px
# (samples/report-375.png, samples/report-1280.png) for a person to look at.
# The database is demo.db (remove it to start over; a second run adds nothing).
# Usage: tools/demo.sh          the whole demo
#        tools/demo.sh shots    only the screenshots of samples/report.html (make report-shots)
set -eu
cd "$(dirname "$0")/.."

# shots: chromium (headless, a fresh profile) at each width; the height is the page's own,
# measured first by a harness page that loads the report in an iframe of that width
shots() {
	[ -s samples/report.html ] || { echo "tokstat: no samples/report.html (run tools/demo.sh)" >&2; exit 1; }
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	for w in 375 1280; do
		/usr/bin/python3 - "$w" samples/report.html "$work/harness.html" <<'PY'
import sys, html
w, report, out = sys.argv[1], open(sys.argv[2], encoding="utf-8").read(), sys.argv[3]
open(out, "w", encoding="utf-8").write("""<!DOCTYPE html><html><body><iframe id="f" style="width:%spx;height:900px;border:0"
srcdoc="%s"></iframe><p id="out"></p><script>document.getElementById('f').onload = function () {
document.getElementById('out').textContent = 'height=' + this.contentDocument.documentElement.scrollHeight; };
</script></body></html>""" % (w, html.escape(report, quote=True)))
PY
		set -- --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --hide-scrollbars
		h=$(timeout 120 chromium "$@" --user-data-dir="$work/p$w" --dump-dom --virtual-time-budget=5000 \
			"file://$work/harness.html" 2>/dev/null | sed -n 's/.*height=\([0-9]*\).*/\1/p')
		timeout 120 chromium "$@" --user-data-dir="$work/q$w" --window-size="$w,${h:-3000}" \
			--screenshot="$PWD/samples/report-$w.png" "file://$PWD/samples/report.html" 2>/dev/null
		echo "samples/report-$w.png: $w x ${h:-3000} px"
	done
}
if [ "${1:-}" = shots ]; then
	shots
	exit 0
fi

sh tools/setup-debian.sh
make -s
DB=${TOKSTAT_DB:-demo.db}
./tokstat --db "$DB" ingest samples/proxy/*
./tokstat --db "$DB" verify
./tokstat --db "$DB" summary
# the samples' week, as a manager would get it by mail (see README, "Mailing the report")
./tokstat --db "$DB" report --from 2025-10-05 --to 2025-10-12 --format html -o samples/report.html
./tokstat --db "$DB" report --from 2025-10-05 --to 2025-10-12 --format email --to team@example.com \
	--from 'tokstat <tokstat@example.com>' -o samples/report.eml
echo "samples/report.html: $(wc -c < samples/report.html) bytes; samples/report.eml: $(wc -c < samples/report.eml) bytes"
shots
