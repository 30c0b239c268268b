/*
 * The HTML writer: one self-contained page that survives an email client. No JavaScript, no
 * external resources (fonts, images, CSS files), no <style> block: inline styles and table
 * layout only, which is what Gmail, Outlook and Apple Mail keep. Charts are rows of table
 * cells whose width is the value, since email clients drop SVG, canvas and scripts.
 *
 * Size: Gmail clips a message over 102 KB, so the page stays under OUT_HTML_MAX_BYTES whatever
 * the history: lists are cut to their top N with an "and N more" row, long texts are cut,
 * long series are drawn in buckets; when a page is still too large it is drawn again with
 * fewer rows. Every text that came from a log is made visible (utf8_escape: controls and
 * bidirectional overrides as \u{...}) and then HTML-escaped.
 *
 * Colours always come with a word or a symbol (a badge "✓ active", a note "⚠ ..."), so a
 * plain-text or colour-blind reader gets the same. The levels are in report.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "utf8.h"

/* Under Gmail's 102 KB clipping, with room for the email's other part and headers. */
#define OUT_HTML_MAX_BYTES (100 * 1024)
#define SERIES_MAX_BARS 31 /* a month of days; longer series are drawn in buckets */

struct html {
	struct buf *out;
	size_t max_rows; /* rows of a list before "and N more" */
	size_t max_text; /* bytes of one text cell before it is cut */
};

static const char *const FONT = "font-family:Arial,Helvetica,sans-serif;";
static const char *const MUTED = "#6b7280";

/* Escape for HTML text and attribute values. */
static void esc_raw(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			buf_adds(out, "&amp;");
			break;
		case '<':
			buf_adds(out, "&lt;");
			break;
		case '>':
			buf_adds(out, "&gt;");
			break;
		case '"':
			buf_adds(out, "&quot;");
			break;
		case '\'':
			buf_adds(out, "&#39;");
			break;
		default:
			buf_addc(out, s[i]);
		}
	}
}

/* Text from a log: controls made visible, cut at MAX bytes (on a character boundary), escaped. */
static void esc(struct buf *out, const char *s, size_t n, size_t max)
{
	struct buf v = BUF_INIT;
	utf8_escape(&v, s, n);
	size_t len = v.len;
	bool cut = max && len > max;
	if (cut) {
		len = max;
		while (len > 0 && ((unsigned char)v.data[len] & 0xc0) == 0x80)
			len--;
	}
	esc_raw(out, v.data ? v.data : "", len);
	if (cut)
		buf_adds(out, "\xe2\x80\xa6"); /* … */
	buf_free(&v);
}

static void esc_s(struct buf *out, const char *s)
{
	esc(out, s, strlen(s), 0);
}

/* A column label for people: the text writer's "cache_read" reads as "cache read". */
static void label(struct buf *out, const char *s)
{
	struct buf l = BUF_INIT;
	buf_adds(&l, s);
	for (size_t i = 0; i < l.len; i++)
		if (l.data[i] == '_')
			l.data[i] = ' ';
	esc_s(out, buf_str(&l));
	buf_free(&l);
}

/* Digits of an integer in groups of three: 27,929,748. */
static void group_digits(struct buf *out, const char *num)
{
	const char *p = num, *dot;
	if (*p == '-')
		buf_addc(out, *p++);
	dot = strchr(p, '.');
	size_t ndig = dot ? (size_t)(dot - p) : strlen(p);
	for (size_t i = 0; i < ndig; i++) {
		if (i && (ndig - i) % 3 == 0)
			buf_addc(out, ',');
		buf_addc(out, p[i]);
	}
	if (dot)
		buf_adds(out, dot);
}

static void number(struct buf *out, const struct report_column *col, const struct report_value *v)
{
	struct buf n = BUF_INIT;
	out_format_number(&n, col, v);
	if (v->kind != REPORT_NULL && col->unit && strcmp(col->unit, "usd") == 0)
		buf_addc(out, '$');
	if (v->kind == REPORT_NULL)
		buf_adds(out, "&ndash;");
	else
		group_digits(out, buf_str(&n));
	buf_free(&n);
}

