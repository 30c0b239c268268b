/*
 * The "json" parser kind: JSON lines mapped to event fields by JSON paths. SQLite's JSON
 * functions do the parsing: every format compiles its definition into one prepared
 * statement that extracts all fields of a line in one step, so a line is parsed once.
 *
 * Definition keys (see README, "JSON formats"):
 *   roots    ["$", "$.response", ...]  what "@" stands for in a path (default ["$"])
 *   fields   {field: path | [path...] | {"sum": [path | [path...], ...]}}
 *            a list: the first non-null value wins; "sum": the terms are added (NULL
 *            only when every term is NULL)
 *   filter   [cond | [cond...], ...]   all must hold (a nested list: any of); lines that
 *            fail it are not usage records (skipped)
 *   detect   the same, for picking the format (default: filter; none: never detected)
 *   dedup    [path...]                 events with equal values are counted once
 *   defaults {text field: "value"}     used when no path gave a value
 * A condition is "PATH" (present, not null), "!PATH" (absent or null), "PATH == LITERAL"
 * or "PATH != LITERAL" with a JSON literal ("assistant", 200, true).
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format.h"

/* One event field: N_TERMS consecutive result columns from COL, summed when more than one. */
struct js_field {
	const struct event_field *field;
	int col;
	int n_terms;
};

struct js_default {
	const struct event_field *field;
	char *value;
};

/* A bound parameter of the statements: a path (text) or a condition's literal. */
struct js_param {
	char *path;
	sqlite3_value *literal;
};

struct js_format {
	sqlite3 *db;            /* in memory, this format's own: only its JSON functions are used */
	sqlite3_stmt *parse;    /* json_type, filter, then one column per term and dedup path */
	sqlite3_stmt *detect;   /* NULL: never detected */
	struct js_field *fields;
	size_t n_fields;
	struct js_default *defaults;
	size_t n_defaults;
	int dedup_col, n_dedup; /* n_dedup 0: no de-duplication */
	struct buf key;         /* the de-dup key of the current line */
	char **roots;
	size_t n_roots;
	struct js_param *params; /* parameter i + 2 */
	size_t n_params;
};

/* Column 0 is json_type(line), column 1 the filter. */
#define JS_COL_TYPE 0
#define JS_COL_FILTER 1
#define JS_COL_FIRST 2

/* ---- reading the definition ---- */

struct strv {
	char **v;
	size_t n;
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void strv_push(struct strv *s, const char *str)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrdup(str);
}

struct list_ctx {
	struct strv *out;
	bool bad;
};

static int collect_text(void *vctx, const char *key, const char *value, const char *type)
{
	struct list_ctx *c = vctx;
	(void)key;
	if (strcmp(type, "text") != 0) {
		c->bad = true;
		return 1;
	}
	strv_push(c->out, value);
	return 0;
}

/*
 * The string or array of strings at PATH into OUT (absent: empty). Returns 0, or -1 with
 * ERR naming WHAT when the value is anything else.
 */
static int read_strings(struct format_def *d, const char *path, const char *what, struct strv *out, struct buf *err)
{
	char *type = format_def_type(d, path);
	int rc = 0;
	if (!type)
		goto out;
	if (strcmp(type, "text") == 0) {
		char *s = format_def_text(d, path);
		strv_push(out, s ? s : "");
		free(s);
	} else if (strcmp(type, "array") == 0) {
		struct list_ctx c = { out, false };
		if (format_def_each(d, path, collect_text, &c) != 0 || c.bad)
			rc = -1;
	} else {
		rc = -1;
	}
	if (rc < 0)
		buf_printf(err, "%s: %s must be a string or a list of strings", format_def_where(d), what);
out:
	free(type);
	return rc;
}

/* ---- compiling the definition to SQL ---- */

struct js_build {
	struct js_format *js;
	struct format_def *d;
	struct buf *err;
	struct buf cols; /* the parse statement's columns after the filter */
	int n_cols;
};

static int add_param(struct js_format *js, const char *path, sqlite3_value *literal)
{
	if (path)
		for (size_t i = 0; i < js->n_params; i++)
			if (js->params[i].path && strcmp(js->params[i].path, path) == 0)
				return (int)i + 2;
	js->params = xrealloc(js->params, (js->n_params + 1) * sizeof(*js->params));
	js->params[js->n_params].path = path ? xstrdup(path) : NULL;
	js->params[js->n_params].literal = literal;
	return (int)js->n_params++ + 2;
}

