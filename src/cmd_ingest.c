/* tokstat ingest: options -> ingest_run -> exit status. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "format.h"
#include "ingest.h"

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static void say_waiting(void *ctx, const char *path)
{
	(void)ctx;
	cmd_error("%s: another ingest is running; waiting for it to finish", path);
}

int cmd_ingest(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "parsers", required_argument, NULL, 'p' },
		{ "max-reject-rate", required_argument, NULL, 'r' },
		{ "max-line", required_argument, NULL, 'L' },
		{ "batch", required_argument, NULL, 'b' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "complete", no_argument, NULL, 'C' },
		{ "estimate", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ingest_options opt = { .max_reject_rate = -1, .wait = true };
	const char *parsers = getenv("TOKSTAT_PARSERS");
	const char *env_estimates = getenv("TOKSTAT_ESTIMATES");
	struct ingest_estimate *estimates = NULL;
	size_t n_estimates = 0;
	struct format_set set = { 0 };
	struct store *st = NULL;
	struct ingest_totals totals;
	struct buf err = BUF_INIT;
	int c, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+f:p:qh", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt.format = optarg;
			break;
		case 'p':
			parsers = optarg;
			break;
		case 'r': {
			char *end;
			opt.max_reject_rate = strtod(optarg, &end);
			if (end == optarg || *end || opt.max_reject_rate < 0 || opt.max_reject_rate > 100)
			{
				status = cmd_usage_error("ingest", "--max-reject-rate wants a percentage from 0 to 100, not '%s'", optarg);
				goto out;
			}
			break;
		}
		case 'L':
			/* at most 256 MiB: batch and chunk offsets are 32-bit */
			if (parse_size(optarg, &opt.max_line) < 0 || opt.max_line > (256u << 20))
			{
				status = cmd_usage_error("ingest", "--max-line wants a number of bytes up to 268435456, not '%s'", optarg);
				goto out;
			}
			break;
		case 'b':
			if (parse_size(optarg, &opt.batch_rows) < 0)
			{
				status = cmd_usage_error("ingest", "--batch wants a number of rows, not '%s'", optarg);
				goto out;
			}
			break;
		case 'W':
			opt.wait = false;
			break;
		case 'C':
			opt.complete = true;
			break;
		case 'e':
			if (ingest_estimates_parse(optarg, &estimates, &n_estimates, &err) < 0) {
				status = cmd_usage_error("ingest", "%s", err.data);
				goto out;
			}
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			cmd_print_help("ingest", stdout);
			status = EXIT_OK;
			goto out;
		default:
			status = cmd_usage_error("ingest", "unknown option");
			goto out;
		}
	}
	if (optind == argc) {
		status = cmd_usage_error("ingest", "expected one or more files (or - for stdin)");
		goto out;
	}
	/* --estimate on the command line replaces $TOKSTAT_ESTIMATES */
	if (!n_estimates && env_estimates && *env_estimates &&
	    ingest_estimates_parse(env_estimates, &estimates, &n_estimates, &err) < 0) {
		cmd_error("TOKSTAT_ESTIMATES: %s", err.data);
		status = EXIT_USAGE;
		goto out;
	}
	opt.estimates = estimates;
	opt.n_estimates = n_estimates;
	opt.progress = !opt.quiet && isatty(STDERR_FILENO);

	if (format_set_load(&set, parsers, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	if (opt.format && strcmp(opt.format, "auto") != 0 && !format_find(&set, opt.format)) {
		status = cmd_usage_error("ingest", "no format named '%s' (see 'tokstat formats')", opt.format);
		goto out;
	}
	struct store_lock lock = { .wait = opt.wait, .on_wait = opt.quiet ? NULL : say_waiting };
	if (store_open_ingest(&st, g->db_path, &lock, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	int rc = ingest_run(st, &set, &opt, argv + optind, (size_t)(argc - optind), &totals);
	if (!opt.quiet && totals.files > 1)
		printf("tokstat: %llu files, %llu lines, %llu events, %llu rejected%s\n",
		       (unsigned long long)totals.files, (unsigned long long)totals.lines,
		       (unsigned long long)totals.events, (unsigned long long)totals.rejected,
		       totals.failed_files ? " (some files failed: see above)" : "");
	status = rc == 0 ? EXIT_OK : EXIT_FAIL;
out:
	store_close(st);
	format_set_free(&set);
	ingest_estimates_free(estimates, n_estimates);
	buf_free(&err);
	return status;
}