static const struct {
	const char *fg, *bg, *symbol;
} level_style[] = {
	[REPORT_LEVEL_NONE] = { "#374151", "#f3f4f6", "" },
	[REPORT_LEVEL_GOOD] = { "#166534", "#dcfce7", "\xe2\x9c\x93 " },  /* ✓ */
	[REPORT_LEVEL_WATCH] = { "#92400e", "#fef3c7", "\xe2\x9a\xa0 " }, /* ⚠ */
	[REPORT_LEVEL_BAD] = { "#991b1b", "#fee2e2", "\xe2\x9c\x97 " },   /* ✗ */
};

static void badge(struct buf *out, const char *word, size_t n)
{
	enum report_level l = report_badge_level(word);
	buf_printf(out, "<span style=\"color:%s;background:%s;padding:1px 6px;border-radius:9px;white-space:nowrap\">%s",
		   level_style[l].fg, level_style[l].bg, level_style[l].symbol);
	esc(out, word, n, 40);
	buf_adds(out, "</span>");
}

/* A bar PCT (0..100) wide: two cells of a one-row table, the coloured one PCT% wide. */
static void bar(struct buf *out, double pct, const char *colour)
{
	if (!isfinite(pct) || pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	int w = (int)lround(pct);
	buf_adds(out, "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
		      "style=\"border-collapse:collapse\"><tr>");
	if (w > 0)
		buf_printf(out, "<td width=\"%d%%\" style=\"background:%s;height:10px;font-size:1px;line-height:1px\">&nbsp;</td>",
			   w, colour);
	if (w < 100)
		buf_adds(out, "<td style=\"font-size:1px;line-height:1px\">&nbsp;</td>");
	buf_adds(out, "</tr></table>");
}

static bool is_numeric(enum report_type t)
{
	return t == REPORT_TYPE_INT || t == REPORT_TYPE_REAL;
}

static bool is_share(const struct report_column *c)
{
	return c->unit && strcmp(c->unit, "share") == 0;
}

static void cell(struct html *h, const struct report_table *t, size_t row, size_t c)
{
	const struct report_column *col = &t->cols[c];
	const struct report_value *v = report_cell(t, row, c);
	struct buf *out = h->out;
	if (is_numeric(col->type)) {
		if (is_share(col) && v->kind != REPORT_NULL) {
			double pct = v->kind == REPORT_REAL ? v->r : (double)v->i;
			buf_adds(out, "<td style=\"padding:3px 6px;min-width:70px\">");
			bar(out, pct, "#2563eb");
			buf_adds(out, "<span style=\"font-size:11px\">");
			number(out, col, v);
			buf_adds(out, "</span></td>");
			return;
		}
		buf_adds(out, "<td style=\"padding:3px 6px;text-align:right;white-space:nowrap\">");
		number(out, col, v);
	} else if (v->kind == REPORT_NULL) {
		buf_adds(out, "<td style=\"padding:3px 6px\">&ndash;");
	} else if (col->type == REPORT_TYPE_BADGE) {
		buf_adds(out, "<td style=\"padding:3px 6px\">");
		badge(out, report_text(t, v), v->len);
	} else if (col->type == REPORT_TYPE_TEXT) {
		/* a short text (a credential, a model) stays on one line; a long one wraps at its
		 * commas and slashes, in a column wide enough to read */
		buf_adds(out, v->len <= 32 ? "<td style=\"padding:3px 6px;white-space:nowrap\">"
					   : "<td style=\"padding:3px 6px;min-width:180px;overflow-wrap:break-word\">");
		esc(out, report_text(t, v), v->len, h->max_text);
	} else if (col->type == REPORT_TYPE_DATE) {
		buf_adds(out, "<td style=\"padding:3px 6px;white-space:nowrap\">");
		esc(out, report_text(t, v), v->len, 40);
	} else { /* a time "2025-10-12T21:31:02Z" reads as "2025-10-12 21:31", the date above the
		  * time where the column is narrow (the text and JSON reports keep the seconds) */
		buf_adds(out, "<td style=\"padding:3px 6px\">");
		struct buf s = BUF_INIT;
		buf_add(&s, report_text(t, v), v->len);
		if (s.len == 20 && s.data[10] == 'T' && s.data[19] == 'Z') {
			buf_adds(out, "<span style=\"white-space:nowrap\">");
			esc(out, s.data, 10, 0);
			buf_adds(out, "</span> <span style=\"white-space:nowrap\">");
			esc(out, s.data + 11, 5, 0);
			buf_adds(out, "</span>");
		} else {
			esc(out, s.data, s.len, 40);
		}
		buf_free(&s);
	}
	buf_adds(out, "</td>");
}

static void notes(struct html *h, const struct report_note *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		enum report_level l = n[i].level;
		buf_printf(h->out, "<p style=\"margin:6px 0;padding:6px 8px;color:%s;background:%s\">%s", level_style[l].fg,
			   level_style[l].bg, l == REPORT_LEVEL_NONE ? "" : level_style[l].symbol);
		esc(h->out, n[i].text, strlen(n[i].text), 0);
		buf_adds(h->out, "</p>");
	}
}

