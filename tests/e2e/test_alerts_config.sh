#!/bin/sh
# tokstat alerts and its settings: --config, else $TOKSTAT_CONFIG; the environment's limits over
# the file's; tiers from a user,tier CSV; [run] database when no --db; a typo in a key is an
# error naming file and line; every wrong command line exits 3 (UNKNOWN); list and ack.
. "$(dirname "$0")/lib.sh"
# assert_row WHAT FILE ERE: a line of FILE matches ERE (columns are aligned by their widest cell)
assert_row() { grep -Eq -- "$3" "$2" || { echo "FAIL: $1: /$3/ not in $2:" >&2; cat "$2" >&2; exit 1; }; echo "ok: $1"; }
unset TOKSTAT_CONFIG DAILY_TOKEN_LIMIT MONTHLY_TOKEN_LIMIT BURST_TOKEN_LIMIT COST_ALERT_THRESHOLD

# user, requests on 2025-10-10, input tokens each
python3 - "$WORK/proxy.log" <<'EOF'
import sys
plan = [("alice", 10, 30000),   # 300,000
        ("freddy", 19, 500),    # 9,500: 95% of the free tier's 10,000 a month
        ("paula", 15, 10000)]   # 150,000: 75% of the pro tier's 200,000
with open(sys.argv[1], "w") as f:
    for user, n, t in plan:
        for i in range(n):
            f.write('10.0.0.1 - - [10/Oct/2025:12:%02d:00 +0000] "POST /v1/chat/completions HTTP/1.1" 200 900 '
                    '"-" "curl/8" token="sk-test-gggggggggggggggggggggggg%s" user=%s model=gpt-4o-mini '
                    'input_tokens=%d output_tokens=0\n' % (i, user[0] * 4, user, t))
EOF

run "$TOKSTAT" --db "$DB" alerts --date 2025-10-10
assert_rc "no database yet: UNKNOWN" 3
assert_contains "says so" "$WORK/err" "no such database"
[ ! -e "$DB" ] || fail "alerts created an empty database"
ingest_ok "$WORK/proxy.log"

printf 'user,tier\nfreddy,free\npaula,pro\n' > "$WORK/tiers.csv"
cat > "$WORK/t.conf" <<'EOF'
# relative paths are the config file's directory's
[limits]
burst_tokens_per_minute = none
user_tiers = tiers.csv
EOF

run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "freddy's tier" 2
assert_row "freddy at 95% of the free tier" "$WORK/out" "critical +monthly_limit +freddy +9,500 tokens +10,000 tokens"
assert_row "and on his way past it" "$WORK/out" "warning +monthly_projection +freddy +209,000 tokens +10,000 tokens .* 9,500 so far, 9,500 a day over 1 day: 209,000 by 2025-10-31"
! grep -Eq "monthly_limit +paula" "$WORK/out" || fail "paula at 75% of pro"
assert_not_contains "alice at 30% of the default" "$WORK/out" "alice"

# The environment over the file: DAILY_TOKEN_LIMIT (alice's 300,000 is 120% of 250,000).
run env DAILY_TOKEN_LIMIT=250000 "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "env limit" 2
assert_row "alice over the environment's daily limit" "$WORK/out" "critical +daily_limit +alice +300,000 tokens +250,000 tokens"
run env DAILY_TOKEN_LIMIT=lots "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "a bad environment value is UNKNOWN" 3
assert_contains "naming the variable" "$WORK/err" "DAILY_TOKEN_LIMIT wants a whole number or 'none', not 'lots'"

# $TOKSTAT_CONFIG when there is no --config; [run] database when there is no --db.
printf '[run]\ndatabase = %s\n[limits]\nmonthly_tokens = 100000\n' "$DB" > "$WORK/env.conf"
mkdir -p "$WORK/elsewhere"
run sh -c "cd '$WORK/elsewhere' && TOKSTAT_CONFIG='$WORK/env.conf' '$TOKSTAT' alerts --date 2025-10-10 --all"
assert_rc "\$TOKSTAT_CONFIG and its database" 2
assert_row "alice over the config's monthly limit" "$WORK/out" "monthly_limit +alice +300,000 tokens +100,000 tokens"
[ ! -e "$WORK/elsewhere/tokstat.db" ] || fail "used ./tokstat.db instead of [run] database"

