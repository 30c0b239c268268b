/*
 * Log formats as data. A format is a JSON file (built into the binary from parsers/, or
 * dropped into a directory named by --parsers or $TOKSTAT_PARSERS) whose "kind" picks the
 * parser that interprets it: "regex" (parse_regex.c), "json" (parse_json.c), "csv"
 * (parse_csv.c). This module loads definitions, lists them and detects a file's format.
 */
#ifndef TOKSTAT_FORMAT_H
#define TOKSTAT_FORMAT_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "event.h"

struct format;
struct format_def;

/* What every parser kind provides. */
struct format_ops {
	const char *kind;
	/* Read the kind-specific parts of the definition into f->impl. 0, or -1 with ERR. */
	int (*load)(struct format *f, struct format_def *d, struct buf *err);
	/* Does this line look like the format? (only used to pick a format) */
	bool (*detect)(struct format *f, const char *line, size_t n);
	/*
	 * Fill EV from one line: 0 an event, 1 not a record (skipped), -1 rejected (REASON set),
	 * FORMAT_CONTINUES the line belongs to a record that goes on (a quoted CSV field with
	 * a line break): a checkpoint must not fall after it. FORMAT_RECORD_BROKEN: the record
	 * that went on since an earlier line is rejected with REASON (where it began); this
	 * line is not part of it, and parse is called again for it.
	 */
	int (*parse)(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason);
	/* Called at the start of every file (CSV reads its header there). */
	void (*reset)(struct format *f);
	/*
	 * Called instead of reset when a file is read on from a checkpoint: HEAD[0..N) are its
	 * first bytes, for a format that needs them (CSV's header). 0, or -1 with ERR set.
	 */
	int (*resume)(struct format *f, const char *head, size_t n, struct buf *err);
	/* Lines parse independently and parsing dominates: ingest may use parser threads. */
	bool parallel;
	void (*free)(struct format *f);
};

#define FORMAT_CONTINUES 2
#define FORMAT_RECORD_BROKEN 3
#define FORMAT_FAILED 4 /* format_parse: the format could not be compiled (REASON): nothing can be read */

struct format {
	char *name;
	char *description;
	char *origin;      /* "built-in" or the definition's path */
	char *definition;  /* the JSON text it was loaded from, to load it again (format_set_copy) */
	char *time_format; /* see timefmt.h; NULL means "auto" */
	int priority;      /* breaks detection ties: the more specific format is higher */
	const struct format_ops *ops;
	void *impl;        /* the kind's part, once compiled (is_compiled) */
	bool is_compiled;
};

struct format_set {
	struct format **v;
	size_t n;
};

/*
 * Load the built-in formats, then every *.json in DIR (NULL: none). A user format with a
 * built-in name replaces it, and is compiled at once (format_compile). Returns 0, or -1 with
 * ERR naming the file and the problem.
 */
int format_set_load(struct format_set *set, const char *dir, struct buf *err);
/*
 * Load into DST the formats of SRC again from their definitions (not from the disk, where a
 * definition may have changed since): each parser thread gets its own, identical set, whose
 * formats are compiled at their first use (format_compile). Returns 0, or -1 with ERR set.
 */
int format_set_copy(struct format_set *dst, const struct format_set *src, struct buf *err);
void format_set_free(struct format_set *set);
struct format *format_find(const struct format_set *set, const char *name);

/*
 * Pick the format that parses most of LINES (N of them); ties go to the higher priority.
 * *MATCHED is how many lines it parsed. Returns NULL when none parses any line.
 */
struct format *format_detect(const struct format_set *set, const struct slice *lines, size_t n, size_t *matched);

/*
 * Is P[0..N) only line breaks, spaces and tabs? Such a file holds no record of any format:
 * ingest calls it empty instead of failing to tell its format.
 */
bool format_text_is_blank(const char *p, size_t n);

/*
 * Compile F's kind-specific part (ops->load: its patterns, statements, columns) unless it is
 * compiled already. A format from a user's directory is compiled when it is loaded, so that
 * its mistakes are told at once; a built-in one, and every one in a copy, waits for its first
 * use: a run uses one or two formats of the set, and one that reads no new line none.
 * format_detect and format_parse call it; call it before ops->reset or ops->resume.
 * Returns 0, or -1 with ERR set.
 */
int format_compile(struct format *f, struct buf *err);

/*
 * ops->parse, after compiling F at its first use: FORMAT_FAILED with REASON when that fails
 * (out of memory; a built-in definition compiles in the unit tests), which is no line's fault.
 */
static inline int format_parse(struct format *f, const char *line, size_t n, struct event *ev, struct buf *reason)
{
	if (!f->is_compiled && format_compile(f, reason) < 0)
		return FORMAT_FAILED;
	return f->ops->parse(f, line, n, ev, reason);
}

/* ---- reading a definition (for the parser kinds' load functions) ---- */

/* The text at JSON PATH ("$.pattern"), or NULL when absent or null. Caller frees. */
char *format_def_text(struct format_def *d, const char *path);
/* The integer at PATH, or DFLT. */
long format_def_int(struct format_def *d, const char *path, long dflt);
/* The JSON type at PATH ("object", "array", "text", ...) or NULL when absent. Caller frees. */
char *format_def_type(struct format_def *d, const char *path);
/*
 * Call FN for each member of the object or array at PATH, with its key (NULL for arrays),
 * its value as text (JSON for objects and arrays) and its JSON type. Stops when FN
 * returns non-zero and returns that; -1 on error.
 */
int format_def_each(struct format_def *d, const char *path,
		    int (*fn)(void *ctx, const char *key, const char *value, const char *type), void *ctx);
/*
 * Append the string at PATH, or each string of the array at PATH, to *V (N of them; the
 * caller frees each and the array). Returns 0, FORMAT_DEF_ABSENT when PATH is absent,
 * FORMAT_DEF_NOT_STRINGS when it is neither a string nor an array, FORMAT_DEF_NOT_ALL_STRINGS
 * when the array holds something else; each kind words its own error from these.
 */
#define FORMAT_DEF_ABSENT 1
#define FORMAT_DEF_NOT_STRINGS (-1)
#define FORMAT_DEF_NOT_ALL_STRINGS (-2)
int format_def_strings(struct format_def *d, const char *path, char ***v, size_t *n);

/* A definition's "defaults": {text field: "value"}, used when a line gives no value. */
struct format_defaults {
	const struct event_field **field;
	char **value;
	size_t n;
};

/* Read "defaults" of D into OUT (empty when absent). Returns 0, or -1 with ERR set. */
int format_def_defaults(struct format_def *d, struct format_defaults *out, struct buf *err);
/* Fill the text fields EV left NULL with their defaults (the values stay owned by FD). */
void format_defaults_apply(const struct format_defaults *fd, struct event *ev);
void format_defaults_free(struct format_defaults *fd);

/* "NAME (ORIGIN)": for error messages. */
const char *format_def_where(const struct format_def *d);

/* The parser kinds. */
extern const struct format_ops parse_regex_ops;
extern const struct format_ops parse_json_ops;
extern const struct format_ops parse_csv_ops;

#endif
