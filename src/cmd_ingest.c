/* tokstat ingest: options -> ingest_run -> what it returns, printed (escaped) -> exit status. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "format.h"
#include "ingest.h"
#include "report.h"
#include "utf8.h"

#define PROGRESS_SECONDS 0.25 /* at most four progress updates a second */

struct printer {
	bool quiet, progress;
	double last_progress;
	struct report_table *files; /* --output-format csv|json: a row per file, written at the end */
};

/* The files table of --output-format csv|json, one row per file (add_file_row). */
static struct report_table *files_table(struct report *r)
{
	static const struct report_column cols[] = {
		{ "file", "file", REPORT_TYPE_TEXT, NULL },
		{ "result", "result", REPORT_TYPE_TEXT, NULL }, /* ok, empty, failed */
		{ "format", "format", REPORT_TYPE_TEXT, NULL },
		{ "lines", "lines", REPORT_TYPE_INT, NULL },
		{ "events", "events", REPORT_TYPE_INT, NULL },
		{ "rejected", "rejected", REPORT_TYPE_INT, NULL },
		{ "skipped", "skipped", REPORT_TYPE_INT, NULL },
		{ "duplicates", "duplicates", REPORT_TYPE_INT, NULL },
		{ "resumed_after", "resumed after line", REPORT_TYPE_INT, NULL },
		{ "seconds", "seconds", REPORT_TYPE_REAL, NULL },
		{ "error", "error", REPORT_TYPE_TEXT, NULL },
	};
	return report_add_table(r, "files", NULL, REPORT_LIST, cols, sizeof(cols) / sizeof(cols[0]));
}

static void add_file_row(struct report_table *t, const struct ingest_file_result *r)
{
	bool has_counts = r->is_counted && !r->is_empty;
	report_add_text(t, r->path);
	report_add_text(t, r->status != 0 ? "failed" : r->is_empty ? "empty" : "ok");
	report_add_text(t, r->format);
	const uint64_t counts[] = { r->lines, r->events, r->rejected, r->skipped, r->duplicates };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (has_counts)
			report_add_int(t, (int64_t)counts[i]);
		else
			report_add_null(t);
	}
	if (r->is_resumed)
		report_add_int(t, (int64_t)r->resumed_after);
	else
		report_add_null(t);
	report_add_real(t, r->seconds);
	report_add_text(t, r->status != 0 ? r->error : r->warning);
}

/* The run's totals as a record of R. */
static struct report_table *totals_table(struct report *r, const struct ingest_totals *tot)
{
	static const struct report_column cols[] = {
		{ "files", "files", REPORT_TYPE_INT, NULL },
		{ "failed_files", "failed files", REPORT_TYPE_INT, NULL },
		{ "lines", "lines", REPORT_TYPE_INT, NULL },
		{ "events", "events", REPORT_TYPE_INT, NULL },
		{ "rejected", "rejected", REPORT_TYPE_INT, NULL },
		{ "skipped", "skipped", REPORT_TYPE_INT, NULL },
		{ "duplicates", "duplicates", REPORT_TYPE_INT, NULL },
	};
	struct report_table *t = report_add_table(r, "totals", NULL, REPORT_RECORD, cols, sizeof(cols) / sizeof(cols[0]));
	const uint64_t v[] = { tot->files, tot->failed_files, tot->lines, tot->events, tot->rejected, tot->skipped,
			       tot->duplicates };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		report_add_int(t, (int64_t)v[i]);
	return t;
}

