#!/bin/sh
# A rate-limited credential is rate_limited only until its reading's reset time: readings of 0
# remaining and 429s whose reset is in the past and in the future, through the credentials
# view, the report's badges and counts, and the alerts' episode at 0 remaining. The expected
# statuses are the rule's, worked out by hand for each credential below ("now" is the test's
# time: the past resets are in 2025, the future ones in 2100).
. "$(dirname "$0")/lib.sh"
PAST=1760170200   # 2025-10-11T08:10:00Z, after every line of the log
SOON=1760174100   # 2025-10-11T09:15:00Z: 15 minutes after A's last reading, later that day
FUTURE=4102444800 # 2100-01-01T00:00:00Z
L() { # TIME TOKEN STATUS PAIRS...
	t=$1 tok=$2 st=$3; shift 3
	printf '10.0.0.1 - - [11/Oct/2025:%s +0000] "POST /v1/chat/completions HTTP/1.1" %s 10 "-" "t" tok="%s" model=gpt-4o-mini %s\n' \
		"$t" "$st" "$tok" "$*"
}
{
	# A: 0 remaining, reset passed                                    -> active, 'reset'
	L 08:00:00 sk-reset-past-aaaaaaaaaaaaaaaa1111 200 rl_remaining=5 rl_limit=500 rl_reset=$PAST
	L 09:00:00 sk-reset-past-aaaaaaaaaaaaaaaa1111 200 rl_remaining=0 rl_limit=500 rl_reset=$SOON
	# B: 0 remaining, reset in the future                             -> rate_limited, 'exhausted'
	L 08:00:00 sk-reset-futr-bbbbbbbbbbbbbbbb2222 200 rl_remaining=0 rl_limit=500 rl_reset=$FUTURE
	# C: 0 remaining, no reset logged                                 -> rate_limited
	L 08:00:00 sk-reset-none-cccccccccccccccc3333 200 rl_remaining=0 rl_limit=500
	# D: a 429 after a reading whose reset came after the 429 and has passed -> active
	L 07:00:00 sk-reset-429p-dddddddddddddddd4444 200 rl_remaining=3 rl_limit=500 rl_reset=$PAST
	L 07:30:00 sk-reset-429p-dddddddddddddddd4444 429
	# E: a 429 after a reading whose reset was before the 429: says nothing about it -> rate_limited
	L 07:00:00 sk-reset-429e-eeeeeeeeeeeeeeee5555 200 rl_remaining=3 rl_limit=500 rl_reset=1760166000
	L 07:30:00 sk-reset-429e-eeeeeeeeeeeeeeee5555 429
	# F: a 429 after a reading whose reset is in the future           -> rate_limited
	L 07:00:00 sk-reset-429f-ffffffffffffffff6666 200 rl_remaining=3 rl_limit=500 rl_reset=$FUTURE
	L 07:30:00 sk-reset-429f-ffffffffffffffff6666 429
	# G: plenty left, its reset passed                                -> active, 'reset'
	L 07:00:00 sk-reset-fine-gggggggggggggggg7777 200 rl_remaining=400 rl_limit=500 rl_reset=$PAST
} > "$WORK/rl.log"
ingest_ok "$WORK/rl.log"
verify_ok

# the masks: the first 8 and last 4 characters (README: min(n/4, 8), min(n/8, 4) of 34)
status() { q "SELECT status || '|' || coalesce(rl_holds, 'NULL') FROM credentials WHERE token = '$1'"; }
assert_eq "A: 0 remaining, its reset passed: active again" "active|0" "$(status 'sk-reset...1111')"
assert_eq "B: 0 remaining until 2100: rate_limited" "rate_limited|1" "$(status 'sk-reset...2222')"
assert_eq "C: 0 remaining, no reset known: rate_limited" "rate_limited|1" "$(status 'sk-reset...3333')"
assert_eq "D: a 429 before a reset that has passed: active" "active|0" "$(status 'sk-reset...4444')"
assert_eq "E: a 429 after the reading's reset: rate_limited" "rate_limited|0" "$(status 'sk-reset...5555')"
assert_eq "F: a 429, reset in the future: rate_limited" "rate_limited|1" "$(status 'sk-reset...6666')"
assert_eq "G: plenty left: active" "active|0" "$(status 'sk-reset...7777')"

# the report: status and limit-state badges, and the summary's counts, from the same rule
run ts report --from 2025-10-11 --format json
assert_rc "json report" 0
assert_eq "the report's badges per credential" \
	"sk-reset...1111 active reset
sk-reset...2222 rate_limited exhausted
sk-reset...3333 rate_limited exhausted
sk-reset...4444 active reset
sk-reset...5555 rate_limited reset
sk-reset...6666 rate_limited low
sk-reset...7777 active reset" \
	"$(python3 -c "
import json
for r in sorted(json.load(open('$WORK/out'))['sections']['credentials']['rows'], key=lambda r: r['token']):
    print(r['token'], r['status'], r['rl_level'])")"
assert_eq "the summary counts 4 rate-limited and 3 active" "4 3" "$(python3 -c "
import json
s = json.load(open('$WORK/out'))['sections']['summary']['rows'][0]
print(s['rate_limited'], s['active'])")"

# alerts: A's episode at 0 remaining ends at its reset (09:15), not at the day's last reading;
# B's lasts to the day's last reading (its reset is in 2100)
printf '[limits]\ndaily_tokens = none\nmonthly_tokens = none\nburst_tokens_per_minute = none\ndaily_cost_usd = none\n' \
	> "$WORK/t.conf"
run ts alerts --config "$WORK/t.conf" --date 2025-10-11 --format json
assert_rc "alerts: exhausted credentials are critical" 2
detail() { python3 -c "
import json
for a in json.load(open('$WORK/out'))['alerts']:
    if a['rule'] == 'rate_limit_low' and a['subject'] == '$1':
        print(a['severity'], a['detail'])"; }
assert_eq "A: at 0 from 09:00 until its reset at 09:15" \
	"critical at 0 remaining from 09:00 to 09:15 UTC (15 min); 1 time, 15 min in all" "$(detail 'sk-reset...1111')"
assert_eq "B: at 0 to the day's last reading" \
	"critical at 0 remaining from 08:00 UTC, still at the day's last reading (08:00)" "$(detail 'sk-reset...2222')"
