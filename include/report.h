/*
 * The report model: what `report`, `summary`, `cost` and `pricing` show, as data. A report is
 * a period and a list of tables; a table has typed columns {key, label, type, unit}, rows of
 * values and notes. There is no layout here: the writers (out.h) decide how a column of
 * type REAL with unit "usd" looks in a terminal, a spreadsheet, JSON or an email, and never
 * query SQLite. Tables are filled from SQL: the sections in sql/reports/ (compiled in), whose
 * header lines describe their columns, or a plain query (report_add_query).
 */
#ifndef TOKSTAT_REPORT_H
#define TOKSTAT_REPORT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "latency.h"

struct config;

/* How one value is stored (SQLite's own storage classes; a BLOB is kept as TEXT). */
enum report_kind { REPORT_NULL, REPORT_INT, REPORT_REAL, REPORT_TEXT };

/* What a column means. Every TEXT, DATE, TIME and BADGE value may come from a log: escaped. */
enum report_type {
	REPORT_TYPE_TEXT,
	REPORT_TYPE_INT,
	REPORT_TYPE_REAL,
	REPORT_TYPE_DATE,  /* YYYY-MM-DD, UTC */
	REPORT_TYPE_TIME,  /* YYYY-MM-DDTHH:MM:SSZ, or YYYY-MM-DDTHH for an hour */
	REPORT_TYPE_BADGE, /* a status word: report_badge_level() tells good from bad */
};

/* How good a badge or a note is: writers colour by it and always show the word with it. */
enum report_level { REPORT_LEVEL_NONE, REPORT_LEVEL_GOOD, REPORT_LEVEL_WATCH, REPORT_LEVEL_BAD };

/* What a table is: rows of a list, one record of named figures, or a series in time order. */
enum report_shape { REPORT_LIST, REPORT_RECORD, REPORT_SERIES };

/* One cell. TEXT values live in their table's arena: read them with report_text(). */
struct report_value {
	enum report_kind kind;
	int64_t i;
	double r;
	size_t off, len;
};

struct report_column {
	char *key;   /* stable name: the SQL column name, a JSON member, a CSV header */
	char *label; /* for people (default: the key) */
	enum report_type type;
	char *unit;  /* NULL, or "usd", "usd_per_mtok", "percent", "share", "tokens", "requests", "ms" */
};

struct report_note {
	enum report_level level;
	char *text;
};

struct report_table {
	char *key;          /* the section's name (stable: a JSON member); NULL for a plain query */
	char *title;        /* NULL: none */
	enum report_shape shape;
	size_t ncols, nrows;
	struct report_column *cols;
	struct report_value *cells; /* nrows * ncols, row after row */
	struct buf text;    /* the TEXT values, each NUL-terminated */
	int64_t total_rows; /* rows before a top-N cut (>= nrows): writers say "and N more" */
	size_t pending;     /* cells of a row being added (report_add_int, ...), not yet counted */
	struct report_note *notes;
	size_t nnotes;
};

struct report {
	char *title;        /* NULL: none */
	char *key;          /* what made it: "report", "summary", "cost", "pricing" */
	bool has_period;
	char from[16], to[16]; /* the period, UTC days inclusive, when has_period */
	int64_t days;       /* days in the period */
	bool is_empty;      /* the period holds no usage (its notes say so) */
	char latest[11];    /* the latest day with data in the database ("" when none) */
	char generated[32]; /* when the report was made, ISO-8601 UTC ("" when not set) */
	struct report_note *notes; /* about the whole report (e.g. an empty period) */
	size_t nnotes;
	struct report_table **tables;
	size_t ntables;
};

/* A parameter of a plain query: TEXT when text is non-NULL, else the integer NUM. */
struct report_bind {
	const char *text;
	int64_t num;
};

