/* tokstat summary: files, the last days with data and every credential (a preset of the report). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cmd.h"
#include "out.h"
#include "report.h"

int cmd_summary(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "days", required_argument, NULL, 'd' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct report r = { 0 };
	struct report_request q = { .preset = REPORT_SUMMARY, .days = 14, .top = -1 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	int c, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+:d:h", options, NULL)) != -1) {
		char *end;
		if (c != 'd')
			return cmd_option(g, c, argv);
		q.days = strtoll(optarg, &end, 10);
		if (end == optarg || *end || q.days <= 0 || q.days > 1000000)
			return cmd_usage_error("summary", "--days wants a positive number, not '%s'", optarg);
	}
	if (optind != argc)
		return cmd_usage_error("summary", "takes no arguments");
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	q.db_name = g->db_path;
	q.now = (int64_t)time(NULL);
	if (report_build(&r, store_db(st), &q, &err) < 0) {
		cmd_error("%s", buf_str(&err));
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
	buf_free(&out);
	buf_free(&err);
	return status;
}
