/* The report model: tables of typed columns filled from SQL (see report.h). */
#include "report.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "embedded.h"
#include "latency.h"
#include "report_scan.h"
#include "timefmt.h"

static char *vformat(const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	char *s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

void report_set_title(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->title);
	r->title = vformat(fmt, ap);
	va_end(ap);
}

static void add_note(struct report_note **notes, size_t *n, enum report_level level, char *text)
{
	*notes = xrealloc(*notes, (*n + 1) * sizeof(**notes));
	(*notes)[*n].level = level;
	(*notes)[(*n)++].text = text;
}

void report_add_note(struct report *r, enum report_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_note(&r->notes, &r->nnotes, level, vformat(fmt, ap));
	va_end(ap);
}

void report_table_note(struct report_table *t, enum report_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_note(&t->notes, &t->nnotes, level, vformat(fmt, ap));
	va_end(ap);
}

void report_columns_free(struct report_column *cols, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		free(cols[c].key);
		free(cols[c].label);
		free(cols[c].unit);
	}
	free(cols);
}

static void notes_free(struct report_note *notes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(notes[i].text);
	free(notes);
}

static void table_free(struct report_table *t)
{
	if (!t)
		return;
	report_columns_free(t->cols, t->ncols);
	notes_free(t->notes, t->nnotes);
	free(t->cells);
	free(t->key);
	free(t->title);
	buf_free(&t->text);
	free(t);
}

/* Copy column SRC of the current row of Q into V, text into T's arena. */
static void take_value(struct report_table *t, sqlite3_stmt *q, int src, struct report_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(q, src)) {
	case SQLITE_NULL:
		v->kind = REPORT_NULL;
		break;
	case SQLITE_INTEGER:
		v->kind = REPORT_INT;
		v->i = sqlite3_column_int64(q, src);
		break;
	case SQLITE_FLOAT:
		v->kind = REPORT_REAL;
		v->r = sqlite3_column_double(q, src);
		break;
	default: { /* TEXT, or a BLOB shown as its bytes */
		const void *p = sqlite3_column_blob(q, src);
		v->kind = REPORT_TEXT;
		v->len = (size_t)sqlite3_column_bytes(q, src);
		v->off = t->text.len;
		buf_add(&t->text, p ? p : "", v->len);
		buf_addc(&t->text, '\0');
	}
	}
}

/* Is a NUL-terminated copy of text V already one of T's notes? */
static bool has_note(const struct report_table *t, const char *s)
{
	for (size_t i = 0; i < t->nnotes; i++)
		if (strcmp(t->notes[i].text, s) == 0)
			return true;
	return false;
}

/*
 * Step Q to the end, storing the columns MAP[0..t->ncols) of each row into T and the hidden
 * columns (_total, _note, _warning) as the table's count and notes. SQLITE_DONE or an error.
 */
static int take_rows(struct report_table *t, sqlite3_stmt *q, const int *map)
{
	int n = sqlite3_column_count(q), step;
	size_t cap = 0, w = t->ncols ? t->ncols : 1;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 16;
			t->cells = xrealloc(t->cells, cap * w * sizeof(*t->cells));
		}
		struct report_value *row = t->cells + t->nrows * t->ncols;
		for (size_t c = 0; c < t->ncols; c++) {
			take_value(t, q, map[c], &row[c]);
			/* a REAL column holds reals (a sum that happens to be whole comes back INTEGER) */
			if (t->cols[c].type == REPORT_TYPE_REAL && row[c].kind == REPORT_INT) {
				row[c].kind = REPORT_REAL;
				row[c].r = (double)row[c].i;
			}
		}
		t->nrows++;
		for (int c = 0; c < n; c++) {
			const char *name = sqlite3_column_name(q, c);
			if (name[0] != '_' || sqlite3_column_type(q, c) == SQLITE_NULL)
				continue;
			if (strcmp(name, "_total") == 0 && t->nrows == 1) {
				t->total_rows = sqlite3_column_int64(q, c);
			} else if (strcmp(name, "_note") == 0 || strcmp(name, "_warning") == 0) {
				const char *s = (const char *)sqlite3_column_text(q, c);
				if (s && !has_note(t, s))
					add_note(&t->notes, &t->nnotes,
						 name[1] == 'n' ? REPORT_LEVEL_NONE : REPORT_LEVEL_WATCH, xstrdup(s));
			}
		}
	}
	if (t->total_rows < (int64_t)t->nrows)
		t->total_rows = (int64_t)t->nrows;
	return step;
}

static void append_table(struct report *r, struct report_table *t)
{
	r->tables = xrealloc(r->tables, (r->ntables + 1) * sizeof(*r->tables));
	r->tables[r->ntables++] = t;
}