static void heading(struct html *h, const struct report_table *t)
{
	buf_adds(h->out, "<tr><td style=\"padding:14px 16px 4px\"><h2 style=\"font-size:16px;margin:0;color:#111827\">");
	esc_s(h->out, t->title ? t->title : t->key ? t->key : "");
	buf_adds(h->out, "</h2></td></tr>\n");
}

static void open_body(struct html *h)
{
	buf_adds(h->out, "<tr><td style=\"padding:4px 16px 8px\">");
}

static void close_body(struct html *h, const struct report_table *t)
{
	notes(h, t->notes, t->nnotes);
	buf_adds(h->out, "</td></tr>\n");
}

/* One record: a row per figure, label left, value right. Narrow, so it fits a phone. */
static void record(struct html *h, const struct report_table *t)
{
	buf_adds(h->out, "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" "
			 "style=\"border-collapse:collapse;width:100%;max-width:520px;font-size:14px\">");
	for (size_t c = 0; c < t->ncols && t->nrows; c++) {
		buf_printf(h->out, "<tr%s><td style=\"padding:3px 6px;color:#374151\">",
			   c % 2 ? "" : " style=\"background:#f9fafb\"");
		label(h->out, t->cols[c].label);
		buf_adds(h->out, "</td>");
		cell(h, t, 0, c);
		buf_adds(h->out, "</tr>");
	}
	buf_adds(h->out, "</table>");
}

static void list(struct html *h, const struct report_table *t)
{
	size_t rows = t->nrows < h->max_rows ? t->nrows : h->max_rows;
	int64_t more = t->total_rows - (int64_t)rows;
	/* a wide list scrolls inside its box on a phone instead of widening the page */
	buf_adds(h->out, "<div style=\"overflow-x:auto;max-width:100%\"><table cellpadding=\"0\" cellspacing=\"0\" "
			 "style=\"border-collapse:collapse;width:100%;font-size:12px\"><tr style=\"background:#eef2ff\">");
	for (size_t c = 0; c < t->ncols; c++) {
		buf_printf(h->out, "<th style=\"padding:4px 6px;text-align:%s;font-weight:bold\">",
			   is_numeric(t->cols[c].type) && !is_share(&t->cols[c]) ? "right" : "left");
		label(h->out, t->cols[c].label);
		buf_adds(h->out, "</th>");
	}
	buf_adds(h->out, "</tr>\n");
	for (size_t row = 0; row < rows; row++) {
		buf_adds(h->out, row % 2 ? "<tr style=\"background:#f9fafb\">" : "<tr>");
		for (size_t c = 0; c < t->ncols; c++)
			cell(h, t, row, c);
		buf_adds(h->out, "</tr>\n");
	}
	if (t->nrows == 0)
		buf_printf(h->out, "<tr><td colspan=\"%zu\" style=\"padding:4px 6px;color:%s\">None.</td></tr>", t->ncols,
			   MUTED);
	else if (more > 0)
		buf_printf(h->out, "<tr><td colspan=\"%zu\" style=\"padding:4px 6px;color:%s\">and %lld more</td></tr>",
			   t->ncols, MUTED, (long long)more);
	buf_adds(h->out, "</table></div>");
}

static double value_of(const struct report_value *v)
{
	return v->kind == REPORT_INT ? (double)v->i : v->kind == REPORT_REAL ? v->r : 0;
}

/*
 * A series as a bar chart: one row per time (or bucket of times), the requests as a number
 * and a bar for each measure drawn: the total tokens ("total") and the cost (unit usd).
 */
