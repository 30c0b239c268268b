/* tokstat verify: aggregates against raw events, and SQLite's integrity check. */
#include <stdlib.h>
#include <stdio.h>

#include "cmd.h"
#include "verify.h"

int cmd_verify(int argc, char **argv, const struct global *g)
{
	struct store *st = NULL;
	struct buf out = BUF_INIT, err = BUF_INIT;
	int status = EXIT_FAIL, problems;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error("verify", "takes no arguments");
	if (store_open(&st, g->db_path, STORE_READ_ONLY, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
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