struct report_table *report_add_query(struct report *r, sqlite3 *db, const char *title, const char *sql,
				      const struct report_bind *binds, int nbinds, struct buf *err)
{
	struct report_table *t = xcalloc(1, sizeof(*t));
	sqlite3_stmt *q = NULL;
	int *map = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		goto fail;
	for (int i = 0; i < nbinds; i++) {
		if (binds[i].text)
			sqlite3_bind_text(q, i + 1, binds[i].text, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(q, i + 1, binds[i].num);
	}
	t->ncols = (size_t)sqlite3_column_count(q);
	t->cols = xcalloc(t->ncols ? t->ncols : 1, sizeof(*t->cols));
	map = xcalloc(t->ncols ? t->ncols : 1, sizeof(*map));
	for (size_t c = 0; c < t->ncols; c++) {
		t->cols[c].key = xstrdup(sqlite3_column_name(q, (int)c));
		t->cols[c].label = xstrdup(t->cols[c].key);
		t->cols[c].type = REPORT_TYPE_INT; /* until a value says otherwise; only NULLs: a number */
		map[c] = (int)c;
	}
	if (take_rows(t, q, map) != SQLITE_DONE)
		goto fail;
	/* a plain query's column is what its first value is: TEXT, else a number */
	for (size_t c = 0; c < t->ncols; c++) {
		for (size_t row = 0; row < t->nrows; row++) {
			enum report_kind k = report_cell(t, row, c)->kind;
			if (k == REPORT_NULL)
				continue;
			t->cols[c].type = k == REPORT_TEXT ? REPORT_TYPE_TEXT : k == REPORT_REAL ? REPORT_TYPE_REAL
												: REPORT_TYPE_INT;
			break;
		}
	}
	sqlite3_finalize(q);
	free(map);
	if (title)
		t->title = xstrdup(title);
	append_table(r, t);
	return t;
fail:
	buf_printf(err, "cannot query: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	free(map);
	table_free(t);
	return NULL;
}

/* ---- tables a command fills ---- */

struct report_table *report_add_table(struct report *r, const char *key, const char *title, enum report_shape shape,
				      const struct report_column *cols, size_t ncols)
{
	struct report_table *t = xcalloc(1, sizeof(*t));
	t->key = key ? xstrdup(key) : NULL;
	t->title = title ? xstrdup(title) : NULL;
	t->shape = shape;
	t->ncols = ncols;
	t->cols = xcalloc(ncols ? ncols : 1, sizeof(*t->cols));
	for (size_t c = 0; c < ncols; c++) {
		t->cols[c].key = xstrdup(cols[c].key);
		t->cols[c].label = xstrdup(cols[c].label ? cols[c].label : cols[c].key);
		t->cols[c].type = cols[c].type;
		t->cols[c].unit = cols[c].unit ? xstrdup(cols[c].unit) : NULL;
	}
	append_table(r, t);
	return t;
}

/* The next cell of T (zeroed), growing its rows; the row counts once its last cell is added. */
static struct report_value *next_cell(struct report_table *t)
{
	size_t n = t->nrows * t->ncols + t->pending;
	t->cells = xrealloc(t->cells, (n + 1) * sizeof(*t->cells));
	struct report_value *v = &t->cells[n];
	memset(v, 0, sizeof(*v));
	if (++t->pending == t->ncols) {
		t->pending = 0;
		t->nrows++;
		t->total_rows = (int64_t)t->nrows;
	}
	return v;
}

void report_add_int(struct report_table *t, int64_t v)
{
	struct report_value *c = next_cell(t);
	c->kind = REPORT_INT;
	c->i = v;
}

void report_add_real(struct report_table *t, double v)
{
	struct report_value *c = next_cell(t);
	c->kind = REPORT_REAL;
	c->r = v;
}

void report_add_text(struct report_table *t, const char *s)
{
	if (!s) {
		report_add_null(t);
		return;
	}
	size_t off = t->text.len, len = strlen(s);
	buf_add(&t->text, s, len);
	buf_addc(&t->text, '\0');
	struct report_value *c = next_cell(t);
	c->kind = REPORT_TEXT;
	c->off = off;
	c->len = len;
}

void report_add_null(struct report_table *t)
{
	next_cell(t)->kind = REPORT_NULL;
}

/* ---- sections: sql/reports/NAME.sql ---- */

static char *trimmed(const char *p, size_t n)
{
	while (n && isspace((unsigned char)*p))
		p++, n--;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return xstrndup(p, n);
}

static const struct {
	const char *name;
	enum report_type type;
} type_names[] = {
	{ "text", REPORT_TYPE_TEXT }, { "int", REPORT_TYPE_INT },   { "real", REPORT_TYPE_REAL },
	{ "date", REPORT_TYPE_DATE }, { "time", REPORT_TYPE_TIME }, { "badge", REPORT_TYPE_BADGE },
};

/* "key | label | type [| unit]" into *COL. 0, or -1 with ERR. */
static int parse_column(const char *s, size_t n, struct report_column *col, struct buf *err)
{
	char *part[4] = { 0 };
	size_t np = 0;
	int rc = -1;
	while (np < 4) {
		const char *bar = memchr(s, '|', n);
		size_t len = bar ? (size_t)(bar - s) : n;
		part[np++] = trimmed(s, len);
		if (!bar)
			break;
		n -= len + 1;
		s = bar + 1;
	}
	if (np < 3 || !*part[0]) {
		buf_printf(err, "a column line wants 'key | label | type [| unit]'");
		goto out;
	}
	size_t i;
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(part[2], type_names[i].name) == 0)
			break;
	if (i == sizeof(type_names) / sizeof(type_names[0])) {
		buf_printf(err, "column %s: unknown type '%s'", part[0], part[2]);
		goto out;
	}
	col->key = part[0];
	col->label = *part[1] ? part[1] : xstrdup(part[0]);
	if (!*part[1])
		free(part[1]);
	col->type = type_names[i].type;
	free(part[2]);
	col->unit = np == 4 && *part[3] ? part[3] : NULL;
	if (np == 4 && !*part[3])
		free(part[3]);
	return 0;
out:
	for (size_t j = 0; j < np; j++)
		free(part[j]);
	return rc;
}

int report_parse_header(const char *sql, char **title, enum report_shape *shape, struct report_column **cols,
			size_t *ncols, struct buf *err)
{
	*title = NULL;
	*shape = REPORT_LIST;
	*cols = NULL;
	*ncols = 0;
	for (const char *p = sql; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		const char *next = eol ? eol + 1 : p + n;
		/* the header is the leading comment block */
		if (n == 0) {
			p = next;
			continue;
		}
		if (n < 2 || p[0] != '-' || p[1] != '-')
			break;
		const char *s = p + 2, *colon = memchr(s, ':', n - 2);
		if (colon) {
			char *key = trimmed(s, (size_t)(colon - s));
			const char *v = colon + 1;
			size_t vn = n - (size_t)(v - p);
			int bad = 0;
			if (strcmp(key, "title") == 0) {
				free(*title);
				*title = trimmed(v, vn);
			} else if (strcmp(key, "shape") == 0) {
				char *w = trimmed(v, vn);
				if (strcmp(w, "list") == 0)
					*shape = REPORT_LIST;
				else if (strcmp(w, "record") == 0)
					*shape = REPORT_RECORD;
				else if (strcmp(w, "series") == 0)
					*shape = REPORT_SERIES;
				else
					bad = 1, buf_printf(err, "unknown shape '%s' (list, record or series)", w);
				free(w);
			} else if (strcmp(key, "column") == 0) {
				*cols = xrealloc(*cols, (*ncols + 1) * sizeof(**cols));
				if (parse_column(v, vn, &(*cols)[*ncols], err) < 0)
					bad = 1;
				else
					(*ncols)++;
			}
			free(key);
			if (bad) {
				free(*title);
				*title = NULL;
				report_columns_free(*cols, *ncols);
				*cols = NULL;
				*ncols = 0;
				return -1;
			}
		}
		p = next;
	}
	return 0;
}

/* Bind every :name that Q uses from P. 0, or -1 with ERR (an unknown name). */
static int bind_params(sqlite3_stmt *q, const struct report_params *p, struct buf *err)
{
	for (int i = 1; i <= sqlite3_bind_parameter_count(q); i++) {
		const char *name = sqlite3_bind_parameter_name(q, i);
		if (!name) {
			buf_printf(err, "parameter %d has no name (use :from_day, :top, ...)", i);
			return -1;
		}
		name++;
		if (strcmp(name, "month") == 0) {
			sqlite3_bind_text(q, i, p->month ? p->month : "", -1, SQLITE_STATIC);
			continue;
		}
		int64_t v;
		if (strcmp(name, "from_day") == 0)
			v = p->from_day;
		else if (strcmp(name, "to_day") == 0)
			v = p->to_day;
		else if (strcmp(name, "from_epoch") == 0)
			v = p->from_day * 86400;
		else if (strcmp(name, "to_epoch") == 0)
			v = (p->to_day + 1) * 86400;
		else if (strcmp(name, "month_lo") == 0)
			v = p->month_lo;
		else if (strcmp(name, "month_hi") == 0)
			v = p->month_hi;
		else if (strcmp(name, "last_day") == 0)
			v = p->last_day;
		else if (strcmp(name, "top") == 0)
			v = p->top;
		else if (strcmp(name, "groups") == 0)
			v = p->groups;
		else {
			buf_printf(err, "unknown parameter :%s", name);
			return -1;
		}
		sqlite3_bind_int64(q, i, v);
	}
	return 0;
}

/* TITLE with "{top}" replaced by the top N ("all" when unlimited); caller frees. */
static char *expand_title(const char *title, int64_t top)
{
	struct buf b = BUF_INIT;
	for (const char *p = title; *p;) {
		if (top < 0 && strncmp(p, "top {top} ", 10) == 0) {
			p += 10; /* every row: "Users (by tokens)" */
		} else if (strncmp(p, "{top}", 5) == 0) {
			if (top < 0)
				buf_adds(&b, "all");
			else
				buf_printf(&b, "%lld", (long long)top);
			p += 5;
		} else {
			buf_addc(&b, *p++);
		}
	}
	char *s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

struct report_table *report_add_section(struct report *r, sqlite3 *db, const char *name, const char *title,
					const struct report_params *p, struct buf *err)
{
	struct buf path = BUF_INIT, why = BUF_INIT;
	struct report_table *t = xcalloc(1, sizeof(*t)), *ret = NULL;
	struct report_column *hdr = NULL;
	size_t nhdr = 0;
	char *hdr_title = NULL;
	sqlite3_stmt *q = NULL;
	int *map = NULL;
	bool *used = NULL;

	buf_printf(&path, "sql/reports/%s.sql", name);
	const struct embedded_file *f = embedded_find(buf_str(&path));
	if (!f) {
		buf_printf(&why, "no such report section");
		goto fail;
	}
	if (report_parse_header(f->data, &hdr_title, &t->shape, &hdr, &nhdr, &why) < 0)
		goto fail;
	if (sqlite3_prepare_v2(db, f->data, -1, &q, NULL) != SQLITE_OK) {
		buf_printf(&why, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	if (bind_params(q, p, &why) < 0)
		goto fail;
	/* every shown SQL column has a column line, and every column line a SQL column */
	int n = sqlite3_column_count(q);
	map = xcalloc(n ? (size_t)n : 1, sizeof(*map));
	used = xcalloc(nhdr ? nhdr : 1, sizeof(*used));
	t->cols = xcalloc(n ? (size_t)n : 1, sizeof(*t->cols));
	for (int c = 0; c < n; c++) {
		const char *cn = sqlite3_column_name(q, c);
		if (cn[0] == '_')
			continue;
		size_t h;
		for (h = 0; h < nhdr; h++)
			if (hdr[h].key && strcmp(hdr[h].key, cn) == 0)
				break;
		if (h == nhdr) {
			buf_printf(&why, "column %s has no '-- column:' line", cn);
			goto fail;
		}
		used[h] = true;
		t->cols[t->ncols] = hdr[h];
		memset(&hdr[h], 0, sizeof(hdr[h]));
		map[t->ncols++] = c;
	}
	for (size_t h = 0; h < nhdr; h++) {
		if (!used[h]) {
			buf_printf(&why, "'-- column: %s' names no column of the query", hdr[h].key);
			goto fail;
		}
	}
	if (take_rows(t, q, map) != SQLITE_DONE) {
		buf_printf(&why, "%s", sqlite3_errmsg(db));
		goto fail;
	}
	t->key = xstrdup(name);
	if (title || hdr_title)
		t->title = expand_title(title ? title : hdr_title, p->top);
	append_table(r, t);
	ret = t;
	t = NULL;
	goto out;
fail:
	buf_printf(err, "%s: %s", buf_str(&path), buf_str(&why));
out:
	sqlite3_finalize(q);
	table_free(t);
	report_columns_free(hdr, nhdr);
	free(hdr_title);
	free(map);
	free(used);
	buf_free(&path);
	buf_free(&why);
	return ret;
}

void report_set_unit(struct report_table *t, const char *key, const char *unit)
{
	for (size_t c = 0; c < t->ncols; c++) {
		struct report_column *col = &t->cols[c];
		if (key ? strcmp(col->key, key) != 0 : col->type != REPORT_TYPE_INT && col->type != REPORT_TYPE_REAL)
			continue;
		free(col->unit);
		col->unit = unit ? xstrdup(unit) : NULL;
	}
}

const struct report_value *report_cell(const struct report_table *t, size_t row, size_t col)
{
	return &t->cells[row * t->ncols + col];
}

int report_column_index(const struct report_table *t, const char *key)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->cols[c].key, key) == 0)
			return (int)c;
	return -1;
}

const char *report_text(const struct report_table *t, const struct report_value *v)
{
	return v->kind == REPORT_TEXT ? t->text.data + v->off : "";
}

/*
 * The badge words that report SQL produces, and how good each is. The thresholds that pick
 * the words are in the SQL files that compute them (sql/reports/), each with its source.
 */
static const struct {
	const char *word;
	enum report_level level;
} badges[] = {
	/* credential status (the credentials view) */
	{ "active", REPORT_LEVEL_GOOD },
	{ "rate_limited", REPORT_LEVEL_BAD },
	{ "invalid", REPORT_LEVEL_BAD },
	/* rate-limit remaining (sql/reports/credentials.sql) */
	{ "fine", REPORT_LEVEL_GOOD },
	{ "watch", REPORT_LEVEL_WATCH },
	{ "low", REPORT_LEVEL_BAD },
	{ "exhausted", REPORT_LEVEL_BAD },
	{ "reset", REPORT_LEVEL_GOOD }, /* the reading's reset time has passed */
	/* success and error rates (sql/reports/summary.sql); "warning" is an alert's too */
	{ "good", REPORT_LEVEL_GOOD },
	{ "below 95%", REPORT_LEVEL_WATCH },
	{ "ok", REPORT_LEVEL_GOOD },
	{ "warning", REPORT_LEVEL_WATCH },
	/* alert severity (sql/reports/alerts.sql) */
	{ "critical", REPORT_LEVEL_BAD },
};

enum report_level report_badge_level(const char *word)
{
	for (size_t i = 0; i < sizeof(badges) / sizeof(badges[0]); i++)
		if (strcmp(badges[i].word, word) == 0)
			return badges[i].level;
	return REPORT_LEVEL_NONE;
}

const char *report_level_name(enum report_level level)
{
	static const char *const names[] = { "none", "good", "watch", "bad" };
	return names[level];
}

enum report_level report_worst_level(const struct report *r)
{
	enum report_level worst = REPORT_LEVEL_NONE;
	for (size_t i = 0; i < r->nnotes; i++)
		if (r->notes[i].level > worst)
			worst = r->notes[i].level;
	for (size_t i = 0; i < r->ntables; i++) {
		const struct report_table *t = r->tables[i];
		for (size_t j = 0; j < t->nnotes; j++)
			if (t->notes[j].level > worst)
				worst = t->notes[j].level;
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->cols[c].type != REPORT_TYPE_BADGE)
				continue;
			for (size_t row = 0; row < t->nrows; row++) {
				enum report_level l = report_badge_level(report_text(t, report_cell(t, row, c)));
				if (l > worst)
					worst = l;
			}
		}
	}
	return worst;
}