/* Is PATH a JSON path SQLite accepts? (a bad one would fail every line at run time) */
static bool path_is_valid(struct js_format *js, const char *path)
{
	sqlite3_stmt *q;
	bool ok = false;
	if (sqlite3_prepare_v2(js->db, "SELECT json_extract('{}', ?1)", -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return ok;
}

/*
 * Append to OUT the SQL for the first non-null of PATHS, each "@..." standing for every root
 * in turn. Returns 0, or -1 with ERR.
 */
static int sql_paths(struct js_build *b, char *const *paths, size_t n, struct buf *out)
{
	struct js_format *js = b->js;
	struct buf one = BUF_INIT, args = BUF_INIT;
	size_t count = 0;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *p = paths[i];
		size_t reps = p[0] == '@' ? js->n_roots : 1;
		if (p[0] != '$' && p[0] != '@') {
			buf_printf(b->err, "%s: path \"%s\" must start with $ or @", format_def_where(b->d), p);
			rc = -1;
			break;
		}
		for (size_t r = 0; r < reps; r++) {
			buf_reset(&one);
			if (p[0] == '@')
				buf_printf(&one, "%s%s", js->roots[r], p + 1);
			else
				buf_adds(&one, p);
			if (!path_is_valid(js, one.data)) {
				buf_printf(b->err, "%s: bad JSON path \"%s\"", format_def_where(b->d), one.data);
				rc = -1;
				break;
			}
			buf_printf(&args, "%sjson_extract(?1, ?%d)", count++ ? ", " : "", add_param(js, one.data, NULL));
		}
	}
	if (rc == 0 && count == 0) {
		buf_printf(b->err, "%s: an empty list of paths", format_def_where(b->d));
		rc = -1;
	}
	if (rc == 0) /* coalesce() short-circuits: paths after the first non-null are not read */
		buf_printf(out, count == 1 ? "%s" : "coalesce(%s)", args.data);
	buf_free(&one);
	buf_free(&args);
	return rc;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The literal of a condition as an SQL value (JSON true is 1, as json_extract returns it). */
static sqlite3_value *parse_literal(struct js_format *js, const char *text)
{
	sqlite3_stmt *q;
	sqlite3_value *v = NULL;
	if (sqlite3_prepare_v2(js->db, "SELECT json_extract(?1, '$') WHERE json_valid(?1)", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_value_dup(sqlite3_column_value(q, 0));
	sqlite3_finalize(q);
	return v;
}

/* One condition ("PATH", "!PATH", "PATH == LIT", "PATH != LIT") as SQL appended to OUT. */
static int sql_cond(struct js_build *b, const char *cond, struct buf *out)
{
	const char *s = skip_space(cond), *op = strstr(s, "=="), *ne = strstr(s, "!=");
	bool negate = *s == '!' && s[1] != '=';
	struct buf expr = BUF_INIT;
	char *path = NULL;
	int rc = -1;

	if (!op || (ne && ne < op))
		op = ne;
	if (negate)
		s = skip_space(s + 1);
	size_t plen = op ? (size_t)(op - s) : strlen(s);
	while (plen && (s[plen - 1] == ' ' || s[plen - 1] == '\t'))
		plen--;
	path = xstrndup(s, plen);
	if (!*path || (negate && op)) {
		buf_printf(b->err, "%s: bad condition \"%s\" (use PATH, !PATH, PATH == VALUE or PATH != VALUE)",
			   format_def_where(b->d), cond);
		goto out;
	}
	if (sql_paths(b, &path, 1, &expr) < 0)
		goto out;
	if (!op) {
		buf_printf(out, "(%s IS %sNULL)", expr.data, negate ? "" : "NOT ");
	} else {
		sqlite3_value *lit = parse_literal(b->js, skip_space(op + 2));
		if (!lit) {
			buf_printf(b->err, "%s: condition \"%s\": the value must be a JSON string, number or boolean",
				   format_def_where(b->d), cond);
			goto out;
		}
		buf_printf(out, "(%s %s ?%d)", expr.data, op[0] == '=' ? "IS" : "IS NOT", add_param(b->js, NULL, lit));
	}
	rc = 0;
out:
	free(path);
	buf_free(&expr);
	return rc;
}

struct cond_ctx {
	struct js_build *b;
	const char *key; /* "filter" or "detect" */
	struct buf *out;
	size_t index, n;
	int rc;
};

static int add_cond(void *vctx, const char *key, const char *value, const char *type)
{
	struct cond_ctx *c = vctx;
	struct strv alts = { 0 };
	struct buf path = BUF_INIT;
	(void)key;
	buf_printf(&path, "$.%s[%zu]", c->key, c->index++);
	if (strcmp(type, "text") == 0) {
		strv_push(&alts, value);
	} else if (strcmp(type, "array") != 0 || read_strings(c->b->d, path.data, c->key, &alts, c->b->err) < 0 || !alts.n) {
		if (!c->b->err->len)
			buf_printf(c->b->err, "%s: %s lists conditions (strings) or lists of alternative conditions",
				   format_def_where(c->b->d), c->key);
		c->rc = -1;
	}
	if (c->rc == 0) {
		buf_adds(c->out, c->n++ ? " AND (" : "(");
		for (size_t i = 0; i < alts.n && c->rc == 0; i++) {
			if (i)
				buf_adds(c->out, " OR ");
			c->rc = sql_cond(c->b, alts.v[i], c->out);
		}
		buf_addc(c->out, ')');
	}
	strv_free(&alts);
	buf_free(&path);
	return c->rc ? 1 : 0;
}

/* The conditions at $.KEY as one SQL expression in OUT. 1: absent, 0: done, -1: error. */
static int sql_conds(struct js_build *b, const char *key, struct buf *out)
{
	struct buf path = BUF_INIT;
	struct cond_ctx c = { b, key, out, 0, 0, 0 };
	buf_printf(&path, "$.%s", key);
	char *type = format_def_type(b->d, path.data);
	int rc = 1;
	if (!type)
		goto out;
	if (strcmp(type, "array") != 0) {
		buf_printf(b->err, "%s: \"%s\" must be a list of conditions", format_def_where(b->d), key);
		rc = -1;
		goto out;
	}
	if (format_def_each(b->d, path.data, add_cond, &c) != 0 || c.rc) {
		if (!b->err->len)
			buf_printf(b->err, "%s: cannot read \"%s\"", format_def_where(b->d), key);
		rc = -1;
		goto out;
	}
	if (c.n == 0)
		buf_adds(out, "1");
	rc = 0;
out:
	free(type);
	buf_free(&path);
	return rc;
}

/* Add one result column: the first non-null of the paths at definition path DPATH. */
static int add_column(struct js_build *b, const char *dpath, const char *what)
{
	struct strv paths = { 0 };
	int rc = read_strings(b->d, dpath, what, &paths, b->err);
	if (rc == 0 && !paths.n) {
		buf_printf(b->err, "%s: %s lists no path", format_def_where(b->d), what);
		rc = -1;
	}
	if (rc == 0) {
		buf_adds(&b->cols, ", ");
		rc = sql_paths(b, paths.v, paths.n, &b->cols);
		b->n_cols++;
	}
	strv_free(&paths);
	return rc;
}

struct term_ctx {
	struct js_build *b;
	const char *field;
	size_t index;
	int rc;
};

static int add_term(void *vctx, const char *key, const char *value, const char *type)
{
	struct term_ctx *c = vctx;
	struct buf dpath = BUF_INIT, what = BUF_INIT;
	(void)key;
	(void)value;
	(void)type;
	buf_printf(&dpath, "$.fields.\"%s\".sum[%zu]", c->field, c->index++);
	buf_printf(&what, "fields.%s.sum", c->field);
	c->rc = add_column(c->b, dpath.data, what.data);
	buf_free(&dpath);
	buf_free(&what);
	return c->rc ? 1 : 0;
}

static int add_field(void *vctx, const char *name, const char *value, const char *type)
{
	struct js_build *b = vctx;
	struct js_format *js = b->js;
	const struct event_field *ef = event_field_find(name);
	struct buf dpath = BUF_INIT, what = BUF_INIT;
	int rc = -1;
	(void)value;

	if (!ef) {
		buf_printf(b->err, "%s: fields: unknown event field \"%s\"", format_def_where(b->d), name);
		goto out;
	}
	js->fields = xrealloc(js->fields, (js->n_fields + 1) * sizeof(*js->fields));
	struct js_field *jf = &js->fields[js->n_fields++];
	jf->field = ef;
	jf->col = JS_COL_FIRST + b->n_cols;
	buf_printf(&dpath, "$.fields.\"%s\"", name);
	buf_printf(&what, "fields.%s", name);
	if (strcmp(type, "object") == 0) {
		struct term_ctx c = { b, name, 0, 0 };
		buf_adds(&dpath, ".sum");
		char *sum_type = format_def_type(b->d, dpath.data);
		bool is_list = sum_type && strcmp(sum_type, "array") == 0;
		free(sum_type);
		if (!is_list || (ef->kind != EVF_NUM && ef->kind != EVF_PROMPT)) {
			buf_printf(b->err, "%s: fields.%s: an object must be {\"sum\": [...]}, for a token or number field",
				   format_def_where(b->d), name);
			goto out;
		}
		if (format_def_each(b->d, dpath.data, add_term, &c) != 0 || c.rc)
			goto out;
		jf->n_terms = (int)c.index;
		if (!jf->n_terms) {
			buf_printf(b->err, "%s: fields.%s.sum is empty", format_def_where(b->d), name);
			goto out;
		}
	} else {
		jf->n_terms = 1;
		if (add_column(b, dpath.data, what.data) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&dpath);
	buf_free(&what);
	return rc ? 1 : 0;
}

static int add_default(void *vctx, const char *name, const char *value, const char *type)
{
	struct js_build *b = vctx;
	struct js_format *js = b->js;
	const struct event_field *ef = event_field_find(name);
	if (!ef || ef->kind != EVF_TEXT || strcmp(type, "text") != 0) {
		buf_printf(b->err, "%s: defaults.%s: defaults are strings for text fields (provider, user, ...)",
			   format_def_where(b->d), name);
		return 1;
	}
	js->defaults = xrealloc(js->defaults, (js->n_defaults + 1) * sizeof(*js->defaults));
	js->defaults[js->n_defaults].field = ef;
	js->defaults[js->n_defaults++].value = xstrdup(value);
	return 0;
}

static int prepare(struct js_format *js, const char *sql, sqlite3_stmt **q, struct format_def *d, struct buf *err)
{
	if (sqlite3_prepare_v3(js->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot compile the definition: %s", format_def_where(d), sqlite3_errmsg(js->db));
		return -1;
	}
	for (size_t i = 0; i < js->n_params; i++) {
		int n = (int)i + 2;
		if (n > sqlite3_bind_parameter_count(*q))
			break;
		if (js->params[i].path)
			sqlite3_bind_text(*q, n, js->params[i].path, -1, SQLITE_STATIC);
		else
			sqlite3_bind_value(*q, n, js->params[i].literal);
	}
	return 0;
}

static void js_free(struct format *f)
{
	struct js_format *js = f->impl;
	if (!js)
		return;
	sqlite3_finalize(js->parse);
	sqlite3_finalize(js->detect);
	sqlite3_close(js->db);
	for (size_t i = 0; i < js->n_defaults; i++)
		free(js->defaults[i].value);
	free(js->defaults);
	free(js->fields);
	for (size_t i = 0; i < js->n_params; i++) {
		free(js->params[i].path);
		sqlite3_value_free(js->params[i].literal);
	}
	free(js->params);
	for (size_t i = 0; i < js->n_roots; i++)
		free(js->roots[i]);
	free(js->roots);
	buf_free(&js->key);
	free(js);
	f->impl = NULL;
}

static int js_load(struct format *f, struct format_def *d, struct buf *err)
{
	struct js_format *js = xcalloc(1, sizeof(*js));
	struct js_build b = { js, d, err, BUF_INIT, 0 };
	struct buf filter = BUF_INIT, detect = BUF_INIT, sql = BUF_INIT;
	struct strv roots = { 0 }, dedup = { 0 };
	char *type = NULL;
	int rc = -1, has;

	f->impl = js;
	if (sqlite3_open_v2(":memory:", &js->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot open SQLite in memory", format_def_where(d));
		goto out;
	}
	if (read_strings(d, "$.roots", "roots", &roots, err) < 0)
		goto out;
	if (!roots.n)
		strv_push(&roots, "$");
	for (size_t i = 0; i < roots.n; i++)
		if (roots.v[i][0] != '$') {
			buf_printf(err, "%s: roots are paths starting with $", format_def_where(d));
			goto out;
		}
	js->roots = roots.v;
	js->n_roots = roots.n;
	roots.v = NULL;
	roots.n = 0;

	type = format_def_type(d, "$.fields");
	if (!type || strcmp(type, "object") != 0) {
		buf_printf(err, "%s: \"fields\" must be an object of event field: paths", format_def_where(d));
		goto out;
	}
	if (format_def_each(d, "$.fields", add_field, &b) != 0) {
		if (!err->len)
			buf_printf(err, "%s: cannot read \"fields\"", format_def_where(d));
		goto out;
	}
	if (read_strings(d, "$.dedup", "dedup", &dedup, err) < 0)
		goto out;
	js->dedup_col = JS_COL_FIRST + b.n_cols;
	js->n_dedup = (int)dedup.n;
	for (size_t i = 0; i < dedup.n; i++) {
		buf_adds(&b.cols, ", ");
		if (sql_paths(&b, &dedup.v[i], 1, &b.cols) < 0)
			goto out;
		b.n_cols++;
	}
	free(type);
	type = format_def_type(d, "$.defaults");
	if (type && (strcmp(type, "object") != 0 || format_def_each(d, "$.defaults", add_default, &b) != 0)) {
		if (!err->len)
			buf_printf(err, "%s: \"defaults\" must be an object", format_def_where(d));
		goto out;
	}
	if ((has = sql_conds(&b, "filter", &filter)) < 0)
		goto out;
	if (has == 1)
		buf_adds(&filter, "1");
	if ((has = sql_conds(&b, "detect", &detect)) < 0)
		goto out;
	if (has == 1 && filter.data && strcmp(filter.data, "1") != 0)
		buf_adds(&detect, filter.data); /* recognized by the lines it reads */

	/* The WHERE clause parses the line; json_type and json_extract then reuse that parse. */
	buf_printf(&sql, "SELECT json_type(?1), %s%s WHERE json_valid(?1)", filter.data, b.cols.data ? b.cols.data : "");
	if (prepare(js, sql.data, &js->parse, d, err) < 0)
		goto out;
	if (detect.len) {
		buf_reset(&sql);
		buf_printf(&sql, "SELECT %s WHERE json_valid(?1) AND json_type(?1) = 'object'", detect.data);
		if (prepare(js, sql.data, &js->detect, d, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(type);
	strv_free(&roots);
	strv_free(&dedup);
	buf_free(&b.cols);
	buf_free(&filter);
	buf_free(&detect);
	buf_free(&sql);
	if (rc < 0)
		js_free(f);
	return rc;
}

/* ---- reading lines ---- */

/* Lines that are no JSON at all but blank, and a UTF-8 byte order mark before the first. */
static bool is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static bool js_detect(struct format *f, const char *line, size_t n)
{
	struct js_format *js = f->impl;
	bool hit;
	if (!js->detect || n > INT32_MAX)
		return false;
	if (n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3, n -= 3;
	sqlite3_bind_text(js->detect, 1, line, (int)n, SQLITE_STATIC);
	hit = sqlite3_step(js->detect) == SQLITE_ROW && sqlite3_column_int(js->detect, 0);
	sqlite3_reset(js->detect);
	return hit;
}

/*
 * Success and failure logged as words. LiteLLM's status is "success"/"failure", OpenAI's
 * Responses say "completed"/"failed", apps write "ok"/"error". 0 success, 1 failure, -1 other.
 */
static int failure_from_word(const char *p, size_t n)
{
	static const char *const ok[] = { "true", "success", "succeeded", "ok", "completed", "yes", NULL };
	static const char *const bad[] = { "false", "failure", "failed", "error", "fail", "no", NULL };
	for (int i = 0; ok[i]; i++)
		if (strlen(ok[i]) == n && strncasecmp(p, ok[i], n) == 0)
			return 0;
	for (int i = 0; bad[i]; i++)
		if (strlen(bad[i]) == n && strncasecmp(p, bad[i], n) == 0)
			return 1;
	return -1;
}

/* A whole number from a JSON number column (a fraction is rounded: "latency_ms": 12.7). */
static int column_int(sqlite3_stmt *q, int col, int64_t *v)
{
	int t = sqlite3_column_type(q, col);
	if (t == SQLITE_INTEGER) {
		*v = sqlite3_column_int64(q, col);
		return 0;
	}
	if (t == SQLITE_FLOAT) {
		double d = sqlite3_column_double(q, col);
		if (!(d > -9.2e18 && d < 9.2e18))
			return -1;
		*v = llround(d);
		return 0;
	}
	const char *p = (const char *)sqlite3_column_text(q, col);
	return p ? event_parse_int(p, (size_t)sqlite3_column_bytes(q, col), v) : -1;
}

static int set_field(struct format *f, const struct js_field *jf, struct event *ev, struct buf *reason)
{
	struct js_format *js = f->impl;
	sqlite3_stmt *q = js->parse;
	const struct event_field *ef = jf->field;
	int64_t v, sum = 0;
	bool any = false;

	if (jf->n_terms > 1) {
		for (int i = 0; i < jf->n_terms; i++) {
			if (sqlite3_column_type(q, jf->col + i) == SQLITE_NULL)
				continue;
			if (column_int(q, jf->col + i, &v) < 0)
				goto bad_number;
			sum += v;
			any = true;
		}
		v = sum;
		if (!any)
			return 0;
		goto number;
	}
	int t = sqlite3_column_type(q, jf->col);
	if (t == SQLITE_NULL)
		return 0;
	if ((ef->kind == EVF_NUM || ef->kind == EVF_PROMPT) && t != SQLITE_TEXT) {
		if (column_int(q, jf->col, &v) < 0)
			goto bad_number;
		goto number;
	}
	const char *p = (const char *)sqlite3_column_text(q, jf->col);
	size_t n = (size_t)sqlite3_column_bytes(q, jf->col);
	if (ef->kind == EVF_SUCCESS || (ef->kind == EVF_NUM && ef->index == EV_STATUS && event_parse_int(p, n, &v) < 0)) {
		/* A status that is a word says success or failure, or nothing we know ("queued"). */
		int failed = failure_from_word(p, n);
		if (failed >= 0)
			ev->failed = (int8_t)failed;
		else if (ef->kind == EVF_SUCCESS)
			return event_set(ev, ef, p, n, f->time_format, reason);
		return 0;
	}
	return event_set(ev, ef, p, n, f->time_format, reason);

number:
	if (ef->kind == EVF_PROMPT) {
		ev->prompt = v;
		ev->has_prompt = true;
	} else {
		event_set_num(ev, ef->index, v);
	}
	return 0;
bad_number:
	buf_printf(reason, "bad number for %s", ef->name);
	return -1;
}

/* The de-dup key: the values joined by a unit separator; none unless every path has one. */
static void set_dedup(struct js_format *js, struct event *ev)
{
	sqlite3_stmt *q = js->parse;
	buf_reset(&js->key);
	for (int i = 0; i < js->n_dedup; i++) {
		const char *p = (const char *)sqlite3_column_text(q, js->dedup_col + i);
		if (!p)
			return;
		if (i)
			buf_addc(&js->key, '\x1f');
		buf_add(&js->key, p, (size_t)sqlite3_column_bytes(q, js->dedup_col + i));
	}
	ev->dedup = (struct slice){ js->key.data, js->key.len };
}

static int js_parse(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason)
{
	struct js_format *js = f->impl;
	sqlite3_stmt *q = js->parse;
	int rc;

	/* The previous line's values live in the statement until here (event slices point there). */
	sqlite3_reset(q);
	if (is_blank(line, n))
		return 1;
	if (n > INT32_MAX) {
		buf_printf(reason, "line too long for the JSON parser");
		return -1;
	}
	if (n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3, n -= 3;
	sqlite3_bind_text(q, 1, line, (int)n, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			buf_printf(reason, "invalid JSON");
		else
			buf_printf(reason, "JSON: %s", sqlite3_errmsg(js->db));
		sqlite3_reset(q);
		return -1;
	}
	const char *type = (const char *)sqlite3_column_text(q, JS_COL_TYPE);
	if (!type || strcmp(type, "object") != 0) {
		buf_printf(reason, "not a JSON object");
		return -1;
	}
	if (!sqlite3_column_int(q, JS_COL_FILTER))
		return 1;
	for (size_t i = 0; i < js->n_fields; i++)
		if (set_field(f, &js->fields[i], ev, reason) < 0)
			return -1;
	for (size_t i = 0; i < js->n_defaults; i++) {
		struct slice *s = &ev->text[js->defaults[i].field->index];
		if (!s->p)
			*s = (struct slice){ js->defaults[i].value, strlen(js->defaults[i].value) };
	}
	if (js->n_dedup)
		set_dedup(js, ev);
	if (!ev->has_time) {
		buf_printf(reason, "no time");
		return -1;
	}
	return 0;
}

const struct format_ops parse_json_ops = {
	.kind = "json",
	.load = js_load,
	.detect = js_detect,
	.parse = js_parse,
	.reset = NULL,
	.free = js_free,
};
