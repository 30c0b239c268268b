/* Format definitions: load (built-in and user directories), list, detect. See format.h. */
#include "format.h"

#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

struct format_def {
	sqlite3 *db; /* in-memory: SQLite's JSON functions read the definition */
	const char *json;
	const char *where;
	sqlite3_stmt *extract, *type, *each;
};

static const struct format_ops *const kinds[] = { &parse_regex_ops, &parse_json_ops, &parse_csv_ops, NULL };

static sqlite3_stmt *bind_path(sqlite3_stmt *q, struct format_def *d, const char *path)
{
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, d->json, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
	return q;
}

char *format_def_text(struct format_def *d, const char *path)
{
	sqlite3_stmt *q = bind_path(d->extract, d, path);
	char *v = NULL;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return v;
}

long format_def_int(struct format_def *d, const char *path, long dflt)
{
	sqlite3_stmt *q = bind_path(d->extract, d, path);
	long v = dflt;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = (long)sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return v;
}

char *format_def_type(struct format_def *d, const char *path)
{
	sqlite3_stmt *q = bind_path(d->type, d, path);
	char *v = NULL;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	return v;
}

int format_def_each(struct format_def *d, const char *path,
		    int (*fn)(void *ctx, const char *key, const char *value, const char *type), void *ctx)
{
	/* json_each steps over a statement that fn may not reuse: prepare one per call. */
	sqlite3_stmt *q;
	int rc = 0, step;
	if (sqlite3_prepare_v2(d->db, "SELECT key, CASE WHEN type IN ('object', 'array') THEN json(value) "
				      "ELSE value END, type FROM json_each(?1, ?2) ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, d->json, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, path, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *key = sqlite3_column_type(q, 0) == SQLITE_TEXT ? (const char *)sqlite3_column_text(q, 0) : NULL;
		const char *value = (const char *)sqlite3_column_text(q, 1);
		if ((rc = fn(ctx, key, value ? value : "", (const char *)sqlite3_column_text(q, 2))) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(q);
	return rc;
}

struct strings_ctx {
	char ***v;
	size_t *n;
	bool not_text;
};

static int add_string(void *vctx, const char *key, const char *value, const char *type)
{
	struct strings_ctx *c = vctx;
	(void)key;
	if (strcmp(type, "text") != 0) {
		c->not_text = true;
		return 1;
	}
	*c->v = xrealloc(*c->v, (*c->n + 1) * sizeof(**c->v));
	(*c->v)[(*c->n)++] = xstrdup(value);
	return 0;
}

int format_def_strings(struct format_def *d, const char *path, char ***v, size_t *n)
{
	char *type = format_def_type(d, path);
	int rc = FORMAT_DEF_NOT_STRINGS;
	if (!type) {
		rc = FORMAT_DEF_ABSENT;
	} else if (strcmp(type, "text") == 0) {
		char *s = format_def_text(d, path);
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = s ? s : xstrdup("");
		rc = 0;
	} else if (strcmp(type, "array") == 0) {
		struct strings_ctx c = { v, n, false };
		if (format_def_each(d, path, add_string, &c) == 0)
			rc = 0;
		else if (c.not_text)
			rc = FORMAT_DEF_NOT_ALL_STRINGS;
	}
	free(type);
	return rc;
}

struct defaults_ctx {
	struct format_defaults *fd;
	struct format_def *d;
	struct buf *err;
};

static int add_default(void *vctx, const char *name, const char *value, const char *type)
{
	struct defaults_ctx *c = vctx;
	const struct event_field *ef = event_field_find(name);
	if (!ef || ef->kind != EVF_TEXT || strcmp(type, "text") != 0) {
		buf_printf(c->err, "%s: defaults.%s: defaults are strings for text fields (provider, user, ...)",
			   c->d->where, name);
		return 1;
	}
	c->fd->field = xrealloc(c->fd->field, (c->fd->n + 1) * sizeof(*c->fd->field));
	c->fd->value = xrealloc(c->fd->value, (c->fd->n + 1) * sizeof(*c->fd->value));
	c->fd->field[c->fd->n] = ef;
	c->fd->value[c->fd->n++] = xstrdup(value);
	return 0;
}

int format_def_defaults(struct format_def *d, struct format_defaults *out, struct buf *err)
{
	struct defaults_ctx c = { out, d, err };
	char *type = format_def_type(d, "$.defaults");
	int rc = 0;
	if (type && (strcmp(type, "object") != 0 || format_def_each(d, "$.defaults", add_default, &c) != 0)) {
		if (!err->len)
			buf_printf(err, "%s: \"defaults\" must be an object", d->where);
		rc = -1;
	}
	free(type);
	return rc;
}

void format_defaults_apply(const struct format_defaults *fd, struct event *ev)
{
	for (size_t i = 0; i < fd->n; i++) {
		struct slice *s = &ev->text[fd->field[i]->index];
		if (!s->p)
			*s = (struct slice){ fd->value[i], strlen(fd->value[i]) };
	}
}

void format_defaults_free(struct format_defaults *fd)
{
	for (size_t i = 0; i < fd->n; i++)
		free(fd->value[i]);
	free(fd->value);
	free(fd->field);
	memset(fd, 0, sizeof(*fd));
}

const char *format_def_where(const struct format_def *d)
{
	return d->where;
}

static void format_free(struct format *f)
{
	if (!f)
		return;
	if (f->is_compiled && f->ops->free)
		f->ops->free(f);
	free(f->name);
	free(f->description);
	free(f->origin);
	free(f->definition);
	free(f->time_format);
	free(f);
}

/* Prepare D's statements on DB for the definition JSON. Returns 0, or -1 with ERR set. */
static int def_open(struct format_def *d, sqlite3 *db, const char *json, const char *where, struct buf *err)
{
	*d = (struct format_def){ .db = db, .json = json, .where = where };
	if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2)", -1, &d->extract, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT json_type(?1, ?2)", -1, &d->type, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", where, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static void def_close(struct format_def *d)
{
	sqlite3_finalize(d->extract);
	sqlite3_finalize(d->type);
}

/* The kind's part of F from D: on failure nothing of it is left (F stays not compiled). */
static int compile_def(struct format *f, struct format_def *d, struct buf *err)
{
	if (f->ops->load(f, d, err) < 0) {
		if (f->ops->free)
			f->ops->free(f);
		f->impl = NULL;
		return -1;
	}
	f->is_compiled = true;
	return 0;
}

int format_compile(struct format *f, struct buf *err)
{
	sqlite3 *db = NULL;
	struct format_def d = { 0 };
	struct buf where = BUF_INIT;
	int rc = -1;

	if (f->is_compiled)
		return 0;
	buf_printf(&where, "%s (%s)", f->name, f->origin);
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: cannot open SQLite in memory", where.data);
		goto out;
	}
	if (def_open(&d, db, f->definition, where.data, err) < 0)
		goto out;
	rc = compile_def(f, &d, err);
out:
	def_close(&d);
	sqlite3_close(db);
	buf_free(&where);
	return rc;
}

/*
 * Load one definition from JSON text; ORIGIN names it in messages. LAZY: the definition is
 * known to be good (built into the binary and compiled by the unit tests, or checked when
 * the set it is copied from was loaded), so its kind's part waits for format_compile.
 */
static int load_one(struct format_set *set, sqlite3 *db, const char *json, const char *origin, bool lazy,
		    struct buf *err)
{
	struct format_def d = { 0 };
	struct format *f = xcalloc(1, sizeof(*f));
	char *kind = NULL;
	int rc = -1;

	if (def_open(&d, db, json, origin, err) < 0)
		goto out;
	sqlite3_stmt *valid;
	int ok = 0;
	if (sqlite3_prepare_v2(db, "SELECT json_valid(?1) AND json_type(?1) = 'object'", -1, &valid, NULL) == SQLITE_OK) {
		sqlite3_bind_text(valid, 1, json, -1, SQLITE_STATIC);
		ok = sqlite3_step(valid) == SQLITE_ROW && sqlite3_column_int(valid, 0);
		sqlite3_finalize(valid);
	}
	if (!ok) {
		buf_printf(err, "%s: not a JSON object", origin);
		goto out;
	}
	f->name = format_def_text(&d, "$.name");
	kind = format_def_text(&d, "$.kind");
	if (!f->name || !*f->name) {
		buf_printf(err, "%s: \"name\" is missing", origin);
		goto out;
	}
	for (int i = 0; kinds[i]; i++)
		if (kind && strcmp(kinds[i]->kind, kind) == 0)
			f->ops = kinds[i];
	if (!f->ops) {
		buf_printf(err, "%s: \"kind\" must be \"regex\", \"json\" or \"csv\"", origin);
		goto out;
	}
	f->description = format_def_text(&d, "$.description");
	f->time_format = format_def_text(&d, "$.time_format");
	f->priority = (int)format_def_int(&d, "$.priority", 0);
	f->origin = xstrdup(origin);
	f->definition = xstrdup(json);
	if (!lazy && compile_def(f, &d, err) < 0)
		goto out;

	struct format *old = format_find(set, f->name);
	if (old) { /* a user's definition replaces the built-in one of the same name */
		for (size_t i = 0; i < set->n; i++)
			if (set->v[i] == old)
				set->v[i] = f;
		format_free(old);
	} else {
		set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
		set->v[set->n++] = f;
	}
	f = NULL;
	rc = 0;
out:
	def_close(&d);
	free(kind);
	format_free(f);
	return rc;
}

static int read_file(const char *path, struct buf *out, struct buf *err)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	if (!fp) {
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		buf_printf(err, "%s: read error", path);
		return -1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct format_set *set, sqlite3 *db, const char *dir, struct buf *err)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!dp) {
		buf_printf(err, "%s: cannot open parser directory: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0 && de->d_name[0] != '.') {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(dp);
	if (n > 1) /* a stable order whatever readdir says */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct buf path = BUF_INIT, text = BUF_INIT;
		buf_printf(&path, "%s/%s", dir, names[i]);
		rc = read_file(path.data, &text, err);
		if (rc == 0)
			rc = load_one(set, db, buf_str(&text), path.data, false, err);
		buf_free(&path);
		buf_free(&text);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* Load SRC's definitions again when SRC is given, else the built-in ones and then DIR's. */
static int load_set(struct format_set *set, const struct format_set *src, const char *dir, struct buf *err)
{
	sqlite3 *db = NULL; /* format definitions are read with SQLite's JSON functions */
	int rc = -1;

	memset(set, 0, sizeof(*set));
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		buf_printf(err, "cannot open SQLite in memory");
		goto out;
	}
	for (size_t i = 0; src && i < src->n; i++)
		if (load_one(set, db, src->v[i]->definition, src->v[i]->origin, true, err) < 0)
			goto out;
	for (const struct embedded_file *e = embedded_files; !src && e->path; e++) {
		if (strncmp(e->path, "parsers/", 8) != 0)
			continue;
		if (load_one(set, db, e->data, "built-in", true, err) < 0) {
			buf_printf(err, " [%s]", e->path);
			goto out;
		}
	}
	if (!src && dir && *dir && load_dir(set, db, dir, err) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_close(db);
	if (rc < 0)
		format_set_free(set);
	return rc;
}

int format_set_load(struct format_set *set, const char *dir, struct buf *err)
{
	return load_set(set, NULL, dir, err);
}

int format_set_copy(struct format_set *dst, const struct format_set *src, struct buf *err)
{
	return load_set(dst, src, NULL, err);
}

void format_set_free(struct format_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		format_free(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

struct format *format_find(const struct format_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

bool format_text_is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\n' && p[i] != '\r' && p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

/*
 * The format that matches most of LINES; a tie goes to the higher priority, then to the one
 * first in the set. Formats are tried by priority, so one that cannot beat the best so far
 * (a later one can only tie it, and a tie keeps the earlier) stops early, and a format that
 * matches every line ends the search: detection parses a line for the formats that can win.
 */
struct format *format_detect(const struct format_set *set, const struct slice *lines, size_t n, size_t *matched)
{
	struct format *best = NULL, **order = xmalloc(set->n * sizeof(*order));
	struct buf err = BUF_INIT;
	size_t best_n = 0;
	for (size_t i = 0; i < set->n; i++) { /* by priority, the set's order among equals */
		size_t j = i;
		for (; j > 0 && order[j - 1]->priority < set->v[i]->priority; j--)
			order[j] = order[j - 1];
		order[j] = set->v[i];
	}
	for (size_t i = 0; i < set->n && (best_n < n || !best); i++) {
		struct format *f = order[i];
		size_t k = 0;
		/* a format that cannot be compiled detects nothing (format_compile: built-in ones can) */
		if (!f->ops->detect || format_compile(f, &err) < 0)
			continue;
		if (f->ops->reset)
			f->ops->reset(f);
		for (size_t j = 0; j < n && k + (n - j) > best_n; j++)
			k += f->ops->detect(f, lines[j].p, lines[j].n);
		if (k > best_n) {
			best = f;
			best_n = k;
		}
	}
	free(order);
	buf_free(&err);
	*matched = best_n;
	return best;
}