void report_free(struct report *r)
{
	for (size_t i = 0; i < r->ntables; i++)
		table_free(r->tables[i]);
	free(r->tables);
	free(r->title);
	free(r->key);
	notes_free(r->notes, r->nnotes);
	memset(r, 0, sizeof(*r));
}

/* ---- whole reports ---- */

#define SECTION_LAST_DAY 1u /* over the period's last day only (hourly activity) */

struct section {
	const char *name; /* sql/reports/NAME.sql */
	const char *by;   /* the --by name that shows it alone, or NULL */
	unsigned flags;
};

/* `tokstat report`, in the order shown: the alerts right after the summary, where a reader
 * of the mail looks first. */
static const struct section full_sections[] = {
	{ "summary", NULL, 0 },
	{ "alerts", NULL, 0 },
	{ "credentials", "token", 0 },
	{ "models", "model", 0 },
	{ "users", "user", 0 },
	{ "endpoints", "endpoint", 0 },
	{ "operations", "operation", 0 },
	{ "latency", "latency", 0 },
	{ "daily", "day", 0 },
	{ "hourly", "hour", SECTION_LAST_DAY },
	{ "recent", NULL, 0 },
	{ "cost", NULL, 0 },
	{ "cost_week", NULL, 0 },
	{ "files", NULL, 0 },
	{ "rejects", NULL, 0 },
	{ "unpriced", NULL, 0 },
};

