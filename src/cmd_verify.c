/* tokstat verify: aggregates against raw events, and SQLite's integrity check. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "verify.h"

int cmd_verify(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = { CMD_OPTION_HELP, { NULL, 0, NULL, 0 } };
	struct store *st = NULL;
	struct buf out = BUF_INIT, err = BUF_INIT;
	int c, status = EXIT_FAIL, problems;

	if ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) /* only --help */
		return cmd_option(g, c, argv);
	if (optind != argc)
		return cmd_usage_error("verify", "takes no arguments");
	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	problems = verify_database(st, &out, &err);
	if (problems < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	if (problems) {
		fputs(buf_str(&out), stdout);
		cmd_error("%s: %d problem%s found", g->db_path, problems, problems == 1 ? "" : "s");
		goto out;
	}
	printf("tokstat: %s: aggregates match the raw events; integrity ok\n", g->db_path);
	status = EXIT_OK;
out:
	store_close(st);
	buf_free(&out);
	buf_free(&err);
	return status;
}
