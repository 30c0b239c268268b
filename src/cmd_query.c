/* tokstat query: read-only SQL over the views, and the named investigations (see query.h). */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "credential.h"
#include "query.h"
#include "query_out.h"

/* Exit statuses of a query stopped before its end (the usual 128 + signal for Ctrl-C). */
#define QUERY_EXIT_TIMEOUT 3
#define QUERY_EXIT_INTERRUPTED 130
/* SQL read from stdin ('-') is at most this long. */
#define QUERY_MAX_SQL (1 << 20)
/* Output is written out in pieces of about this size (each row at once on a terminal). */
#define QUERY_FLUSH_BYTES 65536

/* The query Ctrl-C stops: the one global here, as a signal handler has no other way in. */
static struct query *volatile interrupt_target;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupt_target)
		query_interrupt(interrupt_target);
}

struct params {
	struct query_param *v;
	size_t n;
};

static void params_add(struct params *ps, const struct query_param *p)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (strcmp(ps->v[i].name, p->name) == 0) { /* the last -p NAME= wins */
			query_param_free(&ps->v[i]);
			ps->v[i] = *p;
			return;
		}
	}
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	ps->v[ps->n++] = *p;
}

static const struct query_param *params_find(const struct params *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

static void params_free(struct params *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		query_param_free(&ps->v[i]);
	free(ps->v);
}

/*
 * A credential parameter is a mask or a fingerprint prefix. Something longer that is neither
 * looks like a full secret, which belongs in 'tokstat credential -', not in a command line.
 */
static bool looks_like_secret(const char *s)
{
	size_t n = strlen(s);
	if (n <= 16 || strstr(s, "...") || strstr(s, "***") || strstr(s, "\xe2\x80\xa6"))
		return false;
	return strspn(s, "0123456789abcdefABCDEF") != n;
}

/* What --list shows of a query's parameters: "credential (required), from=NULL, limit=50". */
static void describe_params(struct buf *out, const struct query_def *d)
{
	for (size_t i = 0; i < d->nparams; i++) {
		const struct query_param_def *p = &d->params[i];
		if (i)
			buf_adds(out, ", ");
		if (!p->def)
			buf_printf(out, "%s (required)", p->name);
		else if (p->def_is_null)
			buf_printf(out, "%s=NULL", p->name);
		else
			buf_printf(out, "%s=%s", p->name, p->def);
	}
}

/*
 * An error from SQLite can quote the SQL ("no such column: ghp_..." for an unquoted secret):
 * anything in it that looks like a credential is masked, as in a stored rejected line.
 */
static void print_error(const struct buf *err, const char *tail)
{
	struct credential_scrubber *s = credential_scrubber_new();
	struct buf msg = BUF_INIT;
	credential_scrub(s, err->data ? err->data : "", err->len, &msg);
	cmd_error("query: %s%s", buf_str(&msg), tail ? tail : "");
	buf_free(&msg);
	credential_scrubber_free(s);
}

static int write_out(struct buf *out)
{
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
		cmd_error("cannot write the output");
		return -1;
	}
	buf_reset(out);
	return 0;
}

static int list_queries(const struct query_catalog *cat, const struct query_out_options *opt)
{
	static const char *const names[] = { "name", "parameters", "origin", "description" };
	struct query_out_options o = *opt;
	struct buf out = BUF_INIT, params = BUF_INIT;
	int rc;

	o.max_width = 100;
	struct query_out *w = query_out_new(&o, 4, names);
	for (size_t i = 0; i < cat->n; i++) {
		const struct query_def *d = &cat->defs[i];
		buf_reset(&params);
		describe_params(&params, d);
		struct query_value row[4] = {
			{ .type = QUERY_TEXT, .p = d->name, .n = strlen(d->name) },
			{ .type = QUERY_TEXT, .p = buf_str(&params), .n = params.len },
			{ .type = QUERY_TEXT, .p = d->origin, .n = strlen(d->origin) },
			{ .type = QUERY_TEXT, .p = d->description, .n = strlen(d->description) },
		};
		query_out_row(w, row, &out);
	}
	query_out_end(w, &out);
	rc = write_out(&out) < 0 || fflush(stdout) != 0 ? EXIT_FAIL : EXIT_OK;
	query_out_free(w);
	buf_free(&out);
	buf_free(&params);
	return rc;
}

static int read_stdin_sql(struct buf *sql)
{
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		buf_add(sql, chunk, got);
		if (sql->len > QUERY_MAX_SQL) {
			cmd_error("query: the SQL on stdin is longer than %d bytes", QUERY_MAX_SQL);
			return -1;
		}
	}
	if (ferror(stdin)) {
		cmd_error("query: cannot read the SQL from stdin");
		return -1;
	}
	return 0;
}

/*
 * The values of named query D: the given ones (GIVEN, whose names it must declare), else its
 * defaults; a parameter without a default must be given. Returns 0, or EXIT_USAGE (printed).
 */