/* Shown only when --by names them. */
static const struct section by_only_sections[] = {
	{ "providers", "provider", 0 },
	{ "projects", "project", 0 },
};

static const struct section *find_by(const char *by)
{
	for (size_t i = 0; i < sizeof(full_sections) / sizeof(full_sections[0]); i++)
		if (full_sections[i].by && strcmp(full_sections[i].by, by) == 0)
			return &full_sections[i];
	for (size_t i = 0; i < sizeof(by_only_sections) / sizeof(by_only_sections[0]); i++)
		if (strcmp(by_only_sections[i].by, by) == 0)
			return &by_only_sections[i];
	return NULL;
}

const char *report_by_section(const char *by)
{
	const struct section *s = find_by(by);
	return s ? s->name : NULL;
}

/*
 * Run every statement of the embedded script sql/reports/NAME.sql with P bound (temp tables
 * that the sections read). 0, or -1 with ERR naming the file.
 */
static int run_script(sqlite3 *db, const char *name, const struct report_params *p, struct buf *err)
{
	struct buf path = BUF_INIT, why = BUF_INIT;
	sqlite3_stmt *q = NULL;
	int rc = -1;
	buf_printf(&path, "sql/reports/%s.sql", name);
	const struct embedded_file *f = embedded_find(buf_str(&path));
	if (!f) {
		buf_printf(&why, "no such report script");
		goto out;
	}
	for (const char *sql = f->data; *sql;) {
		const char *tail;
		if (sqlite3_prepare_v2(db, sql, -1, &q, &tail) != SQLITE_OK) {
			buf_printf(&why, "%s", sqlite3_errmsg(db));
			goto out;
		}
		sql = tail;
		if (!q) /* only comments or spaces were left */
			continue;
		if (bind_params(q, p, &why) < 0)
			goto out;
		int step;
		while ((step = sqlite3_step(q)) == SQLITE_ROW)
			;
		if (step != SQLITE_DONE) {
			buf_printf(&why, "%s", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_finalize(q);
		q = NULL;
	}
	rc = 0;
out:
	if (rc < 0)
		buf_printf(err, "%s: %s", buf_str(&path), buf_str(&why));
	sqlite3_finalize(q);
	buf_free(&path);
	buf_free(&why);
	return rc;
}

/*
 * The period read once into the temp tables that the sections read: prepare.sql makes them,
 * report_scan sums the aggregates into them, prepare_groups.sql names the groups. 0, or -1.
 */
static int prepare_period(sqlite3 *db, struct report_params *p, struct buf *err)
{
	if (run_script(db, "prepare", p, err) < 0 ||
	    report_scan(db, p->from_day, p->to_day, p->groups, p->top, &p->latency_unknown, err) < 0)
		return -1;
	return run_script(db, "prepare_groups", p, err);
}

/* Day number of a valid YYYY-MM-DD, or -1. */
static int64_t parse_day(const char *s)
{
	int y, m, d, n = 0;
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 ||
	    n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return timefmt_days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* The first day of the month of DAY, and of the next month. */
static void month_of(int64_t day, int64_t *lo, int64_t *hi, char month[8])
{
	int64_t y;
	unsigned m, d;
	timefmt_civil_from_days(day, &y, &m, &d);
	*lo = timefmt_days_from_civil(y, m, 1);
	*hi = m == 12 ? timefmt_days_from_civil(y + 1, 1, 1) : timefmt_days_from_civil(y, m + 1, 1);
	snprintf(month, 8, "%04d-%02u", (int)y, m);
}

int report_period(const char *from, const char *to, int64_t days, const char *month, int64_t now,
		  int64_t *from_day, int64_t *to_day, struct buf *err)
{
	int64_t lo = -1, hi = -1;
	if (month) {
		char day[16];
		if (from || to || days) {
			buf_printf(err, "--month goes alone, without --from, --to or --days");
			return -1;
		}
		snprintf(day, sizeof(day), "%s-01", month);
		if (strlen(month) != 7 || (lo = parse_day(day)) < 0) {
			buf_printf(err, "--month wants YYYY-MM, not '%s'", month);
			return -1;
		}
		char m[8];
		month_of(lo, &lo, &hi, m);
		*from_day = lo;
		*to_day = hi - 1;
		return 0;
	}
	if (from && (lo = parse_day(from)) < 0) {
		buf_printf(err, "--from wants a day YYYY-MM-DD, not '%s'", from);
		return -1;
	}
	if (to && (hi = parse_day(to)) < 0) {
		buf_printf(err, "--to wants a day YYYY-MM-DD, not '%s'", to);
		return -1;
	}
	if (from && to && days) {
		buf_printf(err, "--days goes with --from or --to, not both");
		return -1;
	}
	if (!to)
		hi = from && days ? lo + days - 1 : timefmt_day(now) - 1; /* yesterday: the cron case */
	if (!from)
		lo = days ? hi - days + 1 : hi;
	if (lo > hi) {
		buf_printf(err, "the period starts after it ends (%s > %s)", from ? from : "yesterday", to ? to : "yesterday");
		return -1;
	}
	*from_day = lo;
	*to_day = hi;
	return 0;
}

/* The single-row section NAME into V[0..N) as integers; text values as day numbers. 1 a row, 0 NULL first value. */
static int scalar_section(sqlite3 *db, const char *name, const struct report_params *p, int64_t *v, char (*dates)[11],
			  size_t n, struct buf *err)
{
	struct report scratch = { 0 };
	int rc = -1;
	struct report_table *t = report_add_section(&scratch, db, name, NULL, p, err);
	if (!t)
		goto out;
	rc = t->nrows > 0 && report_cell(t, 0, 0)->kind != REPORT_NULL;
	for (size_t c = 0; c < n && c < t->ncols; c++) {
		const struct report_value *cv = t->nrows ? report_cell(t, 0, c) : NULL;
		v[c] = cv && cv->kind == REPORT_INT ? cv->i : -1;
		if (dates) {
			dates[c][0] = '\0';
			if (cv && cv->kind == REPORT_TEXT)
				snprintf(dates[c], 11, "%s", report_text(t, cv));
		}
	}
out:
	report_free(&scratch);
	return rc;
}

static int add(struct report *r, sqlite3 *db, const char *name, const char *title, const struct report_params *p,
	       struct buf *err)
{
	const struct latency_unknown *unknown = &p->latency_unknown;
	struct report_table *t;
	/* the latency section reads the period's response times, summed by report_scan */
	if (!(t = report_add_section(r, db, name, title, p, err)))
		return -1;
	if (strcmp(name, "latency") == 0 && unknown->days > 0) {
		char d[16];
		timefmt_format_day(unknown->last_day, d);
		report_table_note(t, REPORT_LEVEL_NONE,
				  "No latency figures for %lld day(s) of the period, up to %s: their raw events were "
				  "pruned before tokstat kept response times.", (long long)unknown->days, d);
	}
	return 0;
}

static void set_period(struct report *r, int64_t lo, int64_t hi)
{
	char d[16];
	r->has_period = true;
	timefmt_format_day(lo, d);
	snprintf(r->from, sizeof(r->from), "%s", d);
	timefmt_format_day(hi, d);
	snprintf(r->to, sizeof(r->to), "%s", d);
	r->days = hi - lo + 1;
}

static int build_summary(struct report *r, sqlite3 *db, const struct report_request *q, struct report_params *p,
			 struct buf *err)
{
	int64_t v[2];
	p->top = q->days;
	if (scalar_section(db, "summary_days", p, v, NULL, 2, err) < 0)
		return -1;
	/* fewer days than asked: all of them */
	p->from_day = v[0] < 0 ? 0 : v[0];
	p->to_day = v[1] < 0 ? 0 : v[1];
	p->top = -1;
	report_set_title(r, "tokstat summary of %s", q->db_name ? q->db_name : "the database");
	p->groups = 0;
	if (prepare_period(db, p, err) < 0 || add(r, db, "files", "Files", p, err) < 0 || add(r, db, "daily", "Tokens per day (UTC)", p, err) < 0 ||
	    add(r, db, "credentials_all", NULL, p, err) < 0)
		return -1;
	return 0;
}

static int build_cost(struct report *r, sqlite3 *db, const struct report_request *q, struct report_params *p,
		      char month[8], struct buf *err)
{
	static const char *const lists[] = { "cost_by_model", "cost_by_credential", "cost_by_user", "cost_by_endpoint" };
	if (q->month)
		snprintf(month, 8, "%s", q->month);
	else if (r->latest[0])
		snprintf(month, 8, "%.7s", r->latest);
	else
		return 0; /* nothing stored: the caller's note says so */
	if (report_period(NULL, NULL, 0, month, 0, &p->from_day, &p->to_day, err) < 0)
		return -1;
	month_of(p->from_day, &p->month_lo, &p->month_hi, month);
	set_period(r, p->from_day, p->to_day);
	report_set_title(r, "Cost in USD, %s (UTC days; prices in force on each day)", month);
	int64_t v[1];
	int has = scalar_section(db, "period", p, v, NULL, 1, err);
	if (has < 0)
		return -1;
	if (!has)
		return 1;
	p->last_day = v[0];
	if (add(r, db, "cost", NULL, p, err) < 0 ||
	    add(r, db, "cost_week", "Week over week (the 7 days ending on the month's last day with usage, and the 7 before)",
		p, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (add(r, db, lists[i], NULL, p, err) < 0)
			return -1;
	return 0;
}

/*
 * temp.report_limits(user, daily_tokens, monthly_tokens): the token limits of every user of the
 * period (temp.report_groups) by the settings C (NULL: the defaults), NULL where there is no
 * limit, for the users section's shares. The limits are the config's to compute (tiers, user
 * sections, the tier file), so they come in as rows. 0, or -1 with ERR.
 */
static int fill_limits(sqlite3 *db, const struct config *c, struct buf *err)
{
	/* report.c: the users of the period, to give each its limits */
	static const char users_sql[] = "SELECT DISTINCT user FROM temp.report_groups WHERE user IS NOT NULL";
	static const char insert_sql[] = "INSERT INTO temp.report_limits VALUES (?1, ?2, ?3)";
	struct config defaults;
	sqlite3_stmt *users = NULL, *ins = NULL;
	int rc = -1, step;

	config_init(&defaults);
	if (!c)
		c = &defaults;
	if (sqlite3_exec(db, "DROP TABLE IF EXISTS temp.report_limits; "
			     "CREATE TEMP TABLE report_limits (user TEXT PRIMARY KEY, daily_tokens INTEGER, "
			     "monthly_tokens INTEGER)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, users_sql, -1, &users, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, insert_sql, -1, &ins, NULL) != SQLITE_OK)
		goto sql_error;
	while ((step = sqlite3_step(users)) == SQLITE_ROW) {
		struct config_limits lim;
		config_user_limits(c, (const char *)sqlite3_column_text(users, 0), &lim);
		sqlite3_reset(ins);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(users, 0));
		if (lim.daily_tokens == CONFIG_NO_LIMIT)
			sqlite3_bind_null(ins, 2);
		else
			sqlite3_bind_int64(ins, 2, lim.daily_tokens);
		if (lim.monthly_tokens == CONFIG_NO_LIMIT)
			sqlite3_bind_null(ins, 3);
		else
			sqlite3_bind_int64(ins, 3, lim.monthly_tokens);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sql_error;
	}
	if (step != SQLITE_DONE)
		goto sql_error;
	rc = 0;
	goto out;
sql_error:
	buf_printf(err, "the users' limits: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(users);
	sqlite3_finalize(ins);
	config_free(&defaults);
	return rc;
}

/*
 * The alerts section. A database that no writing command of this tokstat has opened yet
 * (read-only commands leave it as it is) has no alert tables: its alerts view cannot be read,
 * which is said in a note instead of failing the report. 0, or -1 with ERR.
 */
static int add_alerts(struct report *r, sqlite3 *db, const struct report_params *p, struct buf *err)
{
	struct buf why = BUF_INIT;
	int rc = 0;
	if (!report_add_section(r, db, "alerts", NULL, p, &why)) {
		if (strstr(buf_str(&why), "no such table"))
			report_add_note(r, REPORT_LEVEL_WATCH,
					"No alerts: this database was written by an older tokstat ('tokstat alerts' "
					"or any writing command updates it).");
		else {
			buf_adds(err, buf_str(&why));
			rc = -1;
		}
	}
	buf_free(&why);
	return rc;
}

static int build_full(struct report *r, sqlite3 *db, const struct report_request *q, struct report_params *p,
		      char month[8], struct buf *err)
{
	set_period(r, q->from_day, q->to_day);
	if (r->days == 1)
		report_set_title(r, "tokstat report, %s (UTC)", r->from);
	else
		report_set_title(r, "tokstat report, %s .. %s (UTC, %lld days)", r->from, r->to, (long long)r->days);
	if (p->last_day < 0) /* report_build found no usage in the period */
		return 1;
	/* the period read once: per day, per group with names, per user, latency (prepare_period) */
	p->groups = 1;
	if (prepare_period(db, p, err) < 0 || fill_limits(db, q->config, err) < 0)
		return -1;
	struct buf title = BUF_INIT;
	int rc = -1;
	if (q->nby > 0) {
		if (add(r, db, "summary", NULL, p, err) < 0)
			goto out;
		for (size_t i = 0; i < q->nby; i++) {
			const struct section *s = find_by(q->by[i]);
			if (!s) {
				buf_printf(err, "no such --by: %s", q->by[i]);
				goto out;
			}
			if (add(r, db, s->name, NULL, p, err) < 0)
				goto out;
		}
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < sizeof(full_sections) / sizeof(full_sections[0]); i++) {
		const struct section *s = &full_sections[i];
		struct report_params sp = *p;
		const char *t = NULL;
		buf_reset(&title);
		if (s->flags & SECTION_LAST_DAY) {
			char d[16];
			sp.from_day = sp.to_day;
			timefmt_format_day(sp.to_day, d);
			buf_printf(&title, "Per hour (UTC), %s", d);
			t = buf_str(&title);
		} else if (strcmp(s->name, "cost") == 0) {
			buf_printf(&title, "Cost, %s to date (USD; prices in force on each day)", month);
			t = buf_str(&title);
		} else if (strcmp(s->name, "files") == 0) {
			t = "Files read (all time)";
		} else if (strcmp(s->name, "alerts") == 0) {
			if (add_alerts(r, db, &sp, err) < 0)
				goto out;
			continue;
		}
		if (add(r, db, s->name, t, &sp, err) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&title);
	return rc;
}

int report_build(struct report *r, sqlite3 *db, const struct report_request *q, struct buf *err)
{
	struct report_params p = { 0 };
	char month[8] = "", dates[3][11];
	int64_t v[3];
	int rc;

	if (q->now > 0)
		timefmt_format_iso(q->now, r->generated);
	r->key = xstrdup(q->preset == REPORT_SUMMARY ? "summary" : q->preset == REPORT_COST ? "cost" : "report");
	p.top = q->top;
	p.from_day = q->from_day;
	p.to_day = q->to_day;
	/* the database's span first: an empty period names the latest day with data */
	if (scalar_section(db, "period", &p, v, dates, 3, err) < 0)
		return -1;
	snprintf(r->latest, sizeof(r->latest), "%s", dates[2]);
	p.last_day = v[0]; /* -1: no usage in the period */
	if (q->preset == REPORT_SUMMARY)
		return build_summary(r, db, q, &p, err);
	if (q->preset == REPORT_FULL)
		month_of(q->to_day, &p.month_lo, &p.month_hi, month);
	p.month = month;
	rc = q->preset == REPORT_COST ? build_cost(r, db, q, &p, month, err) : build_full(r, db, q, &p, month, err);
	if (rc < 0)
		return -1;
	if (rc > 0 || !r->latest[0]) {
		r->is_empty = true;
		if (!r->latest[0])
			report_add_note(r, REPORT_LEVEL_NONE, "No usage stored yet.");
		else if (r->days == 1)
			report_add_note(r, REPORT_LEVEL_NONE, "No usage on %s (UTC). The latest day with data is %s.", r->from,
					r->latest);
		else
			report_add_note(r, REPORT_LEVEL_NONE, "No usage from %s to %s (UTC). The latest day with data is %s.",
					r->from, r->to, r->latest);
	}
	return 0;
}
