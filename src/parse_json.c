/*
 * The "json" parser kind: JSON lines mapped to event fields by JSON paths. SQLite's JSON
 * functions do the parsing: a format compiles its definition into prepared statements that
 * extract every field of a line in one step, so a line is parsed once (SQLite caches the
 * parse across the JSON function calls of one statement step).
 *
 * Definition keys (README, "JSON formats", has the full text):
 *   fields   {field: path | [path...] | {"sum": [path | [path...], ...]}}
 *            a list: the first non-null value wins; "sum": the terms are added (NULL only
 *            when every term is NULL)
 *   body     {"at": [path...], "has": "@.key"}: where a provider's object may sit (raw, or
 *            inside an envelope); the first "at" that has "has" is the body, and paths
 *            starting with "@" are read from it (no body: "@" paths are NULL). Without
 *            "body", "@" is "$".
 *   filter   [cond | [cond...], ...]: all must hold (a nested list: any of its conditions);
 *            lines that fail it are not usage records (skipped)
 *   detect   the same, for picking the format (default: filter; neither: never detected)
 *   dedup    [path...]: events whose values are all equal are counted once
 *   defaults {text field: "value"}: used when no path gave a value
 *   prefilter "bytes" | ["bytes"...]: a promise of the definition that every record line
 *            holds one of these byte strings (Claude Code: "usage"); a line that holds none
 *            and is whole ('{' ... '}') is skipped without parsing its JSON. A line that is
 *            not whole is parsed, so broken JSON is still rejected with its line number.
 * A condition is "PATH" (present, not null), "!PATH" (absent or null), "PATH == VALUE" or
 * "PATH != VALUE" with a JSON string, number or boolean VALUE.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format.h"

/* Alternative paths: the first non-null value wins. */
struct js_alts {
	char **v;
	size_t n;
};

enum js_op { JS_PRESENT, JS_ABSENT, JS_EQ, JS_NE };

struct js_cond {
	char *path;
	enum js_op op;
	char *literal; /* JS_EQ, JS_NE: the value as an SQL literal */
};

/* Conditions of which any must hold. */
struct js_clause {
	struct js_cond *v;
	size_t n;
};

/* Clauses that all must hold. */
struct js_conds {
	struct js_clause *v;
	size_t n;
	bool given;
};

/* One event field: N_TERMS consecutive result columns from COL, summed when more than one. */
struct js_field {
	const struct event_field *field;
	struct js_alts *terms;
	int n_terms;
	int col;
};

struct js_format {
	sqlite3 *db;            /* in memory, this format's own: only its JSON functions are used */
	char **roots;           /* body.at, or just "$" */
	size_t n_roots;
	char *has;              /* body.has; NULL: the body is roots[0] */
	struct js_field *fields;
	size_t n_fields;
	struct js_alts dedup;   /* one path per column */
	int dedup_col;
	struct js_conds filter, detect;
	struct js_alts prefilter; /* byte strings one of which every record line holds */
	/*
	 * Per clause of the detect conditions: the key names ("\"sessionId\"") one of which a
	 * line must hold for the clause to hold, or none (n == 0) when that cannot be told from
	 * the bytes (a negated condition, a path ending in an index). Checked before the SQL.
	 */
	struct js_alts *detect_keys;
	size_t n_detect_keys;
	struct format_defaults defaults;
	/*
	 * One parse statement per body root, then one for lines without a body. Every one
	 * finds the line's body; a line whose body is not where the previous line's was is
	 * stepped again with the right statement (files rarely mix envelopes).
	 */
	sqlite3_stmt **parse;
	size_t cur;             /* the statement of the previous line, whose values it holds */
	sqlite3_stmt *detect_q; /* NULL: never detected */
	struct buf key;         /* the de-dup key of the current line */
	struct buf line;        /* the line, NUL-terminated (see bind_line) */
};

/* Result columns of a parse statement; the fields follow. */
#define JS_COL_ROOT 0
#define JS_COL_FILTER 1
#define JS_COL_FIRST 2

/* SQL generation modes besides a root's index: see sql_alts. */
#define JS_MODE_ANY ((size_t)-1)

