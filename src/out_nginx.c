/* The nginx blocklist: map blocks of users and credentials over a hard limit (see out_nginx.h). */
#include "out_nginx.h"

#include <string.h>

#include "utf8.h"

bool out_nginx_is_nginx_mask(const char *s)
{
	/* README's map: "(?<head>.{8}).{8,}(?<tail>.{4})" logged as "$head...$tail". nginx counts
	 * bytes, and a credential is ASCII. */
	size_t n = strlen(s);
	if (n != 15 || memcmp(s + 8, "...", 3) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Can S be written as a map key that matches the same bytes in a request? */
static bool is_writable(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false; /* a header value holds no control characters */
	return true;
}

/*
 * S as a quoted nginx map key: inside quotes nginx reads \" and \\ as " and \; a key that
 * begins with '\' or '~' or is a map parameter (default, hostnames, include, volatile) is
 * prefixed with '\', which map strips, so it is matched as the literal string.
 */
static void key(struct buf *out, const char *s)
{
	static const char *const params[] = { "default", "hostnames", "include", "volatile" };
	bool escape_first = s[0] == '\\' || s[0] == '~';
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		escape_first |= strcmp(s, params[i]) == 0;
	buf_addc(out, '"');
	if (escape_first)
		buf_adds(out, "\\\\");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(out, '\\');
		buf_addc(out, *s);
	}
	buf_addc(out, '"');
}

static void skip(struct buf *skipped, const char *what, const char *name, const char *why)
{
	buf_printf(skipped, "%s ", what);
	utf8_escape(skipped, name, strlen(name));
	buf_printf(skipped, ": %s\n", why);
}

/* Has an earlier finding of F (before I) already written this subject? */
static bool written_before(const struct alerts_findings *f, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (f->v[j].is_hard && f->v[j].kind == f->v[i].kind && strcmp(f->v[j].subject, f->v[i].subject) == 0)
			return true;
	return false;
}

int out_nginx_blocklist(struct buf *out, const struct alerts_findings *f, const struct alerts_day *d,
			const char *token_var, const char *user_var, struct buf *skipped)
{
	char day[16];
	int written = 0;
	alerts_format_day(d->day, day);
	buf_printf(out,
		   "# tokstat blocklist for %s (tokstat alerts --blocklist): users and credentials at or over\n"
		   "# a daily or monthly token limit. Include it in nginx's http block, then refuse with\n"
		   "#     if ($tokstat_blocked) { return 403; }\n",
		   day);
	for (int pass = 0; pass < 2; pass++) {
		enum alerts_subject_kind kind = pass == 0 ? ALERTS_CREDENTIAL : ALERTS_USER;
		buf_printf(out, "map %s %s {\n    default 0;\n", pass == 0 ? token_var : user_var,
			   pass == 0 ? "$tokstat_blocked_token" : "$tokstat_blocked_user");
		for (size_t i = 0; i < f->n; i++) {
			const struct alerts_finding *a = &f->v[i];
			if (!a->is_hard || a->kind != kind || written_before(f, i))
				continue;
			if (kind == ALERTS_CREDENTIAL && !out_nginx_is_nginx_mask(a->subject)) {
				skip(skipped, "credential", a->subject,
				     "not masked as nginx masks it (8 characters, '...', 4 characters)");
				continue;
			}
			if (!is_writable(a->subject)) {
				skip(skipped, kind == ALERTS_USER ? "user" : "credential", a->subject,
				     "holds control characters, which no request header can");
				continue;
			}
			buf_adds(out, "    ");
			key(out, a->subject);
			/* the comment holds nothing from a log: a rule name and the fingerprint */
			buf_printf(out, " 1;  # %s%s%s\n", alerts_rule_name(a->rule), a->fp[0] ? " " : "", a->fp);
			written++;
		}
		buf_adds(out, "}\n");
	}
	buf_adds(out, "map \"$tokstat_blocked_token$tokstat_blocked_user\" $tokstat_blocked {\n"
		      "    default 1;\n    \"00\" 0;\n}\n");
	return written;
}
