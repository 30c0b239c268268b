/*
 * tokstat run: the nightly job of the config's [run] section (run.h), one line per step on
 * stdout ("tokstat run: STEP: what it did (seconds)") and one per file read, errors on stderr.
 * Exit status: the alerts' (0, 1, 2), or 3 when a step failed or the run could not start.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "run.h"
#include "utf8.h"

struct printer {
	const struct config *cfg;
	double started;
};

/* Text from the config, a file name or a log, escaped for the terminal. */
static void add_escaped(struct buf *out, const char *s)
{
	utf8_escape(out, s, strlen(s));
}

static void emit(struct buf *line)
{
	buf_addc(line, '\n');
	fputs(buf_str(line), stdout);
	fflush(stdout); /* a log (cron, journald) sees each step when it ends */
}

static void say_error(void *ctx, const char *msg)
{
	struct buf s = BUF_INIT;
	(void)ctx;
	add_escaped(&s, msg);
	fflush(stdout);
	cmd_error("run: %s", buf_str(&s));
	buf_free(&s);
}

/* One file's line, as `tokstat ingest` says it. */
static void show_file(void *ctx, const struct ingest_file_result *r)
{
	struct buf s = BUF_INIT;
	(void)ctx;
	if (r->is_empty || r->is_counted) {
		buf_adds(&s, "tokstat run: ingest: ");
		cmd_ingest_file_line(&s, r);
		emit(&s);
	}
	if (r->status != 0 && r->error)
		say_error(NULL, r->error);
	buf_free(&s);
}

static void show_ingest(struct buf *s, const struct run_step *st)
{
	if (st->is_dry_run) {
		buf_printf(s, "would read %zu file%s", st->n_files, st->n_files == 1 ? "" : "s");
		if (st->is_new_db)
			buf_adds(s, " into a new database");
		for (size_t i = 0; i < st->n_files; i++) {
			emit(s);
			buf_reset(s);
			buf_adds(s, "tokstat run: ingest: would read ");
			add_escaped(s, st->files[i]);
		}
		return;
	}
	if (!st->n_files) {
		buf_adds(s, "no file matches the logs globs");
		return;
	}
	const struct ingest_totals *t = st->ingest;
	if (!t) {
		buf_adds(s, "failed");
		return;
	}
	buf_printf(s, "%llu file%s, %llu lines, %llu events, %llu rejected", (unsigned long long)t->files,
		   t->files == 1 ? "" : "s", (unsigned long long)t->lines, (unsigned long long)t->events,
		   (unsigned long long)t->rejected);
	if (t->duplicates)
		buf_printf(s, ", %llu duplicates", (unsigned long long)t->duplicates);
	if (t->failed_files)
		buf_printf(s, "; %llu failed (see the error output)", (unsigned long long)t->failed_files);
}

static void show_alerts(struct buf *s, const struct run_step *st, const struct config *c)
{
	if (st->is_dry_run) {
		buf_printf(s, "would evaluate the rules for %s and record the alerts", st->day_text);
		if (c->prometheus) {
			buf_adds(s, "; would write ");
			add_escaped(s, c->prometheus);
		}
		if (c->blocklist) {
			buf_adds(s, "; would write ");
			add_escaped(s, c->blocklist);
		}
		if (c->webhook)
			buf_adds(s, "; would post the new and worse ones to the webhook");
		return;
	}
	if (!st->alerts) {
		buf_adds(s, "failed");
		return;
	}
	buf_printf(s, "%s (%d new or worse)", buf_str(&st->alerts->title), st->alerts->changed);
}

static void show_report(struct buf *s, const struct run_step *st)
{
	if (st->is_off) {
		buf_adds(s, "off (no reports in [run])");
		return;
	}
	buf_printf(s, "%s%s: ", st->is_dry_run ? "would write " : "", st->day_text);
	for (size_t i = 0; i < st->n_reports; i++) {
		buf_adds(s, i ? ", " : "");
		add_escaped(s, st->reports[i]);
	}
	if (st->is_failed)
		buf_adds(s, ": failed");
}

