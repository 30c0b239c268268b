/*
 * The report's period read once: its daily aggregates with their cost, summed per day, per
 * group, per user's busiest day and per endpoint and model's response times into the temp
 * tables that the report's sections read (sql/reports/prepare.sql says which).
 */
#ifndef TOKSTAT_REPORT_SCAN_H
#define TOKSTAT_REPORT_SCAN_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "latency.h"

/*
 * Fill temp.report_days with the daily aggregates of days FROM_DAY..TO_DAY (made empty by
 * sql/reports/prepare.sql) and, when GROUPS, temp.report_group_ids and temp.report_user_peak,
 * and temp.report_latency through latency_sums_table with its TOP, *UNKNOWN getting the days
 * whose response times are not known. 0, or -1 with ERR naming what failed.
 */
int report_scan(sqlite3 *db, int64_t from_day, int64_t to_day, bool groups, int64_t top,
		struct latency_unknown *unknown, struct buf *err);

#endif
