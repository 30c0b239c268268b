/*
 * tokstat prune: raw events older than --keep-days N days go, their aggregates stay (see
 * store_prune.h). Prints one line of what went and the space given back.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "store_prune.h"
#include "timefmt.h"

#define KEEP_DAYS_MAX 1000000 /* the config's range for [run] keep_days */

int cmd_prune_keep_days(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || v < 1 || v > KEEP_DAYS_MAX)
		return -1;
	*out = v;
	return 0;
}

void cmd_prune_describe(struct buf *out, const struct store_prune_result *r, bool is_dry_run)
{
	const struct store_prune_plan *p = &r->plan;
	char before[16], first[16], last[16];
	timefmt_format_day(p->before_day, before);
	if (p->events == 0) {
		buf_printf(out, "nothing to prune: no raw events before %s", before);
		return;
	}
	timefmt_format_day(p->first_day, first);
	timefmt_format_day(p->last_day, last);
	buf_printf(out, "%s %lld raw event%s of %lld day%s (%s .. %s), the days before %s: their aggregates stay",
		   is_dry_run ? "would remove" : "removed", (long long)p->events, p->events == 1 ? "" : "s",
		   (long long)p->days, p->days == 1 ? "" : "s", first, last, before);
	if (is_dry_run) {
		if (p->needs_vacuum)
			buf_adds(out, "; would switch the database to incremental auto-vacuum (one VACUUM, once)");
		return;
	}
	buf_printf(out, "; %.1f MB given back (%.1f MB -> %.1f MB)", (double)(r->bytes_before - r->bytes_after) / 1e6,
		   (double)r->bytes_before / 1e6, (double)r->bytes_after / 1e6);
	if (r->vacuumed)
		buf_adds(out, "; the database was switched to incremental auto-vacuum (one VACUUM, this once)");
}

int cmd_prune(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "keep-days", required_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct store_prune_result r;
	struct buf err = BUF_INIT, line = BUF_INIT;
	int64_t keep = g->config->keep_days; /* [run] keep_days, unless --keep-days */
	bool is_dry_run = false, has_flag = false;
	int c, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+:nh", options, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (cmd_prune_keep_days(optarg, &keep) < 0)
				return cmd_usage_error("prune", "--keep-days wants a number of days from 1 to %d, not '%s'",
						       KEEP_DAYS_MAX, optarg);
			has_flag = true;
			break;
		case 'n':
			is_dry_run = true;
			break;
		default:
			return cmd_option(g, c, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error("prune", "takes no arguments");
	if (!has_flag && keep == CONFIG_NO_LIMIT)
		return cmd_usage_error("prune", "how many days of raw events to keep? --keep-days N (or the config's "
						"[run] keep_days)");
	int64_t before = (int64_t)time(NULL) / 86400 - keep;
	memset(&r, 0, sizeof(r));
	if (is_dry_run) {
		if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
			goto out;
		if (store_prune_plan(st, before, &r.plan, &err) < 0) {
			cmd_error("%s", buf_str(&err));
			goto out;
		}
	} else {
		struct store_lock lock = { .wait = true, .on_wait = cmd_say_waiting };
		if (store_open_ingest(&st, g->db_path, &lock, &err) < 0) {
			cmd_error("%s", buf_str(&err));
			goto out;
		}
		if (store_prune(st, before, 0, &r, &err) < 0) {
			cmd_error("%s", buf_str(&err));
			goto out;
		}
	}
	buf_adds(&line, "tokstat prune: ");
	cmd_prune_describe(&line, &r, is_dry_run);
	puts(buf_str(&line));
	status = EXIT_OK;
out:
	store_close(st);
	buf_free(&err);
	buf_free(&line);
	return status;
}