static void show_mail(struct buf *s, const struct run_step *st)
{
	if (st->is_off) {
		buf_adds(s, "off (no mail_to in [run])");
		return;
	}
	if (st->is_dry_run && st->is_new_db) {
		buf_adds(s, "would pipe the email report to '");
	} else {
		buf_printf(s, "%s the email report of %s (%zu bytes) to '", st->is_dry_run ? "would pipe" : "piped",
			   st->day_text, st->bytes);
	}
	add_escaped(s, st->command);
	buf_adds(s, "' for ");
	add_escaped(s, st->path);
	if (st->is_failed)
		buf_adds(s, ": failed");
}

static void show_step(void *ctx, const struct run_step *st)
{
	struct printer *pr = ctx;
	struct buf s = BUF_INIT;
	buf_printf(&s, "tokstat run: %s: ", run_step_name(st->kind));
	switch (st->kind) {
	case RUN_LOCK:
		if (st->is_failed)
			buf_adds(&s, "not taken: nothing done");
		else
			add_escaped(&s, st->path);
		if (!st->is_failed)
			buf_adds(&s, st->is_dry_run ? " is free" : " taken");
		break;
	case RUN_INGEST:
		show_ingest(&s, st);
		break;
	case RUN_PRUNE:
		if (st->is_off) {
			buf_adds(&s, "off (keep_days = none)");
		} else if (st->is_failed) {
			buf_adds(&s, "failed");
		} else {
			buf_printf(&s, "keep %lld days: ", (long long)st->keep_days);
			cmd_prune_describe(&s, st->prune, st->is_dry_run);
		}
		break;
	case RUN_ALERTS:
		show_alerts(&s, st, pr->cfg);
		break;
	case RUN_REPORT:
		show_report(&s, st);
		break;
	case RUN_MAIL:
		show_mail(&s, st);
		break;
	}
	if (!st->is_dry_run && !st->is_off && st->kind != RUN_LOCK)
		buf_printf(&s, " (%.1f s)", st->seconds);
	emit(&s);
	buf_free(&s);
}

/* The day: YYYY-MM-DD, today or yesterday (the default), UTC. 0, or -1. */
static int pick_day(const char *date, int64_t now, int64_t *day)
{
	if (!date || strcmp(date, "yesterday") == 0)
		*day = now / 86400 - 1;
	else if (strcmp(date, "today") == 0)
		*day = now / 86400;
	else
		return alerts_parse_day(date, day);
	return 0;
}

int cmd_run(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *date = NULL;
	struct config own;
	struct global at = *g;
	bool has_own = false, is_dry_run = false;
	struct buf err = BUF_INIT;
	int c, status = RUN_FAILED;
	int64_t now = (int64_t)time(NULL), day;

	while ((c = getopt_long(argc, argv, "+:c:d:nh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			date = optarg;
			break;
		case 'n':
			is_dry_run = true;
			break;
		default:
			return cmd_option(g, c, argv);
		}
	}
	if (optind != argc)
		return cmd_usage_error("run", "takes no arguments (the logs are the config's [run] logs)");
	if (pick_day(date, now, &day) < 0)
		return cmd_usage_error("run", "--date wants YYYY-MM-DD, today or yesterday, not '%s'", date);
	if (config) {
		has_own = true;
		if (cmd_load_config(g, config, &own, &at, &err) < 0) {
			cmd_error("%s", buf_str(&err));
			goto out;
		}
	}
	if (!at.config->n_logs) {
		cmd_error("run: %s: [run] has no logs = GLOB: what should the nightly job read? (see 'tokstat help run')",
			  at.config->file ? at.config->file : "no config file (--config FILE or $TOKSTAT_CONFIG)");
		goto out;
	}
	struct printer pr = { .cfg = at.config };
	struct run_options o = { .cfg = at.config, .db_path = at.db_path, .day = day, .now = now,
				 .is_dry_run = is_dry_run, .on_step = show_step, .on_file = show_file,
				 .on_error = say_error, .ctx = &pr };
	status = run_job(&o);
	if (is_dry_run)
		printf("tokstat run: dry run: nothing was changed\n");
	else if (status == RUN_FAILED)
		printf("tokstat run: done: a step failed (exit %d)\n", status);
	else
		printf("tokstat run: done: %s (exit %d)\n", alerts_status_name(status), status);
out:
	if (has_own)
		config_free(&own);
	buf_free(&err);
	return status;
}
