/*
 * The email writer: a complete MIME message for `sendmail -t` (cron's way to mail): From, To,
 * Subject, Date, Message-ID and MIME-Version, then multipart/alternative with the text report
 * as text/plain (base64) and the HTML report as text/html (quoted-printable), both in lines
 * of at most 76 characters, so no line comes near SMTP's 998-byte limit. A subject that is
 * not ASCII is an RFC 2047 encoded word. Lines end in LF, as a local sendmail expects; it
 * converts them for SMTP.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "out.h"

#define B64_LINE 76

static void base64_lines(struct buf *out, const char *p, size_t n)
{
	/* 57 input bytes make one 76-character line */
	for (size_t off = 0; off < n; off += 57) {
		size_t len = n - off < 57 ? n - off : 57;
		char line[B64_LINE + 4];
		sodium_bin2base64(line, sizeof(line), (const unsigned char *)p + off, len, sodium_base64_VARIANT_ORIGINAL);
		buf_adds(out, line);
		buf_addc(out, '\n');
	}
}

/*
 * Quoted-printable (RFC 2045): the HTML is mostly ASCII, so it stays near its own size where
 * base64 adds a third (Gmail clips a message whose HTML passes 102 KB). Lines of at most 76
 * characters, with soft breaks ("=" at the end).
 */
static void quoted_printable(struct buf *out, const char *p, size_t n)
{
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		char enc[4];
		size_t w;
		if (c == '\n') {
			buf_addc(out, '\n');
			col = 0;
			continue;
		}
		/* a space or tab before a line end would be lost in transport: encode it */
		bool at_eol = i + 1 == n || p[i + 1] == '\n';
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol)) {
			enc[0] = (char)c;
			w = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", c);
			w = 3;
		}
		if (col + w > 75) {
			buf_adds(out, "=\n");
			col = 0;
		}
		buf_add(out, enc, w);
		col += w;
	}
	if (col)
		buf_adds(out, "=\n");
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* NAME: VALUE, VALUE as RFC 2047 encoded words (B, UTF-8) unless it is printable ASCII (the subject). */
static void header(struct buf *out, const char *name, const char *value)
{
	buf_printf(out, "%s: ", name);
	if (is_ascii(value)) {
		buf_adds(out, value);
		buf_addc(out, '\n');
		return;
	}
	/* encoded words of at most 45 bytes (60 base64 characters), cut between characters */
	size_t n = strlen(value);
	for (size_t off = 0; off < n;) {
		size_t len = n - off < 45 ? n - off : 45;
		while (off + len < n && ((unsigned char)value[off + len] & 0xc0) == 0x80)
			len--;
		char word[64];
		sodium_bin2base64(word, sizeof(word), (const unsigned char *)value + off, len, sodium_base64_VARIANT_ORIGINAL);
		buf_printf(out, "%s=?UTF-8?B?%s?=", off ? "\n " : "", word);
		off += len;
	}
	buf_addc(out, '\n');
}

/* RFC 5322's date, in English whatever the locale: "Sun, 12 Oct 2025 06:00:00 +0000". */
static void rfc5322_date(struct buf *out, int64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now;
	struct tm tm;
	gmtime_r(&t, &tm);
	buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		   tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void out_email_subject(struct buf *out, const struct report *r)
{
	static const char *const severity[] = { "ok", "ok", "warning", "critical" };
	const struct report_table *alerts = NULL;
	buf_adds(out, "tokstat report ");
	if (r->has_period && r->days > 1)
		buf_printf(out, "%s .. %s", r->from, r->to);
	else if (r->has_period)
		buf_adds(out, r->from);
	for (size_t i = 0; i < r->ntables; i++)
		if (r->tables[i]->key && strcmp(r->tables[i]->key, "alerts") == 0)
			alerts = r->tables[i];
	int col = alerts ? report_column_index(alerts, "severity") : -1;
	if (!r->is_empty && col >= 0 && alerts->nrows > 0) {
		/* the section lists the most severe first: its first row is the period's worst */
		const char *worst = report_text(alerts, report_cell(alerts, 0, (size_t)col));
		buf_printf(out, ": %s, %lld alert%s", strcmp(worst, "critical") == 0 ? "CRITICAL" : "WARNING",
			   (long long)alerts->total_rows, alerts->total_rows == 1 ? "" : "s");
	} else {
		buf_printf(out, ": %s", r->is_empty ? "no usage" : severity[report_worst_level(r)]);
	}
}

static void hex(char *dst, const unsigned char *src, size_t n)
{
	sodium_bin2hex(dst, 2 * n + 1, src, n);
}

int out_email_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	struct buf text = BUF_INIT, html = BUF_INIT, v = BUF_INIT;
	unsigned char rnd[16];
	char id[33], boundary[33];
	const char *host = o && o->hostname && *o->hostname ? o->hostname : "localhost";
	int rc = -1;

	out_text_report(&text, r);
	if (out_html_write(&html, r, o, err) < 0)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	hex(id, rnd, sizeof(rnd));
	randombytes_buf(rnd, sizeof(rnd));
	hex(boundary, rnd, sizeof(rnd));

	if (o && o->mail_from)
		buf_adds(&v, o->mail_from);
	else
		buf_printf(&v, "tokstat <tokstat@%s>", host);
	/* addresses go as given (an encoded word would hide the address itself) */
	buf_printf(out, "From: %s\nTo: %s\n", buf_str(&v), o && o->mail_to ? o->mail_to : "root");
	buf_reset(&v);
	if (o && o->subject)
		buf_adds(&v, o->subject);
	else
		out_email_subject(&v, r);
	header(out, "Subject", buf_str(&v));
	buf_adds(out, "Date: ");
	rfc5322_date(out, o && o->now ? o->now : (int64_t)time(NULL));
	buf_printf(out, "\nMessage-ID: <%s@%s>\n", id, host);
	buf_adds(out, "MIME-Version: 1.0\n");
	buf_printf(out, "Content-Type: multipart/alternative; boundary=\"=_tokstat_%s\"\n\n", boundary);
	buf_adds(out, "This is a MIME message: the report as text and as HTML.\n\n");
	buf_printf(out, "--=_tokstat_%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n",
		   boundary);
	base64_lines(out, text.data ? text.data : "", text.len);
	buf_printf(out,
		   "\n--=_tokstat_%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n",
		   boundary);
	quoted_printable(out, html.data ? html.data : "", html.len);
	buf_printf(out, "\n--=_tokstat_%s--\n", boundary);
	rc = 0;
out:
	buf_free(&text);
	buf_free(&html);
	buf_free(&v);
	return rc;
}
