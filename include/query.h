/*
 * tokstat query: one read-only SQL statement over the views, its rows streamed one at a time,
 * and the named investigations (sql/queries/NAME.sql, built in, plus a user directory).
 *
 * A query runs on its own connection, opened read-only, in SQLite's defensive mode, with
 * trusted_schema off, no attached databases, no extension loading, and an authorizer that
 * allows reading and nothing else (see query.c for the whole list). What is refused is
 * refused before anything runs, with the reason.
 */
#ifndef TOKSTAT_QUERY_H
#define TOKSTAT_QUERY_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The largest value one cell may hold (SQLITE_LIMIT_LENGTH): memory stays bounded per row. */
#define QUERY_MAX_VALUE (64 << 20)

enum query_type { QUERY_NULL, QUERY_INT, QUERY_REAL, QUERY_TEXT, QUERY_BLOB };

/* One cell of a row. P[0..N) (TEXT, BLOB) is valid until the next query_step. */
struct query_value {
	enum query_type type;
	int64_t i;
	double r;
	const char *p;
	size_t n;
};

/* A value for :NAME, @NAME and $NAME. TYPE is QUERY_NULL, QUERY_INT, QUERY_REAL or QUERY_TEXT. */
struct query_param {
	char *name;
	enum query_type type;
	char *value; /* the text as given; NULL for QUERY_NULL */
};

/* Why a statement stopped before its last row. */
enum query_stop { QUERY_RAN, QUERY_TIMED_OUT, QUERY_INTERRUPTED };

struct query;

/*
 * Open a query connection on the database at PATH, which store_open() opened read-only as
 * STORE_DB: the temp views store_open() made there for a database an older tokstat wrote are
 * copied, so a query sees the same views as every other reading command. 0, or -1 with ERR.
 */
int query_open(struct query **out, const char *path, sqlite3 *store_db, struct buf *err);
void query_close(struct query *q);

/*
 * Prepare SQL, which must be exactly one statement (comments and a final ';' are fine) that
 * only reads. A refused statement is never run: ERR says why. Replaces an earlier statement.
 * Returns 0, or -1 with ERR set.
 */
int query_prepare(struct query *q, const char *sql, struct buf *err);

/*
 * Bind PARAMS to the prepared statement's :NAME, @NAME and $NAME. Every parameter of the SQL
 * needs a value and every value a parameter; positional ones (?, ?N) are refused. ERR names
 * parameters, never their values (one could hold a secret). 0, or -1 with ERR set.
 */
int query_bind(struct query *q, const struct query_param *params, size_t n, struct buf *err);

/* The prepared statement's columns. */
size_t query_ncols(const struct query *q);
const char *query_col_name(const struct query *q, size_t col);

/* Stop the statement after SECONDS (0: never), counted from the first query_step. */
void query_set_timeout(struct query *q, double seconds);

/* Stop the running statement: safe to call from a signal handler (SIGINT). */
void query_interrupt(struct query *q);

/*
 * The next row into ROW[query_ncols()]. Returns 1 (a row), 0 (no more rows) or -1 with ERR
 * set; after -1, query_stopped() tells a timeout or an interrupt from an error.
 */
int query_step(struct query *q, struct query_value *row, struct buf *err);
enum query_stop query_stopped(const struct query *q);

/*
 * Parse a command-line parameter: NAME=VALUE infers the type (below), NAME:text=VALUE is
 * always TEXT. NAME is [A-Za-z_][A-Za-z0-9_]*. Fills P (free with query_param_free).
 * Returns 0, or -1 with ERR set (naming the parameter, not its value).
 */
int query_param_parse(const char *arg, struct query_param *p, struct buf *err);

/*
 * Set P to NAME and VALUE with its type inferred: empty is NULL; a decimal integer without a
 * sign other than '-', without leading zeros and within 64 bits is INTEGER; a finite decimal
 * number with a fraction or an exponent is REAL; anything else (007, +1, 0x10, 1e999) is TEXT.
 * AS_TEXT forces TEXT (also for an empty value).
 */
void query_param_set(struct query_param *p, const char *name, const char *value, bool as_text);
void query_param_free(struct query_param *p);

/* Is S a parameter name, [A-Za-z_][A-Za-z0-9_]*? */
bool query_is_name(const char *s, size_t n);

/*
 * A period bound given as a day (YYYY-MM-DD) or a time (ISO-8601, with Z or an offset; UTC
 * when it has neither), as the instant it stands for in OUT ("YYYY-MM-DDTHH:MM:SSZ"): a day
 * given as the END of a period stands for the start of the next day, so "--to 2025-10-12"
 * includes that whole day. *EPOCH gets the instant. Returns 0, or -1 when S is neither.
 */
int query_period_bound(const char *s, bool is_end, struct buf *out, int64_t *epoch);

/* ---- named investigations ---- */

struct query_param_def {
	char *name;
	char *def;        /* the default as text; NULL: the parameter is required */
	bool def_is_null; /* the default is NULL */
	bool is_text;     /* declared NAME:text: a value is bound as text even when it looks like a number */
	char *help;       /* "" when none */
};

struct query_def {
	char *name;        /* from the header, equal to the file name without .sql */
	char *description; /* one line */
	char *origin;      /* "built-in" or the file's path */
	char *sql;         /* the whole file */
	struct query_param_def *params;
	size_t nparams;
};

struct query_catalog {
	struct query_def *defs; /* sorted by name */
	size_t n;
};

/*
 * Parse a query file: TEXT[0..N) starts with a header of "--" comment lines:
 *   -- name: NAME
 *   -- description: ONE LINE
 *   -- param: NAME = DEFAULT  help text      (DEFAULT: NULL, a number, a word or 'text')
 *   -- param: NAME  help text                (no default: required)
 *   -- param: NAME:text ...                  (bound as text, also when it looks like a number)
 * and other comment lines, which are prose. ORIGIN names the file in messages and is the
 * origin shown; FILE_NAME is the name without .sql the header's name must equal. Fills D
 * (free with query_def_free). Returns 0, or -1 with ERR naming ORIGIN and the line.
 */
int query_def_parse(struct query_def *d, const char *origin, const char *file_name, const char *text, size_t n,
		    struct buf *err);
void query_def_free(struct query_def *d);
/* The parameter NAME of D, or NULL. */
const struct query_param_def *query_def_param(const struct query_def *d, const char *name);

/*
 * Load the built-in queries, then those in DIR (NULL: none), whose *.sql files replace
 * built-in ones of the same name. Returns 0, or -1 with ERR naming the file.
 */
int query_catalog_load(struct query_catalog *c, const char *dir, struct buf *err);
const struct query_def *query_catalog_find(const struct query_catalog *c, const char *name);
void query_catalog_free(struct query_catalog *c);

#endif