static void series(struct html *h, const struct report_table *t)
{
	int bars[2], nbars = 0, req = report_column_index(t, "requests");
	int total = report_column_index(t, "total"), cost = report_column_index(t, "cost_usd");
	static const char *const colours[2] = { "#2563eb", "#059669" };
	if (total >= 0)
		bars[nbars++] = total;
	if (cost >= 0)
		bars[nbars++] = cost;
	size_t per = (t->nrows + SERIES_MAX_BARS - 1) / SERIES_MAX_BARS;
	if (per == 0)
		per = 1;
	size_t nb = (t->nrows + per - 1) / per;
	double max[2] = { 0, 0 };
	double *sum = xcalloc(nb * 3 + 1, sizeof(*sum));
	bool *known = xcalloc(nb * 3 + 1, sizeof(*known));
	for (size_t row = 0; row < t->nrows; row++) {
		size_t b = row / per;
		int cols[3] = { bars[0], nbars > 1 ? bars[1] : -1, req };
		for (int k = 0; k < 3; k++) {
			if (cols[k] < 0 || (k < 2 && k >= nbars))
				continue;
			const struct report_value *v = report_cell(t, row, (size_t)cols[k]);
			if (v->kind != REPORT_NULL)
				known[b * 3 + k] = true;
			sum[b * 3 + k] += value_of(v);
		}
	}
	for (size_t b = 0; b < nb; b++)
		for (int k = 0; k < nbars; k++)
			if (sum[b * 3 + k] > max[k])
				max[k] = sum[b * 3 + k];
	buf_adds(h->out, "<div style=\"overflow-x:auto;max-width:100%\"><table role=\"presentation\" cellpadding=\"0\" "
			 "cellspacing=\"0\" style=\"border-collapse:collapse;width:100%;font-size:12px\">"
			 "<tr style=\"background:#eef2ff\">");
	buf_adds(h->out, "<th style=\"padding:4px 6px;text-align:left\">");
	label(h->out, t->cols[0].label);
	buf_adds(h->out, "</th>");
	if (req >= 0)
		buf_adds(h->out, "<th style=\"padding:4px 6px;text-align:right\">requests</th>");
	for (int k = 0; k < nbars; k++) {
		buf_printf(h->out, "<th style=\"padding:4px 6px;text-align:left;color:%s\">", colours[k]);
		esc_s(h->out, bars[k] == total ? "tokens" : "cost");
		buf_adds(h->out, "</th>");
	}
	buf_adds(h->out, "</tr>\n");
	for (size_t b = 0; b < nb; b++) {
		size_t first = b * per, last = first + per - 1 < t->nrows ? first + per - 1 : t->nrows - 1;
		const struct report_value *lv = report_cell(t, first, 0);
		buf_adds(h->out, b % 2 ? "<tr style=\"background:#f9fafb\">" : "<tr>");
		buf_adds(h->out, "<td style=\"padding:2px 6px;white-space:nowrap\">");
		/* an hour shows as its HH, a day as its date; a bucket as first..last */
		const char *label = report_text(t, lv);
		size_t ln = strlen(label);
		esc(h->out, ln == 13 && label[10] == 'T' ? label + 11 : label, ln == 13 && label[10] == 'T' ? 2 : ln, 20);
		if (ln == 13 && label[10] == 'T')
			buf_adds(h->out, ":00");
		if (last != first) {
			buf_adds(h->out, " &ndash; ");
			esc_s(h->out, report_text(t, report_cell(t, last, 0)));
		}
		buf_adds(h->out, "</td>");
		if (req >= 0) {
			struct report_value v = { .kind = REPORT_INT, .i = (int64_t)sum[b * 3 + 2] };
			buf_adds(h->out, "<td style=\"padding:2px 6px;text-align:right\">");
			number(h->out, &t->cols[req], &v);
			buf_adds(h->out, "</td>");
		}
		for (int k = 0; k < nbars; k++) {
			const struct report_column *col = &t->cols[bars[k]];
			struct report_value v = { .kind = known[b * 3 + k] ? col->type == REPORT_TYPE_REAL ? REPORT_REAL : REPORT_INT
								       : REPORT_NULL };
			v.r = sum[b * 3 + k];
			v.i = (int64_t)llround(sum[b * 3 + k]);
			buf_adds(h->out, "<td style=\"padding:2px 6px;width:40%;min-width:60px\">");
			bar(h->out, max[k] > 0 ? 100.0 * sum[b * 3 + k] / max[k] : 0, colours[k]);
			buf_adds(h->out, "<span style=\"font-size:11px\">");
			number(h->out, col, &v);
			buf_adds(h->out, "</span></td>");
		}
		buf_adds(h->out, "</tr>\n");
	}
	if (t->nrows == 0)
		buf_printf(h->out, "<tr><td colspan=\"%d\" style=\"padding:4px 6px;color:%s\">None.</td></tr>",
			   1 + (req >= 0) + nbars, MUTED);
	buf_adds(h->out, "</table></div>");
	if (per > 1)
		buf_printf(h->out, "<p style=\"margin:4px 0;color:%s;font-size:12px\">%zu rows, drawn %zu to a bar.</p>", MUTED,
			   t->nrows, per);
	free(sum);
	free(known);
}