static int resolve_params(const struct query_def *d, struct params *given, struct params *out)
{
	for (size_t i = 0; i < given->n; i++) {
		if (!query_def_param(d, given->v[i].name)) {
			struct buf names = BUF_INIT;
			describe_params(&names, d);
			cmd_usage_error("query", "%s has no parameter '%s' (its parameters: %s)", d->name, given->v[i].name,
					names.len ? buf_str(&names) : "none");
			buf_free(&names);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < d->nparams; i++) {
		const struct query_param_def *pd = &d->params[i];
		const struct query_param *p = params_find(given, pd->name);
		struct query_param v;
		if (p) {
			v.name = xstrdup(p->name);
			v.type = p->type != QUERY_NULL && pd->is_text ? QUERY_TEXT : p->type;
			v.value = p->value ? xstrdup(p->value) : NULL;
		} else if (pd->def) {
			query_param_set(&v, pd->name, pd->def_is_null ? NULL : pd->def, pd->is_text && !pd->def_is_null);
		} else {
			return cmd_usage_error("query", "%s needs -p %s=VALUE (%s)", d->name, pd->name,
					       *pd->help ? pd->help : "no default");
		}
		params_add(out, &v);
	}
	return 0;
}

int cmd_query(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "param", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "timeout", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "list", no_argument, NULL, 'l' },
		{ "show", no_argument, NULL, 's' },
		{ "queries", required_argument, NULL, 'q' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct query_out_options opt = { .format = QUERY_FORMAT_CSV, .header = true };
	struct params given = { 0 }, bound = { 0 };
	struct query_catalog cat = { 0 };
	struct store *st = NULL;
	struct query *q = NULL;
	struct query_out *w = NULL;
	struct query_value *row = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT, sql_in = BUF_INIT, from = BUF_INIT, to = BUF_INIT;
	const char **names = NULL;
	const char *queries_dir = NULL, *format = NULL, *from_arg = NULL, *to_arg = NULL;
	const char *sql;
	bool is_list = false, is_show = false, is_tty = isatty(STDOUT_FILENO);
	double timeout = 0;
	int64_t from_epoch = 0, to_epoch = 0;
	int c, status = EXIT_FAIL;
	long rows = 0;
	struct sigaction sa = { 0 }, old_sa;
	bool has_handler = false;

	while ((c = getopt_long(argc, argv, ":p:f:h", options, NULL)) != -1) {
		struct query_param p;
		char *end;
		switch (c) {
		case 'p':
			if (query_param_parse(optarg, &p, &err) < 0) {
				status = cmd_usage_error("query", "%s", buf_str(&err));
				goto out;
			}
			if (strcmp(p.name, "from") == 0 || strcmp(p.name, "to") == 0) {
				status = cmd_usage_error("query", "give the period with --from and --to, not -p %s=", p.name);
				query_param_free(&p);
				goto out;
			}
			params_add(&given, &p);
			break;
		case 'f':
			format = optarg;
			if (query_format_parse(optarg, &opt.format) < 0) {
				status = cmd_usage_error("query", "--format is table, csv, json, jsonl or markdown, not '%s'", optarg);
				goto out;
			}
			break;
		case 'H':
			opt.header = false;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (end == optarg || *end || !isfinite(timeout) || timeout <= 0 || timeout > 1e6) {
				status = cmd_usage_error("query", "--timeout wants a number of seconds, not '%s'", optarg);
				goto out;
			}
			break;
		case 'F':
			from_arg = optarg;
			break;
		case 'T':
			to_arg = optarg;
			break;
		case 'l':
			is_list = true;
			break;
		case 's':
			is_show = true;
			break;
		case 'q':
			queries_dir = optarg;
			break;
		default:
			status = cmd_option(g, c, argv);
			goto out;
		}
	}
	if (!format)
		opt.format = is_tty ? QUERY_FORMAT_TABLE : QUERY_FORMAT_CSV;
	opt.to_terminal = is_tty;
	if (!opt.header && opt.format == QUERY_FORMAT_MARKDOWN) {
		status = cmd_usage_error("query", "a Markdown table needs its header: --no-header does not apply");
		goto out;
	}
	if (from_arg && query_period_bound(from_arg, false, &from, &from_epoch) < 0) {
		status = cmd_usage_error("query", "--from wants a day YYYY-MM-DD or a time YYYY-MM-DDTHH:MM[:SS][Z]");
		goto out;
	}
	if (to_arg && query_period_bound(to_arg, true, &to, &to_epoch) < 0) {
		status = cmd_usage_error("query", "--to wants a day YYYY-MM-DD or a time YYYY-MM-DDTHH:MM[:SS][Z]");
		goto out;
	}
	if (from_arg && to_arg && to_epoch <= from_epoch) {
		status = cmd_usage_error("query", "the period is empty: --to ends it at %s, before --from starts it at %s",
					 buf_str(&to), buf_str(&from));
		goto out;
	}
	/* the period binds :from and :to as the instants it starts and ends at (query.h) */
	if (from_arg) {
		struct query_param p;
		query_param_set(&p, "from", buf_str(&from), true);
		params_add(&given, &p);
	}
	if (to_arg) {
		struct query_param p;
		query_param_set(&p, "to", buf_str(&to), true);
		params_add(&given, &p);
	}
	/* --queries, else $TOKSTAT_QUERIES, else [query] dir */
	if (query_catalog_load(&cat, config_get_queries(g->config, queries_dir), &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	if (is_list) {
		if (optind != argc) {
			status = cmd_usage_error("query", "--list takes no SQL or query name");
			goto out;
		}
		status = list_queries(&cat, &opt);
		goto out;
	}
	if (argc - optind != 1) {
		status = cmd_usage_error("query", argc == optind ? "give SQL, a query name (see --list) or - for SQL on stdin"
								 : "give one SQL string (quote it) or one query name");
		goto out;
	}
	sql = argv[optind];
	size_t sql_n = strlen(sql);
	/* A word (letters, digits, - and _) is a query's name; SQL has more to it. */
	if (strcmp(sql, "-") != 0 && sql_n && strspn(sql, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == sql_n) {
		const struct query_def *d = query_catalog_find(&cat, sql);
		if (!d) {
			/* a long word with digits could be a secret pasted by mistake: not repeated */
			if (sql_n >= 20 && strpbrk(sql, "0123456789"))
				status = cmd_usage_error("query", "no query has that name ('tokstat query --list' shows them)");
			else
				status = cmd_usage_error("query", "no query named '%s' ('tokstat query --list' shows them)", sql);
			goto out;
		}
		if (is_show) {
			fputs(d->sql, stdout);
			status = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
			goto out;
		}
		if ((from_arg && !query_def_param(d, "from")) || (to_arg && !query_def_param(d, "to"))) {
			status = cmd_usage_error("query", "%s takes no period (--from, --to)", d->name);
			goto out;
		}
		const struct query_param *cred = params_find(&given, "credential");
		if (cred && cred->value && looks_like_secret(cred->value)) {
			status = cmd_usage_error("query", "-p credential= takes a mask (ghp_abc1...xyz1) or a fingerprint "
					 "prefix; that looks like a full secret: run 'tokstat credential -' and paste the "
					 "secret there, to keep it out of the shell's history");
			goto out;
		}
		if ((status = resolve_params(d, &given, &bound)) != 0)
			goto out;
		status = EXIT_FAIL;
		sql = d->sql;
	} else {
		if (is_show) {
			status = cmd_usage_error("query", "--show wants a query name");
			goto out;
		}
		if (strcmp(sql, "-") == 0) {
			if (read_stdin_sql(&sql_in) < 0)
				goto out;
			sql = buf_str(&sql_in);
		}
		bound = given;
		given = (struct params){ 0 };
	}

	if (cmd_open_store(g, STORE_READ_ONLY, &st) < 0)
		goto out;
	if (query_open(&q, store_path(st), store_db(st), &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	store_close(st);
	st = NULL;
	if (query_prepare(q, sql, &err) < 0 || query_bind(q, bound.v, bound.n, &err) < 0) {
		print_error(&err, NULL);
		goto out;
	}
	size_t ncols = query_ncols(q);
	names = xcalloc(ncols ? ncols : 1, sizeof(*names));
	for (size_t i = 0; i < ncols; i++)
		names[i] = query_col_name(q, i);
	row = xcalloc(ncols ? ncols : 1, sizeof(*row));
	w = query_out_new(&opt, ncols, names);
	query_set_timeout(q, timeout);

	interrupt_target = q;
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C ends tokstat at once */
	sigemptyset(&sa.sa_mask);
	has_handler = sigaction(SIGINT, &sa, &old_sa) == 0;

	int step;
	while ((step = query_step(q, row, &err)) == 1) {
		query_out_row(w, row, &out);
		rows++;
		if ((out.len >= QUERY_FLUSH_BYTES || (is_tty && out.len)) && write_out(&out) < 0)
			goto out;
	}
	/* also after a stop: the rows so far, and a JSON array closed so that it still parses */
	query_out_end(w, &out);
	if (write_out(&out) < 0 || fflush(stdout) != 0) {
		cmd_error("cannot write the output");
		goto out;
	}
	if (step < 0) {
		enum query_stop why = query_stopped(q);
		struct buf rows_note = BUF_INIT;
		buf_printf(&rows_note, "%s (%ld row%s written)", why == QUERY_INTERRUPTED ? " (Ctrl-C)" : "", rows,
			   rows == 1 ? "" : "s");
		print_error(&err, buf_str(&rows_note));
		buf_free(&rows_note);
		status = why == QUERY_TIMED_OUT ? QUERY_EXIT_TIMEOUT : why == QUERY_INTERRUPTED ? QUERY_EXIT_INTERRUPTED
											: EXIT_FAIL;
		goto out;
	}
	status = EXIT_OK;
out:
	if (has_handler)
		sigaction(SIGINT, &old_sa, NULL);
	interrupt_target = NULL;
	query_out_free(w);
	query_close(q);
	store_close(st);
	query_catalog_free(&cat);
	params_free(&given);
	params_free(&bound);
	free(names);
	free(row);
	buf_free(&err);
	buf_free(&out);
	buf_free(&sql_in);
	buf_free(&from);
	buf_free(&to);
	return status;
}
