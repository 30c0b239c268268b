#!/bin/sh
# The nightly job's sample files: samples/tokstat.service and samples/tokstat.timer pass
# systemd-analyze verify (the service pointed at this build) and the timer fires daily at
# 06:10 UTC; samples/tokstat.conf is read without error, also with every [run] example
# uncommented, and its [run] defaults are tokstat's.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"
sed "s|^ExecStart=/usr/local/bin/tokstat |ExecStart=$TOKSTAT |" "$ROOT/samples/tokstat.service" > "$WORK/tokstat.service"
cp "$ROOT/samples/tokstat.timer" "$WORK/tokstat.timer"
grep -q "^ExecStart=$TOKSTAT run --config /etc/tokstat.conf$" "$WORK/tokstat.service" || fail "the service runs tokstat run"
run systemd-analyze verify "$WORK/tokstat.service" "$WORK/tokstat.timer"
assert_rc "systemd-analyze verify" 0
[ ! -s "$WORK/err" ] || fail "systemd-analyze has remarks: $(cat "$WORK/err")"
grep -q '^Type=oneshot$' "$WORK/tokstat.service" || fail "a oneshot service"
grep -q '^SuccessExitStatus=1 2$' "$WORK/tokstat.service" || fail "WARNING and CRITICAL are no failure of the unit"
grep -q '^Persistent=true$' "$WORK/tokstat.timer" || fail "a persistent timer"
run systemd-analyze calendar --iterations=2 "$(sed -n 's/^OnCalendar=//p' "$WORK/tokstat.timer")"
assert_rc "the timer's calendar" 0
assert_contains "it is normalized to 06:10 UTC daily" "$WORK/out" "Normalized form: *-*-* 06:10:00 UTC"

run "$TOKSTAT" --config "$ROOT/samples/tokstat.conf" formats
assert_rc "samples/tokstat.conf is read" 0
sed 's/^# \(logs\|database\|reports\|output_dir\|mail_to\) = /\1 = /' "$ROOT/samples/tokstat.conf" > "$WORK/all.conf"
assert_eq "five [run] examples uncommented" 6 "$(grep -cE '^(logs|database|reports|output_dir|mail_to) = ' "$WORK/all.conf")"
run "$TOKSTAT" --config "$WORK/all.conf" formats
assert_rc "samples/tokstat.conf with every [run] example" 0
run "$TOKSTAT" --config "$WORK/all.conf" run --dry-run
assert_rc "a dry run with it" 0
assert_contains "its database" "$WORK/out" "/var/lib/tokstat/tokstat.db.run.lock is free"
assert_contains "its reports" "$WORK/out" "/var/lib/tokstat/reports/"
assert_contains "its mail" "$WORK/out" "to '/usr/sbin/sendmail -t' for ops@example.com"
