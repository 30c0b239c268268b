/*
 * Response-time histograms: the fixed log-spaced buckets that the daily aggregates keep per
 * group (sql/migrate/009-latency.sql) and the 95th percentile read from them, so that a
 * percentile never scans raw events. latency_sums serve the report's latency section
 * (sql/reports/latency.sql).
 */
#ifndef TOKSTAT_LATENCY_H
#define TOKSTAT_LATENCY_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "hashmap.h"

/* Buckets per histogram. Restated in sql/migrate/009-latency.sql and sql/verify.sql. */
#define LATENCY_BUCKETS 20

/*
 * The bucket of a latency of MS milliseconds: 0 under 1 ms, K (1..18) from 2^(K-1) up to but
 * excluding 2^K ms, 19 from 2^18 ms (262.144 s) on.
 */
int latency_bucket(int64_t ms);

/*
 * The 95th percentile of the latencies counted in BUCKET, whose largest is MAX ms: the
 * nearest-rank one (the ceil(0.95 n)-th smallest) lies in bucket K, between L = 2^(K-1) ms (0
 * for K = 0) and U = 2^K ms lowered to MAX when MAX is smaller (always in the last, open
 * bucket); the result interpolates linearly between them by the rank's place among the
 * bucket's events: L + (U - L) * (rank - events below K) / events in K. Sets *P95 and returns
 * true, or returns false when BUCKET counts nothing.
 */
bool latency_p95(const int64_t bucket[LATENCY_BUCKETS], int64_t max, double *p95);

/* The days of a period whose latency figures are not known (sql/migrate/009-latency.sql). */
struct latency_unknown {
	int64_t days;     /* how many */
	int64_t last_day; /* the last of them (day number), when days > 0 */
};

/*
 * The response times of daily aggregate rows summed per (dim, day, id): dim endpoint or model,
 * id its dictionary id (rows without one left out). Summed here, in one pass in any order:
 * grouping in SQL would sort every row with its 20 buckets, which cost a year's report more
 * than a second.
 */
struct latency_group;
struct latency_sums {
	struct hashmap map; /* (dim, day, id) -> index into groups */
	struct latency_group *groups;
	size_t n, cap;
};

/* One daily aggregate row's response times (its latency_n, _sum, _max and buckets). */
struct latency_row {
	bool is_known; /* false: latency_n is NULL, the figures were not kept (pruned before 009) */
	int64_t n, sum, max; /* n 0: its events logged no latency */
	int64_t bucket[LATENCY_BUCKETS];
};

void latency_sums_init(struct latency_sums *s);
/* Add F, of a daily aggregate of day DAY with ids ENDPOINT and MODEL (0: none). */
void latency_sums_add(struct latency_sums *s, int64_t day, int64_t endpoint, int64_t model, const struct latency_row *f);
/*
 * Fill temp.report_latency (made anew) from S: per (dim, day, id), n, the events with a latency
 * (groups without any left out); total and top, their sum and maximum; p95, latency_p95 of their
 * summed buckets; total_rows, how many groups there are before the cut: only each dim and day's
 * TOP groups by n (ties: the lower id) are kept, all when TOP < 0. *UNKNOWN gets the days with
 * figures not known. Read by sql/reports/latency.sql. 0, or -1 with ERR.
 */
int latency_sums_table(sqlite3 *db, struct latency_sums *s, int64_t top, struct latency_unknown *unknown,
		       struct buf *err);
void latency_sums_free(struct latency_sums *s);

#endif