# A typo in a key: an error naming file and line, UNKNOWN.
printf '[limits]\ndaily_tokens = 5\n[alerts]\nwebhok = http://127.0.0.1:9/\n' > "$WORK/typo.conf"
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/typo.conf"
assert_rc "a typo is UNKNOWN" 3
assert_contains "file and line" "$WORK/err" "typo.conf:4: unknown key 'webhok' in [alerts] (known: "
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/none.conf"
assert_rc "a missing config is UNKNOWN" 3

# Wrong command lines: 3, not the other commands' 2, so a monitoring system sees UNKNOWN.
for args in "--format xml" "--date yesterday-ish" "bogus" "--all extra" "ack" "ack 12x" "list --date 2025-10-10" \
	"list --format nagios" "--config"; do
	run "$TOKSTAT" --db "$DB" alerts $args
	assert_rc "alerts $args" 3
done
run "$TOKSTAT" help alerts
assert_rc "help alerts" 0
assert_contains "the exit statuses are documented" "$WORK/out" "3 UNKNOWN"
for args in "--help" "-h" "list --help" "ack --help" "--date 2025-10-10 --help"; do
	run "$TOKSTAT" --db "$DB" alerts $args
	assert_rc "alerts $args" 0
	assert_contains "alerts $args prints the help" "$WORK/out" "usage: tokstat alerts"
done
run "$TOKSTAT" --db "$DB" alerts --bogus
assert_contains "an unknown option is named" "$WORK/err" "unknown option --bogus"

# list and ack: an acknowledged alert is not counted; acknowledging an unknown id is an error.
# The day evaluated with the other settings above resolved freddy's; this brings them back.
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "evaluated again" 2
run "$TOKSTAT" --db "$DB" alerts list
assert_rc "list" 0
assert_contains "freddy is listed" "$WORK/out" "freddy"
ids=$(q "SELECT id FROM alerts WHERE status = 'active'")
assert_eq "freddy's two alerts and paula's projection" "freddy freddy paula" \
	"$(echo $(q "SELECT subject FROM alerts WHERE status = 'active' ORDER BY subject"))"
run "$TOKSTAT" --db "$DB" alerts ack $ids
assert_rc "ack $(echo $ids)" 0
assert_eq "acked in the view" "acked acked acked" "$(echo $(q "SELECT status FROM alerts WHERE id IN ($(echo $ids | tr ' ' ,))"))"
run "$TOKSTAT" --db "$DB" alerts --config "$WORK/t.conf" --date 2025-10-10
assert_rc "only acknowledged alerts left: OK" 0
assert_eq "and nothing printed" "" "$(cat "$WORK/out")"
run "$TOKSTAT" --db "$DB" alerts ack 99999
assert_rc "ack of an unknown id" 3
assert_contains "says which" "$WORK/err" "no active alert has id 99999"

# samples/tokstat.conf loads as it is and documents every key of src/config.c's table.
run "$TOKSTAT" --db "$DB" alerts --config "$ROOT/samples/tokstat.conf" --date 2025-10-10
[ "$rc" != 3 ] || fail "samples/tokstat.conf does not load: $(cat "$WORK/err")"
echo "ok: samples/tokstat.conf loads"
python3 - "$ROOT/src/config.c" "$ROOT/samples/tokstat.conf" <<'PY' || fail "samples/tokstat.conf misses keys"
import re, sys
keys = re.findall(r'\{ "([a-z]+:?)", "([a-z_]+)", K_', open(sys.argv[1]).read())
assert len(keys) > 30, keys
sample = open(sys.argv[2]).read()
sections = {"user:": "user:alice", "credential:": "credential:sk-proj-...dmuY"}
missing = []
for section, key in keys:
    block = re.search(r"^#? ?\[" + re.escape(sections.get(section, section)) + r"\]\n(.*?)(?=^#? ?\[|\Z)", sample, re.S | re.M)
    if not block or not re.search(r"^#? ?" + key + " = ", block.group(1), re.M):
        missing.append("[%s] %s" % (section, key))
assert not missing, missing
print("ok: %d keys documented" % len(keys))
PY
