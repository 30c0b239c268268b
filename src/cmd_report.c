/* tokstat report: the report over a period, in any format the writers know (see report.h, out.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "out.h"
#include "report.h"

#define MAX_BY 16

/* A header value cannot hold a line break: it would start a header of its own. */
static int header_value_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Is S shaped like a day (YYYY-MM-DD), as opposed to a mail address? */
static int looks_like_day(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && !strchr(s, '@');
}

int cmd_report(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "from", required_argument, NULL, 'f' },   { "to", required_argument, NULL, 't' },
		{ "days", required_argument, NULL, 'd' },   { "month", required_argument, NULL, 'm' },
		{ "by", required_argument, NULL, 'b' },     { "top", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'F' }, { "output", required_argument, NULL, 'o' },
		{ "subject", required_argument, NULL, 's' }, { "mail-from", required_argument, NULL, 'A' },
		{ "mail-to", required_argument, NULL, 'B' }, { "config", required_argument, NULL, 'c' },
		CMD_OPTION_HELP, { NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct report r = { 0 };
	struct report_request q = { .preset = REPORT_FULL, .top = -2 };
	struct out_options o = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	const char *from = NULL, *to = NULL, *month = NULL, *format = "text", *path = NULL, *by[MAX_BY];
	const char *mail_from = NULL, *mail_to = NULL, *csv_tables[MAX_BY], *config = NULL;
	struct config own; /* --config FILE's settings, in place of the global ones */
	struct global at = *g;
	bool has_own = false;
	char host[256] = "localhost";
	int c, status = EXIT_FAIL;
	int64_t days = 0;
	size_t nby = 0;

	while ((c = getopt_long(argc, argv, "+:o:h", options, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'f':
			if (looks_like_day(optarg))
				from = optarg;
			else
				mail_from = optarg;
			break;
		case 't':
			if (looks_like_day(optarg))
				to = optarg;
			else
				mail_to = optarg;
			break;
		case 'A':
			mail_from = optarg;
			break;
		case 'B':
			mail_to = optarg;
			break;
		case 'd':
			days = strtoll(optarg, &end, 10);
			if (end == optarg || *end || days <= 0 || days > 100000)
				return cmd_usage_error("report", "--days wants a positive number, not '%s'", optarg);
			break;
		case 'm':
			month = optarg;
			break;
		case 'b':
			if (!report_by_section(optarg))
				return cmd_usage_error("report", "--by wants token, user, endpoint, model, provider, "
						   "operation, project, latency, day or hour, not '%s'", optarg);
			if (nby == MAX_BY)
				return cmd_usage_error("report", "at most %d --by", MAX_BY);
			for (size_t i = 0; i < nby; i++)
				if (strcmp(by[i], optarg) == 0)
					optarg = NULL; /* once is enough: a table appears once */
			if (optarg) {
				by[nby] = optarg;
				csv_tables[nby++] = report_by_section(optarg);
			}
			break;
		case 'n':
			q.top = strtoll(optarg, &end, 10);
			if (end == optarg || *end || q.top < 0)
				return cmd_usage_error("report", "--top wants a number (0: all rows), not '%s'", optarg);
			if (q.top == 0)
				q.top = -1;
			break;
		case 'F':
			format = optarg;
			if (!out_find(format))
				return cmd_usage_error("report", "--format wants %s, not '%s'", out_names(), optarg);
			break;
		case 'o':
			path = optarg;
			break;
		case 's':
			o.subject = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		default:
			return cmd_option(g, c, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error("report", "takes no arguments");
	if ((mail_from || mail_to || o.subject) && strcmp(format, "email") != 0)
		return cmd_usage_error("report", "--from ADDRESS, --to ADDRESS and --subject go with --format email "
				   "(a period's --from and --to want a day YYYY-MM-DD)");
	if ((mail_from && !header_value_ok(mail_from)) || (mail_to && !header_value_ok(mail_to)) ||
	    (o.subject && !header_value_ok(o.subject)))
		return cmd_usage_error("report", "a mail header cannot hold a line break");
	if ((mail_from && !is_ascii(mail_from)) || (mail_to && !is_ascii(mail_to)))
		return cmd_usage_error("report", "--from and --to addresses must be ASCII (the subject may be any text)");
	q.now = (int64_t)time(NULL);
	if (report_period(from, to, days, month, q.now, &q.from_day, &q.to_day, &err) < 0) {
		cmd_usage_error("report", "%s", buf_str(&err));
		status = EXIT_USAGE;
		goto out;
	}
	/* people read a top 10; a spreadsheet or a program wants every row */
	if (q.top == -2)
		q.top = strcmp(format, "csv") == 0 || strcmp(format, "json") == 0 ? -1 : 10;
	q.by = by;
	q.nby = nby;
	/* the users' limits, and the database, are the settings' */
	if (config) {
		has_own = true;
		if (cmd_load_config(g, config, &own, &at, &err) < 0) {
			cmd_error("%s", buf_str(&err));
			status = g->usage_exit;
			goto out;
		}
	}
	q.config = at.config;
	if (cmd_open_store(&at, STORE_READ_ONLY, &st) < 0)
		goto out;
	if (report_build(&r, store_db(st), &q, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	gethostname(host, sizeof(host) - 1);
	o.mail_from = mail_from;
	o.mail_to = mail_to;
	o.now = q.now;
	o.hostname = host;
	/* CSV is one table per --by; without --by, the days */
	static const char *const daily[] = { "daily" };
	o.csv_tables = nby ? csv_tables : daily;
	o.n_csv_tables = nby ? nby : 1;
	if (out_find(format)->write(&out, &r, &o, &err) < 0 || out_emit(&out, path, stdout, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	status = EXIT_OK;
out:
	store_close(st);
	if (has_own)
		config_free(&own);
	report_free(&r);
	buf_free(&out);
	buf_free(&err);
	return status;
}
