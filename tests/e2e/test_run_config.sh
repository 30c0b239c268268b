#!/bin/sh
# The [run] keys of the config file: checked when the file is read, each error naming the file
# and line (exit 3 for tokstat run, as for any failed step; 2 for other commands), and their
# defaults (keep_days none, mail_command /usr/sbin/sendmail -t).
. "$(dirname "$0")/lib.sh"

# bad KEY-LINES MESSAGE: a [run] section with these lines is refused, saying MESSAGE
bad() {
	printf '[run]\nlogs = /nonexistent/*.log\n%s\n' "$1" > "$WORK/t.conf"
	run "$TOKSTAT" --db "$DB" run --config "$WORK/t.conf" --dry-run
	assert_rc "run refuses: $1" 3 >/dev/null
	assert_contains "run says: $2" "$WORK/err" "$2"
	run "$TOKSTAT" --db "$DB" --config "$WORK/t.conf" summary
	assert_rc "summary refuses it too" 2 >/dev/null
	echo "ok: refused: $1"
}
bad "reports = html, pdf" "t.conf:3: reports: no report format 'pdf' (formats: html, json, csv, text)"
bad "reports = html" "t.conf: [run] reports wants an output_dir to write them to"
bad "keep_days = 0" "t.conf:3: keep_days must be from 1 to 1e+06, not 0"
bad "keep_days = 1.5" "t.conf:3: keep_days wants a whole number or 'none', not '1.5'"
bad "keep_days = -3" "t.conf:3: keep_days wants a whole number or 'none', not '-3'"
bad "logs =" "t.conf:3: logs has no value"
bad "mail_to = opé@example.com" "t.conf:3: mail_to wants a mail address in ASCII"
bad "output_dir = /a
output_dir = /b" "t.conf:4: output_dir is set twice in [run] (first on line 3)"
bad "mail_command = a
mail_command = b" "t.conf:4: mail_command is set twice"

# a run without logs says what is missing
printf '[run]\nkeep_days = none\n' > "$WORK/t.conf"
run "$TOKSTAT" --db "$DB" run --config "$WORK/t.conf"
assert_rc "run without logs" 3
assert_contains "it asks for logs" "$WORK/err" "[run] has no logs = GLOB"
run "$TOKSTAT" --db "$DB" run
assert_rc "run without a config" 3
assert_contains "it says there is no config" "$WORK/err" "no config file (--config FILE or \$TOKSTAT_CONFIG)"
[ ! -e "$DB" ] || fail "a refused run made the database"

# defaults: no prune, mail through sendmail -t; every format and repeated lines accepted
mkdir -p "$WORK/logs"
cp "$SAMPLES/api-gateway.log" "$WORK/logs/"
printf '[run]\nlogs = %s/logs/*.log\nlogs = %s/logs/*.log\nreports = html json\nreports = csv,text\noutput_dir = %s/r\nmail_to = ops@example.com\n' \
	"$WORK" "$WORK" "$WORK" > "$WORK/t.conf"
run "$TOKSTAT" --db "$DB" run --config "$WORK/t.conf" --dry-run --date 2025-10-12
assert_rc "a good [run] section" 0
assert_contains "prune is off by default" "$WORK/out" "tokstat run: prune: off (keep_days = none)"
assert_contains "the mail goes to sendmail -t by default" "$WORK/out" "to '/usr/sbin/sendmail -t' for ops@example.com"
assert_contains "four report formats" "$WORK/out" "$WORK/r/2025-10-12/report.csv, $WORK/r/2025-10-12/report.txt"
assert_eq "a file two globs match is read once" 1 "$(grep -c 'would read .*api-gateway.log$' "$WORK/out")"
# [run] database is the database, unless --db
printf '[run]\nlogs = %s/logs/*.log\ndatabase = %s/other.db\n' "$WORK" "$WORK" > "$WORK/t.conf"
run "$TOKSTAT" run --config "$WORK/t.conf" --date 2025-10-12
assert_rc "a run into [run] database" 2
[ -s "$WORK/other.db" ] || fail "the run did not use [run] database"
assert_contains "its lock is beside it" "$WORK/out" "$WORK/other.db.run.lock taken"
run "$TOKSTAT" run --bogus
assert_rc "a wrong option" 3
assert_contains "it is named" "$WORK/err" "tokstat run: unknown option --bogus"
run "$TOKSTAT" run --date 2025-02-30 --config "$WORK/t.conf"
assert_rc "a day that does not exist" 3

# a password in the mail command is not repeated in what the run says
printf '[run]\nlogs = %s/logs/*.log\nmail_to = ops@example.com\nmail_command = /nonexistent/mailer --password=Zq8kPpL2mN4vX7tR -t\n' \
	"$WORK" > "$WORK/t.conf"
run "$TOKSTAT" --db "$WORK/pw.db" run --config "$WORK/t.conf" --date 2025-10-12
assert_rc "a mail command that fails" 3
cat "$WORK/out" "$WORK/err" > "$WORK/all.txt"
assert_not_contains "its password is not shown" "$WORK/all.txt" "Zq8kPpL2mN4vX7tR"
assert_contains "the command is named, masked" "$WORK/err" "mail_command '/nonexistent/mailer --password=Zq8k"

# the two commands' help, as every command's
for c in run prune; do
	run "$TOKSTAT" --db "$WORK/help.db" "$c" --help
	assert_rc "$c --help" 0
	assert_eq "$c --help prints its usage first" "usage: tokstat $c" "$(head -n 1 "$WORK/out" | cut -d' ' -f1-3)"
done
[ ! -e "$WORK/help.db" ] || fail "--help made a database"
run "$TOKSTAT" --db "$WORK/help.db" prune --bogus
assert_rc "prune --bogus" 2
assert_eq "prune: the option is named" "tokstat prune: unknown option --bogus" "$(head -n 1 "$WORK/err")"