static void alts_free(struct js_alts *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static void alts_push(struct js_alts *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
}

static void conds_free(struct js_conds *c)
{
	for (size_t i = 0; i < c->n; i++) {
		for (size_t j = 0; j < c->v[i].n; j++) {
			free(c->v[i].v[j].path);
			free(c->v[i].v[j].literal);
		}
		free(c->v[i].v);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- SQL from the compiled definition ---- */

static void sql_quote(struct buf *out, const char *s)
{
	buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addc(out, '\'');
		buf_addc(out, *s);
	}
	buf_addc(out, '\'');
}

/*
 * json_extract of PATH, an "@" path read at root R. RAW: the value's JSON text instead
 * (-> keeps what json_extract loses: true and 1, 1.5 and "1.5" look alike there), JSON
 * null as SQL NULL so that coalesce() still skips it.
 */
static void sql_extract(struct buf *out, const struct js_format *js, const char *path, size_t r, bool raw)
{
	struct buf p = BUF_INIT;
	if (path[0] == '@')
		buf_printf(&p, "%s%s", js->roots[r], path + 1);
	else
		buf_adds(&p, path);
	buf_adds(out, raw ? "nullif(?1 -> " : "json_extract(?1, ");
	sql_quote(out, p.data);
	buf_adds(out, raw ? ", 'null')" : ")");
	buf_free(&p);
}

/* The index of the line's body root, -1 when there is none. */
static void sql_root(struct buf *out, const struct js_format *js)
{
	if (!js->has) {
		buf_adds(out, "0");
		return;
	}
	buf_adds(out, "CASE");
	for (size_t r = 0; r < js->n_roots; r++) {
		struct buf p = BUF_INIT;
		buf_printf(&p, "%s%s", js->roots[r], js->has + 1);
		buf_adds(out, " WHEN json_type(?1, ");
		sql_quote(out, p.data);
		buf_printf(out, ") IS NOT NULL THEN %zu", r);
		buf_free(&p);
	}
	buf_adds(out, " ELSE -1 END");
}

/* Is V[I] at root R a path that an earlier one of V already reads? ("@.error" at "$" is "$.error") */
static bool is_repeat(const struct js_format *js, char *const *v, size_t i, size_t r)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	bool same = false;
	buf_printf(&a, "%s%s", v[i][0] == '@' ? js->roots[r] : "", v[i] + (v[i][0] == '@'));
	for (size_t j = 0; j < i && !same; j++) {
		buf_reset(&b);
		buf_printf(&b, "%s%s", v[j][0] == '@' ? js->roots[r] : "", v[j] + (v[j][0] == '@'));
		same = strcmp(a.data, b.data) == 0;
	}
	buf_free(&a);
	buf_free(&b);
	return same;
}

/*
 * The key a condition needs present in the line, as the bytes "\"KEY\"": the last member of
 * a present-or-equal path that ends in a plain name ($.message.usage -> "usage"). Written
 * into OUT; false when there is none (a negated condition, a path ending in [0] or quotes).
 */
static bool cond_key(const struct js_cond *c, struct buf *out)
{
	if (c->op != JS_PRESENT && c->op != JS_EQ)
		return false;
	const char *dot = strrchr(c->path, '.');
	if (!dot || !dot[1])
		return false;
	for (const char *p = dot + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	buf_reset(out);
	buf_printf(out, "\"%s\"", dot + 1);
	return true;
}

/*
 * Detection runs every format's conditions on the first lines of every file: most formats
 * fail on most lines, and a line's JSON parse (SQLite, per format) dominated an ingest of
 * many small files. The key names the conditions need are known bytes: a line without them
 * fails without being parsed. (A key written with \u escapes is not seen: such a file is
 * read with --format.)
 */
static void detect_keys(struct js_format *js, const struct js_conds *det)
{
	struct buf key = BUF_INIT;
	js->detect_keys = xcalloc(det->n ? det->n : 1, sizeof(*js->detect_keys));
	js->n_detect_keys = det->n;
	for (size_t i = 0; i < det->n; i++) {
		const struct js_clause *cl = &det->v[i];
		struct js_alts *k = &js->detect_keys[i];
		for (size_t a = 0; a < cl->n; a++) {
			if (!cond_key(&cl->v[a], &key)) { /* one alternative that bytes cannot tell: no check */
				alts_free(k);
				break;
			}
			alts_push(k, key.data);
		}
	}
	buf_free(&key);
}

/* Does the line hold, for every clause that has them, one of its keys? */
static bool has_detect_keys(const struct js_format *js, const char *line, size_t n)
{
	for (size_t i = 0; i < js->n_detect_keys; i++) {
		const struct js_alts *k = &js->detect_keys[i];
		bool hit = k->n == 0;
		for (size_t a = 0; a < k->n && !hit; a++)
			hit = memmem(line, n, k->v[a], strlen(k->v[a])) != NULL;
		if (!hit)
			return false;
	}
	return true;
}

/*
 * The first non-null of A. MODE is the body's root index, n_roots for a line without a
 * body ("@" paths are NULL), or JS_MODE_ANY to find the body for each "@" path (slow:
 * for detection only).
 */
static void sql_alts(struct buf *out, const struct js_format *js, char *const *v, size_t n, size_t mode, bool raw)
{
	struct buf args = BUF_INIT;
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i][0] == '@' && mode == js->n_roots)
			continue;
		if (mode < js->n_roots && is_repeat(js, v, i, mode))
			continue;
		if (count++)
			buf_adds(&args, ", ");
		if (v[i][0] != '@' || mode < js->n_roots) {
			sql_extract(&args, js, v[i], mode < js->n_roots ? mode : 0, raw);
			continue;
		}
		buf_adds(&args, "CASE ");
		sql_root(&args, js);
		for (size_t r = 0; r < js->n_roots; r++) {
			buf_printf(&args, " WHEN %zu THEN ", r);
			sql_extract(&args, js, v[i], r, raw);
		}
		buf_adds(&args, " END");
	}
	if (count == 0)
		buf_adds(out, "NULL");
	else if (count == 1)
		buf_adds(out, args.data);
	else /* coalesce() short-circuits: paths after the first non-null are not read */
		buf_printf(out, "coalesce(%s)", args.data);
	buf_free(&args);
}

