/* tokstat pricing: list, import and check the model prices (see pricing.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "out.h"
#include "pricing.h"
#include "report.h"

int cmd_pricing(int argc, char **argv, const struct global *g)
{
	static const struct option options[] = {
		{ "effective-from", required_argument, NULL, 'f' },
		CMD_OPTION_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct report r = { 0 };
	struct pricing_import_stats stats;
	/* GNU getopt permutes: options may follow the subcommand (pricing import --effective-from D F). */
	char today[11];
	const char *from = NULL, *sub;
	time_t now = time(NULL);
	int c, n, status = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, ":f:h", options, NULL)) != -1) {
		if (c != 'f')
			return cmd_option(g, c, argv);
		from = optarg;
		if (!pricing_is_date(from))
			return cmd_usage_error("pricing", "--effective-from wants a date YYYY-MM-DD, not '%s'", from);
	}
	sub = optind < argc ? argv[optind++] : "list";
	if (strcmp(sub, "import") == 0 ? argc - optind != 1
	    : strcmp(sub, "list") == 0 ? argc - optind > 1
	    : strcmp(sub, "missing") == 0 ? argc - optind != 0 : 1)
		return cmd_usage_error("pricing", "unknown subcommand or wrong arguments: %s", sub);
	if (from && strcmp(sub, "import") != 0)
		return cmd_usage_error("pricing", "--effective-from goes with import");
	/* import writes the price table (creating the database); list and missing only read */
	if (cmd_open_store(g, strcmp(sub, "import") == 0 ? STORE_READ_WRITE : STORE_READ_ONLY, &st) < 0)
		goto out;
	sqlite3 *db = store_db(st);
	if (strcmp(sub, "import") == 0) {
		strftime(today, sizeof(today), "%Y-%m-%d", gmtime(&now));
		if (pricing_import(st, argv[optind], from ? from : today, &stats, &err) < 0) {
			cmd_error("%s", err.data);
			goto out;
		}
		report_set_title(&r, "%s: %s prices: %lld added, %lld changed, %lld unchanged", argv[optind],
				 stats.is_litellm ? "LiteLLM" : "CSV", (long long)stats.added, (long long)stats.changed,
				 (long long)stats.unchanged);
	} else if (strcmp(sub, "list") == 0) {
		if (pricing_list(db, optind < argc ? argv[optind] : NULL, &r, &err) < 0) {
			cmd_error("%s", err.data);
			goto out;
		}
	} else {
		if ((n = pricing_missing(db, &r, &err)) < 0) {
			cmd_error("%s", err.data);
			goto out;
		}
		if (n == 0) { /* a sentence, not an empty table */
			report_free(&r);
			report_add_note(&r, REPORT_LEVEL_GOOD, "Every model with tokens has a price.");
		}
	}
	out_text_report(&out, &r);
	if (out_emit(&out, NULL, stdout, &err) < 0) {
		cmd_error("%s", buf_str(&err));
		goto out;
	}
	status = EXIT_OK;
out:
	store_close(st);
	report_free(&r);
	buf_free(&err);
	buf_free(&out);
	return status;
}
