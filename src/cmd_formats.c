/* tokstat formats: every format, its kind and where its definition came from. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "format.h"

int cmd_formats(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "parsers", required_argument, NULL, 'p' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	const char *parsers = NULL; /* --parsers, else the config's (config_get_parsers) */
	struct format_set set;
	struct buf err = BUF_INIT;
	int c;

	while ((c = getopt_long(argc, argv, "+:p:h", options, NULL)) != -1) {
		if (c != 'p')
			return cmd_option(g, c, argv);
		parsers = optarg;
	}
	if (optind != argc)
		return cmd_usage_error("formats", "takes no arguments");
	if (format_set_load(&set, config_get_parsers(g->config, parsers), &err) < 0) {
		cmd_error("%s", err.data);
		buf_free(&err);
		return EXIT_FAIL;
	}
	printf("%-16s %-6s %-8s %s\n", "NAME", "KIND", "PRIORITY", "ORIGIN / DESCRIPTION");
	for (size_t i = 0; i < set.n; i++) {
		const struct format *f = set.v[i];
		printf("%-16s %-6s %-8d %s\n%-32s %s\n", f->name, f->ops->kind, f->priority, f->origin, "",
		       f->description ? f->description : "");
	}
	format_set_free(&set);
	buf_free(&err);
	return EXIT_OK;
}
