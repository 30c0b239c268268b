/* tokstat summary: what the database holds, read from the views. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

/* Print the rows of SQL as aligned columns; HEADER names them. */
static int print_table(sqlite3 *db, const char *title, const char *sql, int days)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		cmd_error("%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(q) > 0)
		sqlite3_bind_int(q, 1, days);
	int n = sqlite3_column_count(q), rc, rows = 0;
	printf("\n%s\n", title);
	for (int i = 0; i < n; i++)
		printf(i ? " %14s" : "%-24s", sqlite3_column_name(q, i));
	putchar('\n');
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			const char *v = (const char *)sqlite3_column_text(q, i);
			printf(i ? " %14s" : "%-24s", v ? v : "-");
		}
		putchar('\n');
		rows++;
	}
	if (!rows)
		printf("(none)\n");
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int cmd_summary(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "days", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	int c, days = 14, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+d:", options, NULL)) != -1) {
		char *end;
		if (c != 'd')
			return cmd_usage_error("summary", "unknown option");
		days = (int)strtol(optarg, &end, 10);
		if (end == optarg || *end || days <= 0)
			return cmd_usage_error("summary", "--days wants a positive number, not '%s'", optarg);
	}
	if (optind != argc)
		return cmd_usage_error("summary", "takes no arguments");
	if (store_open(&st, g->db_path, STORE_READ_ONLY, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	sqlite3 *db = store_db(st);
	printf("tokstat summary of %s\n", g->db_path);
	if (print_table(db, "Files",
			"SELECT count(*) AS files, sum(lines) AS lines, sum(events) AS events, "
			"sum(rejected) AS rejected, sum(skipped) AS skipped, sum(duplicates) AS duplicates FROM files", 0) < 0 ||
	    print_table(db, "Tokens per day (UTC)",
			"SELECT day, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input, "
			"sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read, "
			"sum(cache_write_tokens) AS cache_write, sum(total_tokens) AS total, "
			/* estimates are never silent: their share of the requests is shown */
			"CASE WHEN sum(estimated_requests) > 0 THEN printf('%.1f%%', "
			"100.0 * sum(estimated_requests) / sum(requests)) END AS estimated, "
			"printf('%.2f', sum(cost_usd)) AS cost_usd "
			"FROM daily_usage WHERE day IN (SELECT DISTINCT day FROM daily_usage ORDER BY day DESC LIMIT ?1) "
			"GROUP BY day ORDER BY day", days) < 0 ||
	    print_table(db, "Credentials",
			"SELECT token, token_fp, status, requests, errors, rl_remaining, last_seen FROM credentials "
			"ORDER BY requests DESC, token", 0) < 0)
		goto out;
	status = EXIT_OK;
out:
	store_close(st);
	buf_free(&err);
	return status;
}
