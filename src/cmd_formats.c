/* tokstat formats: every format, its kind and where its definition came from. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "format.h"
#include "out.h"
#include "report.h"

/* The formats of SET as a table of R: name, kind, priority, origin, description. */
static struct report_table *formats_table(struct report *r, const struct format_set *set)
{
	static const struct report_column cols[] = {
		{ "name", "name", REPORT_TYPE_TEXT, NULL },
		{ "kind", "kind", REPORT_TYPE_TEXT, NULL },
		{ "priority", "priority", REPORT_TYPE_INT, NULL },
		{ "origin", "origin", REPORT_TYPE_TEXT, NULL },
		{ "description", "description", REPORT_TYPE_TEXT, NULL },
	};
	r->key = xstrdup("formats");
	report_set_title(r, "tokstat formats");
	struct report_table *t = report_add_table(r, "formats", NULL, REPORT_LIST, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < set->n; i++) {
		const struct format *f = set->v[i];
		report_add_text(t, f->name);
		report_add_text(t, f->ops->kind);
		report_add_int(t, f->priority);
		report_add_text(t, f->origin);
		report_add_text(t, f->description);
	}
	return t;
}

/* The text form: a header, then two lines per format (name, kind, priority, origin; description). */
static void formats_text(struct buf *out, const struct report_table *t)
{
	buf_printf(out, "%-16s %-6s %-8s %s\n", "NAME", "KIND", "PRIORITY", "ORIGIN / DESCRIPTION");
	for (size_t row = 0; row < t->nrows; row++)
		buf_printf(out, "%-16s %-6s %-8lld %s\n%-32s %s\n", report_text(t, report_cell(t, row, 0)),
			   report_text(t, report_cell(t, row, 1)), (long long)report_cell(t, row, 2)->i,
			   report_text(t, report_cell(t, row, 3)), "", report_text(t, report_cell(t, row, 4)));
}

int cmd_formats(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "parsers", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	const char *parsers = NULL; /* --parsers, else the config's (config_get_parsers) */
	const char *format = "text";
	struct format_set set = { 0 };
	struct report r = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	bool is_text;
	int c, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "+:p:h", options, NULL)) != -1) {
		if (c == 'p')
			parsers = optarg;
		else if (c == 'F')
			format = optarg;
		else
			return cmd_option(g, c, argv);
	}
	if (optind != argc)
		return cmd_usage_error("formats", "takes no arguments");
	if (cmd_output_format(format, &is_text) < 0)
		return cmd_usage_error("formats", "--format wants text, csv or json, not '%s'", format);
	if (format_set_load(&set, config_get_parsers(g->config, parsers), &err) < 0) {
		cmd_error("%s", err.data);
		goto out;
	}
	const struct report_table *t = formats_table(&r, &set);
	if (!is_text) {
		status = cmd_print_report(&r, format) == 0 ? EXIT_OK : EXIT_FAIL;
		goto out;
	}
	formats_text(&out, t);
	if (out_emit(&out, NULL, stdout, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	status = EXIT_OK;
out:
	report_free(&r);
	format_set_free(&set);
	buf_free(&out);
	buf_free(&err);
	return status;
}
