/* Read-only statements over the views, streamed rows, and the named queries; see query.h. */
#include "query.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedded.h"
#include "timefmt.h"

/* VM instructions between two looks at the clock: a few microseconds of work. */
#define QUERY_PROGRESS_OPS 1000
/* A query file larger than this is no query. */
#define QUERY_MAX_FILE (1 << 20)

struct query {
	sqlite3 *db;
	sqlite3_stmt *stmt;
	char **tables; /* the physical tables: user SQL reads the views over them, not them */
	size_t ntables;
	struct buf refusal; /* why the authorizer refused, for the message */
	double timeout;
	struct timespec deadline;
	bool started, timed_out;
	volatile sig_atomic_t interrupted; /* set by query_interrupt, maybe in a signal handler */
};

/* ---- the authorizer ---- */

/* Read-only pragmas. Those marked take an argument that names a table or an index. */
static const struct {
	const char *name;
	bool takes_name;
} read_pragmas[] = {
	{ "application_id", false }, { "collation_list", false }, { "compile_options", false },
	{ "data_version", false },   { "database_list", false },  { "encoding", false },
	{ "foreign_key_list", true }, { "freelist_count", false }, { "function_list", false },
	{ "index_info", true },      { "index_list", true },      { "index_xinfo", true },
	{ "integrity_check", true }, { "module_list", false },    { "page_count", false },
	{ "page_size", false },      { "pragma_list", false },    { "quick_check", true },
	{ "schema_version", false }, { "table_info", true },      { "table_list", true },
	{ "table_xinfo", true },     { "user_version", false },
};

/*
 * Functions that reach outside the database. SQLite's library has only load_extension (and
 * it is off); the others come with the sqlite3 shell or extensions, refused should they appear.
 */
static const char *const refused_functions[] = { "load_extension", "readfile", "writefile", "edit",
						 "fts3_tokenizer", "lsdir", NULL };

static const char *action_name(int action)
{
	switch (action) {
	case SQLITE_INSERT: return "INSERT";
	case SQLITE_UPDATE: return "UPDATE";
	case SQLITE_DELETE: return "DELETE";
	case SQLITE_ATTACH: return "ATTACH (and VACUUM INTO)";
	case SQLITE_DETACH: return "DETACH";
	case SQLITE_TRANSACTION: return "a transaction statement";
	case SQLITE_SAVEPOINT: return "SAVEPOINT";
	case SQLITE_ALTER_TABLE: return "ALTER TABLE";
	case SQLITE_REINDEX: return "REINDEX";
	case SQLITE_ANALYZE: return "ANALYZE";
	case SQLITE_CREATE_VTABLE: return "CREATE VIRTUAL TABLE";
	case SQLITE_DROP_VTABLE: return "DROP of a virtual table";
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TEMP_INDEX: return "CREATE INDEX";
	case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_TABLE: return "CREATE TABLE";
	case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_TEMP_TRIGGER: return "CREATE TRIGGER";
	case SQLITE_CREATE_VIEW: case SQLITE_CREATE_TEMP_VIEW: return "CREATE VIEW";
	case SQLITE_DROP_INDEX: case SQLITE_DROP_TEMP_INDEX: return "DROP INDEX";
	case SQLITE_DROP_TABLE: case SQLITE_DROP_TEMP_TABLE: return "DROP TABLE";
	case SQLITE_DROP_TRIGGER: case SQLITE_DROP_TEMP_TRIGGER: return "DROP TRIGGER";
	case SQLITE_DROP_VIEW: case SQLITE_DROP_TEMP_VIEW: return "DROP VIEW";
	default: return "this statement";
	}
}

static int refuse(struct query *q, const char *fmt, const char *arg)
{
	if (q->refusal.len == 0)
		buf_printf(&q->refusal, fmt, arg);
	return SQLITE_DENY;
}

static bool is_physical(const struct query *q, const char *table)
{
	for (size_t i = 0; i < q->ntables; i++)
		if (strcmp(q->tables[i], table) == 0)
			return true;
	return false;
}