static void sql_conds(struct buf *out, const struct js_format *js, const struct js_conds *c, size_t mode)
{
	if (!c->n) {
		buf_adds(out, "1");
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		buf_adds(out, i ? " AND (" : "(");
		for (size_t j = 0; j < c->v[i].n; j++) {
			const struct js_cond *k = &c->v[i].v[j];
			static const char *const ops[] = { "IS NOT NULL", "IS NULL", "IS", "IS NOT" };
			buf_adds(out, j ? " OR (" : "(");
			sql_alts(out, js, &k->path, 1, mode, false);
			buf_printf(out, " %s%s%s)", ops[k->op], k->literal ? " " : "", k->literal ? k->literal : "");
		}
		buf_addc(out, ')');
	}
}

static int prepare(struct js_format *js, const char *sql, sqlite3_stmt **q, struct format_def *d, struct buf *err)
{
	if (sqlite3_prepare_v3(js->db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot compile the definition: %s", format_def_where(d), sqlite3_errmsg(js->db));
		return -1;
	}
	return 0;
}

static int prepare_all(struct js_format *js, struct format_def *d, struct buf *err)
{
	struct buf sql = BUF_INIT;
	int rc = -1;

	js->parse = xcalloc(js->n_roots + 1, sizeof(*js->parse));
	for (size_t mode = 0; mode <= js->n_roots; mode++) {
		int col = JS_COL_FIRST;
		buf_reset(&sql);
		buf_adds(&sql, "SELECT ");
		sql_root(&sql, js);
		buf_adds(&sql, ", ");
		sql_conds(&sql, js, &js->filter, mode);
		for (size_t i = 0; i < js->n_fields; i++) {
			js->fields[i].col = col;
			const struct event_field *ef = js->fields[i].field;
			bool raw = ef->kind == EVF_NUM || ef->kind == EVF_PROMPT; /* see set_field */
			for (int t = 0; t < js->fields[i].n_terms; t++, col++) {
				buf_adds(&sql, ", ");
				sql_alts(&sql, js, js->fields[i].terms[t].v, js->fields[i].terms[t].n, mode, raw);
			}
		}
		js->dedup_col = col;
		for (size_t i = 0; i < js->dedup.n; i++) {
			buf_adds(&sql, ", ");
			sql_alts(&sql, js, &js->dedup.v[i], 1, mode, false);
		}
		/* The WHERE clause parses the line; the columns reuse that parse. */
		buf_adds(&sql, " WHERE json_valid(?1)");
		if (prepare(js, sql.data, &js->parse[mode], d, err) < 0)
			goto out;
	}
	const struct js_conds *det = js->detect.given ? &js->detect : js->filter.given ? &js->filter : NULL;
	if (det)
		detect_keys(js, det);
	if (det) {
		buf_reset(&sql);
		buf_adds(&sql, "SELECT ");
		sql_conds(&sql, js, det, JS_MODE_ANY);
		buf_adds(&sql, " WHERE json_valid(?1) AND json_type(?1) = 'object'");
		if (prepare(js, sql.data, &js->detect_q, d, err) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&sql);
	return rc;
}

/* ---- reading the definition ---- */

/*
 * The string or array of strings at PATH into OUT (absent: empty). Returns 0, or -1 with
 * ERR naming WHAT when the value is anything else.
 */
static int read_strings(struct format_def *d, const char *path, const char *what, struct js_alts *out, struct buf *err)
{
	int rc = format_def_strings(d, path, &out->v, &out->n);
	if (rc < 0) {
		buf_printf(err, "%s: %s must be a string or a list of strings", format_def_where(d), what);
		return -1;
	}
	return 0;
}

/* Is PATH one SQLite accepts? (a bad one would fail every line at run time) */
static bool path_is_valid(struct js_format *js, const char *path)
{
	sqlite3_stmt *q;
	bool ok;
	if (sqlite3_prepare_v2(js->db, "SELECT json_extract('{}', ?1)", -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return ok;
}

/* Check every path of A (each "@" path at every root). */
static int check_paths(struct js_format *js, const struct js_alts *a, const char *what, struct format_def *d, struct buf *err)
{
	if (!a->n) {
		buf_printf(err, "%s: %s lists no path", format_def_where(d), what);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->v[i];
		if (p[0] != '$' && p[0] != '@') {
			buf_printf(err, "%s: %s: path \"%s\" must start with $ or @", format_def_where(d), what, p);
			return -1;
		}
		for (size_t r = 0; r < (p[0] == '@' ? js->n_roots : 1); r++) {
			struct buf full = BUF_INIT;
			if (p[0] == '@')
				buf_printf(&full, "%s%s", js->roots[r], p + 1);
			else
				buf_adds(&full, p);
			bool ok = path_is_valid(js, full.data);
			if (!ok)
				buf_printf(err, "%s: %s: bad JSON path \"%s\"", format_def_where(d), what, full.data);
			buf_free(&full);
			if (!ok)
				return -1;
		}
	}
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The JSON scalar TEXT as an SQL literal (JSON true is 1, as json_extract returns it). */
static char *sql_literal(struct js_format *js, const char *text)
{
	sqlite3_stmt *q;
	char *v = NULL;
	if (sqlite3_prepare_v2(js->db, "SELECT quote(json_extract(?1, '$')) WHERE json_valid(?1) AND "
				       "json_type(?1) IN ('text', 'integer', 'real', 'true', 'false')", -1, &q, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(q, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

/* One condition ("PATH", "!PATH", "PATH == VALUE", "PATH != VALUE") into K. */
static int parse_cond(struct js_format *js, const char *text, struct js_cond *k, struct format_def *d, struct buf *err)
{
	const char *s = skip_space(text), *op = strstr(s, "=="), *ne = strstr(s, "!=");
	bool negate = s[0] == '!' && s[1] != '=';

	memset(k, 0, sizeof(*k));
	if (!op || (ne && ne < op))
		op = ne;
	if (negate)
		s = skip_space(s + 1);
	size_t plen = op ? (size_t)(op - s) : strlen(s);
	while (plen && (s[plen - 1] == ' ' || s[plen - 1] == '\t'))
		plen--;
	k->path = xstrndup(s, plen);
	k->op = negate ? JS_ABSENT : !op ? JS_PRESENT : op[0] == '=' ? JS_EQ : JS_NE;
	if (!plen || (negate && op)) {
		buf_printf(err, "%s: bad condition \"%s\" (PATH, !PATH, PATH == VALUE or PATH != VALUE)",
			   format_def_where(d), text);
		return -1;
	}
	if (op && !(k->literal = sql_literal(js, skip_space(op + 2)))) {
		buf_printf(err, "%s: condition \"%s\": the value must be a JSON string, number or boolean",
			   format_def_where(d), text);
		return -1;
	}
	struct js_alts one = { &k->path, 1 };
	return check_paths(js, &one, "condition", d, err);
}

struct cond_ctx {
	struct js_format *js;
	struct format_def *d;
	struct buf *err;
	const char *key; /* "filter" or "detect" */
	struct js_conds *out;
};

static int add_clause(void *vctx, const char *key, const char *value, const char *type)
{
	struct cond_ctx *c = vctx;
	struct js_alts alts = { 0 };
	struct buf path = BUF_INIT;
	int rc = -1;
	(void)key;

	buf_printf(&path, "$.%s[%zu]", c->key, c->out->n);
	if (strcmp(type, "text") == 0)
		alts_push(&alts, value);
	else if (strcmp(type, "array") != 0 || read_strings(c->d, path.data, c->key, &alts, c->err) < 0)
		goto bad;
	if (!alts.n)
		goto bad;
	c->out->v = xrealloc(c->out->v, (c->out->n + 1) * sizeof(*c->out->v));
	struct js_clause *cl = &c->out->v[c->out->n++];
	cl->v = xcalloc(alts.n, sizeof(*cl->v));
	cl->n = 0;
	for (size_t i = 0; i < alts.n; i++) {
		int bad = parse_cond(c->js, alts.v[i], &cl->v[cl->n++], c->d, c->err);
		if (bad)
			goto out;
	}
	rc = 0;
	goto out;
bad:
	if (!c->err->len)
		buf_printf(c->err, "%s: %s lists conditions (strings) or lists of alternative conditions",
			   format_def_where(c->d), c->key);
out:
	alts_free(&alts);
	buf_free(&path);
	return rc ? 1 : 0;
}

static int read_conds(struct js_format *js, struct format_def *d, const char *key, struct js_conds *out, struct buf *err)
{
	struct buf path = BUF_INIT;
	struct cond_ctx c = { js, d, err, key, out };
	buf_printf(&path, "$.%s", key);
	char *type = format_def_type(d, path.data);
	int rc = 0;
	if (type) {
		out->given = true;
		if (strcmp(type, "array") != 0) {
			buf_printf(err, "%s: \"%s\" must be a list of conditions", format_def_where(d), key);
			rc = -1;
		} else if (format_def_each(d, path.data, add_clause, &c) != 0) {
			if (!err->len)
				buf_printf(err, "%s: cannot read \"%s\"", format_def_where(d), key);
			rc = -1;
		}
	}
	free(type);
	buf_free(&path);
	return rc;
}

struct field_ctx {
	struct js_format *js;
	struct format_def *d;
	struct buf *err;
	struct js_field *jf;
	const char *name;
};

static int add_term(void *vctx, const char *key, const char *value, const char *type)
{
	struct field_ctx *c = vctx;
	struct js_field *jf = c->jf;
	struct buf dpath = BUF_INIT, what = BUF_INIT;
	int rc;
	(void)key;
	(void)value;
	(void)type;
	buf_printf(&dpath, "$.fields.\"%s\".sum[%d]", c->name, jf->n_terms);
	buf_printf(&what, "fields.%s.sum", c->name);
	jf->terms = xrealloc(jf->terms, (size_t)(jf->n_terms + 1) * sizeof(*jf->terms));
	memset(&jf->terms[jf->n_terms], 0, sizeof(*jf->terms));
	rc = read_strings(c->d, dpath.data, what.data, &jf->terms[jf->n_terms++], c->err);
	if (rc == 0)
		rc = check_paths(c->js, &jf->terms[jf->n_terms - 1], what.data, c->d, c->err);
	buf_free(&dpath);
	buf_free(&what);
	return rc ? 1 : 0;
}

static int add_field(void *vctx, const char *name, const char *value, const char *type)
{
	struct field_ctx *c = vctx;
	struct js_format *js = c->js;
	const struct event_field *ef = event_field_find(name);
	struct buf dpath = BUF_INIT, what = BUF_INIT;
	int rc = -1;
	(void)value;

	if (!ef) {
		buf_printf(c->err, "%s: fields: unknown event field \"%s\"", format_def_where(c->d), name);
		goto out;
	}
	js->fields = xrealloc(js->fields, (js->n_fields + 1) * sizeof(*js->fields));
	struct js_field *jf = &js->fields[js->n_fields++];
	memset(jf, 0, sizeof(*jf));
	jf->field = ef;
	c->jf = jf;
	c->name = name;
	buf_printf(&dpath, "$.fields.\"%s\"", name);
	buf_printf(&what, "fields.%s", name);
	if (strcmp(type, "object") == 0) {
		buf_adds(&dpath, ".sum");
		char *sum_type = format_def_type(c->d, dpath.data);
		bool is_list = sum_type && strcmp(sum_type, "array") == 0;
		free(sum_type);
		if (!is_list || (ef->kind != EVF_NUM && ef->kind != EVF_PROMPT)) {
			buf_printf(c->err, "%s: fields.%s: an object must be {\"sum\": [...]} for a number field",
				   format_def_where(c->d), name);
			goto out;
		}
		if (format_def_each(c->d, dpath.data, add_term, c) != 0)
			goto out;
		if (!jf->n_terms) {
			buf_printf(c->err, "%s: fields.%s.sum is empty", format_def_where(c->d), name);
			goto out;
		}
	} else {
		jf->terms = xcalloc(1, sizeof(*jf->terms));
		jf->n_terms = 1;
		if (read_strings(c->d, dpath.data, what.data, &jf->terms[0], c->err) < 0 ||
		    check_paths(js, &jf->terms[0], what.data, c->d, c->err) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&dpath);
	buf_free(&what);
	return rc ? 1 : 0;
}

static int read_body(struct js_format *js, struct format_def *d, struct buf *err)
{
	struct js_alts at = { 0 };
	char *type = format_def_type(d, "$.body");
	int rc = -1;

	if (!type) {
		alts_push(&at, "$");
	} else if (strcmp(type, "object") != 0 || read_strings(d, "$.body.at", "body.at", &at, err) < 0 ||
		   !at.n || !(js->has = format_def_text(d, "$.body.has")) || js->has[0] != '@') {
		if (!err->len)
			buf_printf(err, "%s: \"body\" must be {\"at\": [path...], \"has\": \"@.key\"}", format_def_where(d));
		goto out;
	}
	for (size_t i = 0; i < at.n; i++)
		if (at.v[i][0] != '$' || !path_is_valid(js, at.v[i])) {
			buf_printf(err, "%s: body.at: bad JSON path \"%s\"", format_def_where(d), at.v[i]);
			goto out;
		}
	rc = 0;
out:
	js->roots = at.v;
	js->n_roots = at.n;
	free(type);
	return rc;
}

static void js_free(struct format *f)
{
	struct js_format *js = f->impl;
	if (!js)
		return;
	for (size_t i = 0; js->parse && i <= js->n_roots; i++)
		sqlite3_finalize(js->parse[i]);
	free(js->parse);
	sqlite3_finalize(js->detect_q);
	sqlite3_close(js->db);
	for (size_t i = 0; i < js->n_fields; i++) {
		for (int t = 0; t < js->fields[i].n_terms; t++)
			alts_free(&js->fields[i].terms[t]);
		free(js->fields[i].terms);
	}
	free(js->fields);
	format_defaults_free(&js->defaults);
	alts_free(&js->dedup);
	conds_free(&js->filter);
	conds_free(&js->detect);
	alts_free(&js->prefilter);
	for (size_t i = 0; i < js->n_detect_keys; i++)
		alts_free(&js->detect_keys[i]);
	free(js->detect_keys);
	for (size_t i = 0; i < js->n_roots; i++)
		free(js->roots[i]);
	free(js->roots);
	free(js->has);
	buf_free(&js->key);
	buf_free(&js->line);
	free(js);
	f->impl = NULL;
}

static int js_load(struct format *f, struct format_def *d, struct buf *err)
{
	struct js_format *js = xcalloc(1, sizeof(*js));
	struct field_ctx c = { js, d, err, NULL, NULL };
	char *type = NULL;
	int rc = -1;

	f->impl = js;
	if (sqlite3_open_v2(":memory:", &js->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot open SQLite in memory", format_def_where(d));
		goto out;
	}
	if (read_body(js, d, err) < 0)
		goto out;
	type = format_def_type(d, "$.fields");
	if (!type || strcmp(type, "object") != 0) {
		buf_printf(err, "%s: \"fields\" must be an object {event field: paths}", format_def_where(d));
		goto out;
	}
	if (format_def_each(d, "$.fields", add_field, &c) != 0) {
		if (!err->len)
			buf_printf(err, "%s: cannot read \"fields\"", format_def_where(d));
		goto out;
	}
	if (read_strings(d, "$.dedup", "dedup", &js->dedup, err) < 0 ||
	    (js->dedup.n && check_paths(js, &js->dedup, "dedup", d, err) < 0))
		goto out;
	free(type);
	type = NULL;
	if (format_def_defaults(d, &js->defaults, err) < 0)
		goto out;
	if (read_conds(js, d, "filter", &js->filter, err) < 0 || read_conds(js, d, "detect", &js->detect, err) < 0)
		goto out;
	if (read_strings(d, "$.prefilter", "prefilter", &js->prefilter, err) < 0)
		goto out;
	for (size_t i = 0; i < js->prefilter.n; i++)
		if (!js->prefilter.v[i][0]) {
			buf_printf(err, "%s: prefilter strings must not be empty", format_def_where(d));
			goto out;
		}
	if (prepare_all(js, d, err) < 0)
		goto out;
	rc = 0;
out:
	free(type);
	if (rc < 0)
		js_free(f);
	return rc;
}

/* ---- reading lines ---- */

/* Lines that are no JSON at all but blank. */
static bool is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/*
 * Bind the line to ?1 of Q as a NUL-terminated copy, length -1: SQLite 3.40 marks only such
 * text terminated; any other is copied by every JSON function call that reads it (2x slower).
 * js_parse rejects a line with a NUL byte first: SQLite would stop reading there.
 */
static void bind_line(struct js_format *js, sqlite3_stmt *q, const char *line, size_t n)
{
	if (n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) /* a byte order mark */
		line += 3, n -= 3;
	buf_reset(&js->line);
	buf_add(&js->line, line, n);
	sqlite3_bind_text(q, 1, js->line.data ? js->line.data : "", -1, SQLITE_STATIC);
}

static bool js_detect(struct format *f, const char *line, size_t n)
{
	struct js_format *js = f->impl;
	bool hit;
	if (!js->detect_q || n >= INT32_MAX || !has_detect_keys(js, line, n))
		return false;
	bind_line(js, js->detect_q, line, n);
	hit = sqlite3_step(js->detect_q) == SQLITE_ROW && sqlite3_column_int(js->detect_q, 0);
	sqlite3_reset(js->detect_q);
	return hit;
}

/*
 * A number field's value as its JSON text (see sql_extract): a JSON string gives its
 * content (a count logged as "12"), true/false their word. Returns 0 with *P, *N set, or -1
 * for what no count is (an object, an array, a string with escapes).
 */
static int raw_scalar(const char **p, size_t *n, bool *is_bool)
{
	*is_bool = (*n == 4 && memcmp(*p, "true", 4) == 0) || (*n == 5 && memcmp(*p, "false", 5) == 0);
	if (*n >= 2 && (*p)[0] == '"' && (*p)[*n - 1] == '"') {
		if (memchr(*p + 1, '\\', *n - 2))
			return -1;
		(*p)++;
		*n -= 2;
		return 0;
	}
	return *is_bool || (*n && ((*p)[0] == '-' || ((*p)[0] >= '0' && (*p)[0] <= '9'))) ? 0 : -1;
}

/*
 * A count from JSON number text: whole numbers only, as in every other log (1500, 1500.0,
 * 1.5e3); 1.5 is no count. Only a latency may have a fraction, rounded to the millisecond
 * ("duration_ms": 1234.6). Returns 0, or -1 when P[0..N) is no such number.
 */
static int json_count(const struct event_field *ef, const char *p, size_t n, int64_t *v)
{
	char tmp[64], *end;
	if (event_parse_int(p, n, v) == 0)
		return 0;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	double d = strtod(tmp, &end);
	if (end != tmp + n || !(d > -9.2e18 && d < 9.2e18))
		return -1;
	if (d != floor(d) && !(ef->kind == EVF_NUM && ef->index == EV_LATENCY_MS))
		return -1;
	*v = llround(d);
	return 0;
}

/* Term COL of a number field: 0 with *V, 1 when null, -1 when it is no count. */
static int column_count(sqlite3_stmt *q, int col, const struct event_field *ef, int64_t *v)
{
	const char *p = (const char *)sqlite3_column_text(q, col);
	size_t n = (size_t)sqlite3_column_bytes(q, col);
	bool is_bool;
	if (!p)
		return 1;
	if (raw_scalar(&p, &n, &is_bool) < 0 || is_bool)
		return -1;
	if (event_text_is_null(p, n)) /* "-" or "": NULL, as in every other log */
		return 1;
	return json_count(ef, p, n, v);
}

static int set_field(struct format *f, sqlite3_stmt *q, const struct js_field *jf, struct event *ev, struct buf *reason)
{
	const struct event_field *ef = jf->field;
	int64_t v = 0;
	bool any = false;
	int rc;

	if (jf->n_terms > 1) {
		for (int i = 0; i < jf->n_terms; i++) {
			int64_t term;
			if ((rc = column_count(q, jf->col + i, ef, &term)) == 1)
				continue;
			if (rc < 0 || term < 0 || term > EVENT_MAX_NUMBER)
				goto bad_number;
			v += term;
			any = true;
		}
		if (!any)
			return 0;
		return event_set_number(ev, ef, v, reason);
	}
	if (sqlite3_column_type(q, jf->col) == SQLITE_NULL)
		return 0;
	const char *p = (const char *)sqlite3_column_text(q, jf->col);
	size_t n = (size_t)sqlite3_column_bytes(q, jf->col);
	if (ef->kind == EVF_SUCCESS)
		return event_set_outcome(ev, ef, p, n, reason);
	if (ef->kind == EVF_NUM && ef->index == EV_STATUS) {
		bool is_bool;
		if (raw_scalar(&p, &n, &is_bool) < 0)
			goto bad_number;
		return event_set_outcome(ev, ef, p, n, reason); /* 200, "200", "success", true */
	}
	if (ef->kind == EVF_NUM || ef->kind == EVF_PROMPT) {
		if ((rc = column_count(q, jf->col, ef, &v)) == 1)
			return 0;
		if (rc < 0)
			goto bad_number;
		return event_set_number(ev, ef, v, reason);
	}
	return event_set(ev, ef, p, n, f->time_format, reason);

bad_number:
	buf_printf(reason, "bad number for %s", ef->name);
	return -1;
}

/* The de-dup key: the values joined by a unit separator; none unless every path has one. */
static void set_dedup(struct js_format *js, sqlite3_stmt *q, struct event *ev)
{
	buf_reset(&js->key);
	for (size_t i = 0; i < js->dedup.n; i++) {
		int col = js->dedup_col + (int)i;
		const char *p = (const char *)sqlite3_column_text(q, col);
		if (!p)
			return;
		if (i)
			buf_addc(&js->key, '\x1f');
		buf_add(&js->key, p, (size_t)sqlite3_column_bytes(q, col));
	}
	ev->dedup = (struct slice){ js->key.data, js->key.len };
}

/* Step the statement for the line's body. Returns SQLITE_ROW, SQLITE_DONE (invalid JSON) or an error. */
static int step_line(struct js_format *js)
{
	sqlite3_stmt *q = js->parse[js->cur];
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW)
		return rc;
	int root = sqlite3_column_int(q, JS_COL_ROOT);
	size_t want = root < 0 ? js->n_roots : (size_t)root;
	if (want == js->cur)
		return rc;
	sqlite3_reset(q);
	js->cur = want;
	q = js->parse[want];
	sqlite3_bind_text(q, 1, js->line.data, -1, SQLITE_STATIC);
	return sqlite3_step(q);
}

/*
 * A line that json_valid() refused: is it nested deeper than SQLite reads (2000 levels in
 * SQLite 3.40), however well-formed? Returns the line's depth then, else 0. Asked only of
 * refused lines; SQLite itself answers for the depth, so its own limit is the one used.
 */
static size_t too_deep(struct js_format *js, const char *p, size_t n)
{
	size_t depth = 0, max = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
	}
	if (max < 100) /* far from any limit SQLite has had */
		return 0;
	struct buf probe = BUF_INIT;
	sqlite3_stmt *q = NULL;
	bool refused = false;
	for (size_t i = 0; i < max; i++)
		buf_addc(&probe, '[');
	for (size_t i = 0; i < max; i++)
		buf_addc(&probe, ']');
	if (sqlite3_prepare_v2(js->db, "SELECT json_valid(?1)", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, probe.data, (int)probe.len, SQLITE_STATIC);
		refused = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 0;
	}
	sqlite3_finalize(q);
	buf_free(&probe);
	return refused ? max : 0;
}

/*
 * Can the line be skipped unparsed? It holds none of the prefilter's strings (so the
 * definition says it is no record) and looks whole: '{' first and '}' last (spaces aside), so
 * a cut or broken line still goes to the parser and is rejected.
 */
static bool prefiltered_out(const struct js_format *js, const char *line, size_t n)
{
	size_t a = 0, b = n;
	if (!js->prefilter.n)
		return false;
	for (size_t i = 0; i < js->prefilter.n; i++)
		if (memmem(line, n, js->prefilter.v[i], strlen(js->prefilter.v[i])))
			return false;
	while (a < b && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t' || line[b - 1] == '\r'))
		b--;
	return b - a >= 2 && line[a] == '{' && line[b - 1] == '}' && !memchr(line, '\0', n);
}

static int js_parse(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason)
{
	struct js_format *js = f->impl;
	int rc;

	/* The previous line's values live in its statement until here (event slices point there). */
	sqlite3_reset(js->parse[js->cur]);
	if (is_blank(line, n) || prefiltered_out(js, line, n))
		return 1;
	if (n >= INT32_MAX) {
		buf_printf(reason, "line too long for the JSON parser");
		return -1;
	}
	if (memchr(line, '\0', n)) { /* SQLite would read the line only up to it */
		buf_printf(reason, "NUL byte in a JSON line");
		return -1;
	}
	bind_line(js, js->parse[js->cur], line, n);
	rc = step_line(js);
	sqlite3_stmt *q = js->parse[js->cur];
	if (rc != SQLITE_ROW) {
		size_t depth;
		if (rc == SQLITE_DONE && (depth = too_deep(js, js->line.data, js->line.len)))
			buf_printf(reason, "JSON nested %zu levels deep: deeper than SQLite's JSON functions read", depth);
		else if (rc == SQLITE_DONE)
			buf_printf(reason, "invalid JSON");
		else
			buf_printf(reason, "JSON: %s", sqlite3_errmsg(js->db));
		sqlite3_reset(q);
		return -1;
	}
	if (js->line.data[strspn(js->line.data, " \t")] != '{') { /* valid JSON: '{' starts an object */
		buf_printf(reason, "not a JSON object");
		return -1;
	}
	if (!sqlite3_column_int(q, JS_COL_FILTER))
		return 1;
	for (size_t i = 0; i < js->n_fields; i++)
		if (set_field(f, q, &js->fields[i], ev, reason) < 0)
			return -1;
	format_defaults_apply(&js->defaults, ev);
	if (js->dedup.n)
		set_dedup(js, q, ev);
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
	.parallel = true,
	.free = js_free,
};
