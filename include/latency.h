/*
 * Response-time histograms: the fixed log-spaced buckets that the daily aggregates keep per
 * group (sql/migrate/009-latency.sql) and the 95th percentile read from them, so that a
 * percentile never scans raw events. latency_report_table serves the report's latency section
 * (sql/reports/latency.sql).
 */
#ifndef TOKSTAT_LATENCY_H
#define TOKSTAT_LATENCY_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

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
 * Fill temp.report_latency (made anew) with the response times of the daily aggregates of days
 * FROM_DAY..TO_DAY per (dim, day, id): dim 'endpoint' or 'model', id its dictionary id (rows
 * without one left out); n, the events with a latency (groups without any left out); total and
 * top, their sum and maximum; p95, latency_p95 of their summed buckets; total_rows, how many
 * groups there are before the cut: only each dim and day's TOP groups by n (ties: the lower id)
 * are kept, all when TOP < 0. *UNKNOWN gets the days with figures not known. Read by
 * sql/reports/latency.sql. One pass in the aggregates' key order, summed here: grouping in SQL
 * would sort every row with its 20 buckets, which cost a year's report more than a second.
 * 0, or -1 with ERR.
 */
int latency_report_table(sqlite3 *db, int64_t from_day, int64_t to_day, int64_t top, struct latency_unknown *unknown,
			 struct buf *err);

#endif
