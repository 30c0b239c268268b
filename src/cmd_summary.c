/* tokstat summary: what the database holds, read from the views. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "out_text.h"
#include "report.h"

static const char files_sql[] =
	"SELECT count(*) AS files, sum(lines) AS lines, sum(events) AS events, sum(rejected) AS rejected, "
	"sum(skipped) AS skipped, sum(duplicates) AS duplicates FROM files";

/*
 * The last ?1 days with data. Estimates are never silent: their share of the requests is
 * shown. Nor are tokens without a price: cost_usd sums what has one, unpriced_tokens (defined
 * once, in the daily_cost view) counts the rest.
 */
static const char days_sql[] =
	"SELECT day, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS input, "
	"sum(output_tokens) AS output, sum(cache_read_tokens) AS cache_read, "
	"sum(cache_write_tokens) AS cache_write, sum(total_tokens) AS total, "
	"CASE WHEN sum(estimated_requests) > 0 THEN printf('%.1f%%', "
	"100.0 * sum(estimated_requests) / sum(requests)) END AS estimated, "
	"sum(cost_usd) AS cost_usd, sum(unpriced_tokens) AS unpriced_tokens "
	"FROM daily_usage WHERE day_number >= coalesce((SELECT DISTINCT day_number FROM daily_usage "
	"ORDER BY day_number DESC LIMIT 1 OFFSET ?1 - 1), 0) "
	"GROUP BY day ORDER BY day";

static const char credentials_sql[] =
	"SELECT token, token_fp, status, requests, errors, rl_remaining, last_seen FROM credentials "
	"ORDER BY requests DESC, token";

int cmd_summary(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "days", required_argument, NULL, 'd' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	int c, days = 14, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+:d:h", options, NULL)) != -1) {
		char *end;
		if (c != 'd')
			return cmd_option(g, c, argv);
		days = (int)strtol(optarg, &end, 10);
		if (end == optarg || *end || days <= 0)
			return cmd_usage_error("summary", "--days wants a positive number, not '%s'", optarg);
	}
	if (optind != argc)
		return cmd_usage_error("summary", "takes no arguments");
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	sqlite3 *db = store_db(st);
	struct report_bind n_days = { NULL, days };
	report_set_title(&r, "tokstat summary of %s", g->db_path);
	if (!report_add_query(&r, db, "Files", files_sql, NULL, 0, &err) ||
	    !report_add_query(&r, db, "Tokens per day (UTC)", days_sql, &n_days, 1, &err) ||
	    !report_add_query(&r, db, "Credentials", credentials_sql, NULL, 0, &err)) {
		cmd_error("%s", err.data);
		goto out;
	}
	out_text_report(&out, &r);
	fputs(buf_str(&out), stdout);
	status = EXIT_OK;
out:
	store_close(st);
	report_free(&r);
	buf_free(&out);
	buf_free(&err);
	return status;
}
