#!/bin/sh
# Install the Debian packages tokstat needs to build and test, when any is missing.
# Uses sudo when not root; does nothing when everything is there.
set -eu
# The one list: build, unit tests, and the end-to-end tests (the proxy recipes run a real
# nginx with njs and a real Caddy in front of a Python stub, driven with curl; the report is
# rendered by chromium, checked by tidy and mailed through msmtp to a local aiosmtpd; the
# config file is read with libinih, the alert webhook posts with libcurl, and promtool from
# prometheus checks the alerts' metrics file; strace counts the syncs of an ingest and of
# make bench's rerun; logrotate rotates the nightly job's logs and systemd-analyze checks
# its service and timer).
PACKAGES="build-essential pkg-config libpcre2-dev libsqlite3-dev libisal-dev libsodium-dev
libcsv-dev libcmocka-dev sqlite3 python3 gzip time bc
nginx-light libnginx-mod-http-js caddy curl
chromium tidy msmtp python3-aiosmtpd python3-jsonschema
libinih-dev libcurl4-openssl-dev prometheus strace logrotate systemd"
missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "tokstat: need root (or sudo) to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
echo "tokstat: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
