/* tokstat cost: what the stored usage cost in a month (see pricing.h for the figures). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "out.h"
#include "pricing.h"
#include "report.h"

int cmd_cost(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "top", required_argument, NULL, 't' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct report r = { 0 };
	struct report_request q = { .preset = REPORT_COST, .top = 10 };
	const char *month = NULL;
	char day[16];
	int c, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+:m:t:h", options, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'm':
			month = optarg;
			snprintf(day, sizeof(day), "%s-01", month);
			if (strlen(month) != 7 || !pricing_is_date(day))
				return cmd_usage_error("cost", "--month wants YYYY-MM, not '%s'", month);
			break;
		case 't':
			q.top = strtoll(optarg, &end, 10);
			if (end == optarg || *end || q.top <= 0)
				return cmd_usage_error("cost", "--top wants a positive number, not '%s'", optarg);
			break;
		default:
			return cmd_option(g, c, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error("cost", "takes no arguments");
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	q.month = month;
	q.now = (int64_t)time(NULL);
	if (report_build(&r, store_db(st), &q, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	out_text_report(&out, &r);
	if (out_emit(&out, NULL, stdout, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	status = EXIT_OK;
out:
	store_close(st);
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	return status;
}
