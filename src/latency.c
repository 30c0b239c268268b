/* Response-time histograms and their 95th percentile; see latency.h. */
#include "latency.h"

#include <stdlib.h>
#include <string.h>

int latency_bucket(int64_t ms)
{
	int k = 0;
	if (ms < 1)
		return 0;
	while (k < LATENCY_BUCKETS - 1 && ms >> k)
		k++; /* the bit length of ms: 2^(k-1) <= ms < 2^k */
	return k;
}

bool latency_p95(const int64_t bucket[LATENCY_BUCKETS], int64_t max, double *p95)
{
	int64_t n = 0, below = 0;
	int k = 0;
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		n += bucket[i];
	if (n <= 0)
		return false;
	int64_t rank = (95 * n + 99) / 100; /* ceil(0.95 n): nearest rank */
	while (k < LATENCY_BUCKETS - 1 && below + bucket[k] < rank)
		below += bucket[k++];
	double lo = k == 0 ? 0 : (double)((int64_t)1 << (k - 1));
	double hi = k == LATENCY_BUCKETS - 1 ? (double)max : (double)((int64_t)1 << k);
	if ((double)max < hi)
		hi = (double)max;
	*p95 = bucket[k] > 0 ? lo + (hi - lo) * (double)(rank - below) / (double)bucket[k] : hi;
	return true;
}

/* What one (dim, day, id) sums. */
struct latency_group {
	int64_t key[3]; /* dim (0 endpoint, 1 model), day, id */
	int64_t unknown, n, total, top;
	int64_t bucket[LATENCY_BUCKETS];
};

/* Add one aggregate row's figures F (struct latency_row's) to G. */
static void group_add(struct latency_group *g, const struct latency_row *f)
{
	if (!f->is_known) {
		g->unknown++;
		return;
	}
	if (f->n <= 0)
		return;
	if (g->n == 0 || f->max > g->top)
		g->top = f->max;
	g->n += f->n;
	g->total += f->sum;
	for (int k = 0; k < LATENCY_BUCKETS; k++)
		g->bucket[k] += f->bucket[k];
}

/* Shown order: dim, day, then the most requests timed first, ties by id. Groups without any last. */
static int group_cmp(const void *pa, const void *pb)
{
	const struct latency_group *a = pa, *b = pb;
	if ((a->n > 0) != (b->n > 0))
		return a->n > 0 ? -1 : 1;
	for (int i = 0; i < 2; i++)
		if (a->key[i] != b->key[i])
			return a->key[i] < b->key[i] ? -1 : 1;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return a->key[2] < b->key[2] ? -1 : a->key[2] > b->key[2];
}

static int day_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

/* The days of GROUPS[0..N) with rows not known: how many, and the last. */
static void count_unknown(const struct latency_group *groups, size_t n, struct latency_unknown *u)
{
	int64_t *days = xcalloc(n ? n : 1, sizeof(*days));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (groups[i].unknown > 0)
			days[m++] = groups[i].key[1];
	qsort(days, m, sizeof(*days), day_cmp);
	u->days = 0;
	for (size_t i = 0; i < m; i++)
		if (i == 0 || days[i] != days[i - 1]) {
			u->days++;
			u->last_day = days[i];
		}
	free(days);
}

/* Insert the shown groups: each dim and day's first TOP (all when TOP < 0), with TOTAL. */
static int insert_groups(sqlite3 *db, const struct latency_group *groups, size_t n, int64_t top, int64_t total)
{
	static const char insert_sql[] = "INSERT INTO temp.report_latency VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *ins = NULL;
	int64_t rank = 0;
	int rc = -1;
	if (sqlite3_prepare_v2(db, insert_sql, -1, &ins, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < n && groups[i].n > 0; i++) {
		const struct latency_group *g = &groups[i];
		double p95 = 0;
		bool is_first = i == 0 || g->key[0] != groups[i - 1].key[0] || g->key[1] != groups[i - 1].key[1];
		rank = is_first ? 1 : rank + 1;
		if (top >= 0 && rank > top)
			continue;
		latency_p95(g->bucket, g->top, &p95); /* n > 0: it counts something */
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, g->key[0] ? "model" : "endpoint", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, g->key[1]);
		sqlite3_bind_int64(ins, 3, g->key[2]);
		sqlite3_bind_int64(ins, 4, g->n);
		sqlite3_bind_int64(ins, 5, g->total);
		sqlite3_bind_int64(ins, 6, g->top);
		sqlite3_bind_double(ins, 7, p95);
		sqlite3_bind_int64(ins, 8, total);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(ins);
	return rc;
}

void latency_sums_init(struct latency_sums *s)
{
	memset(s, 0, sizeof(*s));
	hashmap_init(&s->map);
}

void latency_sums_add(struct latency_sums *s, int64_t day, int64_t endpoint, int64_t model, const struct latency_row *f)
{
	const int64_t ids[2] = { endpoint, model };
	if (f->is_known && f->n == 0)
		return; /* a group whose events logged no latency: nothing to count, nothing unknown */
	for (int dim = 0; dim < 2; dim++) {
		int64_t key[3] = { dim, day, ids[dim] };
		bool is_new;
		if (key[2] == 0)
			continue; /* no endpoint, or no model */
		uint64_t *slot = hashmap_put(&s->map, key, sizeof(key), &is_new);
		if (is_new) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 256;
				s->groups = xrealloc(s->groups, s->cap * sizeof(*s->groups));
			}
			memset(&s->groups[s->n], 0, sizeof(s->groups[s->n]));
			memcpy(s->groups[s->n].key, key, sizeof(key));
			*slot = s->n++;
		}
		group_add(&s->groups[*slot], f);
	}
}

int latency_sums_table(sqlite3 *db, struct latency_sums *s, int64_t top, struct latency_unknown *unknown,
		       struct buf *err)
{
	int64_t shown = 0;
	bool in_savepoint = false;

	if (sqlite3_exec(db, "DROP TABLE IF EXISTS temp.report_latency; "
			     "CREATE TEMP TABLE report_latency (dim TEXT NOT NULL, day INTEGER NOT NULL, id INTEGER NOT NULL, "
			     "n INTEGER NOT NULL, total INTEGER NOT NULL, top INTEGER NOT NULL, p95 REAL NOT NULL, "
			     "total_rows INTEGER NOT NULL)",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	count_unknown(s->groups, s->n, unknown);
	if (s->n) /* no groups: GROUPS is NULL, which qsort may not be given */
		qsort(s->groups, s->n, sizeof(*s->groups), group_cmp);
	for (size_t i = 0; i < s->n; i++)
		shown += s->groups[i].n > 0;
	/* one transaction for the rows, not one each (the temp database's journal per insert) */
	if (sqlite3_exec(db, "SAVEPOINT report_latency", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	in_savepoint = true;
	if (insert_groups(db, s->groups, s->n, top, shown) < 0 ||
	    sqlite3_exec(db, "RELEASE report_latency", NULL, NULL, NULL) != SQLITE_OK)
		goto sql_error;
	return 0;
sql_error:
	buf_printf(err, "the latency figures: %s", sqlite3_errmsg(db));
	if (in_savepoint)
		sqlite3_exec(db, "ROLLBACK TO report_latency; RELEASE report_latency", NULL, NULL, NULL);
	return -1;
}

void latency_sums_free(struct latency_sums *s)
{
	hashmap_free(&s->map);
	free(s->groups);
	memset(s, 0, sizeof(*s));
}