/* The totals line of the text output, from the totals record T. */
static void totals_text(struct buf *out, const struct report_table *t)
{
	int64_t v[5];
	for (size_t c = 0; c < 5; c++)
		v[c] = report_cell(t, 0, c)->i;
	buf_printf(out, "tokstat: %lld files, %lld lines, %lld events, %lld rejected%s\n", (long long)v[0],
		   (long long)v[2], (long long)v[3], (long long)v[4], v[1] ? " (some files failed: see above)" : "");
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Text from a file name, a log or a definition, escaped for the terminal. */
static void add_escaped(struct buf *out, const char *s)
{
	utf8_escape(out, s, strlen(s));
}

/* The progress line on stderr (a terminal): bytes, lines/s and the ETA when the size is known. */
static void show_progress(void *ctx, const struct ingest_progress *p)
{
	struct printer *pr = ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (t - pr->last_progress < PROGRESS_SECONDS)
		return;
	pr->last_progress = t;
	struct buf s = BUF_INIT;
	double rate = p->seconds > 0 ? (double)p->lines / p->seconds : 0;
	buf_adds(&s, "\r\033[K");
	add_escaped(&s, p->path);
	buf_printf(&s, ": %.1f MB", (double)p->at / 1e6);
	if (p->size) {
		buf_printf(&s, " of %.1f MB", (double)p->size / 1e6);
		double frac = (double)p->at / (double)p->size;
		if (frac > 0.01 && frac < 1) /* the run's time: a fair estimate for the usual one-file run */
			buf_printf(&s, ", ETA %.0f s", p->seconds / frac * (1 - frac));
	}
	buf_printf(&s, ", %llu lines, %.0f lines/s", (unsigned long long)p->lines, rate);
	fputs(buf_str(&s), stderr);
	fflush(stderr);
	buf_free(&s);
}

void cmd_ingest_file_line(struct buf *s, const struct ingest_file_result *r)
{
	add_escaped(s, r->path);
	if (r->is_empty) {
		buf_adds(s, ": empty");
		return;
	}
	buf_adds(s, ": ");
	if (r->is_resumed && r->lines == 0) {
		buf_printf(s, "nothing new (already read to line %llu)", (unsigned long long)r->resumed_after);
	} else {
		buf_printf(s, "%llu %slines, %llu events, %llu rejected", (unsigned long long)r->lines,
			   r->is_resumed ? "new " : "", (unsigned long long)r->events, (unsigned long long)r->rejected);
		if (r->skipped)
			buf_printf(s, ", %llu skipped", (unsigned long long)r->skipped);
		if (r->duplicates)
			buf_printf(s, ", %llu duplicates", (unsigned long long)r->duplicates);
		if (r->is_resumed)
			buf_printf(s, ", resumed after line %llu", (unsigned long long)r->resumed_after);
	}
	if (r->is_held_back)
		buf_adds(s, "; last line unfinished (no newline yet): left for the next run");
	if (r->is_truncated)
		buf_printf(s, "; truncated while being read (copytruncate): read to line %llu, "
			   "the rotated copy is read on from there", (unsigned long long)r->truncated_after);
	if (r->is_lookalike)
		buf_adds(s, "; begins like a file read before but is another one: read as new");
	if (r->format) {
		buf_adds(s, "; format ");
		add_escaped(s, r->format);
		if (r->is_detected)
			buf_printf(s, " (detected: %zu of %zu lines)", r->detect_matched, r->detect_tried);
	}
	buf_printf(s, "; %.2f s", r->seconds);
}

/* One file's summary line on stdout (unless --quiet), then its error on stderr. */
static void show_file(void *ctx, const struct ingest_file_result *r)
{
	struct printer *pr = ctx;
	struct buf s = BUF_INIT;
	if (pr->progress)
		fputs("\r\033[K", stderr);
	if (pr->files) /* --output-format csv|json: one document at the end, no lines */
		add_file_row(pr->files, r);
	else if (!pr->quiet && (r->is_empty || r->is_counted)) {
		buf_adds(&s, "tokstat: ");
		cmd_ingest_file_line(&s, r);
		buf_addc(&s, '\n');
		fputs(buf_str(&s), stdout);
		fflush(stdout);
	}
	if (r->status != 0 && r->error) {
		buf_reset(&s);
		add_escaped(&s, r->error);
		cmd_error("%s", buf_str(&s));
	}
	/* Not an error (logrotate's copytruncate is routine), but worth a line on stderr: the
	 * rest of what was read is in the rotated copy, to be ingested. */
	if (r->status == 0 && r->warning && !pr->quiet) {
		buf_reset(&s);
		add_escaped(&s, r->warning);
		cmd_error("%s; ingest the rotated copy to read the rest", buf_str(&s));
	}
	buf_free(&s);
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
		{ "key-file", required_argument, NULL, 'K' },
		{ "output-format", required_argument, NULL, 'O' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct ingest_options opt = { .max_reject_rate = -1 };
	struct printer pr = { 0 };
	bool wait = true;
	const char *key_file = NULL; /* --key-file, else the config's (config_get_key_file) */
	const char *parsers = NULL; /* --parsers, else the config's (config_get_parsers) */
	struct encode_estimate *estimates = NULL;
	size_t n_estimates = 0;
	struct format_set set = { 0 };
	struct store *st = NULL;
	struct ingest_totals totals;
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	const char *output_format = "text";
	bool is_text;
	int c, status = EXIT_FAIL;

	/* Options may follow the files (GNU order), so "ingest a.log --bogus" is an unknown
	 * option, not a file named --bogus; "--" ends the options. */
	while ((c = getopt_long(argc, argv, ":f:p:qh", options, NULL)) != -1) {
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
			wait = false;
			break;
		case 'C':
			opt.complete = true;
			break;
		case 'e':
			if (encode_estimates_parse(optarg, &estimates, &n_estimates, &err) < 0) {
				status = cmd_usage_error("ingest", "%s", err.data);
				goto out;
			}
			break;
		case 'q':
			pr.quiet = true;
			break;
		case 'K':
			key_file = optarg;
			break;
		case 'O':
			output_format = optarg;
			break;
		default: /* 'h', or a wrong option */
			status = cmd_option(g, c, argv);
			goto out;
		}
	}
	if (optind == argc) {
		status = cmd_usage_error("ingest", "expected one or more files (or - for stdin)");
		goto out;
	}
	if (cmd_output_format(output_format, &is_text) < 0) {
		status = cmd_usage_error("ingest", "--output-format wants text, csv or json, not '%s'", output_format);
		goto out;
	}
	r.key = xstrdup("ingest");
	report_set_title(&r, "tokstat ingest");
	if (!is_text)
		pr.files = files_table(&r);
	/* --estimate on the command line replaces $TOKSTAT_ESTIMATES and [ingest] estimates */
	const char *set_estimates = n_estimates ? NULL : config_get_estimates(g->config, NULL);
	if (set_estimates && encode_estimates_parse(set_estimates, &estimates, &n_estimates, &err) < 0) {
		struct buf origin = BUF_INIT;
		config_origin(g->config, CONFIG_ESTIMATES, &origin);
		cmd_error("%s: %s", buf_str(&origin), err.data);
		buf_free(&origin);
		status = g->usage_exit;
		goto out;
	}
	parsers = config_get_parsers(g->config, parsers);
	opt.estimates = estimates;
	opt.n_estimates = n_estimates;
	pr.progress = !pr.quiet && isatty(STDERR_FILENO);
	opt.on_file = show_file;
	opt.on_progress = pr.progress ? show_progress : NULL;
	opt.ctx = &pr;

	if (format_set_load(&set, parsers, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	if (opt.format && strcmp(opt.format, "auto") != 0 && !format_find(&set, opt.format)) {
		status = cmd_usage_error("ingest", "no format named '%s' (see 'tokstat formats')", opt.format);
		goto out;
	}
	/* A file size limit (ulimit -f) must fail a write with EFBIG, which the store explains,
	 * rather than kill the run with SIGXFSZ in the middle of a commit. */
	signal(SIGXFSZ, SIG_IGN);
	struct store_lock lock = { .wait = wait, .on_wait = pr.quiet ? NULL : cmd_say_waiting, .key_file = config_get_key_file(g->config, key_file) };
	if (store_open_ingest(&st, g->db_path, &lock, &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	int rc = ingest_run(st, &set, &opt, argv + optind, (size_t)(argc - optind), &totals, &err);
	if (rc < 0 && err.len)
		cmd_error("%s", err.data);
	const struct report_table *tt = totals_table(&r, &totals);
	status = rc == 0 ? EXIT_OK : EXIT_FAIL;
	if (!is_text) {
		if (cmd_print_report(&r, output_format) < 0)
			status = EXIT_FAIL;
	} else if (!pr.quiet && totals.files > 1) {
		totals_text(&out, tt);
		fputs(buf_str(&out), stdout);
	}
out:
	report_free(&r);
	buf_free(&out);
	store_close(st);
	format_set_free(&set);
	encode_estimates_free(estimates, n_estimates);
	buf_free(&err);
	return status;
}
