/* Providers inferred from model and endpoint, by the rules of sql/providers.sql. See provider.h. */
#include "provider.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"

struct provider_rule {
	char *pattern, *provider;
};

struct provider_rules {
	struct provider_rule *model, *endpoint; /* in rank order */
	size_t n_model, n_endpoint;
};

void provider_rules_free(struct provider_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_model; i++) {
		free(r->model[i].pattern);
		free(r->model[i].provider);
	}
	for (size_t i = 0; i < r->n_endpoint; i++) {
		free(r->endpoint[i].pattern);
		free(r->endpoint[i].provider);
	}
	free(r->model);
	free(r->endpoint);
	free(r);
}

int provider_rules_load(struct provider_rules **out, struct buf *err)
{
	const struct embedded_file *f = embedded_find("sql/providers.sql");
	struct provider_rules *r = xcalloc(1, sizeof(*r));
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int rc = -1, step;

	*out = NULL;
	if (!f) {
		buf_printf(err, "sql/providers.sql is not built in");
		goto out;
	}
	/* The file is SQL so that its rules read like the price seeds; a private database runs it. */
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, f->data, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT field = 'endpoint', pattern, provider FROM provider_rule ORDER BY rank",
			       -1, &q, NULL) != SQLITE_OK) {
		buf_printf(err, "sql/providers.sql: %s", db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		bool is_endpoint = sqlite3_column_int(q, 0);
		struct provider_rule **v = is_endpoint ? &r->endpoint : &r->model;
		size_t *n = is_endpoint ? &r->n_endpoint : &r->n_model;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].pattern = xstrdup((const char *)sqlite3_column_text(q, 1));
		(*v)[*n].provider = xstrdup((const char *)sqlite3_column_text(q, 2));
		(*n)++;
	}
	if (step != SQLITE_DONE) {
		buf_printf(err, "sql/providers.sql: %s", sqlite3_errmsg(db));
		goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	provider_rules_free(r);
	return rc;
}

/* The provider of the first of the N RULES whose pattern matches S[0..LEN) (LOWER: lowercased). */
static const char *first_match(const struct provider_rule *rules, size_t n, const struct slice *s, bool lower,
			       struct buf *tmp)
{
	if (!s->p || !s->n || !n)
		return NULL;
	buf_reset(tmp);
	for (size_t i = 0; i < s->n; i++)
		buf_addc(tmp, lower ? (char)tolower((unsigned char)s->p[i]) : s->p[i]);
	if (memchr(tmp->data, '\0', tmp->len)) /* GLOB reads up to a NUL: no rule for such text */
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (sqlite3_strglob(rules[i].pattern, tmp->data) == 0)
			return rules[i].provider;
	return NULL;
}

const char *provider_infer(const struct provider_rules *r, const struct slice *model, const struct slice *endpoint,
			   struct buf *tmp)
{
	const char *p = first_match(r->model, r->n_model, model, true, tmp);
	return p ? p : first_match(r->endpoint, r->n_endpoint, endpoint, false, tmp);
}