static bool is_schema_table(const char *name)
{
	return sqlite3_stricmp(name, "sqlite_master") == 0 || sqlite3_stricmp(name, "sqlite_temp_master") == 0 ||
	       sqlite3_stricmp(name, "sqlite_schema") == 0 || sqlite3_stricmp(name, "sqlite_temp_schema") == 0;
}

/*
 * Allow what reads and nothing else: a whitelist of actions, so an action a later SQLite adds
 * is refused too. A4 is the view (or trigger) a read comes from, NULL when it is the user's
 * own SQL: the physical tables are read only through the views, the stable surface. A read
 * without a column (count(*)) names no view even inside one, and reveals no value: allowed.
 */
static int authorize(void *ctx, int action, const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct query *q = ctx;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_READ:
		if (!a4 && a2 && *a2 && a3 && strcmp(a3, "main") == 0 && is_physical(q, a1))
			return refuse(q, "%s is a physical table, private to tokstat: query the views over it "
					 "(events, daily_usage, hourly_usage, credentials, files, rejects, prices, cost_*)", a1);
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		for (int i = 0; refused_functions[i]; i++)
			if (a2 && sqlite3_stricmp(a2, refused_functions[i]) == 0)
				return refuse(q, "the function %s() reaches outside the database", refused_functions[i]);
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		for (size_t i = 0; i < sizeof(read_pragmas) / sizeof(read_pragmas[0]); i++) {
			if (a1 && sqlite3_stricmp(a1, read_pragmas[i].name) == 0) {
				if (a2 && !read_pragmas[i].takes_name)
					return refuse(q, "PRAGMA %s with a value would change a setting", read_pragmas[i].name);
				return SQLITE_OK;
			}
		}
		return refuse(q, "PRAGMA %s may write or change the connection; only pragmas that read are allowed",
			      a1 ? a1 : "");
	case SQLITE_UPDATE:
		/* The first use of an eponymous virtual table (json_each, pragma_table_info) has SQLite
		 * compile, never run, an UPDATE of the schema table. A user's UPDATE of it is still
		 * refused: by sqlite3_stmt_readonly, defensive mode and the read-only open. */
		if (a1 && is_schema_table(a1))
			return SQLITE_OK;
		/* fall through */
	default:
		if ((action == SQLITE_INSERT || action == SQLITE_DELETE) && a1 && is_schema_table(a1))
			return refuse(q, "CREATE, DROP and ALTER change the schema%s; tokstat query only reads", "");
		return refuse(q, "%s would change the database or the connection: tokstat query only reads",
			      action_name(action));
	}
}

static int progress(void *ctx)
{
	struct query *q = ctx;
	struct timespec now;
	if (q->interrupted)
		return 1;
	if (q->timeout <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > q->deadline.tv_sec || (now.tv_sec == q->deadline.tv_sec && now.tv_nsec >= q->deadline.tv_nsec)) {
		q->timed_out = true;
		return 1;
	}
	return 0;
}

/* ---- the connection ---- */

static int db_error(struct query *q, struct buf *err, const char *path, const char *what)
{
	buf_printf(err, "%s: %s: %s", path, what, sqlite3_errmsg(q->db));
	return -1;
}

/*
 * store_open() put this binary's views into its connection's temp schema when the file holds
 * another tokstat's (see store.c's temp_views): the same views are made here, from that
 * schema's text, so that a query reads what summary reads. sqlite_temp_master keeps a temp
 * view's text as "CREATE VIEW ...".
 */