/* Set the report's title (copied). */
void report_set_title(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Add a note to the report (copied). */
void report_add_note(struct report *r, enum report_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Run SQL with BINDS (?1..?N) on DB and append its rows as a list titled TITLE (NULL: none).
 * Columns take their SQL names as key and label and the kind of their first value as type.
 * The rows are held in memory: the queries behind reports are aggregates and top-N lists.
 * Returns the new table, or NULL with ERR set (the report is unchanged).
 */
struct report_table *report_add_query(struct report *r, sqlite3 *db, const char *title, const char *sql,
				      const struct report_bind *binds, int nbinds, struct buf *err);

/*
 * Tables filled by a command from its own results (formats, verify, ingest's totals), not
 * from SQL. report_add_table appends an empty table KEY (copied; TITLE NULL: none) with the
 * NCOLS columns COLS (copied); cells are then appended row after row, each row complete after
 * ncols cells. Returns the table, owned by R.
 */
struct report_table *report_add_table(struct report *r, const char *key, const char *title, enum report_shape shape,
				      const struct report_column *cols, size_t ncols);
void report_add_int(struct report_table *t, int64_t v);
void report_add_real(struct report_table *t, double v);
void report_add_text(struct report_table *t, const char *s); /* NULL: a NULL cell */
void report_add_null(struct report_table *t);

/* The named parameters a section may use (SQLite's :name); a section binds those it names. */
struct report_params {
	int64_t from_day, to_day;    /* the period, day numbers (days since 1970-01-01), inclusive */
	int64_t month_lo, month_hi;  /* the month of to_day: its first day, the next month's first */
	int64_t last_day;            /* the last day with usage in the period (to_day when none) */
	int64_t top;                 /* rows of a top-N list; -1: all */
	const char *month;           /* YYYY-MM of to_day */
	int64_t groups;              /* 1: prepare.sql sums the period per group too */
	struct latency_unknown latency_unknown; /* the period's days without response times (report_scan) */
};

/*
 * Run the section NAME: the embedded file sql/reports/NAME.sql. Its header lines say what the
 * table is ("-- title:", "-- shape: list|record|series", "-- column: key | label | type [| unit]"
 * for every column); TITLE (non-NULL) replaces its title; "{top}" in a title is the top N.
 * Columns whose name starts with '_' are not shown: "_total" is the row count before the
 * cut, "_note" and "_warning" (of any row) become the table's notes. P's fields are bound to
 * :from_day, :to_day, :from_epoch, :to_epoch (the period in epoch seconds, to exclusive),
 * :month_lo, :month_hi, :last_day, :top, :groups and :month. Returns the new table, or NULL with ERR
 * set naming the file.
 */
struct report_table *report_add_section(struct report *r, sqlite3 *db, const char *name, const char *title,
					const struct report_params *p, struct buf *err);

/*
 * Parse the header lines of a section's SQL (exposed for the tests): the column lines into
 * *COLS (*NCOLS of them; free with report_columns_free), title and shape. 0, or -1 with ERR.
 */
int report_parse_header(const char *sql, char **title, enum report_shape *shape, struct report_column **cols,
			size_t *ncols, struct buf *err);
void report_columns_free(struct report_column *cols, size_t n);

/* Set the unit of column KEY (NULL: of every INT or REAL column) of T. */
void report_set_unit(struct report_table *t, const char *key, const char *unit);

/* Add a note to a table (copied). */
void report_table_note(struct report_table *t, enum report_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The cell at ROW, COL (both in range). */
const struct report_value *report_cell(const struct report_table *t, size_t row, size_t col);

/* The index of column KEY in T, or -1. */
int report_column_index(const struct report_table *t, const char *key);

/* The text of a TEXT value ("" for any other kind). */
const char *report_text(const struct report_table *t, const struct report_value *v);

/* The level of a badge word ("active" good, "rate_limited" bad, ...); NONE when unknown. */
enum report_level report_badge_level(const char *word);

/* "good", "watch", "bad" or "none". */
const char *report_level_name(enum report_level level);

/* The worst level of the report's badges and notes (the severity a subject line names). */
enum report_level report_worst_level(const struct report *r);

/* ---- building a whole report: which sections, over which period ---- */

enum report_preset {
	REPORT_FULL,    /* `tokstat report`: every section over a period (or those --by names) */
	REPORT_SUMMARY, /* `tokstat summary`: files, the last N days with data, every credential */
	REPORT_COST,    /* `tokstat cost`: the cost figures of a month and its top N lists */
};

struct report_request {
	enum report_preset preset;
	int64_t from_day, to_day; /* FULL: the period, day numbers, inclusive (see report_period) */
	const char *month;        /* COST: YYYY-MM; NULL: the latest month with usage */
	int64_t days;             /* SUMMARY: how many of the last days with data */
	int64_t top;              /* rows of each top-N list; -1: all */
	const char *const *by;    /* FULL: --by names (report_by_section); none: every section */
	size_t nby;
	const char *db_name;      /* SUMMARY: named in the title */
	const struct config *config; /* FULL: the users' limits (config.h); NULL: the defaults */
	int64_t now;              /* epoch seconds: the report's "generated" time */
};

/*
 * Fill R (empty) as Q asks: its title, period, notes and tables. A period without usage is no
 * error: the report says so and names the latest day with data (R->is_empty). 0, or -1 with
 * ERR set.
 */
int report_build(struct report *r, sqlite3 *db, const struct report_request *q, struct buf *err);

/*
 * The period of `tokstat report` from its options (each NULL / 0 when not given): --month M
 * alone is that month; else TO (default: yesterday, UTC, from NOW), and FROM (default: DAYS
 * days ending at TO, or TO itself). With FROM and DAYS but no TO, TO is FROM + DAYS - 1.
 * Sets *FROM_DAY and *TO_DAY (day numbers). 0, or -1 with ERR saying what is wrong.
 */
int report_period(const char *from, const char *to, int64_t days, const char *month, int64_t now,
		  int64_t *from_day, int64_t *to_day, struct buf *err);

/* The section a --by name shows ("token" -> "credentials", "day" -> "daily"), or NULL. */
const char *report_by_section(const char *by);

/* Free everything the report holds and leave it empty. Accepts an empty report. */
void report_free(struct report *r);

#endif
