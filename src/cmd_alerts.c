/*
 * tokstat alerts: evaluate the rules for a day, keep the alert state, print what is new or
 * worse, write the monitoring outputs; `alerts list` and `alerts ack ID` manage the state.
 * Exit status follows the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN (could not evaluate, a wrong command line included).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"
#include "cmd.h"
#include "config.h"
#include "out_nagios.h"
#include "out.h"
#include "report.h"
#include "store_alerts.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_NAGIOS };

struct options {
	const char *config, *date, *prometheus, *blocklist;
	enum format format;
	bool all, no_webhook;
};

static const char *status_name(int status)
{
	return alerts_status_name(status);
}

/* Say why the run could not evaluate: on stderr, and for a monitoring system on stdout. */
__attribute__((format(printf, 2, 3))) static int unknown(const struct options *o, const char *fmt, ...)
{
	struct buf msg = BUF_INIT, line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (o->format == FORMAT_NAGIOS) {
		out_nagios_unknown(&line, buf_str(&msg));
		fputs(buf_str(&line), stdout);
	}
	cmd_error("%s", buf_str(&msg)); /* whole, for a log (a monitoring system reads stdout) */
	buf_free(&msg);
	buf_free(&line);
	return ALERTS_UNKNOWN;
}

/*
 * The settings of this run: the global ones, or those of --config FILE in their place (loaded
 * into OWN; *HAS_OWN says so, for the caller to free). *AT is G with them and the database
 * they name. 0, or -1 (said, as UNKNOWN).
 */
static int settings(const struct options *o, const struct global *g, struct config *own, bool *has_own,
		    struct global *at)
{
	struct buf err = BUF_INIT;
	int rc = 0;
	*at = *g;
	*has_own = o->config != NULL;
	if (*has_own && cmd_load_config(g, o->config, own, at, &err) < 0) {
		unknown(o, "%s", buf_str(&err));
		rc = -1;
	}
	buf_free(&err);
	return rc;
}

/* 0: go on; 1: --help was printed (exit 0); -1: a wrong command line, said (exit UNKNOWN). */
static int parse_options(const struct global *g, int argc, char **argv, struct options *o, bool is_eval)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "prometheus", required_argument, NULL, 'P' },
		{ "blocklist", required_argument, NULL, 'B' },
		{ "no-webhook", no_argument, NULL, 'W' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+:c:d:f:ah", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			o->date = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o->format = FORMAT_JSON;
			else if (strcmp(optarg, "nagios") == 0 && is_eval)
				o->format = FORMAT_NAGIOS;
			else {
				cmd_usage_error("alerts", "--format wants text, json%s, not '%s'", is_eval ? " or nagios" : "",
						optarg);
				return -1;
			}
			break;
		case 'a':
			o->all = true;
			break;
		case 'P':
			o->prometheus = optarg;
			break;
		case 'B':
			o->blocklist = optarg;
			break;
		case 'W':
			o->no_webhook = true;
			break;
		default: /* 'h', or a wrong option: said by cmd_option */
			return cmd_option(g, c, argv) == EXIT_OK ? 1 : -1;
		}
	}
	if (!is_eval && (o->date || o->prometheus || o->blocklist || o->no_webhook)) {
		cmd_usage_error("alerts", "--date, --prometheus, --blocklist and --no-webhook are for evaluating, "
					  "not for list or ack");
		return -1;
	}
	return 0;
}

/* The day to evaluate: --date YYYY-MM-DD, "today" or "yesterday" (the default), UTC. */
static int pick_day(const char *date, int64_t *day)
{
	int64_t today = (int64_t)time(NULL) / 86400;
	if (!date || strcmp(date, "yesterday") == 0)
		*day = today - 1;
	else if (strcmp(date, "today") == 0)
		*day = today;
	else
		return alerts_parse_day(date, day);
	return 0;
}

/*
 * Open the database for the alert state, read-write: it must exist (alerts never create an
 * empty one); opening brings its schema (the alert tables, the alerts view) up to date.
 */
static int open_store(const struct options *o, const struct global *g, struct store **st)
{
	if (access(g->db_path, F_OK) != 0)
		return unknown(o, "%s: no such database (run 'tokstat ingest' first)", g->db_path), -1;
	if (cmd_open_store(g, STORE_READ_WRITE, st) < 0) { /* said on stderr */
		if (o->format == FORMAT_NAGIOS) {
			struct buf line = BUF_INIT;
			out_nagios_unknown(&line, "cannot open the database (see the error output)");
			fputs(buf_str(&line), stdout);
			buf_free(&line);
		}
		return -1;
	}
	return 0;
}

/* A delivery that failed: said on stderr (the evaluation goes on). */
static void say_error(void *ctx, const char *msg)
{
	(void)ctx;
	cmd_error("%s", msg);
}

