/* tokstat verify: aggregates against raw events, and SQLite's integrity check. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "report.h"
#include "verify.h"

/*
 * The result as tables of R: a record (database, problems, result) and the differences, one
 * row per line of FINDINGS: "what: the values" (verify.h), split at the first ": ".
 */
static void verify_report(struct report *r, const char *db, int problems, const char *findings)
{
	static const struct report_column result_cols[] = {
		{ "database", "database", REPORT_TYPE_TEXT, NULL },
		{ "problems", "problems", REPORT_TYPE_INT, NULL },
		{ "result", "result", REPORT_TYPE_TEXT, NULL },
	};
	static const struct report_column finding_cols[] = {
		{ "check", "check", REPORT_TYPE_TEXT, NULL },
		{ "values", "values", REPORT_TYPE_TEXT, NULL },
	};
	r->key = xstrdup("verify");
	report_set_title(r, "tokstat verify");
	struct report_table *t = report_add_table(r, "verify", NULL, REPORT_RECORD, result_cols, 3);
	report_add_text(t, db);
	report_add_int(t, problems);
	report_add_text(t, problems ? "differences found" : "aggregates match the raw events; integrity ok");
	t = report_add_table(r, "differences", NULL, REPORT_LIST, finding_cols, 2);
	for (const char *p = findings; *p;) {
		const char *end = strchr(p, '\n'), *sep;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *line = xstrndup(p, n);
		if ((sep = strstr(line, ": "))) {
			char *what = xstrndup(line, (size_t)(sep - line));
			report_add_text(t, what);
			report_add_text(t, sep + 2);
			free(what);
		} else {
			report_add_text(t, line);
			report_add_null(t);
		}
		free(line);
		p += n + (end ? 1 : 0);
	}
}

int cmd_verify(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'F' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct report r = { 0 };
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *format = "text";
	bool is_text;
	int c, status = EXIT_FAIL, problems;

	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		if (c != 'F')
			return cmd_option(g, c, argv);
		format = optarg;
	}
	if (optind != argc)
		return cmd_usage_error("verify", "takes no arguments");
	if (cmd_output_format(format, &is_text) < 0)
		return cmd_usage_error("verify", "--format wants text, csv or json, not '%s'", format);
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	problems = verify_database(st, &out, &err);
	if (problems < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	if (!is_text) {
		verify_report(&r, g->db_path, problems, buf_str(&out));
		if (cmd_print_report(&r, format) < 0)
			goto out;
	} else if (problems) {
		fputs(buf_str(&out), stdout);
	} else {
		printf("tokstat: %s: aggregates match the raw events; integrity ok\n", g->db_path);
	}
	if (problems) {
		cmd_error("%s: %d problem%s found", g->db_path, problems, problems == 1 ? "" : "s");
		goto out;
	}
	status = EXIT_OK;
out:
	report_free(&r);
	store_close(st);
	buf_free(&out);
	buf_free(&err);
	return status;
}
