/* The commands: one file each (src/cmd_<name>.c), dispatched from the table in main.c. */
#ifndef TOKSTAT_CMD_H
#define TOKSTAT_CMD_H

#include "store.h"

struct global {
	const char *db_path; /* --db, else $TOKSTAT_DB, else ./tokstat.db */
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
int cmd_help(int argc, char **argv, const struct global *g);

/* Exit statuses shared by every command. */
#define EXIT_OK 0
#define EXIT_FAIL 1   /* the work failed: a file could not be read, a check found problems */
#define EXIT_USAGE 2  /* the command line is wrong */

/* Print "tokstat: MSG" on stderr. */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tokstat COMMAND: MSG" and the command's usage line; returns EXIT_USAGE. */
int cmd_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the help text of COMMAND on OUT; returns -1 when there is no such command. */
int cmd_print_help(const char *command, void *out);

#endif