static int copy_temp_views(struct query *q, sqlite3 *from, const char *path, struct buf *err)
{
	static const char prefix[] = "CREATE VIEW ";
	sqlite3_stmt *s = NULL;
	struct buf sql = BUF_INIT;
	int rc = -1, step;

	if (!from)
		return 0;
	if (sqlite3_prepare_v2(from, "SELECT sql FROM temp.sqlite_master WHERE type = 'view' ORDER BY rowid", -1, &s,
			       NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot read the temp views: %s", path, sqlite3_errmsg(from));
		goto out;
	}
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		if (!text || strncmp(text, prefix, sizeof(prefix) - 1) != 0)
			continue;
		buf_reset(&sql);
		buf_printf(&sql, "CREATE TEMP VIEW %s", text + sizeof(prefix) - 1);
		if (sqlite3_exec(q->db, buf_str(&sql), NULL, NULL, NULL) != SQLITE_OK) {
			db_error(q, err, path, "cannot create this tokstat's views");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		buf_printf(err, "%s: cannot read the temp views: %s", path, sqlite3_errmsg(from));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	buf_free(&sql);
	return rc;
}

static int load_tables(struct query *q, const char *path, struct buf *err)
{
	sqlite3_stmt *s;
	int step;
	if (sqlite3_prepare_v2(q->db, "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'",
			       -1, &s, NULL) != SQLITE_OK)
		return db_error(q, err, path, "not a tokstat database");
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		q->tables = xrealloc(q->tables, (q->ntables + 1) * sizeof(*q->tables));
		q->tables[q->ntables++] = xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE)
		return db_error(q, err, path, "not a tokstat database");
	return 0;
}

int query_open(struct query **out, const char *path, sqlite3 *store_db, struct buf *err)
{
	struct query *q = xcalloc(1, sizeof(*q));
	int rc = -1;

	/* No URI: PATH is a file name, never "file:...?mode=rw". */
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		db_error(q, err, path, "cannot open database");
		goto out;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, 5000);
	/* Each a second lock behind the read-only open and the authorizer: defensive mode refuses
	 * writable_schema, sqlite_dbpage writes and other ways to corrupt the file; trusted_schema
	 * off runs no function with side effects from the schema; no database can be attached. */
	if (sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(q->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(q->db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 0, NULL) != SQLITE_OK) {
		db_error(q, err, path, "cannot make the connection read-only");
		goto out;
	}
	sqlite3_limit(q->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(q->db, SQLITE_LIMIT_LENGTH, QUERY_MAX_VALUE);
	if (copy_temp_views(q, store_db, path, err) < 0 || load_tables(q, path, err) < 0)
		goto out;
	sqlite3_set_authorizer(q->db, authorize, q);
	sqlite3_progress_handler(q->db, QUERY_PROGRESS_OPS, progress, q);
	rc = 0;
out:
	if (rc < 0) {
		query_close(q);
		q = NULL;
	}
	*out = q;
	return rc;
}

void query_close(struct query *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->stmt);
	sqlite3_close(q->db);
	for (size_t i = 0; i < q->ntables; i++)
		free(q->tables[i]);
	free(q->tables);
	buf_free(&q->refusal);
	free(q);
}

/* The message for a failed prepare or step: the authorizer's reason, or SQLite's. */
static void statement_error(struct query *q, struct buf *err, const char *sql)
{
	if (q->refusal.len) {
		buf_printf(err, "refused: %s; nothing was run", buf_str(&q->refusal));
		return;
	}
	buf_printf(err, "%s", sqlite3_errmsg(q->db));
	int off = sql ? sqlite3_error_offset(q->db) : -1;
	if (off >= 0)
		buf_printf(err, " (at byte %d of the SQL)", off);
}

int query_prepare(struct query *q, const char *sql, struct buf *err)
{
	const char *tail = NULL;
	sqlite3_stmt *more = NULL;
	int rc = -1;

	sqlite3_finalize(q->stmt);
	q->stmt = NULL;
	q->started = q->timed_out = false;
	q->interrupted = 0;
	buf_reset(&q->refusal);
	if (sqlite3_prepare_v3(q->db, sql, -1, 0, &q->stmt, &tail) != SQLITE_OK) {
		statement_error(q, err, sql);
		goto out;
	}
	if (!q->stmt) {
		buf_printf(err, "no SQL statement (only comments or spaces)");
		goto out;
	}
	/* One statement: what follows it must prepare to nothing (spaces, comments, ';'). A second
	 * statement is refused, not run after the first, so nothing runs when one part is refused. */
	if (tail && *tail) {
		size_t at = (size_t)(tail - sql);
		int more_rc = sqlite3_prepare_v3(q->db, tail, -1, 0, &more, NULL);
		if (more_rc != SQLITE_OK || more) {
			buf_reset(&q->refusal);
			buf_printf(err, "refused: more than one statement (the second starts at byte %zu); tokstat query "
				   "runs one statement, so nothing was run", at);
			goto out;
		}
	}
	if (!sqlite3_stmt_readonly(q->stmt)) {
		buf_printf(err, "refused: the statement would write; tokstat query only reads, so nothing was run");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(more);
	if (rc < 0) {
		sqlite3_finalize(q->stmt);
		q->stmt = NULL;
	}
	return rc;
}

static void bind_one(sqlite3_stmt *s, int i, const struct query_param *p)
{
	switch (p->type) {
	case QUERY_INT:
		sqlite3_bind_int64(s, i, strtoll(p->value, NULL, 10));
		break;
	case QUERY_REAL:
		sqlite3_bind_double(s, i, strtod(p->value, NULL));
		break;
	case QUERY_TEXT:
		sqlite3_bind_text(s, i, p->value, -1, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(s, i);
	}
}

int query_bind(struct query *q, const struct query_param *params, size_t n, struct buf *err)
{
	int count = sqlite3_bind_parameter_count(q->stmt);
	bool *used = xcalloc(n ? n : 1, sizeof(*used));
	int rc = -1;

	sqlite3_clear_bindings(q->stmt);
	for (int i = 1; i <= count; i++) {
		const char *name = sqlite3_bind_parameter_name(q->stmt, i);
		size_t k;
		if (!name || name[0] == '?') {
			buf_printf(err, "the SQL has a positional parameter (?%d): name it, as :name, and give -p name=VALUE", i);
			goto out;
		}
		for (k = 0; k < n; k++)
			if (strcmp(params[k].name, name + 1) == 0)
				break;
		if (k == n) {
			buf_printf(err, "no value for %s: give -p %s=VALUE", name, name + 1);
			goto out;
		}
		used[k] = true;
		bind_one(q->stmt, i, &params[k]);
	}
	for (size_t k = 0; k < n; k++) {
		if (!used[k]) {
			buf_printf(err, "the SQL has no parameter :%s (nor @%s, $%s)", params[k].name, params[k].name,
				   params[k].name);
			goto out;
		}
	}
	rc = 0;
out:
	free(used);
	return rc;
}

size_t query_ncols(const struct query *q)
{
	return q->stmt ? (size_t)sqlite3_column_count(q->stmt) : 0;
}

const char *query_col_name(const struct query *q, size_t col)
{
	const char *name = sqlite3_column_name(q->stmt, (int)col);
	return name ? name : "";
}

void query_set_timeout(struct query *q, double seconds)
{
	q->timeout = seconds;
}

void query_interrupt(struct query *q)
{
	q->interrupted = 1;
	sqlite3_interrupt(q->db);
}

int query_step(struct query *q, struct query_value *row, struct buf *err)
{
	if (!q->started) {
		q->started = true;
		clock_gettime(CLOCK_MONOTONIC, &q->deadline);
		double whole = floor(q->timeout);
		q->deadline.tv_sec += (time_t)whole;
		q->deadline.tv_nsec += (long)((q->timeout - whole) * 1e9);
		if (q->deadline.tv_nsec >= 1000000000L) {
			q->deadline.tv_sec++;
			q->deadline.tv_nsec -= 1000000000L;
		}
	}
	int rc = sqlite3_step(q->stmt);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		if (q->timed_out)
			buf_printf(err, "stopped: the query ran longer than --timeout %g s", q->timeout);
		else if (q->interrupted)
			buf_printf(err, "stopped: interrupted");
		else
			statement_error(q, err, NULL);
		return -1;
	}
	for (size_t c = 0, n = query_ncols(q); c < n; c++) {
		struct query_value *v = &row[c];
		memset(v, 0, sizeof(*v));
		switch (sqlite3_column_type(q->stmt, (int)c)) {
		case SQLITE_INTEGER:
			v->type = QUERY_INT;
			v->i = sqlite3_column_int64(q->stmt, (int)c);
			break;
		case SQLITE_FLOAT:
			v->type = QUERY_REAL;
			v->r = sqlite3_column_double(q->stmt, (int)c);
			break;
		case SQLITE_TEXT:
			v->type = QUERY_TEXT;
			v->p = (const char *)sqlite3_column_text(q->stmt, (int)c);
			v->n = (size_t)sqlite3_column_bytes(q->stmt, (int)c);
			break;
		case SQLITE_BLOB:
			v->type = QUERY_BLOB;
			v->p = sqlite3_column_blob(q->stmt, (int)c);
			v->n = (size_t)sqlite3_column_bytes(q->stmt, (int)c);
			break;
		default:
			v->type = QUERY_NULL;
		}
		if (!v->p && (v->type == QUERY_TEXT || v->type == QUERY_BLOB))
			v->p = "";
	}
	return 1;
}

enum query_stop query_stopped(const struct query *q)
{
	return q->timed_out ? QUERY_TIMED_OUT : q->interrupted ? QUERY_INTERRUPTED : QUERY_RAN;
}

/* ---- parameters ---- */

bool query_is_name(const char *s, size_t n)
{
	if (n == 0 || !(s[0] == '_' || ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return false;
	return true;
}

static bool is_digits(const char *s, const char **end)
{
	const char *p = s;
	while (*p >= '0' && *p <= '9')
		p++;
	*end = p;
	return p > s;
}

/* -?(0|[1-9][0-9]*) then, for REAL, (\.[0-9]+)?([eE][-+]?[0-9]+)? with at least one of them. */
static enum query_type infer_type(const char *s)
{
	const char *p = s, *e;
	bool is_real = false;
	if (*p == '-')
		p++;
	if (!is_digits(p, &e) || (*p == '0' && e - p > 1))
		return QUERY_TEXT;
	p = e;
	if (*p == '.') {
		if (!is_digits(p + 1, &e))
			return QUERY_TEXT;
		p = e;
		is_real = true;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!is_digits(p, &e))
			return QUERY_TEXT;
		p = e;
		is_real = true;
	}
	if (*p)
		return QUERY_TEXT;
	errno = 0;
	if (is_real) {
		double d = strtod(s, NULL);
		return isfinite(d) ? QUERY_REAL : QUERY_TEXT;
	}
	(void)strtoll(s, NULL, 10);
	return errno == ERANGE ? QUERY_TEXT : QUERY_INT;
}

void query_param_set(struct query_param *p, const char *name, const char *value, bool as_text)
{
	p->name = xstrdup(name);
	if (!as_text && (!value || !*value)) {
		p->type = QUERY_NULL;
		p->value = NULL;
		return;
	}
	p->value = xstrdup(value ? value : "");
	p->type = as_text ? QUERY_TEXT : infer_type(p->value);
}

void query_param_free(struct query_param *p)
{
	free(p->name);
	free(p->value);
	p->name = p->value = NULL;
}

int query_param_parse(const char *arg, struct query_param *p, struct buf *err)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	bool as_text = n > 5 && memcmp(arg + n - 5, ":text", 5) == 0;
	size_t name_n = as_text ? n - 5 : n;
	char *name;

	if (!eq || !query_is_name(arg, name_n)) {
		/* the part before '=' only: after it could be a secret pasted by mistake */
		buf_printf(err, "-p wants NAME=VALUE or NAME:text=VALUE, with NAME made of letters, digits and _%s",
			   eq ? "" : " (no '=' given)");
		return -1;
	}
	name = xstrndup(arg, name_n);
	query_param_set(p, name, eq + 1, as_text);
	free(name);
	return 0;
}

int query_period_bound(const char *s, bool is_end, struct buf *out, int64_t *epoch)
{
	size_t n = strlen(s);
	int64_t t;
	char iso[32];
	if (timefmt_parse_iso8601(s, n, &t) < 0)
		return -1;
	/* a bare day YYYY-MM-DD as the end: the period runs through it */
	if (is_end && n == 10)
		t += 86400;
	timefmt_format_iso(t, iso);
	buf_adds(out, iso);
	*epoch = t;
	return 0;
}

/* ---- named queries ---- */

static void param_def_free(struct query_param_def *p)
{
	free(p->name);
	free(p->def);
	free(p->help);
}

void query_def_free(struct query_def *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->description);
	free(d->origin);
	free(d->sql);
	for (size_t i = 0; i < d->nparams; i++)
		param_def_free(&d->params[i]);
	free(d->params);
	memset(d, 0, sizeof(*d));
}

const struct query_param_def *query_def_param(const struct query_def *d, const char *name)
{
	for (size_t i = 0; i < d->nparams; i++)
		if (strcmp(d->params[i].name, name) == 0)
			return &d->params[i];
	return NULL;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static char *trimmed(const char *p, const char *end)
{
	p = skip_spaces(p, end);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

/* "NAME = DEFAULT help" or "NAME help" from P..END into D. Returns 0, or -1 with WHY. */
static int parse_param(const char *p, const char *end, struct query_param_def *d, const char **why)
{
	const char *name = p = skip_spaces(p, end);
	struct buf def = BUF_INIT;

	while (p < end && *p != ' ' && *p != '\t' && *p != '=')
		p++;
	size_t name_n = (size_t)(p - name);
	if (name_n > 5 && memcmp(p - 5, ":text", 5) == 0) {
		d->is_text = true;
		name_n -= 5;
	}
	if (!query_is_name(name, name_n)) {
		*why = "a parameter name is letters, digits and _ (then :text for a text parameter)";
		return -1;
	}
	d->name = xstrndup(name, name_n);
	p = skip_spaces(p, end);
	if (p < end && *p == '=') {
		p = skip_spaces(p + 1, end);
		if (p < end && *p == '\'') { /* 'text', '' for a quote */
			for (p++;; p++) {
				if (p >= end) {
					*why = "the quoted default has no closing quote";
					buf_free(&def);
					return -1;
				}
				if (*p == '\'') {
					if (p + 1 < end && p[1] == '\'') {
						buf_addc(&def, '\'');
						p++;
						continue;
					}
					p++;
					break;
				}
				buf_addc(&def, *p);
			}
		} else {
			const char *word = p;
			while (p < end && *p != ' ' && *p != '\t')
				p++;
			if (p == word) {
				*why = "'=' is followed by no default";
				return -1;
			}
			buf_add(&def, word, (size_t)(p - word));
			d->def_is_null = strcmp(buf_str(&def), "NULL") == 0;
		}
		d->def = xstrdup(buf_str(&def));
	}
	d->help = trimmed(p, end);
	buf_free(&def);
	return 0;
}

int query_def_parse(struct query_def *d, const char *origin, const char *file_name, const char *text, size_t n,
		    struct buf *err)
{
	const char *p = text, *end = text + n;
	unsigned line = 0;

	memset(d, 0, sizeof(*d));
	d->origin = xstrdup(origin);
	for (; p < end; p++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *why = NULL;
		if (!eol)
			eol = end;
		line++;
		if (eol - p < 2 || p[0] != '-' || p[1] != '-')
			break; /* the header ends at the first line that is not a "--" comment */
		const char *s = skip_spaces(p + 2, eol);
		if ((size_t)(eol - s) >= 5 && memcmp(s, "name:", 5) == 0) {
			free(d->name);
			d->name = trimmed(s + 5, eol);
		} else if ((size_t)(eol - s) >= 12 && memcmp(s, "description:", 12) == 0) {
			free(d->description);
			d->description = trimmed(s + 12, eol);
		} else if ((size_t)(eol - s) >= 6 && memcmp(s, "param:", 6) == 0) {
			struct query_param_def pd = { 0 };
			if (parse_param(s + 6, eol, &pd, &why) < 0) {
				param_def_free(&pd);
				buf_printf(err, "%s:%u: param: %s", origin, line, why);
				goto fail;
			}
			if (query_def_param(d, pd.name)) {
				buf_printf(err, "%s:%u: param %s is declared twice", origin, line, pd.name);
				param_def_free(&pd);
				goto fail;
			}
			d->params = xrealloc(d->params, (d->nparams + 1) * sizeof(*d->params));
			d->params[d->nparams++] = pd;
		}
		p = eol;
	}
	if (!d->name || !*d->name) {
		buf_printf(err, "%s: no '-- name: NAME' line in the header comment", origin);
		goto fail;
	}
	if (strcmp(d->name, file_name) != 0) {
		buf_printf(err, "%s: the header names the query '%s', its file '%s.sql': make them equal", origin, d->name,
			   file_name);
		goto fail;
	}
	if (!d->description || !*d->description) {
		buf_printf(err, "%s: no '-- description: ONE LINE' line in the header comment", origin);
		goto fail;
	}
	d->sql = xstrndup(text, n);
	return 0;
fail:
	query_def_free(d);
	return -1;
}

/* A query name as given on the command line: letters, digits, '-' and '_'. */
static bool is_query_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return false;
	return true;
}

/* Add D to C, replacing a query of the same name. */
static void catalog_put(struct query_catalog *c, struct query_def *d)
{
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->defs[i].name, d->name) == 0) {
			query_def_free(&c->defs[i]);
			c->defs[i] = *d;
			return;
		}
	}
	c->defs = xrealloc(c->defs, (c->n + 1) * sizeof(*c->defs));
	c->defs[c->n++] = *d;
}

