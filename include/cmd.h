/* The commands: one file each (src/cmd_<name>.c), dispatched from the table in main.c. */
#ifndef TOKSTAT_CMD_H
#define TOKSTAT_CMD_H

#include "config.h"
#include "store.h"

/* What a command does with the database (the command table says it for each). */
enum cmd_db {
	CMD_DB_NONE = 0,
	CMD_DB_READS = 1,  /* opens it read-only */
	CMD_DB_WRITES = 2, /* opens it read-write (creating it) */
};

/* What main hands every command: the global options, resolved. */
struct global {
	const char *db_path;          /* --db, else $TOKSTAT_DB, else [run] database, else ./tokstat.db */
	const char *db_flag;          /* --db as given, or NULL */
	const struct config *config;  /* --config FILE, else $TOKSTAT_CONFIG, else the defaults;
				       * the environment applied (see config.h) */
	const char *command;          /* the command's name */
	enum cmd_db db;               /* what the command table allows it (CMD_DB_* bits) */
	int usage_exit;               /* its exit status for a wrong command line or settings */
};

/* Each returns the process exit status. ARGV[0] is the command name. */
int cmd_ingest(int argc, char **argv, const struct global *g);
int cmd_verify(int argc, char **argv, const struct global *g);
int cmd_formats(int argc, char **argv, const struct global *g);
int cmd_summary(int argc, char **argv, const struct global *g);
int cmd_pricing(int argc, char **argv, const struct global *g);
int cmd_cost(int argc, char **argv, const struct global *g);
int cmd_query(int argc, char **argv, const struct global *g);
int cmd_credential(int argc, char **argv, const struct global *g);
int cmd_report(int argc, char **argv, const struct global *g);
int cmd_alerts(int argc, char **argv, const struct global *g);
int cmd_prune(int argc, char **argv, const struct global *g);
int cmd_run(int argc, char **argv, const struct global *g);

/* Exit statuses shared by every command. */
#define EXIT_OK 0
#define EXIT_FAIL 1   /* the work failed: a file could not be read, a check found problems */
#define EXIT_USAGE 2  /* the command line (or the settings) are wrong; see struct global's
		       * usage_exit: the command table may give a command another */

/* A store_lock's on_wait for commands: "tokstat: PATH: WHO; waiting for it to finish". */
void cmd_say_waiting(void *ctx, const char *path, const char *who);

struct ingest_file_result;
/* One ingested file's summary, as `tokstat ingest` and `tokstat run` print it (no newline):
 * its name and counts, what was special about it, its format and time; text escaped. */
void cmd_ingest_file_line(struct buf *s, const struct ingest_file_result *r);

/* Print "tokstat: MSG" on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tokstat COMMAND: MSG" and the command's usage line; returns its usage exit status
 * (EXIT_USAGE; `tokstat alerts`: 3, UNKNOWN). */
int cmd_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * For a command's getopt_long loop (main sets opterr = 0, so getopt prints nothing; option
 * strings start with ':' after any '+'). C is what getopt_long returned: 'h' (--help or -h)
 * prints the command's help on stdout and returns EXIT_OK; '?' (an unknown option) or ':' (a
 * value missing) prints one line naming the option, and the usage line, and returns
 * G->usage_exit. G names the command.
 */
int cmd_option(const struct global *g, int c, char *const *argv);
/* The long option every command takes; end each options table with it and a NULL entry. */
#define CMD_OPTION_HELP { "help", no_argument, NULL, 'h' }

/*
 * Open the database of G in MODE, which the command table must allow it (READ_ONLY for a
 * command that reads, READ_WRITE for one that writes). Prints what went wrong. Returns 0,
 * or -1 (*ST NULL).
 */
int cmd_open_store(const struct global *g, enum store_mode mode, struct store **st);

/*
 * For a command's own --config FILE, which replaces the global one: load FILE into CFG (not
 * initialized yet; the caller frees it with config_free whatever this returns) and make *OUT
 * a copy of G with CFG as its settings and the database they name (an explicit --db still
 * wins). Returns 0, or -1 with ERR set (the caller says it: alerts on stdout too).
 */
int cmd_load_config(const struct global *g, const char *path, struct config *cfg, struct global *out,
		    struct buf *err);

/*
 * For the commands whose results are tables of the report model (formats, verify, ingest's
 * totals): the --format NAME they take, "text" (their own lines, as before), "csv" or "json";
 * *IS_TEXT tells the first. Returns 0, or -1 when NAME is none of them.
 */
int cmd_output_format(const char *name, bool *is_text);
struct report;
/* Write R on stdout with the writer FORMAT names (csv, json). 0, or -1 having said what failed. */
int cmd_print_report(const struct report *r, const char *format);

/* For prune and run (cmd_prune.c). */
struct store_prune_result;
/* Parse a --keep-days value: a whole number of days from 1 to 1,000,000. 0, or -1. */
int cmd_prune_keep_days(const char *s, int64_t *out);
/* What a prune removed (IS_DRY_RUN: would remove) and gave back, in words, appended to OUT. */
void cmd_prune_describe(struct buf *out, const struct store_prune_result *r, bool is_dry_run);

#endif
