/* The monitoring-plugin status line (see out_nagios.h). */
#include "out_nagios.h"

#include <string.h>

#include "utf8.h"

static const char *status_name(int status)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	return status >= 0 && status <= 3 ? names[status] : "UNKNOWN";
}

void out_nagios_line(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d)
{
	int count[3] = { 0, 0, 0 }, per_rule[ALERTS_RULE_N] = { 0 };
	enum alerts_severity worst = ALERTS_OK;
	char day[16];

	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].is_acked)
			continue;
		count[f->v[i].severity]++;
		per_rule[f->v[i].rule]++;
		if (f->v[i].severity > worst)
			worst = f->v[i].severity;
	}
	alerts_format_day(d->day, day);
	buf_printf(out, "TOKSTAT %s - %d critical, %d warning on %s |", status_name((int)worst),
		   count[ALERTS_CRITICAL], count[ALERTS_WARNING], day);
	/* Labels are fixed names (no quoting needed); thresholds are not ranges here, the
	 * counts themselves decide: min 0, no max. */
	buf_printf(out, " critical=%d;;;0 warning=%d;;;0", count[ALERTS_CRITICAL], count[ALERTS_WARNING]);
	for (int r = 0; r < ALERTS_RULE_N; r++)
		buf_printf(out, " %s=%d;;;0", alerts_rule_name((enum alerts_rule)r), per_rule[r]);
	buf_printf(out, " requests=%lld;;;0 errors=%lld;;;0 tokens=%lld;;;0 cost_usd=%.2f;;;0\n",
		   (long long)d->requests, (long long)d->errors, (long long)d->tokens, d->cost_usd);
}

void out_nagios_unknown(struct buf *out, const char *message)
{
	struct buf esc = BUF_INIT;
	/* "/a/long/dir/tokstat.conf:3: ..." -> "tokstat.conf:3: ...": the line has no room for
	 * directories, and the message names its file first */
	const char *colon = strchr(message, ':');
	if (colon) {
		for (const char *p = message; p < colon; p++)
			if (*p == '/')
				message = p + 1;
	}
	/* one line: utf8_escape makes newlines and other controls visible as \xNN */
	utf8_escape(&esc, message, strlen(message));
	for (size_t i = 0; i < esc.len; i++)
		if (esc.data[i] == '|')
			esc.data[i] = '/';
	/* under 80 characters in all, cut at a character boundary (the whole is on stderr) */
	size_t room = OUT_NAGIOS_MAX_TEXT - strlen("TOKSTAT UNKNOWN - ");
	if (esc.len > room) {
		size_t n = room - 3;
		while (n && ((unsigned char)esc.data[n] & 0xc0) == 0x80)
			n--;
		esc.len = n;
		esc.data[esc.len] = '\0';
		buf_adds(&esc, "...");
	}
	buf_printf(out, "TOKSTAT UNKNOWN - %s\n", buf_str(&esc));
	buf_free(&esc);
}