static void page(struct html *h, const struct report *r)
{
	struct buf *out = h->out;
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc_s(out, r->title ? r->title : "tokstat report");
	buf_printf(out, "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#f3f4f6;%s\">\n", FONT);
	buf_printf(out, "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
			"style=\"border-collapse:collapse;table-layout:fixed;background:#f3f4f6\"><tr><td style=\"padding:8px 4px\">\n"
			"<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"border-collapse:collapse;"
			"table-layout:fixed;width:100%%;max-width:1180px;margin:0 auto;background:#ffffff;color:#111827;%s\">\n",
		   FONT);
	buf_adds(out, "<tr><td style=\"padding:16px 16px 4px\"><h1 style=\"font-size:20px;margin:0\">");
	esc_s(out, r->title ? r->title : "tokstat report");
	buf_printf(out, "</h1><p style=\"margin:4px 0 0;color:%s;font-size:12px\">", MUTED);
	if (r->has_period) {
		buf_adds(out, "Period ");
		esc_s(out, r->from);
		buf_adds(out, " to ");
		esc_s(out, r->to);
		buf_printf(out, " (UTC, %lld day%s).", (long long)r->days, r->days == 1 ? "" : "s");
	}
	if (r->latest[0]) {
		buf_adds(out, " Latest day with data: ");
		esc_s(out, r->latest);
		buf_addc(out, '.');
	}
	if (r->generated[0]) {
		buf_adds(out, " Made ");
		esc_s(out, r->generated);
		buf_addc(out, '.');
	}
	buf_adds(out, "</p>");
	notes(h, r->notes, r->nnotes);
	buf_adds(out, "</td></tr>\n");
	for (size_t i = 0; i < r->ntables; i++) {
		const struct report_table *t = r->tables[i];
		if (t->ncols == 0)
			continue;
		heading(h, t);
		open_body(h);
		if (t->shape == REPORT_RECORD)
			record(h, t);
		else if (t->shape == REPORT_SERIES)
			series(h, t);
		else
			list(h, t);
		close_body(h, t);
	}
	buf_printf(out, "<tr><td style=\"padding:12px 16px;color:%s;font-size:11px\">Made by tokstat from the "
			"database's aggregates; times are UTC. The same report as text, CSV or JSON: "
			"tokstat report --format text|csv|json.</td></tr>\n",
		   MUTED);
	buf_adds(out, "</table>\n</td></tr></table>\n</body>\n</html>\n");
}

int out_html_write(struct buf *out, const struct report *r, const struct out_options *o, struct buf *err)
{
	(void)o;
	static const size_t rows[] = { 50, 25, 10, 5, 3, 1 };
	static const size_t texts[] = { 300, 200, 120, 80, 60, 40 };
	struct buf page_buf = BUF_INIT;
	int rc = -1;
	/* draw with fewer rows until the page fits; a page of 1-row lists always does */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct html h = { &page_buf, rows[i], texts[i] };
		buf_reset(&page_buf);
		page(&h, r);
		if (page_buf.len <= OUT_HTML_MAX_BYTES) {
			buf_add(out, page_buf.data, page_buf.len);
			rc = 0;
			break;
		}
	}
	if (rc < 0)
		buf_printf(err, "the HTML report does not fit in %d bytes", OUT_HTML_MAX_BYTES);
	buf_free(&page_buf);
	return rc;
}
