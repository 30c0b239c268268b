/*
 * The nightly job (`tokstat run`): under a lock of its own, the steps of the config's [run]
 * section one after the other, each by the module that does it: ingest the logs' globs
 * (ingest_run), prune old raw events (store_prune), evaluate the alerts (alerts_check), write
 * the day's reports (report_build + the writers, out_write_file) and pipe the email report to
 * the mail command. It prints nothing: each step's result goes to a callback, which the
 * command prints.
 */
#ifndef TOKSTAT_RUN_H
#define TOKSTAT_RUN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts.h"
#include "buf.h"
#include "config.h"
#include "ingest.h"
#include "store_prune.h"

/* The exit status of a run in which a step failed (the alerts' statuses are 0, 1, 2). */
#define RUN_FAILED 3

enum run_step_kind { RUN_LOCK, RUN_INGEST, RUN_PRUNE, RUN_ALERTS, RUN_REPORT, RUN_MAIL };

/* "lock", "ingest", "prune", "alerts", "report", "mail". */
const char *run_step_name(enum run_step_kind k);

/* One step's result, valid during the callback only. */
struct run_step {
	enum run_step_kind kind;
	bool is_dry_run;         /* what the step would do (nothing was changed) */
	bool is_off;             /* not configured (keep_days none, no reports, no mail_to) */
	bool is_failed;          /* ERROR says why (said through on_error too) */
	const char *error;
	double seconds;

	const char *path;        /* LOCK: the lock file; REPORT: the day's folder; MAIL: mail_to */
	bool is_new_db;          /* dry run: the database does not exist yet */

	/* INGEST: the files the globs matched, and (not a dry run) what ingest_run read */
	const char *const *files;
	size_t n_files;
	const struct ingest_totals *ingest;

	/* PRUNE */
	int64_t keep_days;
	const struct store_prune_result *prune; /* a dry run: only its plan is filled */

	/* ALERTS (not a dry run) */
	const struct alerts_check *alerts;
	const char *day_text;    /* the day of the alerts and reports, YYYY-MM-DD */

	/* REPORT: the files written (or to write); MAIL: the command and the message's size */
	const char *const *reports;
	size_t n_reports;
	const char *command;     /* MAIL: mail_command, any credential in it masked */
	size_t bytes;
};

struct run_options {
	const struct config *cfg;  /* the settings: [run], and everything the steps read */
	const char *db_path;
	int64_t day;               /* the alerts' and reports' day (days since 1970-01-01) */
	int64_t now;               /* epoch seconds: prune's "today", the reports' time */
	bool is_dry_run;           /* change nothing: the database is opened read-only */
	/* Called once per step, in order; may be NULL. */
	void (*on_step)(void *ctx, const struct run_step *s);
	/* Called once per file ingested (ingest.h); may be NULL. */
	void (*on_file)(void *ctx, const struct ingest_file_result *r);
	/* Called with every error and warning (one line each, not escaped); may be NULL. */
	void (*on_error)(void *ctx, const char *msg);
	void *ctx;
};

/*
 * Do the job O describes. The run lock (O->db_path + ".run.lock", flock) is taken first and
 * held to the end: when another run holds it, nothing is done and the message names it, its
 * pid and since when. A step that fails is said and the next one still runs (tonight's report
 * is wanted even when one log was damaged). Returns the alerts' exit status (0 OK, 1 WARNING,
 * 2 CRITICAL) when every step worked; RUN_FAILED when one failed, the lock was held or the
 * run could not start. A dry run returns 0, or RUN_FAILED when a step could not tell.
 */
int run_job(const struct run_options *o);

/*
 * The lock file of a run on DB_PATH ("DB_PATH.run.lock") taken with flock(LOCK_EX | LOCK_NB),
 * its content replaced by "pid N since TIME". *FD gets its descriptor (close it to release).
 * Returns 0 taken; 1 another process holds it (HOLDER gets its "pid N since TIME"); -1 with ERR.
 * PROBE: only look (a dry run): nothing is created or written, *FD is -1.
 */
int run_lock(const char *db_path, bool probe, int *fd, struct buf *holder, struct buf *err);

/*
 * The files the globs of [run] logs match (glob(3), each sorted; directories left out; a file
 * matched twice listed once), appended to *PATHS (*N of them; free each and the array).
 * A glob that matches nothing (its folder missing or unreadable too) is said through ON_ERROR
 * (a warning, not a failure: logs rotate away). Returns 0, or -1 with ERR (out of memory).
 */
int run_match_logs(const struct config *c, char ***paths, size_t *n, void (*on_error)(void *ctx, const char *msg),
		   void *ctx, struct buf *err);

/*
 * Run COMMAND with /bin/sh -c, MSG on its standard input and its standard output sent to
 * standard error (stdout is the run's one line per step). SHOWN is the command as messages
 * name it (scrubbed of credentials). Returns 0 when it read everything and exited 0, or -1
 * with ERR saying how it failed.
 */
int run_pipe_to(const char *command, const char *shown, const struct buf *msg, struct buf *err);

#endif