/* Parse TEXT as the query file PATH (named by its base name) into C. */
static int catalog_add(struct query_catalog *c, const char *path, const char *origin, const char *text, size_t n,
		       struct buf *err)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	struct query_def d;
	char *name;
	int rc;

	if (len <= 4 || strcmp(base + len - 4, ".sql") != 0)
		return 0;
	if (!is_query_name(base, len - 4)) {
		buf_printf(err, "%s: a query file's name is letters, digits, '-' and '_', then .sql", path);
		return -1;
	}
	name = xstrndup(base, len - 4);
	rc = query_def_parse(&d, origin, name, text, n, err);
	free(name);
	if (rc == 0)
		catalog_put(c, &d);
	return rc;
}

static int read_file(const char *path, struct buf *text, struct buf *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t got;
	int rc = -1;

	if (!f) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(text, chunk, got);
		if (text->len > QUERY_MAX_FILE) {
			buf_printf(err, "%s: larger than %d bytes: not a query file", path, QUERY_MAX_FILE);
			goto out;
		}
	}
	if (ferror(f)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(((const struct query_def *)a)->name, ((const struct query_def *)b)->name);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct query_catalog *c, const char *dir, struct buf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc = -1;

	if (!d) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[0] != '.') {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	/* in name order, so that a message about a bad file is the same on every run */
	qsort(names, n, sizeof(*names), compare_strings);
	for (size_t i = 0; i < n; i++) {
		buf_reset(&path);
		buf_reset(&text);
		buf_printf(&path, "%s/%s", dir, names[i]);
		if (read_file(buf_str(&path), &text, err) < 0 ||
		    catalog_add(c, buf_str(&path), buf_str(&path), buf_str(&text), text.len, err) < 0)
			goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	buf_free(&text);
	return rc;
}

int query_catalog_load(struct query_catalog *c, const char *dir, struct buf *err)
{
	static const char prefix[] = "sql/queries/";
	memset(c, 0, sizeof(*c));
	for (const struct embedded_file *f = embedded_files; f->path; f++) {
		if (strncmp(f->path, prefix, sizeof(prefix) - 1) != 0)
			continue;
		if (catalog_add(c, f->path, "built-in", f->data, f->size, err) < 0)
			goto fail;
	}
	if (dir && *dir && load_dir(c, dir, err) < 0)
		goto fail;
	if (c->n)
		qsort(c->defs, c->n, sizeof(*c->defs), compare_names);
	return 0;
fail:
	query_catalog_free(c);
	return -1;
}

const struct query_def *query_catalog_find(const struct query_catalog *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->defs[i].name, name) == 0)
			return &c->defs[i];
	return NULL;
}

void query_catalog_free(struct query_catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		query_def_free(&c->defs[i]);
	free(c->defs);
	memset(c, 0, sizeof(*c));
}
