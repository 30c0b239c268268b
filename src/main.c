/* tokstat: global options, the command table, dispatch, and the check that stdout got it all. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cmd.h"
#include "out.h"
#include "report.h"

static int cmd_help(int argc, char **argv, const struct global *g);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct global *g);
	enum cmd_db db; /* what it does with the database: reading commands open it read-only */
	int usage_exit; /* its exit status for a wrong command line or settings */
	const char *summary;
	const char *usage;
	const char *help;
};

static const struct command commands[] = {
	{ "ingest", cmd_ingest, CMD_DB_WRITES, EXIT_USAGE, "load proxy and application logs into the database",
	  "tokstat ingest [--format NAME|auto] [--parsers DIR] [--max-reject-rate PCT] [--key-file FILE] [--quiet] [--no-wait] [--complete] [--output-format text|csv|json] FILE... | -",
	  "Reads each FILE (plain or gzip, told by its magic bytes; - is stdin) and stores its\n"
	  "events and daily/hourly aggregates, exactly once: a file already read adds nothing,\n"
	  "also when renamed, rotated or compressed since; a file that grew is read from where\n"
	  "the last run stopped. Damaged lines are counted and kept in the rejects view.\n"
	  "\n"
	  "  --format NAME        parse every file with format NAME (default auto: detect per file)\n"
	  "  --parsers DIR        also load format definitions from DIR (default $TOKSTAT_PARSERS,\n"
	  "                       else the config's [ingest] parsers)\n"
	  "  --max-reject-rate P  fail when more than P percent of a file's lines are rejected\n"
	  "  --max-line BYTES     reject lines longer than this (default 16 MiB, at most 256 MiB)\n"
	  "  --batch ROWS         rows per transaction (default 32768)\n"
	  "  --no-wait            fail at once when another ingest or program holds the database\n"
	  "  --key-file FILE      the credential key's file (default $TOKSTAT_KEY_FILE, else DB.key)\n"
	  "  --complete           the files are finished: read a last line that has no newline\n"
	  "                       (by default it is left for the next run while the file was\n"
	  "                       changed in the last 60 s, as a writer may be mid-line)\n"
	  "  --estimate OP=N,...  events that logged no tokens count N tokens for operation OP\n"
	  "                       (* = any), marked estimated (default $TOKSTAT_ESTIMATES, else the\n"
	  "                       config's [ingest] estimates; off)\n"
	  "  -q, --quiet          no progress and no per-file summary; errors only\n"
	  "  --output-format F    text (default: a line per file, then the totals), csv (the\n"
	  "                       files) or json (the files and the totals), written at the end\n"
	  "\n"
	  "Exit status: 0 every file read; 1 a file could not be read completely, its format\n"
	  "was unknown or its reject rate too high; 2 usage error.\n" },
	{ "verify", cmd_verify, CMD_DB_READS, EXIT_USAGE, "check the aggregates against the raw events",
	  "tokstat verify [--format text|csv|json]",
	  "Checks that every daily and hourly aggregate and every credential counter equals the\n"
	  "sums over the raw events it covers, and runs SQLite's integrity check.\n"
	  "  --format F   text (default: one line), csv (the differences) or json (the result\n"
	  "               and the differences)\n"
	  "Exit status: 0 consistent; 1 differences found (printed).\n" },
	{ "formats", cmd_formats, CMD_DB_NONE, EXIT_USAGE, "list the log formats and where they come from",
	  "tokstat formats [--parsers DIR] [--format text|csv|json]",
	  "Lists every format tokstat can read: the built-in ones and those in --parsers DIR or\n"
	  "$TOKSTAT_PARSERS, else the config's [ingest] parsers (a definition there replaces a\n"
	  "built-in one of the same name). --format csv or json writes the same list as a table.\n" },
	{ "summary", cmd_summary, CMD_DB_READS, EXIT_USAGE, "print totals per day and per credential",
	  "tokstat summary [--days N]",
	  "Prints what the database holds: files, events, tokens and cost per day (the last N days\n"
	  "that have data, default 14; with the share of requests whose tokens are estimates) and\n"
	  "every credential with its status.\n" },
	/* import writes the price table; list and missing only read */
	{ "pricing", cmd_pricing, CMD_DB_READS | CMD_DB_WRITES, EXIT_USAGE, "list, import and check model prices",
	  "tokstat pricing [list [TEXT] | import [--effective-from DATE] FILE | missing]",
	  "list: every price (those whose model contains TEXT), with the day it starts and ends.\n"
	  "import: load prices from a CSV with the header\n"
	  "  provider,model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok,effective_from\n"
	  "  (USD per 1M tokens; empty cells are NULL; an empty provider means any provider) or from\n"
	  "  LiteLLM's model_prices_and_context_window.json. A price without a date starts on\n"
	  "  --effective-from DATE (default today, UTC). Importing the same prices again changes\n"
	  "  nothing; a new price for an existing model and date replaces it, which re-prices history.\n"
	  "missing: models with tokens but no price (their cost is NULL, never counted as 0).\n"
	  "\n"
	  "A model id matches a price for the same id, its dated releases (-20241022, -2024-08-06,\n"
	  "-001, @20241022) and -latest; a price model ending in '*' matches every id it starts.\n"
	  "The longest match wins; a price applies from its date until the next one.\n" },
	{ "cost", cmd_cost, CMD_DB_READS, EXIT_USAGE, "print what the usage cost in a month",
	  "tokstat cost [--month YYYY-MM] [--top N]",
	  "Prints month to date, the daily average, the projected month end, the cost per 1,000\n"
	  "requests, the week-over-week change and the top N (default 10) models, credentials,\n"
	  "users and endpoints by cost. --month defaults to the latest month with usage.\n"
	  "Usage without a price is not counted and is reported (see 'tokstat pricing missing').\n" },
	{ "query", cmd_query, CMD_DB_READS, EXIT_USAGE, "run read-only SQL or a named investigation over the views",
	  "tokstat query SQL|NAME|- [-p NAME=VALUE]... [--from DAY|TIME] [--to DAY|TIME] [--format table|csv|json|jsonl|markdown] [--no-header] [--timeout SECONDS] [--queries DIR] | --list | --show NAME",
	  "Runs one SQL statement (or SQL from stdin: -) over the views (events, daily_usage,\n"
	  "hourly_usage, credentials, files, rejects, prices, cost_*) on a read-only connection, or a\n"
	  "named investigation (a word: see --list). Anything that would write, attach a file, change\n"
	  "a setting or load an extension is refused before it runs, and so is more than one\n"
	  "statement. Rows stream as they come.\n"
	  "\n"
	  "  -p NAME=VALUE        bind :NAME, @NAME and $NAME (never spliced into the SQL). A decimal\n"
	  "                       integer or number binds as a number, an empty VALUE as NULL,\n"
	  "                       anything else as text; NAME:text=VALUE is always text\n"
	  "  --from, --to         the period, bound as :from and :to: a day YYYY-MM-DD (--to includes\n"
	  "                       it) or a time YYYY-MM-DDTHH:MM[:SS] (UTC unless it has Z or +HH:MM)\n"
	  "  --format F           table (default on a terminal: aligned, text cut at 60 characters\n"
	  "                       and escaped), csv (default otherwise), json, jsonl, markdown\n"
	  "  --no-header          no header line; json and jsonl write arrays instead of objects\n"
	  "  --timeout SECONDS    stop the query after SECONDS\n"
	  "  --queries DIR        also read named queries from DIR/*.sql (default $TOKSTAT_QUERIES,\n"
	  "                       else the config's [query] dir);\n"
	  "                       a file there replaces a built-in query of the same name\n"
	  "  --list               list the named queries with their parameters and defaults\n"
	  "  --show NAME          print a named query's SQL\n"
	  "\n"
	  "A credential parameter takes a mask (ghp_abc1...xyz1) or a fingerprint prefix\n"
	  "(token_fp); 'tokstat credential -' turns a secret into its fingerprint.\n"
	  "Exit status: 0 done; 1 refused or failed; 2 usage error; 3 stopped by --timeout;\n"
	  "130 stopped by Ctrl-C. The rows before a stop are written.\n" },
	{ "credential", cmd_credential, CMD_DB_READS, EXIT_USAGE, "find what tokstat stored for a secret",
	  "tokstat credential [--key-file FILE] SECRET | -",
	  "Prints the mask and fingerprint prefix (token_fp) that tokstat stores for SECRET, made with\n"
	  "this database's key, and whether and when it was seen: requests, first and last seen,\n"
	  "status, rate limit. '-' reads the secret from stdin (asking without echo on a terminal),\n"
	  "which keeps it out of the shell's history and the process list: prefer it. The secret is\n"
	  "never printed or stored. A log that held only the mask gives the mask's fingerprint: that\n"
	  "is found too, and said so. Other secrets with the same mask are listed. The key is read\n"
	  "from --key-file FILE, else $TOKSTAT_KEY_FILE, else DB.key.\n"
	  "Exit status: 0 seen; 1 never seen (or failed); 2 usage error.\n" },
	{ "report", cmd_report, CMD_DB_READS, EXIT_USAGE, "write the report of a period: text, CSV, JSON, HTML or email",
	  "tokstat report [--from DAY] [--to DAY] [--days N] [--month YYYY-MM] [--by DIM]... [--top N]\n"
	  "              [--format text|csv|json|html|email] [-o FILE] [--to ADDRESS] [--from ADDRESS] [--subject S]\n"
	  "              [--config FILE]",
	  "Writes what the period's usage was: a summary (credentials, requests, success and error\n"
	  "rates, tokens, cost, request capacity), the alerts of the period (what 'tokstat alerts'\n"
	  "found), credentials with their status and rate limits, models, users (with the share of\n"
	  "their daily and monthly token limits used), endpoints, operations, per day and per hour,\n"
	  "the last 20 requests, the month's cost and week-over-week change, and data quality\n"
	  "(files, rejects, unpriced models).\n"
	  "\n"
	  "  --from DAY, --to DAY  the period (UTC days, inclusive); default: yesterday\n"
	  "  --days N              N days ending on --to (or starting on --from)\n"
	  "  --month YYYY-MM       a calendar month\n"
	  "  --by DIM              only the summary and the table per DIM: token, user, endpoint,\n"
	  "                        model, provider, operation, project, latency, day or hour\n"
	  "                        (repeatable);\n"
	  "                        for CSV, the tables written (default: day)\n"
	  "  --top N               rows of each list (default 10; csv and json: all; 0: all)\n"
	  "  --format F            text (default), csv, json, html (one self-contained file), or\n"
	  "                        email (a MIME message for 'sendmail -t': text and HTML parts)\n"
	  "  -o, --output FILE     write FILE atomically (a temporary file, then a rename)\n"
	  "  --to ADDRESS, --from ADDRESS, --subject S   email headers (a value that is not a\n"
	  "                        day YYYY-MM-DD is an address; or --mail-to, --mail-from); the\n"
	  "                        default subject names the period and its worst alert\n"
	  "  --config FILE         the users' limits (and [run] database), in place of the global\n"
	  "                        --config (default $TOKSTAT_CONFIG)\n"
	  "\n"
	  "An empty period is no error: the report says so and names the latest day with data.\n" },
	/* a wrong command line is 3, UNKNOWN: the monitoring-plugin convention */
	{ "alerts", cmd_alerts, CMD_DB_WRITES, 3, "find who is about to run out of a limit, dead credentials, usage jumps",
	  "tokstat alerts [--config FILE] [--date DAY] [--format text|json|nagios] [--all] [--prometheus FILE] [--blocklist FILE] [--no-webhook] | list [--all] [--format text|json] | ack ID...",
	  "Evaluates the alert rules for DAY (YYYY-MM-DD, today or yesterday; default yesterday,\n"
	  "UTC) and keeps each condition as an alert with first_seen, last_seen and its worst value:\n"
	  "a condition that goes on is printed once, and again only when it gets worse. Rules:\n"
	  "daily_limit, monthly_limit, monthly_projection, cost_threshold, burst_limit, error_rate,\n"
	  "rate_limit_low, credential_invalid, anomaly; limits and levels come from the config.\n"
	  "\n"
	  "  --config FILE     settings, in place of the global --config (default $TOKSTAT_CONFIG;\n"
	  "                    see samples/tokstat.conf)\n"
	  "  --format F        text (default: nothing when nothing is new), json, or nagios (one\n"
	  "                    monitoring-plugin status line with performance data)\n"
	  "  --all             print every active alert, not only new and worse ones\n"
	  "  --prometheus FILE write node_exporter textfile metrics (atomically)\n"
	  "  --blocklist FILE  write the users and credentials over a hard limit as nginx maps\n"
	  "  --no-webhook      do not post to [alerts] webhook this time\n"
	  "list: the active alerts (--all: resolved ones too). ack ID...: silence alerts until\n"
	  "they are resolved or their severity rises.\n"
	  "\n"
	  "Exit status (monitoring-plugin convention): 0 OK, 1 WARNING, 2 CRITICAL (the worst\n"
	  "unacknowledged alert of the day), 3 UNKNOWN (could not evaluate, or a wrong command line).\n" },
	/* --dry-run only reads */
	{ "prune", cmd_prune, CMD_DB_READS | CMD_DB_WRITES, EXIT_USAGE, "drop raw events older than N days; aggregates stay",
	  "tokstat prune [--keep-days N] [--dry-run]",
	  "Deletes the raw events (the events view) from before the UTC midnight N days before today,\n"
	  "in short transactions, and gives their space back to the file system. The daily and hourly\n"
	  "aggregates, credentials, files and their checkpoints, de-duplication keys, rejects and\n"
	  "alerts stay: reports over those days are unchanged, a pruned file is still recognized and\n"
	  "re-ingesting it adds nothing. Prints what went: events, days, bytes given back.\n"
	  "\n"
	  "  --keep-days N  days of raw events to keep (default: the config's [run] keep_days)\n"
	  "  --dry-run      say what would go, change nothing (the database is opened read-only)\n"
	  "\n"
	  "Waits for a running ingest. Exit status: 0 done (also when nothing was old enough);\n"
	  "1 failed; 2 usage error.\n" },
	/* --dry-run only reads; a wrong command line is 3, as a failed step (exit 0-2 are the alerts') */
	{ "run", cmd_run, CMD_DB_READS | CMD_DB_WRITES, 3, "the nightly job: ingest, prune, alerts, reports, mail",
	  "tokstat run [--config FILE] [--date DAY] [--dry-run]",
	  "Does the night's work that the config's [run] section describes, one step after the other,\n"
	  "under a lock (DATABASE.run.lock) that stops a second run while one is going:\n"
	  "  ingest   the files the logs globs match (plain or gzip, rotated or not: exactly once)\n"
	  "  prune    raw events older than keep_days (none: the step is off)\n"
	  "  alerts   the rules for DAY, as 'tokstat alerts' (alert state, webhook, prometheus, blocklist)\n"
	  "  report   DAY's reports, each written atomically as OUTPUT_DIR/DAY/report.EXT for every\n"
	  "           format in reports (html, json, csv, text)\n"
	  "  mail     the email report piped to mail_command (default /usr/sbin/sendmail -t), when\n"
	  "           mail_to is set\n"
	  "One line per step on stdout (and one per file read), errors on stderr.\n"
	  "\n"
	  "  --config FILE  the settings, in place of the global --config (default $TOKSTAT_CONFIG)\n"
	  "  --date DAY     the day of the alerts and reports: YYYY-MM-DD, today or yesterday\n"
	  "                 (default yesterday, UTC)\n"
	  "  --dry-run      say what each step would do (the files, the rows prune would remove, the\n"
	  "                 report paths, the mail) and change nothing: the database is opened read-only\n"
	  "\n"
	  "Exit status: the alerts' (0 OK, 1 WARNING, 2 CRITICAL) when every step worked; 3 when a\n"
	  "step failed, another run holds the lock, or the command line or settings are wrong.\n" },
	{ "help", cmd_help, CMD_DB_NONE, EXIT_USAGE, "show help for a command", "tokstat help [COMMAND]",
	  "Without COMMAND, lists the commands; with it, tells what COMMAND does and takes.\n" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_overview(FILE *out)
{
	fprintf(out, "usage: tokstat [--db FILE] [--config FILE] COMMAND [ARGS]\n\n"
		     "Turns API access logs into answers about who spends credentials and tokens.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nThe database is --db FILE, else $TOKSTAT_DB, else the config's [run] database, else\n"
		     "./tokstat.db. Settings are read from --config FILE, else $TOKSTAT_CONFIG, else none\n"
		     "(the environment and each command's flags override them; see samples/tokstat.conf).\n"
		     "'tokstat help COMMAND' tells more.\n");
}

/* Print the help text of command NAME on OUT; returns -1 when there is no such command. */
static int print_help(const char *name, FILE *out)
{
	const struct command *c = find_command(name);
	if (!c)
		return -1;
	fprintf(out, "usage: %s\n\n%s", c->usage, c->help);
	return 0;
}

void cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tokstat: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cmd_usage_error(const char *name, const char *fmt, ...)
{
	va_list ap;
	const struct command *c = find_command(name);
	va_start(ap, fmt);
	fprintf(stderr, "tokstat %s: ", name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (c)
		fprintf(stderr, "usage: %s\n", c->usage);
	return c ? c->usage_exit : EXIT_USAGE;
}

int cmd_option(const struct global *g, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (c == 'h') {
		print_help(g->command, stdout);
		return EXIT_OK;
	}
	/* getopt_long has moved past the option: argv[optind - 1] is it, or its cluster (-qz) */
	if (strncmp(arg, "--", 2) == 0)
		return cmd_usage_error(g->command, "%s %.*s", c == ':' ? "a value is missing after" : "unknown option",
				       (int)strcspn(arg, "="), arg);
	if (c == ':')
		return cmd_usage_error(g->command, "a value is missing after -%c", optopt);
	return cmd_usage_error(g->command, "unknown option -%c", optopt ? optopt : '?');
}

int cmd_output_format(const char *name, bool *is_text)
{
	*is_text = strcmp(name, "text") == 0;
	return *is_text || strcmp(name, "csv") == 0 || strcmp(name, "json") == 0 ? 0 : -1;
}

int cmd_print_report(const struct report *r, const char *format)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	const struct out_writer *w = out_find(format);
	int rc = -1;
	if (!w)
		buf_printf(&err, "no output format '%s'", format);
	else if (w->write(&out, r, NULL, &err) == 0 && out_emit(&out, NULL, stdout, &err) == 0)
		rc = 0;
	if (rc < 0)
		cmd_error("%s", buf_str(&err));
	buf_free(&out);
	buf_free(&err);
	return rc;
}

void cmd_say_waiting(void *ctx, const char *path, const char *who)
{
	(void)ctx;
	cmd_error("%s: %s; waiting for it to finish", path, who);
}

int cmd_open_store(const struct global *g, enum store_mode mode, struct store **st)
{
	struct buf err = BUF_INIT;
	int rc = -1;
	*st = NULL;
	if (!(g->db & (mode == STORE_READ_ONLY ? CMD_DB_READS : CMD_DB_WRITES)))
		cmd_error("%s: the command table says it does not %s the database", g->command,
			  mode == STORE_READ_ONLY ? "read" : "write");
	else if (store_open(st, g->db_path, mode, &err) < 0)
		cmd_error("%s", buf_str(&err));
	else
		rc = 0;
	buf_free(&err);
	return rc;
}

int cmd_load_config(const struct global *g, const char *path, struct config *cfg, struct global *out,
		    struct buf *err)
{
	config_init(cfg);
	*out = *g;
	if (config_load(cfg, path, err) < 0)
		return -1;
	out->config = cfg;
	out->db_path = config_get_db_path(cfg, g->db_flag);
	return 0;
}

static int cmd_help(int argc, char **argv, const struct global *g)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cmd_option(g, 'h', argv);
	if (argc < 2) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (print_help(argv[1], stdout) < 0) {
		cmd_error("no such command: %s (see 'tokstat help')", argv[1]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * What was written to stdout must have reached it: a full disk or a closed file makes the run
 * fail, as in git's run_builtin (which also lets a pipe's reader stop early unnoticed).
 * Returns STATUS, or EXIT_FAIL when STATUS was EXIT_OK and stdout failed.
 */
static int finish(int status)
{
	struct stat st;
	const char *why = NULL;
	if (fstat(fileno(stdout), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return status;
	errno = 0;
	if (fflush(stdout) != 0)
		why = strerror(errno);
	else if (ferror(stdout))
		why = "an earlier write failed";
	else if (fclose(stdout) != 0)
		why = strerror(errno);
	if (!why)
		return status;
	cmd_error("cannot write to standard output: %s", why);
	return status == EXIT_OK ? EXIT_FAIL : status;
}

/* The value of global option NAME at ARGV[*I] ("--NAME VALUE" or "--NAME=VALUE"), moving *I
 * past it; NULL when ARGV[*I] is not that option. *MISSING: it is, without a value. */
static const char *global_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	*missing = false;
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return NULL;
	if (a[2 + n] == '=')
		return a + 3 + n;
	if (a[2 + n] != '\0')
		return NULL;
	if (*i + 1 == argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int run(int argc, char **argv)
{
	struct global g = { 0 };
	struct config cfg;
	struct buf err = BUF_INIT;
	const char *config_flag = NULL;
	int i, status;

	config_init(&cfg);
	store_library_init();
	if (sodium_init() < 0) {
		cmd_error("cannot initialize libsodium");
		status = EXIT_FAIL;
		goto out;
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *v;
		bool missing;
		if ((v = global_value(argc, argv, &i, "db", &missing)) || missing) {
			if (missing || !*v) {
				cmd_error("--db needs a FILE");
				status = EXIT_USAGE;
				goto out;
			}
			g.db_flag = v;
		} else if ((v = global_value(argc, argv, &i, "config", &missing)) || missing) {
			if (missing || !*v) {
				cmd_error("--config needs a FILE");
				status = EXIT_USAGE;
				goto out;
			}
			config_flag = v;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("tokstat %s\n", TOKSTAT_VERSION);
			status = EXIT_OK;
			goto out;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_overview(stdout);
			status = EXIT_OK;
			goto out;
		} else {
			cmd_error("unknown option %s (see 'tokstat help')", argv[i]);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (i == argc) {
		print_overview(stderr);
		status = EXIT_USAGE;
		goto out;
	}
	const struct command *c = find_command(argv[i]);
	if (!c) {
		cmd_error("no such command: %s (see 'tokstat help')", argv[i]);
		status = EXIT_USAGE;
		goto out;
	}
	g.command = c->name;
	g.db = c->db;
	g.usage_exit = c->usage_exit;
	/* The settings, once for every command that may use them (help needs none). A command's
	 * own --config (alerts, report) loads its file again in place of this one. */
	if (c->fn != cmd_help && config_load(&cfg, config_flag, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		status = g.usage_exit;
		goto out;
	}
	g.config = &cfg;
	g.db_path = config_get_db_path(&cfg, g.db_flag);
	optind = 0; /* each command runs getopt_long from its own argv */
	opterr = 0; /* and says itself what is wrong: see cmd_option */
	status = c->fn(argc - i, argv + i, &g);
out:
	config_free(&cfg);
	buf_free(&err);
	return status;
}

int main(int argc, char **argv)
{
	return finish(run(argc, argv));
}