static int evaluate(int argc, char **argv, const struct global *g)
{
	struct options o = { 0 };
	struct config own;
	struct global at;
	bool has_own = false;
	struct store *st = NULL;
	struct alerts_check ck = { 0 };
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	int64_t day;
	int status = ALERTS_UNKNOWN, rc;

	if ((rc = parse_options(g, argc, argv, &o, true)) != 0) {
		status = rc > 0 ? EXIT_OK : ALERTS_UNKNOWN;
		goto out;
	}
	if (optind != argc) {
		cmd_usage_error("alerts", "unexpected argument '%s' (commands: list, ack)", argv[optind]);
		goto out;
	}
	if (pick_day(o.date, &day) < 0) {
		cmd_usage_error("alerts", "--date wants YYYY-MM-DD, today or yesterday, not '%s'", o.date);
		goto out;
	}
	if (settings(&o, g, &own, &has_own, &at) < 0 || open_store(&o, &at, &st) < 0)
		goto out;
	struct alerts_check_options co = { .prometheus = o.prometheus, .blocklist = o.blocklist,
					   .no_webhook = o.no_webhook, .on_error = say_error };
	if (alerts_check(st, at.config, day, &co, &ck, &err) < 0) {
		unknown(&o, "%s", buf_str(&err));
		goto out;
	}
	status = ck.severity;
	switch (o.format) {
	case FORMAT_NAGIOS:
		out_nagios_line(&out, &ck.f, &ck.in.day);
		break;
	case FORMAT_JSON:
		if (store_alerts_json(st, o.all ? STORE_ALERTS_SELECT_ACTIVE : STORE_ALERTS_SELECT_CHANGED, ck.run,
				      ck.day_text, status_name(status), ck.critical, ck.warning, &out, &err) < 0) {
			status = unknown(&o, "%s", buf_str(&err));
			goto out;
		}
		buf_addc(&out, '\n');
		break;
	case FORMAT_TEXT:
		/* Nothing new and no --all: print nothing, so cron mails nothing. */
		if (!ck.changed && !o.all)
			break;
		report_set_title(&r, "%s (%d new or worse)", buf_str(&ck.title), ck.changed);
		if (store_alerts_report(st, o.all ? STORE_ALERTS_SELECT_ACTIVE : STORE_ALERTS_SELECT_CHANGED, ck.run,
					o.all ? "Active alerts" : "New or worse", &r, &err) < 0) {
			status = unknown(&o, "%s", buf_str(&err));
			goto out;
		}
		out_text_report(&out, &r);
		break;
	}
	fputs(buf_str(&out), stdout);
	status = ck.status; /* UNKNOWN when OK but something was not delivered */
out:
	if (fflush(stdout) != 0 && status == ALERTS_OK)
		status = ALERTS_UNKNOWN;
	report_free(&r);
	alerts_check_free(&ck);
	store_close(st);
	if (has_own)
		config_free(&own);
	buf_free(&err);
	buf_free(&out);
	return status;
}

static int list(int argc, char **argv, const struct global *g)
{
	struct options o = { 0 };
	struct config own;
	struct global at;
	bool has_own = false;
	struct store *st = NULL;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	int status = ALERTS_UNKNOWN, rc;
	enum store_alerts_select sel;

	if ((rc = parse_options(g, argc, argv, &o, false)) != 0) {
		status = rc > 0 ? EXIT_OK : ALERTS_UNKNOWN;
		goto out;
	}
	if (optind != argc) {
		cmd_usage_error("alerts", "list takes no arguments");
		goto out;
	}
	if (settings(&o, g, &own, &has_own, &at) < 0 || open_store(&o, &at, &st) < 0)
		goto out;
	sel = o.all ? STORE_ALERTS_SELECT_EVERY : STORE_ALERTS_SELECT_ACTIVE;
	if (o.format == FORMAT_JSON) {
		rc = store_alerts_json(st, sel, 0, NULL, NULL, 0, 0, &out, &err);
		buf_addc(&out, '\n');
	} else {
		rc = store_alerts_report(st, sel, 0, o.all ? "Alerts" : "Active alerts", &r, &err);
		out_text_report(&out, &r);
	}
	if (rc < 0) {
		unknown(&o, "%s", buf_str(&err));
		goto out;
	}
	fputs(buf_str(&out), stdout);
	status = EXIT_OK;
out:
	report_free(&r);
	store_close(st);
	if (has_own)
		config_free(&own);
	buf_free(&err);
	buf_free(&out);
	return status;
}

static int ack(int argc, char **argv, const struct global *g)
{
	struct options o = { 0 };
	struct config own;
	struct global at;
	bool has_own = false;
	struct store *st = NULL;
	struct buf err = BUF_INIT;
	int status = ALERTS_UNKNOWN, rc;

	if ((rc = parse_options(g, argc, argv, &o, false)) != 0) {
		status = rc > 0 ? EXIT_OK : ALERTS_UNKNOWN;
		goto out;
	}
	if (optind == argc) {
		cmd_usage_error("alerts", "ack wants the ID of an alert (see 'tokstat alerts list')");
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		char *end;
		long long id = strtoll(argv[i], &end, 10);
		if (end == argv[i] || *end || id <= 0) {
			cmd_usage_error("alerts", "ack wants alert IDs (numbers), not '%s'", argv[i]);
			goto out;
		}
	}
	if (settings(&o, g, &own, &has_own, &at) < 0 || open_store(&o, &at, &st) < 0)
		goto out;
	status = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		int64_t id = strtoll(argv[i], NULL, 10);
		rc = store_alerts_ack(st, id, &err);
		if (rc < 0) {
			status = unknown(&o, "%s", buf_str(&err));
			goto out;
		}
		if (rc == 0) {
			cmd_error("alerts ack: no active alert has id %lld (see 'tokstat alerts list')", (long long)id);
			status = ALERTS_UNKNOWN;
		} else {
			printf("tokstat: alert %lld acknowledged: it stays silent until it is resolved or its severity "
			       "rises\n",
			       (long long)id);
		}
	}
out:
	store_close(st);
	if (has_own)
		config_free(&own);
	buf_free(&err);
	return status;
}

int cmd_alerts(int argc, char **argv, const struct global *g)
{
	if (argc > 1 && strcmp(argv[1], "list") == 0)
		return list(argc - 1, argv + 1, g);
	if (argc > 1 && strcmp(argv[1], "ack") == 0)
		return ack(argc - 1, argv + 1, g);
	return evaluate(argc, argv, g);
}
